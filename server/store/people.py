"""The people of the desk as supervisors change them from the dashboard:
agents added and changed with their audit entry in the same transaction,
and one-time password reset links (part of `SqlStore`)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from ..services.model import Agent, AuditEntry, OutgoingMail, PasswordReset
from . import rows
from .base import SqlBase, first_row, insert_audit, insert_mails, maybe
from .tables import agents, password_resets

R = password_resets.c
# What a supervisor changes of an agent; the rest (password, API token,
# status) has its own paths.
EDITABLE = ("name", "role", "tier", "skills", "capacity", "shift", "on_call", "removed_at")


def _reset_values(reset: PasswordReset) -> dict:
    return {"id": reset.id, "agent_id": reset.agent_id, "created_at": reset.created_at,
            "expires_at": reset.expires_at, "created_by": reset.created_by, "used_at": reset.used_at}


def _reset_of(row) -> PasswordReset:
    return PasswordReset(id=row["id"], agent_id=row["agent_id"], created_at=row["created_at"],
                         expires_at=row["expires_at"], created_by=row["created_by"], used_at=row["used_at"])


class PeopleRecords(SqlBase):
    async def add_agent(self, agent: Agent, audit: AuditEntry) -> Agent:
        """Insert a new agent. Raises Conflict if the email is taken."""
        async with self._transaction() as conn:
            row = await first_row(conn, insert(agents).values(rows.agent_values(agent)).returning(*agents.c))
            await insert_audit(conn, audit)
        return rows.agent_of(row)

    async def change_agent(self, agent: Agent, audit: AuditEntry, *, new_epoch: bool = False) -> Agent | None:
        """Store `agent`'s EDITABLE fields (and `status`), moving its epoch on
        by one when `new_epoch` (its sessions and sockets end: a role change,
        a removal); None if there is no such agent. A removed agent's unused
        password links are voided in the same transaction: re-enabling the
        agent must not bring back a link handed out before."""
        values = {key: rows.agent_values(agent)[key] for key in EDITABLE} | {"status": agent.status.value}
        if new_epoch:
            values["epoch"] = agents.c.epoch + 1
        stmt = update(agents).where(agents.c.id == agent.id).values(values).returning(*agents.c)
        async with self._transaction() as conn:
            row = await first_row(conn, stmt)
            if row is None:
                return None
            if agent.removed_at is not None:
                await conn.execute(delete(password_resets).where(R.agent_id == agent.id, R.used_at.is_(None)))
            await insert_audit(conn, audit)
        return rows.agent_of(row)

    async def add_password_reset(self, reset: PasswordReset, audit: AuditEntry,
                                 mails: Iterable[OutgoingMail] = ()) -> None:
        """Store the link, void the agent's earlier unused ones, record
        `audit` and queue `mails`, in one transaction."""
        async with self._transaction() as conn:
            await conn.execute(delete(password_resets).where(R.agent_id == reset.agent_id, R.used_at.is_(None)))
            await conn.execute(insert(password_resets).values(_reset_values(reset)))
            await insert_audit(conn, audit)
            await insert_mails(conn, mails)

    async def password_reset(self, reset_id: str) -> PasswordReset | None:
        return maybe(_reset_of, await self._first(select(password_resets).where(R.id == reset_id)))

    async def use_password_reset(self, reset: PasswordReset, now: datetime, password_hash: str,
                                 audit: AuditEntry) -> Agent | None:
        """Spend the link and set the agent's password with a new epoch (its
        sessions and sockets end), in one transaction; None (and nothing
        changes) if the link is used, expired or gone, or its agent removed."""
        live_agents = select(agents.c.id).where(agents.c.removed_at.is_(None))
        async with self._transaction() as conn:
            spent = await first_row(conn, update(password_resets).where(
                R.id == reset.id, R.agent_id == reset.agent_id, R.used_at.is_(None), R.expires_at > now,
                R.agent_id.in_(live_agents)).values(used_at=now).returning(R.id))
            if spent is None:
                return None
            row = await first_row(conn, update(agents).where(agents.c.id == reset.agent_id).values(
                password_hash=password_hash, epoch=agents.c.epoch + 1).returning(*agents.c))
            await insert_audit(conn, audit)
        return rows.agent_of(row)
