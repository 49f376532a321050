"""Clocks: the real one, and a manual one that tests move."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        await asyncio.sleep(max(0.0, delay))


class ManualClock:
    """Time stands still until `advance` moves it; sleepers wake when their
    instant has come. No test sleeps through a policy timer."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        self._moved.set()
        self._moved = asyncio.Event()
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        while self._now < when:
            await self._moved.wait()
