"""What the desk's calendar and SLA clocks keep: closure days and the SLA
stages fired (part of `SqlStore`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select

from ..services.model import AuditEntry, Closure, SlaEvent
from . import rows
from .base import SqlBase, dialect_insert, matching, maybe, returned
from .tables import closures, sla_events

SLA_KEY = ["chat_id", "kind", "stage", "anchor_at"]


class PolicyRecords(SqlBase):
    # closures
    async def add_closure(self, closure: Closure, audit: AuditEntry | None = None) -> Closure:
        """Store a closure day. Raises Conflict if that day is already closed."""
        stmt = insert(closures).values(rows.closure_values(closure)).returning(*closures.c)
        return rows.closure_of(returned(await self._write(stmt, audit)))

    async def remove_closure(self, closure_id: str, audit: AuditEntry | None = None) -> Closure | None:
        """The closure removed; None if there was none with that id."""
        stmt = delete(closures).where(closures.c.id == closure_id).returning(*closures.c)
        return maybe(rows.closure_of, await self._write(stmt, audit))

    async def list_closures(self) -> list[Closure]:
        stmt = select(closures).order_by(closures.c.day)
        return [rows.closure_of(r) for r in await self._all(stmt)]

    # SLA events
    async def record_sla_event(self, event: SlaEvent) -> bool:
        """Store `event`; False (and nothing changes) if its (chat_id, kind,
        stage, anchor_at) is recorded already, by this node or another: the
        unique index decides, so two nodes never both record it."""
        stmt = (dialect_insert(self._engine.dialect.name, sla_events)
                .values(rows.sla_event_values(event))
                .on_conflict_do_nothing(index_elements=SLA_KEY)
                .returning(sla_events.c.id))
        return await self._write(stmt) is not None

    async def sla_events(self, *, chat_id: str | None = None, stage: str | None = None,
                         since: datetime | None = None,
                         until: datetime | None = None) -> list[SlaEvent]:
        """The events fired at `since` or later and before `until` (each
        bound optional), of that chat and stage if given, ordered by `at`."""
        e = sla_events.c
        conditions = matching((e.chat_id, chat_id), (e.stage, stage))
        if since is not None:
            conditions.append(e.at >= since)
        if until is not None:
            conditions.append(e.at < until)
        stmt = select(sla_events).where(*conditions).order_by(e.at, e.id)
        return [rows.sla_event_of(r) for r in await self._all(stmt)]

    async def latest_sla_events(self, *, stage: str, limit: int = 50) -> list[SlaEvent]:
        """The newest `limit` events of that stage, newest first."""
        e = sla_events.c
        stmt = select(sla_events).where(e.stage == stage).order_by(e.at.desc(), e.id.desc()).limit(limit)
        return [rows.sla_event_of(r) for r in await self._all(stmt)]
