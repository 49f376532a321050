"""A smoke test of the benchmark's generator: ~2 s against the bare relay
only (Shiftdesk itself is measured by bench/run.py, never in timed tests).
No speed is asserted: only that messages flow and none that was acked is lost."""
from __future__ import annotations

import subprocess
import sys

from bench.loadgen import LoadGen
from bench.run import BENCH, ROOT, free_port, stop, wait_healthy


def test_generator_delivers_through_the_relay_and_loses_nothing() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    relay = subprocess.Popen([sys.executable, str(BENCH / "relay.py"), "--host", "127.0.0.1", "--port", str(port)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(url, relay, timeout=30)
        with LoadGen(workers=1) as gen:
            result = gen.scenario(url, tokens=["smoke-agent-1", "smoke-agent-2"], visitors=4, mode="closed",
                                  duration=2.0, warmup=0.5, reply=True, server_pid=relay.pid)
    finally:
        stop(relay)
    assert result["visitors"] == 4 and result["agents"] == 2
    assert result["delivered"] > 0 and result["delivered_msg_s"] > 0
    assert result["latency_samples"] > 0 and result["routing_samples"] == 4
    assert result["replies_delivered_msg_s"] > 0
    assert result["not_acked"] == {}
    assert result["acked_lost"] == 0 and result["acked_undelivered"] == 0
    assert result["duplicate_deliveries"] == 0
    assert result["chats_ended"] == 4
