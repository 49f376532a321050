"""The supervisors' live figures (the `metrics` push) and what /metrics
serves, both counted by `services.reports` over the store's facts.

The push is driven by change, not by a hook in every service: the desk's
Notifier is wrapped (`ChangeNotifier`) so that every event emitted marks
today's figures stale. Once a real second (a refresh rate for people, not a
policy timer) the live part (queue, agents, active chats: cheap) is read
again, today's figures only when stale, when the desk-local day has turned,
or REFRESH_S after they were read (for what emits nothing: surveys); the
snapshot goes to this node's supervisors when it differs from the last one
sent. So it goes out at most once a second, and never when nothing changed.
Each node pushes to its own supervisors, from the shared store and live
state; a node that marked its figures stale tells the others so once a
second (`LiveState.publish`), so that theirs follow another node's events.

Nothing is computed while no supervisor is connected to this node. On a
busy desk, which marks the figures stale all the time, today's figures are
read again only after a pause of nine times their last read, so reading
them takes at most a tenth of the time (TODAY_SHARE); the live part still
moves every second.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import date, datetime, timedelta
from typing import Any

from ..policy.figures import AgentState, Histogram, agent_state, day_start, histogram, local_day
from . import events as ev
from . import rooms
from .bus import EventSent
from .context import Desk
from .errors import Unavailable
from .facts import DeskTotals
from .model import Agent, AgentStatus, ChatStatus, Role
from .reports import Reports
from .routing import Router
from .ticket_sla import TicketSlaService
from .views import agent_view

log = logging.getLogger(__name__)
TOPIC = "metrics"  # the change broadcast's topic: today's figures are stale
PUSH_S = 1.0  # real seconds between looks at the figures
# Today's figures are read again after this many real seconds even unmarked:
# a survey submitted or excluded emits nothing.
REFRESH_S = 30.0
# Today's figures are read from the store; while a busy desk keeps marking
# them stale, reading them takes at most this share of the time.
TODAY_SHARE = 0.1
# Histogram buckets (seconds); the SLA warning and limit are added, so the
# share within target can be read from a bucket.
FIRST_RESPONSE_BUCKETS = (10, 20, 30, 45, 60, 90, 120, 180, 300, 600)
RESPONSE_GAP_BUCKETS = (15, 30, 60, 90, 120, 180, 300, 600, 1200)


@dataclasses.dataclass(frozen=True)
class Scrape:
    """What /metrics shows: the live part of the snapshot, counts since the
    desk began, and every answer's wait since the desk began."""

    live: dict[str, Any]
    totals: DeskTotals
    first_response: Histogram
    response_gap: Histogram
    # Ticket SLA: breaches ever recorded and clocks overdue now, by (kind, priority).
    ticket_breaches: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)
    tickets_overdue: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)


