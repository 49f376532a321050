"""Deadlines in the live state, fired by one owned task per node, driven by
the injected clock. Keys name what fires: `visitor_gone:<chat id>`,
`agent_gone:<agent id>`, `sla:<chat id>`, `ticket_sla:<ticket id>`."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from .context import Desk

log = logging.getLogger(__name__)
Handler = Callable[[str], Awaitable[None]]
# Other nodes may set deadlines without waking this one: look again at least
# this often (real seconds).
POLL_S = 1.0
# Passes of fire_due over deadlines set while firing: a chat's SLA stages
# are at most a handful; the bound only stops a handler that re-arms itself
# in the past forever.
MAX_PASSES = 100


class Timers:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        self._handlers: dict[str, Handler] = {}
        self._wake = asyncio.Event()
        self._sleeping_until: datetime | None = None  # the deadline the run loop waits for

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    async def set(self, kind: str, subject: str, after_s: float, now: datetime | None = None) -> None:
        await self.set_at(kind, subject, (now or self._desk.clock.now()) + timedelta(seconds=after_s))

    async def set_at(self, kind: str, subject: str, at: datetime) -> None:
        await self._desk.live.set_deadline(f"{kind}:{subject}", at)
        if self._sleeping_until is None or at < self._sleeping_until:
            self._wake.set()  # a later deadline waits for the loop's next look

    async def cancel(self, kind: str, subject: str) -> None:
        await self._desk.live.cancel_deadline(f"{kind}:{subject}")

    async def fire_due(self) -> None:
        """Runs every handler due now, including deadlines a handler sets
        at or before now (an SLA clock moving on to its next stage)."""
        for _ in range(MAX_PASSES):
            due = await self._desk.live.pop_due(self._desk.clock.now())
            if not due:
                return
            await self._fire(due)

    async def _fire(self, keys: list[str]) -> None:
        for key in keys:
            kind, _, subject = key.partition(":")
            handler = self._handlers.get(kind)
            if handler is None:
                log.warning("no handler for deadline %s", key)
                continue
            try:
                async with self._desk.events.unit():  # a deadline is a use case of its own
                    await handler(subject)
            except asyncio.CancelledError:
                raise
            except Exception:  # one failed deadline must not stop the others
                log.exception("deadline %s failed", key)

    async def run(self) -> None:
        while True:
            try:
                await self.fire_due()
                self._wake.clear()
                upcoming = self._sleeping_until = await self._desk.live.next_deadline()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the live state is away (Redis down): deadlines wait for it
                log.warning("deadlines cannot be read (%s); looking again in %.0f s", exc, POLL_S)
                self._sleeping_until = None
                await asyncio.sleep(POLL_S)
                continue
            waiters = [asyncio.ensure_future(self._wake.wait())]
            if upcoming is not None:
                waiters.append(asyncio.ensure_future(self._desk.clock.sleep_until(upcoming)))
            try:
                await asyncio.wait(waiters, timeout=POLL_S, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
