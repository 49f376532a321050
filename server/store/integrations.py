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
        statement (as add_api_token's)."""
        values = {**dataclasses.asdict(token), "scope": str(token.scope)}
        held = select(func.count()).select_from(integration_tokens).where(T.revoked_at.is_(None)).scalar_subquery()
        row = select(*(literal(value, T[name].type).label(name) for name, value in values.items())).where(held < limit)
        async with self._transaction() as conn:
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
