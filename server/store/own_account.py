"""What an agent manages of their own account (part of `SqlStore`): their
password, their console sessions, their named API tokens."""
from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update

from ..services.model import Agent, ApiToken, AuditEntry, ConsoleSession
from . import rows
from .base import SqlBase, insert_audit, maybe
from .sessions import S, _valid  # what makes a session valid, spelled once
from .tables import agents, api_tokens, console_sessions, password_resets

T = api_tokens.c


def _token_of(row: Any) -> ApiToken:
    return ApiToken(id=row["id"], agent_id=row["agent_id"], name=row["name"], token_hash=row["token_hash"],
                    created_at=row["created_at"], last_used_at=row["last_used_at"], revoked_at=row["revoked_at"])


def _session_of(row: Any) -> ConsoleSession:
    return ConsoleSession(id=row["id"], agent_id=row["agent_id"], epoch=row["epoch"], created_at=row["created_at"],
                          last_seen_at=row["last_seen_at"], revoked_at=row["revoked_at"], client=row["client"])


class OwnAccountRecords(SqlBase):
    # the password: a new one ends the agent's other console sessions
    async def change_password(self, agent_id: str, password_hash: str, *, keep_session: str, at: datetime,
                              audit: AuditEntry) -> list[str]:
        """Store the new hash and revoke every session of the agent but
        `keep_session`, and void the agent's unused password links (one a
        lead passed on must not outlive the password the agent chose), with
        `audit`, in one transaction; the ids of the sessions it revoked."""
        async with self._transaction() as conn:
            await conn.execute(update(agents).where(agents.c.id == agent_id).values(password_hash=password_hash))
            await conn.execute(delete(password_resets).where(password_resets.c.agent_id == agent_id,
                                                             password_resets.c.used_at.is_(None)))
            revoked = await conn.execute(
                update(console_sessions)
                .where(S.agent_id == agent_id, S.id != keep_session, S.revoked_at.is_(None))
                .values(revoked_at=at).returning(S.id))
            ended = [row[0] for row in revoked]
            await insert_audit(conn, audit)
            return ended

    # console sessions
    async def console_sessions_of(self, agent_id: str, *, since: datetime, limit: int = 100) -> list[ConsoleSession]:
        """The agent's valid sessions (store/sessions.py), the newest `limit` first."""
        stmt = (select(console_sessions).join(agents, S.agent_id == agents.c.id)
                .where(S.agent_id == agent_id, *_valid(since)).order_by(S.created_at.desc(), S.id).limit(limit))
        return [_session_of(r) for r in await self._all(stmt)]

    async def end_console_session(self, agent_id: str, session_id: str, at: datetime, audit: AuditEntry) -> bool:
        """Revoke the agent's session (not another agent's), with `audit`;
        False if there was no such session not revoked yet."""
        stmt = (update(console_sessions).where(S.id == session_id, S.agent_id == agent_id, S.revoked_at.is_(None))
                .values(revoked_at=at).returning(S.id))
        return await self._write(stmt, audit) is not None

    # named API tokens
    async def api_token_login(self, token_hash: str) -> tuple[ApiToken, Agent] | None:
        """The token and its agent, if the token is not revoked and its agent not removed."""
        stmt = (select(agents, *(c.label(f"token_{c.name}") for c in T)).join(api_tokens, T.agent_id == agents.c.id)
                .where(T.token_hash == token_hash, T.revoked_at.is_(None), agents.c.removed_at.is_(None)))
        row = await self._first(stmt)
        if row is None:
            return None
        token = _token_of({c.name: row[f"token_{c.name}"] for c in T})
        return token, rows.agent_of(row)

    async def touch_api_token(self, token_id: str, at: datetime) -> None:
        await self._write(update(api_tokens).where(T.id == token_id).values(last_used_at=at))

    async def api_tokens_of(self, agent_id: str) -> list[ApiToken]:
        """The agent's tokens not revoked, the newest first."""
        stmt = (select(api_tokens).where(T.agent_id == agent_id, T.revoked_at.is_(None))
                .order_by(T.created_at.desc(), T.id))
        return [_token_of(r) for r in await self._all(stmt)]

    async def add_api_token(self, token: ApiToken, audit: AuditEntry, *, limit: int) -> ApiToken | None:
        """Store it with `audit`, unless its agent holds `limit` tokens not
        revoked already (then None). The count is part of the INSERT, so
        that it is one atomic statement on SQLite (which reads outside a
        transaction until the first write); on PostgreSQL the agent's row is
        locked first, so that a second request at once (another node's)
        waits and then counts the first one's token."""
        values = dataclasses.asdict(token)
        held = (select(func.count()).select_from(api_tokens)
                .where(T.agent_id == token.agent_id, T.revoked_at.is_(None)).scalar_subquery())
        row = select(*(literal(value, T[name].type).label(name) for name, value in values.items())).where(held < limit)
        async with self._transaction() as conn:
            await conn.execute(select(agents.c.id).where(agents.c.id == token.agent_id).with_for_update())
            if (await conn.execute(insert(api_tokens).from_select(list(values), row))).rowcount != 1:
                return None
            await insert_audit(conn, audit)
            return token

    async def revoke_api_token(self, agent_id: str, token_id: str, at: datetime,
                               audit: AuditEntry) -> ApiToken | None:
        """Revoke the agent's token (not another agent's), with `audit`; None
        if there was no such token not revoked yet."""
        stmt = (update(api_tokens).where(T.id == token_id, T.agent_id == agent_id, T.revoked_at.is_(None))
                .values(revoked_at=at).returning(*api_tokens.c))
        return maybe(_token_of, await self._write(stmt, audit))

    async def valid_api_tokens(self, token_ids: Collection[str]) -> set[str]:
        """Those of `token_ids` not revoked, of an agent not removed."""
        if not token_ids:
            return set()
        stmt = (select(T.id).join(agents, T.agent_id == agents.c.id)
                .where(T.id.in_(sorted(token_ids)), T.revoked_at.is_(None), agents.c.removed_at.is_(None)))
        return {row["id"] for row in await self._all(stmt)}
