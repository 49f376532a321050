"""What the server tells clients: every server-to-client event as a type,
and the collector that sends a use case's events once it has finished.

Each event type has its wire name and the namespaces it may go to (the
protocol's lists of "server to visitor / agent / supervisor"); an event is
built with its room from services.rooms (or one connection), its payload,
and the connection to skip (the sender's, which has its ack).

A use case runs in a unit (`Events.unit()`): what it adds is held until the
unit ends and is then sent in order; a unit that raises sends nothing.
Every store write commits before it returns (services.ports.Store), so when
a unit ends every write it made is durable: events leave only after their
commit, by mechanism rather than by where an emit is written. The socket
layer, the web routes, the timers and the background loops each run their
work in a unit; code that must let go of its events earlier (one routing
pass assigns many chats) opens a unit of its own inside. A unit belongs to
the task that opened it; adding an event with no unit open is a bug and
raises.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from .bus import Bus, EventSent
from .ports import Notifier
from .rooms import Room, namespace_of

VISITOR, AGENT, SUPERVISOR = "/visitor", "/agent", "/supervisor"
TYPES: list[type[Event]] = []  # every event type, in the order defined below


class Event:
    """One server-to-client event. Subclasses set `name`, `namespaces` and
    (for a push each node makes to its own sockets) `here`."""

    name: ClassVar[str]
    namespaces: ClassVar[frozenset[str]]
    here: ClassVar[bool] = False
    __slots__ = ("to", "data", "skip")

    def __init__(self, to: Room, data: dict[str, Any], *, skip: str | None = None) -> None:
        if namespace_of(to) not in self.namespaces:
            raise ValueError(f"{self.name} does not go to {namespace_of(to)}")
        self.to, self.data, self.skip = to, data, skip

    def __init_subclass__(cls, *, name: str, to: tuple[str, ...], here: bool = False) -> None:
        cls.name, cls.namespaces, cls.here = name, frozenset(to), here
        TYPES.append(cls)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(to={self.to!r})"


# /visitor, /agent and /supervisor
class Session(Event, name="session", to=(VISITOR, AGENT, SUPERVISOR)):
    """A connection's state, once it is connected."""


# /visitor and /agent
class ChatAssigned(Event, name="chat:assigned", to=(VISITOR, AGENT)):
    """A chat got an agent (the agent gets the whole chat)."""


class ChatMessage(Event, name="chat:message", to=(VISITOR, AGENT)):
    """MESSAGE, stored: to the other side and the author's other tabs."""


class ChatTyping(Event, name="chat:typing", to=(VISITOR, AGENT)):
    pass


class ChatEnded(Event, name="chat:ended", to=(VISITOR, AGENT)):
    """The chat ended, or (to an agent) left it."""


# /visitor
class ChatQueued(Event, name="chat:queued", to=(VISITOR,)):
    """A waiting chat's place in the queue changed."""


class SurveyRequest(Event, name="survey:request", to=(VISITOR,)):
    pass


class ChatWarning(Event, name="chat:warning", to=(VISITOR,)):
    """The chat nears the duration limit."""


class AccountSuspended(Event, name="account:suspended", to=(VISITOR,)):
    pass


class AccountLifted(Event, name="account:lifted", to=(VISITOR,)):
    pass


class DeskOnline(Event, name="desk", to=(VISITOR,)):
    """The desk went online or offline."""


# /agent
class SlaClocks(Event, name="sla:clocks", to=(AGENT,)):
    pass


class SlaWarning(Event, name="sla:warning", to=(AGENT,)):
    pass


class SlaBreach(Event, name="sla:breach", to=(AGENT,)):
    pass


class Queue(Event, name="queue", to=(AGENT,)):
    """The queue's length and longest wait, to every agent."""


class Shift(Event, name="shift", to=(AGENT,)):
    """The agent's shift began or ended."""


class AgentStatus(Event, name="agent:status", to=(AGENT,)):
    pass


class TicketChanged(Event, name="ticket", to=(AGENT,)):
    pass


class TicketSla(Event, name="ticket:sla", to=(AGENT,)):
    """A ticket SLA clock reached its warning or breach: to its assignee."""


# /agent and /supervisor
class Canned(Event, name="canned", to=(AGENT, SUPERVISOR)):
    pass


class ClosureChanged(Event, name="closure", to=(AGENT, SUPERVISOR)):
    pass


class ChatContext(Event, name="chat:context", to=(AGENT, SUPERVISOR)):
    """The visitor's context beside a chat changed (its page, browser facts, custom fields)."""


class TagsChanged(Event, name="tags", to=(AGENT, SUPERVISOR)):
    """The tag list changed: a tag added, renamed or recoloured, archived or restored."""


class ChatTags(Event, name="chat:tags", to=(AGENT, SUPERVISOR)):
    """A chat's tags, after one was put on it or taken off."""


class TicketTags(Event, name="ticket:tags", to=(AGENT, SUPERVISOR)):
    """A ticket's tags, after one was put on it or taken off."""


# /supervisor
class Alert(Event, name="alert", to=(SUPERVISOR,)):
    pass


class SurveyTaken(Event, name="survey", to=(SUPERVISOR,)):
    """A survey was submitted or excluded."""


class SitesChanged(Event, name="sites", to=(SUPERVISOR,)):
    """A site was added, changed or had its secret rotated (never a secret)."""


class Metrics(Event, name="metrics", to=(SUPERVISOR,), here=True):
    """Live figures: each node pushes them to its own supervisors."""


class TopicChanged(Event, name="topic", to=(SUPERVISOR,)):
    """A lead added, changed or removed a topic in the dashboard."""


class PeopleChanged(Event, name="people", to=(SUPERVISOR,)):
    """An agent was added, changed, disabled or enabled (services/people.py)."""




@dataclasses.dataclass(frozen=True, slots=True)
class Close:
    """Close every connection in the room, on every node (after the events before it)."""

    room: Room


class _Unit:
    __slots__ = ("events", "owner", "items")

    def __init__(self, events: Events) -> None:
        self.events = events
        self.owner = asyncio.current_task()
        self.items: list[Event | Close] = []


_current: contextvars.ContextVar[_Unit | None] = contextvars.ContextVar("events_unit", default=None)


class Events:
    """The collector: units of work, and the sending of what they held."""

    def __init__(self, notifier: Notifier, bus: Bus) -> None:
        self._notifier = notifier
        self._bus = bus

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[None]:
        """Holds the events added in the block; sends them when it ends,
        nothing if it raises. Units nest: an inner one sends at its own end."""
        unit = _Unit(self)
        token = _current.set(unit)
        try:
            yield
        finally:
            _current.reset(token)
        await self._send(unit.items)

    def add(self, *events: Event) -> None:
        self._unit().items.extend(events)

    def close(self, room: Room) -> None:
        """Closes the room's connections after the events added before."""
        self._unit().items.append(Close(room))

    def _unit(self) -> _Unit:
        unit = _current.get()
        if unit is None or unit.events is not self or unit.owner is not asyncio.current_task():
            raise RuntimeError("an event outside a unit of work: open one with Events.unit()")
        return unit

    async def _send(self, items: list[Event | Close]) -> None:
        for item in items:
            if isinstance(item, Close):
                await self._notifier.disconnect(item.room)
                continue
            if not item.here:  # a change clients see: the live metrics are stale
                await self._bus.publish(EventSent(item.name))
            await self._notifier.emit(item.name, item.data, item.to, item.skip, here=item.here)
