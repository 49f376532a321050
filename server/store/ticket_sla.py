"""What the ticket SLA clocks keep: the stages fired, and the tickets they
run on (part of `SqlStore`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from ..services.model import AuditEntry, Ticket, TicketSlaEvent, TicketStatus
from . import rows
from .base import SqlBase, dialect_insert, maybe
from .tables import ticket_sla_events, tickets

KEY = ["ticket_id", "kind", "stage", "anchor_at"]
RUNNING = (TicketStatus.OPEN.value, TicketStatus.PENDING.value)


class TicketSlaRecords(SqlBase):
    async def record_ticket_sla_event(self, event: TicketSlaEvent) -> bool:
        """Store `event`; False (and nothing changes) if its (ticket_id,
        kind, stage, anchor_at) is recorded already, by this node or
        another: the unique index decides."""
        stmt = (dialect_insert(self._engine.dialect.name, ticket_sla_events)
                .values(rows.ticket_sla_event_values(event))
                .on_conflict_do_nothing(index_elements=KEY)
                .returning(ticket_sla_events.c.id))
        return await self._write(stmt) is not None

    async def ticket_sla_events(self, ticket_id: str) -> list[TicketSlaEvent]:
        e = ticket_sla_events.c
        stmt = select(ticket_sla_events).where(e.ticket_id == ticket_id).order_by(e.at, e.id)
        return [rows.ticket_sla_event_of(r) for r in await self._all(stmt)]

    async def latest_ticket_sla_events(self, *, stage: str | None = None,
                                       limit: int = 50) -> list[tuple[TicketSlaEvent, int, str]]:
        e, t = ticket_sla_events.c, tickets.c
        stmt = select(ticket_sla_events, t.number, t.subject).join(tickets, t.id == e.ticket_id)
        if stage is not None:
            stmt = stmt.where(e.stage == stage)
        stmt = stmt.order_by(e.at.desc(), e.id.desc()).limit(limit)
        return [(rows.ticket_sla_event_of(r), r["number"], r["subject"]) for r in await self._all(stmt)]

    async def ticket_sla_breach_counts(self) -> dict[tuple[str, str], int]:
        e = ticket_sla_events.c
        stmt = (select(e.kind, e.priority, func.count().label("n")).where(e.stage == "breach")
                .group_by(e.kind, e.priority))
        return {(r["kind"], r["priority"]): r["n"] for r in await self._all(stmt)}

    async def assign_ticket(self, ticket_id: str, agent_id: str | None, at: datetime,
                            audit: AuditEntry | None = None) -> Ticket | None:
        """The ticket with `assignee_id` set (None: nobody) and `updated_at`
        `at`, `audit` recorded in the same transaction; None if no such ticket."""
        stmt = (update(tickets).where(tickets.c.id == ticket_id).values(assignee_id=agent_id, updated_at=at)
                .returning(*tickets.c))
        return maybe(rows.ticket_of, await self._write(stmt, audit))

    async def tickets_with_clocks(self) -> list[Ticket]:
        t = tickets.c
        stmt = select(tickets).where(t.status.in_(RUNNING), t.resolved_at.is_(None)).order_by(t.number)
        return [rows.ticket_of(r) for r in await self._all(stmt)]

    async def tickets_created(self, since: datetime, until: datetime) -> list[Ticket]:
        t = tickets.c
        stmt = select(tickets).where(t.created_at >= since, t.created_at < until).order_by(t.created_at, t.number)
        return [rows.ticket_of(r) for r in await self._all(stmt)]
