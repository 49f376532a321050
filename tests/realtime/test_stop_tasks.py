"""A node's shutdown ends its background loops even when one goes on
after its cancel (seen once: the timers loop of a node on Redis kept
running after the cancel that reached one of its Redis calls, and the node
took over 10 s to stop on SIGTERM)."""
from __future__ import annotations

import asyncio
import logging

import pytest

from server import app


async def swallowing(times: list[int], stopped: list[str]) -> None:
    """A loop that swallows cancels while times[0] > 0, as that one did."""
    try:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if times[0] <= 0:
                    raise
                times[0] -= 1
    finally:
        stopped.append("done")


async def test_a_loop_that_swallows_a_cancel_is_cancelled_again_and_stops(caplog, monkeypatch):
    monkeypatch.setattr(app, "STOP_AGAIN_S", 0.05)
    stopped: list[str] = []
    plain = asyncio.create_task(asyncio.sleep(3600), name="plain")
    stubborn = asyncio.create_task(swallowing([2], stopped), name="stubborn")
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="server.app"):
        await asyncio.wait_for(app.stop_tasks([plain, stubborn]), 5)
    assert plain.cancelled() and stubborn.cancelled() and stopped == ["done"]
    assert [r.getMessage() for r in caplog.records] == [
        "background task stubborn went on after its cancel; cancelling it again"] * 2


async def test_a_loop_that_never_stops_is_named_and_left_after_the_last_try(caplog, monkeypatch):
    monkeypatch.setattr(app, "STOP_AGAIN_S", 0.01)
    stopped: list[str] = []
    times = [10 ** 6]
    forever = asyncio.create_task(swallowing(times, stopped), name="forever")
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="server.app"):
        await asyncio.wait_for(app.stop_tasks([forever]), 5)
    assert not forever.done()
    assert caplog.records[-1].getMessage() == "background task forever did not stop"
    assert sum("went on after its cancel" in r.getMessage() for r in caplog.records) == app.STOP_TRIES
    times[0] = 0  # the test's own clean-up: the next cancel ends it
    forever.cancel()
    with pytest.raises(asyncio.CancelledError):
        await forever
    assert stopped == ["done"]
