"""The ticket SLA clocks: response, resolution, and a critical ticket's
hourly update to its requester.

Pure: no I/O, no clock. Instants are timezone-aware (out: UTC); the desk's
calendar (`DeskCalendar`) counts business time as `policy.tickets` does.

Clocks, each with a warning and a breach (`TicketSlaLimits`):
- response: from the ticket's creation until its first agent reply; its
  breach is the stored `response_due_at` (`policy.tickets.ticket_due`).
  Solving the ticket without a reply stops it (nothing is left to answer).
- resolution: from the creation until the ticket is solved or closed; its
  breach is `resolution_due_at`. Reopening starts it again (same target).
- update: a ticket of a priority in `update_priorities` (critical) not yet
  solved must tell its requester something (an agent's reply or a status
  change) at least every `update_s` seconds of wall time (critical tickets
  are handled 24/7): it runs from the last update, or the creation.
The warning comes at `warn_percent` of the clock's target, counted on the
target's own clock: wall time for a 24/7 target, open time of the desk for
a business-hours one (a high ticket opened late on Friday warns on Monday
morning, not on Saturday). A ticket waiting for its requester's
confirmation has no running clock.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .calendar import WeeklyHours
from .tickets import TARGETS, Clock, add_business_time, business_seconds

Kind = Literal["response", "resolution", "update"]
KINDS: tuple[Kind, ...] = ("response", "resolution", "update")
Stage = Literal["warning", "breach"]
State = Literal["running", "met", "missed", "stopped"]
Level = Literal["ok", "warning", "breached"]
PRIORITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class TicketSlaLimits:
    """`[policy] ticket_warn_percent` and `ticket_update_s`. Raises
    ValueError unless 0 < warn_percent < 100 and update_s > 0."""

    warn_percent: int = 75
    update_s: int = 3600
    update_priorities: frozenset[str] = frozenset({"critical"})

    def __post_init__(self) -> None:
        if not 0 < self.warn_percent < 100:
            raise ValueError(f"warn_percent: need 0 < {self.warn_percent} < 100")
        if self.update_s <= 0:
            raise ValueError(f"update_s: need > 0, got {self.update_s}")


@dataclass(frozen=True)
class DeskCalendar:
    """The desk's hours, zone and closed local dates (holidays, closures)."""

    hours: WeeklyHours
    tz: ZoneInfo
    closed: frozenset[date] = frozenset()


@dataclass(frozen=True)
class TicketTimeline:
    """What the clocks need of one ticket (aware instants). `running` is
    False while it waits for its requester's confirmation."""

    priority: str
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    last_update_at: datetime | None = None
    running: bool = True


@dataclass(frozen=True)
class Deadline:
    """At `at` the ticket reaches `stage` of `kind`; the clock started at
    `since` (what makes one wait one clock) and breaches at `due`."""

    kind: Kind
    stage: Stage
    at: datetime
    since: datetime
    due: datetime = field(compare=False)


def deadlines(ticket: TicketTimeline, limits: TicketSlaLimits, calendar: DeskCalendar) -> list[Deadline]:
    """Every deadline of the ticket's running clocks, past or future, sorted
    by (at, kind)."""
    found: list[Deadline] = []
    for kind, since, due in _running(ticket, limits):
        warn = warn_at(kind, ticket.priority, since, due, limits, calendar)
        if warn < due:
            found.append(Deadline(kind, "warning", warn, since, due))
        found.append(Deadline(kind, "breach", due, since, due))
    return sorted(found, key=lambda d: (d.at, KINDS.index(d.kind)))


def _running(ticket: TicketTimeline, limits: TicketSlaLimits) -> list[tuple[Kind, datetime, datetime]]:
    """(kind, since, due) of each clock running now."""
    if not ticket.running or ticket.resolved_at is not None:
        return []
    clocks: list[tuple[Kind, datetime, datetime]] = []
    if ticket.first_response_at is None:
        clocks.append(("response", ticket.created_at, ticket.response_due_at))
    clocks.append(("resolution", ticket.created_at, ticket.resolution_due_at))
    if ticket.priority in limits.update_priorities:
        since = update_since(ticket)
        clocks.append(("update", since, since + timedelta(seconds=limits.update_s)))
    return clocks


def update_since(ticket: TicketTimeline) -> datetime:
    """Where the update clock runs from: the last update, or the creation."""
    last = ticket.last_update_at
    return ticket.created_at if last is None or last < ticket.created_at else last


