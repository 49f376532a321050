"""Deadlines in the live state, fired by one owned task per node, driven by
the injected clock. Keys name what fires: `visitor_gone:<chat id>`,
`agent_gone:<agent id>` (SLA clocks join them in the policy engine)."""
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


class Timers:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        self._handlers: dict[str, Handler] = {}
        self._wake = asyncio.Event()

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    async def set(self, kind: str, subject: str, after_s: float, now: datetime | None = None) -> None:
        at = (now or self._desk.clock.now()) + timedelta(seconds=after_s)
        await self._desk.live.set_deadline(f"{kind}:{subject}", at)
        self._wake.set()

    async def cancel(self, kind: str, subject: str) -> None:
        await self._desk.live.cancel_deadline(f"{kind}:{subject}")

    async def fire_due(self) -> None:
        for key in await self._desk.live.pop_due(self._desk.clock.now()):
            kind, _, subject = key.partition(":")
            handler = self._handlers.get(kind)
            if handler is None:
                log.warning("no handler for deadline %s", key)
                continue
            try:
                await handler(subject)
            except asyncio.CancelledError:
                raise
            except Exception:  # one failed deadline must not stop the others
                log.exception("deadline %s failed", key)

    async def run(self) -> None:
        while True:
            await self.fire_due()
            self._wake.clear()
            upcoming = await self._desk.live.next_deadline()
            waiters = [asyncio.ensure_future(self._wake.wait())]
            if upcoming is not None:
                waiters.append(asyncio.ensure_future(self._desk.clock.sleep_until(upcoming)))
            try:
                await asyncio.wait(waiters, timeout=POLL_S, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