class Metrics:
    def __init__(self, desk: Desk, router: Router, ticket_sla: TicketSlaService) -> None:
        self._desk = desk
        self._router = router
        self._ticket_sla = ticket_sla
        self.reports = Reports(desk.store, desk.tz, desk.config.policy)
        p = desk.config.policy
        self._bounds = ({*FIRST_RESPONSE_BUCKETS, p.first_response_warn_s, p.first_response_s},
                        {*RESPONSE_GAP_BUCKETS, p.response_gap_warn_s, p.response_gap_s})
        self._stale = True
        self._untold = False  # marked stale by an event here since the other nodes were told
        desk.live.subscribe(self._changed_elsewhere)
        desk.bus.on(EventSent, self._emitted)
        self._today: tuple[date, dict[str, Any], float] | None = None  # (day, figures, when read: monotonic)
        self._read_s = 0.0  # how long reading today's figures took last time
        self.watchers = 0  # supervisors connected to this node: nobody watching, nothing computed
        self._sent: dict[str, Any] | None = None
        self._before: tuple[date, Histogram, Histogram] | None = None  # answers before that day

    def _emitted(self, _: EventSent) -> None:
        self._stale = self._untold = True

    def _changed_elsewhere(self, topic: str, key: str) -> None:
        if topic in (TOPIC, "*"):
            self._stale = True

    async def _tell_others(self) -> None:
        if self._untold:
            self._untold = False
            await self._desk.live.publish(TOPIC, "")

    # the push
    async def snapshot(self) -> dict[str, Any]:
        """`{"day", "queue", "agents", "active_chats", "today"}` (docs/protocol.md);
        `today.tickets_sla` is the ticket SLA figures of the tickets created today."""
        now = self._desk.clock.now()
        day = local_day(now, self._desk.tz)
        if self._today is None or not self._fresh(day):
            self._stale = False  # before the await: a change meanwhile marks it again
            started = time.monotonic()
            try:
                figures = await self.reports.day(day)
                figures["tickets_sla"] = await self._ticket_sla.figures_of_days(day, day)
                self._today = (day, figures, time.monotonic())
            except BaseException:
                self._stale = True
                raise
            self._read_s = time.monotonic() - started
        return {"day": day.isoformat(), **await self.live(now), "today": self._today[1]}

    def _fresh(self, day: date) -> bool:
        if self._today is None or self._today[0] != day:
            return False
        age = time.monotonic() - self._today[2]
        if self._stale:  # a busy desk is stale all the time: read again only after a pause
            return age < self._read_s * (1 / TODAY_SHARE - 1)
        return age <= REFRESH_S

    async def watcher_connected(self, supervisor: Agent, conn: str) -> None:
        """A dashboard connected: its `session`, and the figures at once."""
        to = rooms.connection(ev.SUPERVISOR, conn)
        self._desk.events.add(ev.Session(to, {"agent": agent_view(supervisor)}), ev.Metrics(to, await self.snapshot()))

    async def push(self) -> None:
        if self.watchers == 0:
            return
        snapshot = await self.snapshot()
        if snapshot != self._sent:
            self._sent = snapshot
            self._desk.events.add(ev.Metrics(rooms.SUPERVISORS, snapshot))

    async def run(self) -> None:
        while True:
            try:
                async with self._desk.events.unit():
                    await self._tell_others()
                    await self.push()
            except asyncio.CancelledError:
                raise
            except Unavailable as exc:  # Redis away: said once a second, without a traceback
                log.warning("metrics push waits: %s", exc)
            except Exception:  # the dashboard goes stale; the desk goes on
                log.exception("metrics push failed")
            await asyncio.sleep(PUSH_S)

    # the live part
    async def live(self, now: datetime) -> dict[str, Any]:
        queue = await self._desk.live.queue()
        longest = max(((now - e.enqueued_at).total_seconds() for e in queue), default=0)
        return {"queue": {"length": len(queue), "longest_wait_s": int(longest)},
                "agents": await self._agents(now),
                "active_chats": len(await self._desk.store.chats_with_status(ChatStatus.ACTIVE))}

    async def _agents(self, now: datetime) -> dict[str, int]:
        """on_shift (connected or not), and available / busy / away
        (`policy.figures.AgentState`). Supervisors count only while they
        take chats (connected to /agent, or holding one); agents with
        capacity 0 take none: they count only while they hold one."""
        counts = dict.fromkeys(["on_shift", *map(str, AgentState)], 0)
        presences = {p.agent_id: p for p in await self._desk.live.presences()}
        for agent in (await self._router.agents_of(presences.values())).values():
            presence = presences.get(agent.id)
            connected, chats = (presence.connections > 0, presence.load) if presence else (False, 0)
            if (agent.role is Role.SUPERVISOR and not connected or agent.capacity == 0) and not chats:
                continue
            on_shift = self._desk.on_shift(agent, now)
            status = presence.status if presence else agent.status
            state = agent_state(on_shift=on_shift, connected=connected, available=status is AgentStatus.AVAILABLE,
                                chats=chats)
            counts["on_shift"] += on_shift
            if state is not None:
                counts[str(state)] += 1
        return counts

    # /metrics
    async def scrape(self) -> Scrape:
        """Answers of days before today are read once a day (the past does
        not change); today's at every scrape."""
        tz, now = self._desk.tz, self._desk.clock.now()
        day = local_day(now, tz)
        today, tomorrow = day_start(day, tz), day_start(day + timedelta(days=1), tz)
        if self._before is None or self._before[0] != day:
            before = (await self.reports.window(None, today)).total
            self._before = (day, *self._histograms(before.first_waits, before.gap_waits))
        current = (await self.reports.window(today, tomorrow)).total
        first, gaps = self._histograms(current.first_waits, current.gap_waits)
        return Scrape(await self.live(now), await self._desk.store.desk_totals(),
                      self._before[1] + first, self._before[2] + gaps,
                      await self._desk.store.ticket_sla_breach_counts(), await self._ticket_sla.overdue())

    def _histograms(self, first: list[float], gaps: list[float]) -> tuple[Histogram, Histogram]:
        return histogram(first, self._bounds[0]), histogram(gaps, self._bounds[1])
