"""Idle visitors at scale and the cost of a connect, seen by browser-like clients.

Two questions, for Shiftdesk (`run.py serve` with the bench config of
bench/run.py: raised limits, among them `connects_per_minute`, the only
per-address connection limit, since every visitor here comes from
127.0.0.1) and for the bare relay (bench/relay.py at its defaults), started
side by side, with one agent each connected and available (a desk in its
hours):

  idle      the server's RSS growth per idle visitor: K visitors (default
            10,000) connect to /visitor with the site key over websocket,
            get `session` and stay idle; RSS after minus RSS before, over K.
            Each server is warmed first (`--warm` visitors connect and
            leave: lazy imports and caches are not per connection) and
            measured fresh, before the connect rounds. Target: Shiftdesk
            at most 40 KiB per idle visitor at 10,000.
  connect   the time for N visitors (default 500, then 2000) to connect and
            get `session`, `--concurrency` at a time, and the server's CPU
            over it; `--rounds` rounds, each driving every setup in turn
            (the order rotating from round to round), the visitors leaving
            (and the server going quiet) between turns. Target: Shiftdesk's
            median connect time at most 1.5x the relay's, ratio of medians
            in this one run (the machine is shared: absolute times move
            between runs).

The generator is bench/browser/idle.mjs: Node's socket.io-client, one
process per setup, offering permessage-deflate as browsers do (`--no-deflate`
not to). RLIMIT_NOFILE is raised for the servers and the generators (one
descriptor per visitor on each side); loopback's ephemeral ports (about
28,000) hold 10,000 visitors, and each setup listens on its own port.

    .venv/bin/python bench/idle.py                 # 10,000 idle, connect rounds of 500 and 2000 (~4 min)
    .venv/bin/python bench/idle.py --quick         # 1,000 idle, one round of 200 (1-2 min), a sanity check
    .venv/bin/python bench/run.py idle ...         # the same, from run.py

Other flags: --idle, --connects 500,2000, --rounds, --concurrency, --warm,
--settle, --setups shiftdesk,relay, --quiet-wait, --keep, --out (default
bench/results/idle-latest.json, not committed).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.browser_bench import Target, node, rotated, start_relay, start_shiftdesk  # noqa: E402
from bench.run import (SITE, finish, TARGET_IDLE_KIB, machine, server_digest, stop, wait_healthy,  # noqa: E402
                       wait_quiet)

GENERATOR = BENCH / "browser" / "idle.mjs"
SETUPS = ("shiftdesk", "relay")
TARGET_CONNECT_RATIO = 1.5  # Shiftdesk's median time to connect N visitors over the relay's
FD_MARGIN = 1024            # descriptors beyond one per visitor (files, agents, the other setup)


def log(text: str) -> None:
    print(f"[idle {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def raise_fd_limit(needed: int) -> int:
    """RLIMIT_NOFILE to at least `needed` (raising the hard limit too when
    allowed, as root), inherited by the servers and the generators; returns
    the soft limit now. Raises RuntimeError when `needed` cannot be had."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, needed)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < needed:
        raise RuntimeError(f"RLIMIT_NOFILE is {soft}, {needed} needed: raise `ulimit -n` (hard) first")
    return soft


