"""The in-process event bus: what one service tells the others has
happened, in place of callbacks bound onto a service after it was built.
Each service subscribes to what it reacts to when it is built (the
composition root, services.bundle and app.py, builds them in order); the
one that publishes does not know who listens.

Handlers run in the order they subscribed, awaited in the publisher's
task: when `publish` returns they have run (the SLA clocks are armed
before a chat's assignment is announced). Events crossing to other nodes
go through LiveState.publish; events to clients through the Notifier.
"""
from __future__ import annotations

import dataclasses
import inspect
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .model import Chat

E = TypeVar("E")
Handler = Callable[[Any], Awaitable[None] | None]


@dataclasses.dataclass(frozen=True, slots=True)
class ChatAssigned:
    """A chat got an agent (first assignment, transfer, reassignment, re-queue taken)."""

    chat: Chat


@dataclasses.dataclass(frozen=True, slots=True)
class DurationLimitReached:
    """A chat ran past `[policy] duration_convert_s`: it becomes a ticket."""

    chat: Chat


@dataclasses.dataclass(frozen=True, slots=True)
class TicketSaved:
    """A ticket was stored or changed (committed): its SLA clocks follow."""

    ticket_id: str


@dataclasses.dataclass(frozen=True, slots=True)
class MailQueued:
    """Mail was committed to the outbox: its worker may look now."""


@dataclasses.dataclass(frozen=True, slots=True)
class EventSent:
    """An event went to clients (the live metrics are stale)."""

    name: str


class Bus:
    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)

    def on(self, kind: type[E], handler: Callable[[E], Awaitable[None] | None]) -> None:
        self._handlers[kind].append(handler)

    async def publish(self, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            result = handler(event)
            if inspect.isawaitable(result):
                await result
