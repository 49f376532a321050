"""Console sessions (part of `SqlStore`): a record per login, ended by
logout, by a change of the agent's epoch (password, API token, role,
removal) or by age."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, delete, insert, select, update

from ..services.model import Agent, ConsoleSession
from . import rows
from .base import SqlBase
from .tables import agents, console_sessions

S = console_sessions.c
_SESSION = (S.id.label("session_id"), S.epoch.label("session_epoch"), S.created_at.label("session_created_at"),
            S.last_seen_at.label("session_last_seen_at"))


def _valid(since: datetime) -> list[ColumnElement[bool]]:
    """A session not revoked, created at `since` or later, whose agent is
    not removed and still has the epoch it logged in with."""
    return [S.revoked_at.is_(None), S.created_at >= since, agents.c.removed_at.is_(None),
            agents.c.epoch == S.epoch]


class SessionRecords(SqlBase):
    async def add_console_session(self, session: ConsoleSession, *, expired_before: datetime) -> None:
        """Store it and, in the same transaction, drop every session created
        before `expired_before` (none of them can be valid any more)."""
        async with self._transaction() as conn:
            await conn.execute(insert(console_sessions).values(
                id=session.id, agent_id=session.agent_id, epoch=session.epoch, created_at=session.created_at,
                last_seen_at=session.last_seen_at, revoked_at=session.revoked_at, client=session.client))
            await conn.execute(delete(console_sessions).where(S.created_at < expired_before))

    async def console_login(self, session_id: str, *, since: datetime) -> tuple[ConsoleSession, Agent] | None:
        """The session and its agent if the session is valid (see `_valid`)."""
        stmt = (select(agents, *_SESSION).join(console_sessions, S.agent_id == agents.c.id)
                .where(S.id == session_id, *_valid(since)))
        row = await self._first(stmt)
        if row is None:
            return None
        agent = rows.agent_of(row)
        session = ConsoleSession(id=row["session_id"], agent_id=agent.id, epoch=row["session_epoch"],
                                 created_at=row["session_created_at"], last_seen_at=row["session_last_seen_at"])
        return session, agent

    async def valid_console_sessions(self, session_ids: Collection[str], *, since: datetime) -> set[str]:
        """Those of `session_ids` still valid."""
        if not session_ids:
            return set()
        stmt = (select(S.id).join(agents, S.agent_id == agents.c.id)
                .where(S.id.in_(sorted(session_ids)), *_valid(since)))
        return {row["id"] for row in await self._all(stmt)}

    async def touch_console_session(self, session_id: str, at: datetime) -> None:
        await self._write(update(console_sessions).where(S.id == session_id).values(last_seen_at=at))

    async def revoke_console_session(self, session_id: str, at: datetime) -> None:
        """Ends it (logout); a session revoked already keeps its first time."""
        await self._write(update(console_sessions).where(S.id == session_id, S.revoked_at.is_(None))
                          .values(revoked_at=at))

    async def agents_by_ids(self, agent_ids: Collection[str]) -> list[Agent]:
        """The agents stored under these ids, removed ones too."""
        if not agent_ids:
            return []
        stmt = select(agents).where(agents.c.id.in_(sorted(agent_ids)))
        return [rows.agent_of(r) for r in await self._all(stmt)]
