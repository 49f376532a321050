"""One-off closures: days a supervisor closes the desk (a company event, a
local holiday the `holidays` package does not know). They take the desk
hours and weekly shifts off like public holidays, and count in every
next opening and ticket due date."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from . import audit, rooms
from . import events as ev
from .context import Desk
from .errors import BadRequest, NotFound
from .model import Agent, Closure
from .tokens import new_id
from .views import iso


ROOMS = (rooms.AGENTS, rooms.SUPERVISORS)
TOPIC = "closures"  # the change broadcast's topic


def closure_view(closure: Closure) -> dict[str, Any]:
    """CLOSURE of docs/protocol.md."""
    return {"id": closure.id, "day": closure.day.isoformat(), "reason": closure.reason,
            "created_at": iso(closure.created_at), "created_by": closure.created_by}


class ClosureService:
    def __init__(self, desk: Desk, on_change: Callable[[], Awaitable[None]] | None = None) -> None:
        self._desk = desk
        self._on_change = on_change  # visitors hear when the desk goes on- or offline
        # Another node added or removed a closure (its own visitors and
        # agents have been told): this node's calendar reads them again, and
        # answers about opening hours wait for it (`Desk.settled`).
        desk.reload_on(TOPIC, self.load, "the closures")

    async def load(self) -> None:
        """The desk's calendar picks up the stored closures (at start-up and
        after every change)."""
        self._desk.closures = frozenset(c.day for c in await self._desk.store.list_closures())

    async def list(self) -> list[Closure]:
        return await self._desk.store.list_closures()

    async def add(self, by: Agent, day: date, reason: str) -> Closure:
        reason = audit.reason_of(reason)
        today = self._desk.clock.now().astimezone(self._desk.tz).date()
        if day < today:
            raise BadRequest("that day has passed")
        now = self._desk.clock.now()
        closure = Closure(id=new_id(), day=day, reason=reason, created_at=now, created_by=by.id)
        closure = await self._desk.store.add_closure(closure, audit.entry(
            audit.CLOSURE_ADD, _target(closure), now, actor_id=by.id, reason=reason))
        await self._changed("add", closure)
        return closure

    async def remove(self, by: Agent, closure_id: str) -> Closure:
        closure = next((c for c in await self._desk.store.list_closures() if c.id == closure_id), None)
        if closure is None:
            raise NotFound("no such closure")
        removed = await self._desk.store.remove_closure(closure_id, audit.entry(
            audit.CLOSURE_REMOVE, _target(closure), self._desk.clock.now(), actor_id=by.id,
            data={"reason": closure.reason}))
        if removed is None:  # removed meanwhile, by another
            raise NotFound("no such closure")
        await self._changed("remove", removed)
        return removed

    async def _changed(self, action: str, closure: Closure) -> None:
        """After the store's commit: the calendar reloads, visitors and
        agents hear what it changes for them (`desk`, `shift`), and every
        open console and dashboard hears of the closure itself, so that a
        list another lead is looking at follows."""
        await self.load()
        await self._desk.live.publish(TOPIC, closure.id)
        if self._on_change is not None:
            await self._on_change()
        for room in ROOMS:
            self._desk.events.add(ev.ClosureChanged(room, {"action": action, "closure": closure_view(closure)}))


def _target(closure: Closure) -> str:
    return f"closure:{closure.day.isoformat()}"
