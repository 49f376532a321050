"""Smoke tests of the SQLite writer's measuring tools: bench/search_index.py
(a tiny run) and bench/writer_probe (in a server that bench/burst.py
starts). No speed is asserted: only that they run and report."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.run import ROOT


def test_search_index_reports_both_ways_for_both_sizes() -> None:
    done = subprocess.run([sys.executable, "bench/search_index.py", "--chats", "5", "--transactions", "20",
                           "--rounds", "1", "--history", "100"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "3 messages a transaction, immediate", "3 messages a transaction, queued   ",
        "25 messages a transaction, immediate", "25 messages a transaction, queued   "], lines


def test_the_writer_probe_records_the_batches_of_a_server_started_by_a_bench(tmp_path: Path) -> None:
    probe = tmp_path / "probe.jsonl"
    env = os.environ | {"SD_WRITER_PROBE": str(probe), "PYTHONPATH": str(ROOT / "bench" / "writer_probe")}
    done = subprocess.run([sys.executable, "bench/burst.py", "--rounds", "1", "--idle", "3", "--visitors", "6",
                           "--agents", "1", "--setups", "shiftdesk"], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    seconds = [json.loads(line) for line in probe.read_text().splitlines()]
    batches = [batch for second in seconds for batch in second["batches"]]
    assert batches and all(len(batch) == 5 and batch[0] >= batch[1] >= 0 for batch in batches), batches[:5]
    assert sum(batch[3] for batch in batches) >= 1  # the starts are jobs of the writer
