"""What every service is built from: the ports, the clock and the config."""
from __future__ import annotations

import asyncio
import dataclasses
import zoneinfo
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from functools import cached_property, lru_cache

from ..config import Config, PlanConfig, TopicConfig
from ..policy.calendar import WeeklyHours, is_open, parse_hours
from ..policy.holidays import closed_dates
from .bus import Bus
from .chatcache import ChatCache
from .hook_catalog import HookCatalog
from .keptout import KeptOut
from .errors import BadRequest
from .events import Events
from .model import Agent
from .ports import Clock, LiveState, Store

log = logging.getLogger(__name__)

_parse = lru_cache(maxsize=512)(parse_hours)


@lru_cache(maxsize=16)
def _closed_around(spec: str, year: int) -> frozenset[date]:
    return closed_dates(spec, range(year - 1, year + 3))


@dataclasses.dataclass
class Desk:
    config: Config
    store: Store
    live: LiveState
    # What clients are told, sent when a unit of work ends (services.events).
    events: Events
    clock: Clock
    chats: ChatCache = dataclasses.field(init=False)
    # The suspensions and bans not lifted (services.keptout).
    kept_out: KeptOut = dataclasses.field(init=False)
    # One-off closures (local dates), kept fresh by the closure service.
    closures: frozenset[date] = frozenset()
    # Reloads of `closures` under way after another node changed them: what
    # answers from the calendar waits for them (`settled`).
    reloading: set[asyncio.Task] = dataclasses.field(default_factory=set)
    # What services tell each other has happened (services.bus).
    bus: Bus = dataclasses.field(default_factory=Bus)
    # The topics in effect: the file's, with those leads keep in the
    # dashboard over them (services.topics keeps it fresh on every node).
    # The only topic list the desk reads.
    topics: Mapping[str, TopicConfig] = dataclasses.field(init=False)
    # The enabled webhook endpoints by site (services.webhooks keeps it fresh).
    webhooks: HookCatalog = dataclasses.field(default_factory=HookCatalog)

    def __post_init__(self) -> None:
        self.topics = self.config.topics
        self.chats = ChatCache(self.store, self.live)
        self.kept_out = KeptOut(self.store, self.live)

    def reload_on(self, topic: str, load: Callable[[], Awaitable[None]], what: str) -> None:
        """Runs `load` whenever another node broadcasts `topic` (or "*":
        everything changed), and has `settled` wait for it meanwhile. A
        failed reload is logged, naming `what` ("the topics"), and the node
        keeps what it had."""
        def changed(heard: str, key: str) -> None:
            if heard in (topic, "*"):
                task = asyncio.ensure_future(load())
                self.reloading.add(task)
                task.add_done_callback(loaded)

        def loaded(task: asyncio.Task) -> None:
            self.reloading.discard(task)
            if not task.cancelled() and task.exception() is not None:
                log.warning("could not reload %s", what, exc_info=task.exception())
        self.live.subscribe(changed)

    async def settled(self) -> None:
        """Returns once the calendar holds every change this node has heard
        of: a node told of another's closure never answers from the old one."""
        if self.reloading:
            await asyncio.wait(list(self.reloading))

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.config.desk.timezone)

    @cached_property
    def desk_hours(self) -> WeeklyHours:
        return parse_hours(self.config.desk.hours)

    def hours_of(self, agent: Agent) -> WeeklyHours:
        return _parse(agent.shift) if agent.shift else self.desk_hours

    def closed(self, now: datetime) -> frozenset[date]:
        """Public holidays of `[desk] holidays` around `now` (the year
        before to two years on, enough for any next opening) and the
        one-off closures supervisors added."""
        holidays = _closed_around(self.config.desk.holidays, now.astimezone(self.tz).year)
        return holidays | self.closures if self.closures else holidays

    def on_shift(self, agent: Agent, now: datetime) -> bool:
        """Holidays take desk hours and weekly shifts off, not `always`."""
        return is_open(self.hours_of(agent), self.tz, now, self.closed(now))

    def takes(self, agent: Agent, now: datetime, *, critical: bool = False) -> bool:
        """Takes chats (capacity above 0) and is on shift, or on call for a
        critical chat (24/7)."""
        return agent.capacity > 0 and (self.on_shift(agent, now) or (critical and agent.on_call))

    def topic(self, name: str | None) -> TopicConfig | None:
        return self.topics.get(name) if name else None

    def known_topic(self, name: str | None) -> TopicConfig | None:
        """The topic asked for by a new chat or ticket (None for none);
        raises BadRequest naming the known ones for a topic the desk does
        not have."""
        topic = self.topic(name)
        if name is not None and topic is None:
            raise BadRequest(f'unknown topic "{name}"', known=sorted(self.topics))
        return topic

    def plan(self, name: str | None) -> PlanConfig | None:
        return self.config.plans.get(name) if name else None

    def skill_of(self, topic: str | None) -> str | None:
        found = self.topic(topic)
        return found.skill or None if found else None
