"""Whether the desk is online, told to every connected visitor as it
changes, and whether each agent is on shift, told to that agent's
consoles: at each start and end of a shift (holidays and closures
included), and when a supervisor adds or removes a closure."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from ..policy.calendar import closes_at, next_opening
from . import events as ev
from . import rooms
from .context import Desk
from .model import Agent
from .routing import Router
from .timers import Timers
from .views import iso

DESK_HOURS = "desk_hours"
ONLINE_TOLD, SHIFT_TOLD = "online_told", "shift_told"  # topics of the change broadcast
# Agents added from the command line, in another process, change the hours
# without a word to this one: look again at least this often.
RECHECK = timedelta(minutes=5)


class DeskStatus(NamedTuple):
    online: bool
    next_open: datetime | None  # None while online, or when no shift ever opens again


class DeskHours:
    def __init__(self, desk: Desk, router: Router, timers: Timers) -> None:
        self._desk = desk
        self._router = router
        self._timers = timers
        # What visitors and agents were last told, by any node: the one
        # that tells a change tells the others (`LiveState.publish`), so
        # that whichever node the next deadline fires on knows what changed.
        self._online: bool | None = None
        self._on_shift: dict[str, bool] = {}
        self._shifts: dict[str, str] = {}  # each agent's shift as the last look timed it
        timers.on(DESK_HOURS, self._tick)
        desk.live.subscribe(self._told_elsewhere)

    def _told_elsewhere(self, topic: str, key: str) -> None:
        if topic == ONLINE_TOLD:
            self._online = key == "1"
        elif topic == SHIFT_TOLD:
            agent_id, _, on_shift = key.rpartition(":")
            self._on_shift[agent_id] = on_shift == "1"

    async def agent_seen(self, agent: Agent) -> None:
        """An agent's console connected. An agent the last look did not
        know (added since, from the command line or another process) or
        whose shift has changed since gets a look now, so that its own
        shift changes are timed at once and not up to RECHECK late."""
        if agent.id not in self._on_shift:  # no look told it yet: its `session` just did
            self._on_shift[agent.id] = self._desk.on_shift(agent, self._desk.clock.now())
        if self._shifts.get(agent.id) != agent.shift:
            await self.check()

    async def check(self) -> None:
        """Announces a change of `online` to every visitor (`desk` event)
        and of each agent's shift to its consoles (`shift` event), and looks
        again at the next shift change."""
        now = self._desk.clock.now()
        await self._tell_agents(now)
        online = await self._router.online(now)
        if self._online is not None and online != self._online:
            payload: dict = {"online": online}
            if not online:
                payload["next_open"] = iso(await self._router.next_open(now))
            self._desk.events.add(ev.DeskOnline(rooms.VISITORS, payload))
            await self._desk.live.publish(ONLINE_TOLD, "1" if online else "0")
        self._online = online
        change = await self.next_change(now)
        await self._timers.set_at(DESK_HOURS, "desk", min(change, now + RECHECK) if change else now + RECHECK)

    async def _tell_agents(self, now: datetime) -> None:
        desk = self._desk
        for agent in (await self._router.agents()).values():
            on_shift = desk.on_shift(agent, now)
            if self._on_shift.get(agent.id) != on_shift:
                self._on_shift[agent.id] = on_shift
                desk.events.add(ev.Shift(rooms.agent(agent.id), {"on_shift": on_shift}))
                await desk.live.publish(SHIFT_TOLD, f"{agent.id}:{1 if on_shift else 0}")

    async def status(self) -> DeskStatus:
        """Whether the desk is online now and, when not, its next opening:
        what a visitor's `session` says, for the launcher of a page that
        has not connected (`GET /widget/status`)."""
        now = self._desk.clock.now()
        if await self._router.online(now):
            return DeskStatus(True, None)
        return DeskStatus(False, await self._router.next_open(now))

    async def next_change(self, now: datetime) -> datetime | None:
        """The next instant some agent's shift opens or closes."""
        desk, closed = self._desk, self._desk.closed(now)
        times = []
        agents = await self._router.agents()
        self._shifts = {agent.id: agent.shift for agent in agents.values()}
        for agent in agents.values():
            hours = desk.hours_of(agent)
            times.append(closes_at(hours, desk.tz, now, closed) if desk.on_shift(agent, now)
                         else next_opening(hours, desk.tz, now, closed))
        return min((t for t in times if t is not None), default=None)

    async def _tick(self, _: str) -> None:
        await self.check()