class Generator:
    """bench/browser/idle.mjs against one target, driven over its stdin."""

    def __init__(self, target: Target, agents: int, concurrency: int, deflate: bool) -> None:
        options = {"url": target.url, "site": SITE, "tokens": target.tokens[:agents], "concurrency": concurrency,
                   "deflate": deflate}
        self.proc = subprocess.Popen([node(), str(GENERATOR), json.dumps(options)], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.ready = self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(10)
            raise RuntimeError(f"idle.mjs failed ({self.proc.returncode}): {self.proc.stderr.read()[-2000:]}")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("exit\n")
                self.proc.stdin.flush()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def cpu_s(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def rss(proc: psutil.Process) -> int:
    return proc.memory_info().rss


def calm(server: psutil.Process, max_wait: float = 60.0, threshold: float = 0.03) -> float:
    """Waits until the server uses less than `threshold` of a core over
    0.5 s (the visitors' disconnects handled); returns the wait."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < max_wait:
        before = cpu_s(server)
        time.sleep(0.5)
        if cpu_s(server) - before < threshold * 0.5:
            break
    return round(time.monotonic() - t0, 1)


def connect(gen: Generator, server: psutil.Process, count: int) -> dict:
    """`count` visitors connect; the server's CPU and RSS around it."""
    cpu0, rss0 = cpu_s(server), rss(server)
    busy0 = psutil.cpu_times()
    result = gen.ask(f"connect {count}")
    cpu1 = cpu_s(server)
    busy1 = psutil.cpu_times()
    machine = (sum(busy1) - busy1.idle - busy1.iowait) - (sum(busy0) - busy0.idle - busy0.iowait)
    result |= {"server_cpu_s": round(cpu1 - cpu0, 3), "rss_before_mib": round(rss0 / 2**20, 2),
               "other_cpu_s": round(machine - (cpu1 - cpu0) - result["generator_cpu_s"], 3)}
    if result["connected"]:
        result["server_cpu_ms_per_connect"] = round(1000 * result["server_cpu_s"] / result["connected"], 3)
    return result


def leave(gen: Generator, server: psutil.Process) -> dict:
    closed = gen.ask("close")["closed"]
    return {"closed": closed, "calm_after_s": calm(server)}


def idle_rss(gen: Generator, server: psutil.Process, count: int, warm: int, settle: float) -> dict:
    if warm:
        connect(gen, server, warm)
        leave(gen, server)
    time.sleep(settle)
    before = rss(server)
    result = connect(gen, server, count)
    time.sleep(settle)
    after = rss(server)
    result |= leave(gen, server)
    connected = result["connected"]
    per = (after - before) / connected if connected else None
    result |= {"idle_connections": connected, "rss_before_mib": round(before / 2**20, 2),
               "rss_after_mib": round(after / 2**20, 2),
               "rss_kib_per_connection": None if per is None else round(per / 1024, 2),
               "rss_mib_per_1000": None if per is None else round(per * 1000 / 2**20, 2),
               "rss_after_close_mib": round(rss(server) / 2**20, 2)}
    return result


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/idle.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 idle, one connect round of 200 (sanity check)")
    parser.add_argument("--idle", type=int, help="idle visitors for the RSS figure (default 10000; quick 1000; 0: none)")
    parser.add_argument("--connects", help="visitor counts of the connect rounds, comma separated "
                                           "(default 500,2000; quick 200; '' for none)")
    parser.add_argument("--rounds", type=int, help="connect rounds (default 3; quick 1)")
    parser.add_argument("--concurrency", type=int, default=64, help="visitors connecting at a time (default 64)")
    parser.add_argument("--agents", type=int, default=1, help="agents connected and available (default 1)")
    parser.add_argument("--warm", type=int, default=200, help="visitors that connect and leave before the RSS "
                                                              "figure (default 200)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before each RSS reading (default 3)")
    parser.add_argument("--no-deflate", action="store_true", help="the generator does not offer permessage-deflate")
    parser.add_argument("--setups", default=",".join(SETUPS), help=f"a subset of {','.join(SETUPS)}")
    parser.add_argument("--quiet-wait", type=float, default=20.0, metavar="S",
                        help="before each measure, wait at most S s for other processes to go quiet (0: never)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server logs)")
    parser.add_argument("--out", default=str(BENCH / "results" / "idle-latest.json"))
    args = parser.parse_args(argv)
    args.idle = args.idle if args.idle is not None else (1000 if args.quick else 10_000)
    connects = args.connects if args.connects is not None else ("200" if args.quick else "500,2000")
    args.connects = [int(n) for n in connects.split(",") if n.strip()]
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    if not args.setups or not set(args.setups) <= set(SETUPS):
        parser.error(f"--setups: a subset of {','.join(SETUPS)}")
    if not 0 <= args.idle <= 50_000 or any(not 1 <= n <= 20_000 for n in args.connects):
        parser.error("--idle 0-50000, --connects 1-20000 each")
    if not 1 <= args.rounds <= 20 or not 1 <= args.concurrency <= 1000 or not 0 <= args.agents <= 8:
        parser.error("--rounds 1-20, --concurrency 1-1000, --agents 0-8")
    return args


def run(args: argparse.Namespace) -> dict:
    most = max([args.idle, args.warm, *args.connects])
    report: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
                              "node": subprocess.run([node(), "--version"], capture_output=True,
                                                     text=True).stdout.strip(),
                              "command": " ".join([Path(sys.executable).name, *sys.argv]),
                              "settings": {k: v for k, v in vars(args).items() if k != "out"},
                              "rlimit_nofile": raise_fd_limit(most + FD_MARGIN),
                              "server_sources_sha256": server_digest()}
    tmp = Path(tempfile.mkdtemp(prefix="shiftdesk-idle-"))
    report["tmp"] = str(tmp)
    targets: dict[str, Target] = {}
    gens: dict[str, Generator] = {}
    t0 = time.monotonic()
    try:
        for name in args.setups:
            targets[name] = start_relay(tmp, max(1, args.agents)) if name == "relay" else \
                start_shiftdesk(name, tmp, max(1, args.agents), 4)
        for target in targets.values():
            wait_healthy(target.url, target.proc)
        for name, target in targets.items():
            gens[name] = Generator(target, args.agents, args.concurrency, not args.no_deflate)
        servers = {name: psutil.Process(t.pid) for name, t in targets.items()}
        pids = [os.getpid(), *(t.pid for t in targets.values()), *(g.proc.pid for g in gens.values())]
        log(", ".join(f"{t.name} pid {t.pid} on {t.url}" for t in targets.values()))
        if args.idle:
            log(f"idle: {args.idle} visitors per setup (after {args.warm} that come and go)")
            for name in targets:
                quiet = wait_quiet(pids, args.quiet_wait) if args.quiet_wait > 0 else None
                r = idle_rss(gens[name], servers[name], args.idle, args.warm, args.settle)
                r["quiet_before"] = quiet
                report.setdefault("idle", {})[name] = r
                log(f"  {name:9} {r['rss_kib_per_connection']} KiB per visitor ({r['idle_connections']} idle, "
                    f"{r['failed']} failed; RSS {r['rss_before_mib']} -> {r['rss_after_mib']} MiB), "
                    f"connected in {r['connect_s']} s, server CPU {r['server_cpu_s']} s, "
                    f"deflate accepted: {r['deflate_accepted']}")
        order = list(targets)
        for count in args.connects:
            runs = report.setdefault("connect", {}).setdefault(str(count), {name: [] for name in targets})
            log(f"connect: {count} visitors, {args.rounds} round(s)")
            for r in range(args.rounds):
                for name in rotated(order, r):
                    quiet = wait_quiet(pids, args.quiet_wait) if args.quiet_wait > 0 else None
                    result = connect(gens[name], servers[name], count)
                    result |= leave(gens[name], servers[name])
                    result["quiet_before"] = quiet
                    runs[name].append(result)
                    log(f"  r{r + 1} {name:9} {result['connected']} in {result['connect_s']} s "
                        f"(session p50 {result['session_p50_ms']} ms, p99 {result['session_p99_ms']} ms), "
                        f"server CPU {result['server_cpu_s']} s = {result.get('server_cpu_ms_per_connect')} "
                        f"ms/connect, other {result['other_cpu_s']} s")
    finally:
        for gen in gens.values():
            gen.close()
        for target in targets.values():
            stop(target.proc)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report["elapsed_s"] = round(time.monotonic() - t0, 1)
    report["summary"] = summary(report)
    report["targets"] = targets_of(report)
    return report


def summary(report: dict) -> dict:
    out: dict[str, Any] = {}
    for count, setups in report.get("connect", {}).items():
        rows = out.setdefault(count, {})
        for name, runs in setups.items():
            rows[name] = {"connect_s": median([r["connect_s"] for r in runs]),
                          "rounds_s": [r["connect_s"] for r in runs],
                          "server_cpu_s": median([r["server_cpu_s"] for r in runs]),
                          "server_cpu_ms_per_connect": median([r.get("server_cpu_ms_per_connect") for r in runs]),
                          "session_p50_ms": median([r["session_p50_ms"] for r in runs]),
                          "session_p99_ms": median([r["session_p99_ms"] for r in runs]),
                          "failed": sum(r["failed"] for r in runs),
                          "other_cpu_s_max": max(r["other_cpu_s"] for r in runs)}
        sd, relay = rows.get("shiftdesk"), rows.get("relay")
        if sd and relay and relay["connect_s"]:
            sd["time_ratio_to_relay"] = round(sd["connect_s"] / relay["connect_s"], 3)
            sd["cpu_ratio_to_relay"] = round(sd["server_cpu_s"] / relay["server_cpu_s"], 3)
            sd["time_ratio_by_round"] = [round(a["connect_s"] / b["connect_s"], 3) for a, b in
                                         zip(report["connect"][count]["shiftdesk"], report["connect"][count]["relay"])]
    return out


def targets_of(report: dict) -> dict:
    out: dict[str, Any] = {}
    idle = report.get("idle", {}).get("shiftdesk")
    if idle:
        kib = idle["rss_kib_per_connection"]
        out[f"idle_kib_per_visitor_at_{idle['idle_connections']}"] = {
            "value": kib, "target": f"<= {TARGET_IDLE_KIB}",
            "met": kib is not None and kib <= TARGET_IDLE_KIB and idle["failed"] == 0}
    for count, rows in report.get("summary", {}).items():
        ratio = rows.get("shiftdesk", {}).get("time_ratio_to_relay")
        if ratio is not None:
            out[f"connect_{count}_time_ratio"] = {"value": ratio, "target": f"<= {TARGET_CONNECT_RATIO}",
                                                  "met": ratio <= TARGET_CONNECT_RATIO}
    return out


def table(report: dict) -> str:
    lines = []
    for name, r in report.get("idle", {}).items():
        lines.append(f"idle {name}: {r['rss_kib_per_connection']} KiB per visitor = {r['rss_mib_per_1000']} MiB "
                     f"per 1,000 ({r['idle_connections']} idle, {r['failed']} failed; RSS {r['rss_before_mib']} -> "
                     f"{r['rss_after_mib']} MiB; connected in {r['connect_s']} s, server CPU {r['server_cpu_s']} s; "
                     f"deflate accepted: {r['deflate_accepted']})")
    rows = [("visitors", "setup", "connect s (median)", "rounds", "x relay", "server CPU s", "CPU x relay",
             "ms CPU/connect", "session p50/p99 ms", "failed")]
    for count, setups in report.get("summary", {}).items():
        for name, m in setups.items():
            rows.append((count, name, str(m["connect_s"]), ", ".join(map(str, m["rounds_s"])),
                         str(m.get("time_ratio_to_relay", "-")), str(m["server_cpu_s"]),
                         str(m.get("cpu_ratio_to_relay", "-")), str(m["server_cpu_ms_per_connect"]),
                         f"{m['session_p50_ms']}/{m['session_p99_ms']}", str(m["failed"])))
    if len(rows) > 1:
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines += [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
        lines.insert(len(lines) - len(rows) + 1, "-+-".join("-" * w for w in widths))
    lines.append("")
    for key, t in report.get("targets", {}).items():
        lines.append(f"{key}: {t['value']} (target {t['target']}): {'MET' if t['met'] else 'NOT MET'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return finish(run(args), args.out, table)


if __name__ == "__main__":
    sys.exit(main())
