"""Public holidays take desk hours and weekly shifts off, not `always`."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.services.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 26, 16, 0, tzinfo=UTC))  # Thanksgiving, 11:00 in New York


async def test_nobody_on_a_weekday_shift_works_thanksgiving(harness):
    await harness.add_agent("Weekday", shift="mon-fri 09:00-17:00")
    visitor = await harness.visitor()
    session = await visitor.next("session")
    assert session["online"] is False
    assert session["next_open"] == "2026-11-27T14:00:00Z"  # Friday 09:00 in New York


async def test_an_always_agent_works_on_holidays(harness):
    await harness.add_agent("Always", shift="always")
    visitor = await harness.visitor()
    assert (await visitor.next("session"))["online"] is True
