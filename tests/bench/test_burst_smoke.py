"""A smoke test of bench/burst.py: one small round on Shiftdesk and on the
bare relay. No speed is asserted: only that every start is acked and that
its agent's console (the bench's own websocket client) hears of it."""
from __future__ import annotations

import json
import subprocess
import sys

from bench.run import ROOT


def test_every_start_reaches_its_agent_on_both_setups() -> None:
    done = subprocess.run([sys.executable, "bench/burst.py", "--rounds", "1", "--idle", "3", "--visitors", "6",
                           "--agents", "1"], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    rounds = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert sorted((r["setup"], r["burst"]) for r in rounds) == [
        ("relay", False), ("relay", True), ("shiftdesk", False), ("shiftdesk", True)]
    for r in rounds:
        assert r["starts"] == r["assigned"] == (6 if r["burst"] else 3), r