# Counting open time walks the calendar (about a millisecond a ticket); a
# ticket's warning never changes while its clock and the calendar do not, and
# the consoles' ticket lists ask again at every change of any ticket.
@lru_cache(maxsize=8192)
def warn_at(kind: Kind, priority: str, since: datetime, due: datetime, limits: TicketSlaLimits,
            calendar: DeskCalendar) -> datetime:
    """`warn_percent` of the way from `since` to `due` (aware UTC): in open
    time for a business-hours target, else in wall time."""
    if kind != "update" and _clock_of(kind, priority) is not Clock.WALL:
        c = calendar
        open_s = business_seconds(c.hours, c.tz, since, due, c.closed)
        return add_business_time(c.hours, c.tz, since, open_s * limits.warn_percent // 100, c.closed)
    span = (due - since).total_seconds()
    return (since + timedelta(seconds=int(span * limits.warn_percent // 100))).astimezone(UTC)


def _clock_of(kind: Kind, priority: str) -> Clock:
    targets = TARGETS.get(priority)
    if targets is None:
        return Clock.WALL
    return (targets.response if kind == "response" else targets.resolution).clock


def due(ticket: TicketTimeline, limits: TicketSlaLimits, calendar: DeskCalendar, now: datetime) -> list[Deadline]:
    """The deadlines reached at `now` (aware), in order."""
    return [d for d in deadlines(ticket, limits, calendar) if d.at <= now]


@dataclass(frozen=True)
class ClockState:
    """One clock as a console shows it. `state`: running, met (done in
    time: `done_at`), missed (done late), stopped (not timed: no update
    clock for this priority, a response never given to a solved ticket,
    a ticket awaiting confirmation). `level` is where a running clock
    stands at `now` (a done one: breached if missed)."""

    kind: Kind
    state: State
    level: Level = "ok"
    due_at: datetime | None = None
    warn_at: datetime | None = None
    done_at: datetime | None = None


def clock_states(ticket: TicketTimeline, limits: TicketSlaLimits, calendar: DeskCalendar,
                 now: datetime) -> dict[Kind, ClockState]:
    """The three clocks of a ticket at `now`, by kind (in `KINDS` order)."""
    states: dict[Kind, ClockState] = {
        "response": _done("response", ticket.first_response_at, ticket.response_due_at),
        "resolution": _done("resolution", ticket.resolved_at, ticket.resolution_due_at),
        "update": ClockState("update", "stopped"),
    }
    if ticket.first_response_at is None and (ticket.resolved_at is not None or not ticket.running):
        states["response"] = ClockState("response", "stopped", due_at=ticket.response_due_at)
    if ticket.resolved_at is None and not ticket.running:
        states["resolution"] = ClockState("resolution", "stopped", due_at=ticket.resolution_due_at)
    for kind, since, due_at in _running(ticket, limits):
        warn = warn_at(kind, ticket.priority, since, due_at, limits, calendar)
        level: Level = "breached" if now >= due_at else "warning" if now >= warn else "ok"
        states[kind] = ClockState(kind, "running", level, due_at, warn)
    return states


def _done(kind: Kind, done_at: datetime | None, due_at: datetime) -> ClockState:
    if done_at is None:
        return ClockState(kind, "stopped", due_at=due_at)
    if done_at <= due_at:
        return ClockState(kind, "met", "ok", due_at, done_at=done_at)
    return ClockState(kind, "missed", "breached", due_at, done_at=done_at)


@dataclass
class Tally:
    """One clock's count over some tickets: met (done in time), breached
    (done late, or not done past its due), open (not done, not due yet)."""

    met: int = 0
    breached: int = 0
    open: int = 0

    def count(self, done_at: datetime | None, due_at: datetime, now: datetime, *, stopped: bool = False) -> None:
        if done_at is not None:
            if done_at <= due_at:
                self.met += 1
            else:
                self.breached += 1
        elif stopped:
            return
        elif now > due_at:
            self.breached += 1
        else:
            self.open += 1


@dataclass
class PriorityFigures:
    """The tickets of one priority and their two clocks' tallies."""

    tickets: int = 0
    response: Tally = field(default_factory=Tally)
    resolution: Tally = field(default_factory=Tally)

    def view(self) -> dict[str, object]:
        return {"tickets": self.tickets, "response": dict(vars(self.response)),
                "resolution": dict(vars(self.resolution))}


def figures(tickets: Iterable[TicketTimeline], now: datetime) -> dict[str, PriorityFigures]:
    """Response and resolution met, breached and open per priority (every
    priority present, in PRIORITIES order), at `now`. A ticket awaiting
    confirmation counts nowhere; a response never given to a solved ticket
    counts as neither met nor breached."""
    rows = {p: PriorityFigures() for p in PRIORITIES}
    for t in tickets:
        row = rows.get(t.priority)
        if row is None or not t.running:
            continue
        row.tickets += 1
        row.response.count(t.first_response_at, t.response_due_at, now, stopped=t.resolved_at is not None)
        row.resolution.count(t.resolved_at, t.resolution_due_at, now)
    return rows
