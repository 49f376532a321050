"""What every service is built from: the ports, the clock and the config."""
from __future__ import annotations

import dataclasses
import zoneinfo
from datetime import datetime
from functools import cached_property, lru_cache

from ..config import Config
from ..policy.calendar import WeeklyHours, is_open, parse_hours
from .chatcache import ChatCache
from .model import Agent
from .ports import Clock, LiveState, Notifier, Store


_parse = lru_cache(maxsize=512)(parse_hours)


@dataclasses.dataclass
class Desk:
    config: Config
    store: Store
    live: LiveState
    notify: Notifier
    clock: Clock
    chats: ChatCache = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.chats = ChatCache(self.store)

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.config.desk.timezone)

    @cached_property
    def desk_hours(self) -> WeeklyHours:
        return parse_hours(self.config.desk.hours)

    def hours_of(self, agent: Agent) -> WeeklyHours:
        return _parse(agent.shift) if agent.shift else self.desk_hours

    def on_shift(self, agent: Agent, now: datetime) -> bool:
        # TODO(issue 4): public holidays and closures as `closed` dates.
        return is_open(self.hours_of(agent), self.tz, now)
