"""A smoke test of the browser-like generator (bench/browser/loadgen.mjs,
driven by bench/browser_bench.py): a second or two against a real
Shiftdesk, visitors on websocket and then on long-polling. No speed is
asserted: only that messages flow, that the generator offered
permessage-deflate as browsers do (and Shiftdesk, by default, declined it),
and that every acked message is in the SQLite file."""
from __future__ import annotations

import signal

import pytest

from bench.browser_bench import drive, start_relay, start_shiftdesk
from bench.loadgen import count_not_stored
from bench.run import stop, wait_healthy


@pytest.fixture
def shiftdesk(tmp_path):
    target = start_shiftdesk("shiftdesk", tmp_path, agents=2, capacity=5)
    try:
        wait_healthy(target.url, target.proc, timeout=60)
        yield target
    finally:
        stop(target.proc)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_browser_like_visitors_deliver_through_shiftdesk_and_lose_nothing(shiftdesk, transport):
    result = drive(shiftdesk, visitors=4, mode="closed", duration=1.5, warmup=0.3, transport=transport,
                   reply=True, timeout=120)
    assert result["transport"] == transport and result["deflate_offered"] is True
    assert result["deflate_accepted"] is False  # the agents' websockets: Shiftdesk's default is off
    assert result["visitors"] == 4 and result["agents"] == 2 and result["routing_samples"] == 4
    assert result["delivered"] > 0 and result["delivered_msg_s"] > 0 and result["latency_samples"] > 0
    assert result["replies_delivered_msg_s"] > 0 and result["reply_errors"] == 0
    assert result["not_acked"] == {} and result["duplicate_deliveries"] == 0
    assert result["acked"] == len(shiftdesk.acked) > 0
    assert result["acked_lost"] == 0 and result["acked_undelivered"] == 0
    assert result["chats_ended"] == 4
    stop(shiftdesk.proc, signal.SIGKILL)
    assert count_not_stored(shiftdesk.sqlite, shiftdesk.acked) == 0


@pytest.mark.parametrize("name, accepted", [("relay", True), ("relay-plain", False)])
def test_the_relay_accepts_compression_and_relay_plain_refuses_it(tmp_path, name, accepted):
    """The ceiling the benchmark reports (`relay-plain`) differs from the
    baseline (`relay`, python-socketio's defaults) in compression only."""
    target = start_relay(tmp_path, agents=2, name=name)
    try:
        wait_healthy(target.url, target.proc, timeout=60)
        result = drive(target, visitors=2, mode="closed", duration=1.0, warmup=0.3, transport="websocket",
                       reply=False, timeout=120)
    finally:
        stop(target.proc)
    assert result["deflate_offered"] is True and result["deflate_accepted"] is accepted
    assert result["delivered"] > 0 and result["not_acked"] == {}
