"""Summarises a writer probe's file (see sitecustomize.py here): per phase
of the benchmark, batch and commit percentiles, and the server's share of a
message's latency (`ChatService.send` to its delivery). A line (a quarter
of a second) belongs to the closed loop when its batches average 15
messages or more (50 visitors each waiting for their ack), to the rate
rounds otherwise; lines with under 12 batches (start-up, the pauses
between scenarios) are left out."""
from __future__ import annotations

import json
import sys


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))]


def main(path: str) -> None:
    phases: dict[str, list[list[float]]] = {"closed loop": [], "rate": []}
    sends: dict[str, list[float]] = {"closed loop": [], "rate": []}
    for line in open(path):
        second = json.loads(line)
        if len(second["batches"]) < 12:
            continue
        average = sum(b[2] for b in second["batches"]) / len(second["batches"])
        phase = "closed loop" if average >= 15 else "rate"
        phases[phase].extend(second["batches"])
        sends[phase].extend(second["sends"])
    for name, batches in phases.items():
        if not batches:
            continue
        served = sorted(s * 1e3 for s in sends[name]) or [0.0]
        total = sorted(b[0] * 1e3 for b in batches)
        commit = sorted(b[1] * 1e3 for b in batches)
        messages = sum(b[2] for b in batches) / len(batches)
        print(f"{name}: {len(batches)} batches, {messages:.1f} messages each; "
              f"batch p50 {pct(total, .5):.2f} p99 {pct(total, .99):.2f} ms; "
              f"commit p50 {pct(commit, .5):.2f} p99 {pct(commit, .99):.2f} p99.9 {pct(commit, .999):.2f} ms; "
              f"WAL at most {max(b[4] for b in batches) / 2**20:.1f} MiB; "
              f"send to delivered p50 {pct(served, .5):.2f} p99 {pct(served, .99):.2f} ms ({len(sends[name])} messages)")


if __name__ == "__main__":
    main(sys.argv[1])
