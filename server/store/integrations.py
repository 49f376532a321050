"""Integration tokens of the public API (part of `SqlStore`)."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, update

from ..services.model import AuditEntry, IntegrationToken, Scope
from .base import SqlBase, insert_audit, maybe
from .tables import integration_tokens

T = integration_tokens.c
ADD_LOCK = 0x5D1_7043  # PostgreSQL's advisory lock of adding an integration token


def _token_of(row: Any) -> IntegrationToken:
    return IntegrationToken(id=row["id"], name=row["name"], scope=Scope(row["scope"]), site_id=row["site_id"],
                            created_by=row["created_by"], token_hash=row["token_hash"], created_at=row["created_at"],
                            last_used_at=row["last_used_at"], revoked_at=row["revoked_at"])


class IntegrationRecords(SqlBase):
    async def integration_token_login(self, token_hash: str) -> IntegrationToken | None:
        """The token of that hash, unless revoked. Read from the store on
        every request (no cache), so a revocation holds at once on every node."""
        return maybe(_token_of, await self._first(
            select(integration_tokens).where(T.token_hash == token_hash, T.revoked_at.is_(None))))

    async def integration_token_by_id(self, token_id: str) -> IntegrationToken | None:
        """The token, revoked or not (the audit log names revoked ones too)."""
        return maybe(_token_of, await self._first(select(integration_tokens).where(T.id == token_id)))

    async def touch_integration_token(self, token_id: str, at: datetime) -> None:
        await self._write(update(integration_tokens).where(T.id == token_id).values(last_used_at=at))

    async def integration_tokens(self) -> list[IntegrationToken]:
        """The tokens not revoked, the newest first."""
        stmt = select(integration_tokens).where(T.revoked_at.is_(None)).order_by(T.created_at.desc(), T.id)
        return [_token_of(r) for r in await self._all(stmt)]

    async def add_integration_token(self, token: IntegrationToken, audit: AuditEntry, *,
                                    limit: int) -> IntegrationToken | None:
        """Store it with `audit`, unless `limit` tokens not revoked exist
        already (then None). The count is part of the INSERT, one atomic
        statement on SQLite (as add_api_token's); on PostgreSQL the
        transaction holds ADD_LOCK first."""
        values = {**dataclasses.asdict(token), "scope": str(token.scope)}
        held = select(func.count()).select_from(integration_tokens).where(T.revoked_at.is_(None)).scalar_subquery()
        row = select(*(literal(value, T[name].type).label(name) for name, value in values.items())).where(held < limit)
        async with self._transaction() as conn:
            if conn.dialect.name == "postgresql":
                # No parent row to lock (as add_api_token locks its agent's): a
                # lock of its own, so that a second request at once (another
                # node's) waits and then counts the first one's token.
                await conn.execute(select(func.pg_advisory_xact_lock(ADD_LOCK)))
            if (await conn.execute(insert(integration_tokens).from_select(list(values), row))).rowcount != 1:
                return None
            await insert_audit(conn, audit)
            return token

    async def revoke_integration_token(self, token_id: str, at: datetime,
                                       audit: AuditEntry) -> IntegrationToken | None:
        """Revoke it, with `audit`; None if there was no such token not revoked yet."""
        stmt = (update(integration_tokens).where(T.id == token_id, T.revoked_at.is_(None))
                .values(revoked_at=at).returning(*integration_tokens.c))
        return maybe(_token_of, await self._write(stmt, audit))
