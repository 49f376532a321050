"""Sites as the dashboard changes them (part of `SqlStore`; `save_site`,
the upsert by key of the command line, is in sql.py)."""
from __future__ import annotations

from sqlalchemy import func, insert, select, update

from ..services import errors
from ..services.model import AuditEntry, Site
from . import rows
from .base import SqlBase, maybe, returned
from .tables import sites


class SiteRecords(SqlBase):
    async def list_sites(self) -> list[Site]:
        """Every site, ordered by key."""
        return [rows.site_of(r) for r in await self._all(select(sites).order_by(sites.c.key))]

    async def count_sites(self) -> int:
        return int(await self._scalar(select(func.count()).select_from(sites)))

    async def add_site(self, site: Site, audit: AuditEntry | None = None) -> Site:
        """Store a new site. Raises Conflict if its key is taken."""
        stmt = insert(sites).values(rows.site_values(site)).returning(*sites.c)
        try:
            return rows.site_of(returned(await self._write(stmt, audit)))
        except errors.Conflict:
            raise errors.Conflict(f"the site key {site.key} is taken") from None

    async def update_site(self, site: Site, audit: AuditEntry | None = None, *,
                          secret_was: str | None = None) -> Site | None:
        """Its origins, identity mode and secrets replaced (not its key);
        None if there is no site with its id, or (`secret_was` given) if
        its secret is no longer that one: two rotations at once must not
        both believe they replaced the same secret."""
        values = rows.site_values(site)
        changes = {name: values[name] for name in ("origins", "identity", "secret", "previous_secret",
                                                   "previous_until")}
        stmt = update(sites).where(sites.c.id == site.id)
        if secret_was is not None:
            stmt = stmt.where(sites.c.secret == secret_was)
        return maybe(rows.site_of, await self._write(stmt.values(changes).returning(*sites.c), audit))
