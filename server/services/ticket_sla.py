"""The ticket SLA clocks at work: response, resolution, and a critical
ticket's hourly update to its requester.

The rules are `policy.ticket_sla`'s; this service keeps one deadline per
ticket with running clocks in the live state (`ticket_sla:<ticket id>`),
set to the ticket's next stage not yet fired; the timers fire it on exactly
one node. When it fires, the ticket is read again from the store (the
record, whichever node changed it), every stage due is recorded once in the
store (a unique index) and only then announced: `ticket:sla` to its
assignee (every agent while it has none), and for a breach an `alert` to
the supervisors. Every change of a ticket re-arms its deadline from the
record (`TicketSaved` on the bus), and at start-up (or after Redis came
back empty) `recover` re-arms every open ticket's, so a restart loses none
and announces none twice.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from ..policy.figures import day_start
from ..policy.ticket_sla import (ClockState, Deadline, DeskCalendar, TicketSlaLimits, TicketTimeline, clock_states,
                                 deadlines, figures)
from . import events as ev
from . import rooms
from .bus import TicketSaved
from .context import Desk
from .model import Ticket, TicketSlaEvent, TicketStatus, ticket_label
from .timers import Timers
from .hook_events import stage
from .views import iso, ticket_view

log = logging.getLogger(__name__)
TICKET_SLA = "ticket_sla"  # the timers' kind
ALERT = "ticket_sla"  # the alert kind (dashboard, GET /api/alerts)
Fired = tuple[str, str, datetime]  # (kind, stage, clock start)


def timeline_of(ticket: Ticket) -> TicketTimeline:
    return TicketTimeline(str(ticket.priority), ticket.created_at, ticket.response_due_at, ticket.resolution_due_at,
                          ticket.first_response_at, ticket.resolved_at, ticket.last_update_at,
                          running=ticket.status is not TicketStatus.PENDING_CONFIRMATION)


def ticket_alert(event: TicketSlaEvent, number: int, subject: str) -> dict[str, Any]:
    """A ticket SLA warning or breach as supervisors see it: the live `alert` and the
    stored list (`number` and `subject` are the ticket's)."""
    return {"kind": ALERT, "sla": event.kind, "stage": event.stage, "ticket_id": event.ticket_id,
            "number": ticket_label(number),
            "subject": subject, "priority": event.priority, "agent_id": event.agent_id,
            "elapsed_s": _seconds(event.anchor_at, event.at), "limit_s": _seconds(event.anchor_at, event.due_at),
            "due_at": iso(event.due_at), "at": iso(event.at)}


def _seconds(since: datetime, until: datetime) -> int:
    return max(0, int((until - since).total_seconds()))


def clocks_view(states: dict[str, ClockState]) -> dict[str, Any]:
    """A ticket's clocks as consoles get them: {KIND: TICKET_CLOCK} (protocol.md)."""
    return {kind: {"state": c.state, "level": c.level, "due_at": iso(c.due_at), "warn_at": iso(c.warn_at),
                   "done_at": iso(c.done_at)} for kind, c in states.items()}


class TicketSlaService:
    def __init__(self, desk: Desk, timers: Timers) -> None:
        self._desk = desk
        self._timers = timers
        p = desk.config.policy
        self.limits = TicketSlaLimits(p.ticket_warn_percent, p.ticket_update_s)
        timers.on(TICKET_SLA, self._fire)
        desk.bus.on(TicketSaved, self._saved)

    def calendar(self, now: datetime) -> DeskCalendar:
        desk = self._desk
        return DeskCalendar(desk.desk_hours, desk.tz, desk.closed(now))

    # what consoles see
    def clocks(self, ticket: Ticket) -> dict[str, Any]:
        """The ticket's three clocks now (`sla` of a ticket in the REST API)."""
        now = self._desk.clock.now()
        return clocks_view(clock_states(timeline_of(ticket), self.limits, self.calendar(now), now))

    # what arms the clocks
    async def _saved(self, saved: TicketSaved) -> None:
        ticket = await self._desk.store.ticket_by_id(saved.ticket_id)
        if ticket is not None:
            await self._arm(ticket, await self._fired(ticket.id))

    async def recover(self) -> None:
        """After a restart, or Redis back empty: every open ticket's next
        deadline from the store (stages due meanwhile fire at the next pass)."""
        for ticket in await self._desk.store.tickets_with_clocks():
            await self._arm(ticket, await self._fired(ticket.id))

    async def _fired(self, ticket_id: str) -> set[Fired]:
        return {(e.kind, e.stage, e.anchor_at) for e in await self._desk.store.ticket_sla_events(ticket_id)}

    def _pending(self, ticket: Ticket, fired: set[Fired], now: datetime) -> list[Deadline]:
        return [d for d in deadlines(timeline_of(ticket), self.limits, self.calendar(now))
                if (d.kind, d.stage, d.since) not in fired]

    async def _arm(self, ticket: Ticket, fired: set[Fired]) -> None:
        pending = self._pending(ticket, fired, self._desk.clock.now())
        if pending:
            await self._timers.set_at(TICKET_SLA, ticket.id, pending[0].at)
        else:
            await self._timers.cancel(TICKET_SLA, ticket.id)

    async def _fire(self, ticket_id: str) -> None:
        store, now = self._desk.store, self._desk.clock.now()
        ticket = await store.ticket_by_id(ticket_id)
        if ticket is None:
            return
        fired = await self._fired(ticket.id)  # the record decides
        for deadline in self._pending(ticket, fired, now):
            if deadline.at > now:
                break
            fired.add((deadline.kind, deadline.stage, deadline.since))
            event = TicketSlaEvent(ticket.id, deadline.kind, deadline.stage, deadline.since, now, deadline.due,
                                   str(ticket.priority), ticket.assignee_id)
            sla = {"kind": event.kind, "stage": event.stage, "at": iso(event.at), "due_at": iso(event.due_at),
                   "priority": event.priority, "agent_id": event.agent_id}
            with stage(self._desk, ticket.site_id, f"sla.{event.stage}",
                       lambda: {"ticket": ticket_view(ticket), "sla": sla}):
                recorded = await store.record_ticket_sla_event(event)
            if recorded:
                self._announce(ticket, event)
        await self._arm(ticket, fired)

    def _announce(self, ticket: Ticket, event: TicketSlaEvent) -> None:
        """`ticket:sla` to the assignee (every agent while it has none), and
        an `alert` to the supervisors: a ticket's warnings reach the lead
        too, so that they can step in before the customer's promise breaks
        (a chat's warnings go to its agent only: it has minutes, not hours)."""
        to = rooms.agent(ticket.assignee_id) if ticket.assignee_id else rooms.AGENTS
        alert = ticket_alert(event, ticket.number, ticket.subject)
        self._desk.events.add(ev.TicketSla(to, {**alert, "sla_clocks": self.clocks(ticket)}))
        self._desk.events.add(ev.Alert(rooms.SUPERVISORS, alert))

    # the supervisors' lists and figures
    async def alerts(self, limit: int) -> list[dict[str, Any]]:
        """The newest warnings and breaches as `alert`s, newest first."""
        found = await self._desk.store.latest_ticket_sla_events(limit=limit)
        return [ticket_alert(event, number, subject) for event, number, subject in found]

    async def figures(self, since: datetime, until: datetime, agent_id: str | None = None) -> dict[str, Any]:
        """Response and resolution met / breached / open per priority, of
        the tickets created in [since, until) (assigned to `agent_id` if
        given), at now."""
        tickets = await self._desk.store.tickets_created(since, until)
        chosen = [timeline_of(t) for t in tickets if agent_id is None or t.assignee_id == agent_id]
        return {p: f.view() for p, f in figures(chosen, self._desk.clock.now()).items()}

    async def figures_of_days(self, first: date, last: date, agent_id: str | None = None) -> dict[str, Any]:
        """`figures` of the tickets created on desk-local days `first` to `last` (both included)."""
        tz = self._desk.tz
        return await self.figures(day_start(first, tz), day_start(last + timedelta(days=1), tz), agent_id)

    async def overdue(self) -> dict[tuple[str, str], int]:
        """Running clocks past their due now, by (kind, priority): /metrics."""
        now = self._desk.clock.now()
        calendar = self.calendar(now)
        counts: dict[tuple[str, str], int] = {}
        for ticket in await self._desk.store.tickets_with_clocks():
            for kind, state in clock_states(timeline_of(ticket), self.limits, calendar, now).items():
                if state.state == "running" and state.level == "breached":
                    counts[(kind, str(ticket.priority))] = counts.get((kind, str(ticket.priority)), 0) + 1
        return counts
