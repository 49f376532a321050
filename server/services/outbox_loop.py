"""The loop of an outbox worker (mail, webhooks): one pass over what is
due, then idle until woken, until a retry it set comes due, or until a
poll interval passes on the injected clock; any failure of a pass is
logged and the next pass tries again."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta

from .ports import Clock

log = logging.getLogger(__name__)


async def run_passes(one_pass: Callable[[], Awaitable[object]], woken: asyncio.Event,
                     idle: Callable[[], Awaitable[None]], what: str) -> None:
    """Until cancelled; survives any error of a pass (the store may be briefly unreachable)."""
    while True:
        woken.clear()  # before the pass: a wake during it is kept
        try:
            await one_pass()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s pass failed", what)
        await idle()


async def idle(woken: asyncio.Event, clock: Clock, retries: Collection[datetime], poll_s: float) -> None:
    """Until `woken` is set, the earliest of `retries` comes, or `poll_s`
    clock seconds pass (work queued by another node)."""
    look = min([*retries, clock.now() + timedelta(seconds=poll_s)])
    waiters = [asyncio.ensure_future(woken.wait()), asyncio.ensure_future(clock.sleep_until(look))]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
