"""Shiftdesk's load benchmark, in one invocation.

Starts Shiftdesk (`run.py serve`, a fresh SQLite file in a temp dir, a
bench config that raises the rate limits) and the bare python-socketio relay
(`bench/relay.py`) as subprocesses on free loopback ports, then drives both
with the same generator (`bench/loadgen.py`):

  1. idle RSS: server RSS growth per idle visitor connection (K websockets);
  2. maximum: closed loop at each visitor count of --visitors, each target in
     turn; a target's maximum is its best delivered msg/s;
  3. latency: rate mode at half of Shiftdesk's own maximum, against
     Shiftdesk (the target) and the relay (for comparison);
  4. durability: Shiftdesk is killed with SIGKILL and the acked messages of
     the latency run are looked up in its SQLite file once more.

Prints a table, checks the three targets of the issue (as ratios measured in
this one run) and writes bench/results/latest.json.

    .venv/bin/python bench/run.py             # the full benchmark (~4 min)
    .venv/bin/python bench/run.py --quick     # a sanity check (< 90 s)
    .venv/bin/python bench/run.py browser [--quick]   # browser-like clients (bench/browser_bench.py)
    .venv/bin/python bench/run.py idle [--quick]      # 10,000 idle browser-like visitors, connect cost (bench/idle.py)
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from collections.abc import Callable
from typing import Any

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadgen import LoadGen, count_not_stored  # noqa: E402

SITE = "bench"
TARGET_RATIO = 1.5        # Shiftdesk's max delivered msg/s over the relay's
TARGET_P99_MS = 10.0      # Shiftdesk's p99 at half of its own maximum
TARGET_IDLE_KIB = 40.0    # Shiftdesk's RSS per idle visitor connection
BENCH_CONFIG = """\
# Written by bench/run.py: the defaults, with the per-visitor, per-address
# and per-connection limits raised so that the generator is not rate limited.
[server]
secret_key = "shiftdesk-bench-only"

[limits]
messages_per_minute = 1000000
connects_per_minute = 1000000
packets_per_minute = 1000000
"""


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url}: no answer on /healthz in {timeout:.0f} s")


def cli(*args: str, config: Path, database: str) -> str:
    done = subprocess.run([sys.executable, "run.py", *args, "--config", str(config), "--database", database],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"run.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu_model": model,
            "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            **{name: _version(name) for name in ("python-socketio", "python-engineio", "aiohttp", "uvloop",
                                                   "msgspec", "SQLAlchemy", "aiosqlite")},
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "temp_filesystem": _filesystem(tempfile.gettempdir())}


def _filesystem(path: str) -> str:
    best = None
    for part in psutil.disk_partitions(all=True):
        if path.startswith(part.mountpoint) and (best is None or len(part.mountpoint) > len(best.mountpoint)):
            best = part
    return f"{best.device} on {best.mountpoint} ({best.fstype})" if best else "unknown"


def server_digest() -> str:
    """Which Shiftdesk was measured: a hash of server/**/*.py (nothing is committed yet)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "server").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def busy_core_seconds() -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - t.iowait


def wait_quiet(pids: list[int], max_wait: float, threshold: float = 0.2) -> dict:
    """Waits, at most `max_wait` s, until processes other than the servers
    and the generator use less than `threshold` of a core (measured over 1 s
    windows): other work on a 2-core machine would distort every figure."""
    procs = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            procs.append(psutil.Process(pid))
    start = time.monotonic()
    other = 0.0
    while True:
        own0 = sum(_cpu(p) for p in procs)
        busy0 = busy_core_seconds()
        time.sleep(1.0)
        other = (busy_core_seconds() - busy0) - (sum(_cpu(p) for p in procs) - own0)
        waited = time.monotonic() - start
        if other < threshold or waited >= max_wait:
            if waited > 1.5:
                log(f"  waited {waited:.0f} s for other processes to calm down (now {other:.2f} cores)")
            return {"waited_s": round(waited, 1), "other_cores": round(other, 2)}
        if waited < 1.5:
            log(f"  other processes use {other:.2f} cores: waiting (at most {max_wait:.0f} s)")


def _cpu(proc: psutil.Process) -> float:
    try:
        return sum(proc.cpu_times()[:2])
    except psutil.Error:
        return 0.0


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by both servers


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Shiftdesk vs a bare python-socketio relay, in one run, driven by python-socketio clients",
        epilog="Browser-like clients (Node's socket.io-client, offering permessage-deflate as browsers do, "
               "and long-polling visitors), where the speed targets are read: "
               "`bench/run.py browser [--quick]`; `bench/run.py browser --help` lists its options.")
    parser.add_argument("--quick", action="store_true", help="a few seconds per scenario (sanity check)")
    parser.add_argument("--duration", type=float, help="measured seconds per scenario (default 10; quick 3)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each window (default 2; quick 1)")
    parser.add_argument("--visitors", help="closed-loop visitor counts, comma separated (default 50,100,200; quick 50)")
    parser.add_argument("--rate-visitors", type=int, help="visitors in the rate run (default: the largest count)")
    parser.add_argument("--agents", type=int, help="agents (default 8; quick 4)")
    parser.add_argument("--idle", type=int, help="idle visitor connections for the RSS figure (default 2000; quick 300)")
    parser.add_argument("--workers", type=int, default=1, help="generator worker processes (default 1)")
    parser.add_argument("--reply", action="store_true", help="agents answer every visitor message")
    parser.add_argument("--out", default=str(BENCH / "results" / "latest.json"))
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server logs)")
    parser.add_argument("--quiet-wait", type=float, default=120.0, metavar="S",
                        help="before each scenario, wait at most S s for other processes to go quiet (0: never)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.duration = args.duration or (3.0 if quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.visitors = [int(v) for v in (args.visitors or ("50" if quick else "50,100,200")).split(",") if v.strip()]
    args.rate_visitors = args.rate_visitors or max(args.visitors)
    args.agents = args.agents or (4 if quick else 8)
    args.idle = args.idle if args.idle is not None else (300 if quick else 2000)
    if args.duration <= 0 or args.duration > 600 or args.warmup < 0 or args.warmup > 60:
        parser.error("--duration is 0-600 s, --warmup 0-60 s")
    if not args.visitors or min(args.visitors) < 1 or max(args.visitors + [args.rate_visitors]) > 20_000:
        parser.error("visitor counts are 1-20000")
    if not 1 <= args.agents <= 500 or not 0 <= args.idle <= 20_000 or not 1 <= args.workers <= 16:
        parser.error("--agents 1-500, --idle 0-20000, --workers 1-16")
    return args


class Target:
    def __init__(self, name: str, url: str, proc: subprocess.Popen, tokens: list[str],
                 sqlite: str | None = None) -> None:
        self.name, self.url, self.proc, self.tokens, self.sqlite = name, url, proc, tokens, sqlite

    @property
    def pid(self) -> int:
        return self.proc.pid


def start_targets(args: argparse.Namespace, tmp: Path) -> tuple[Target, Target]:
    config = tmp / "bench.toml"
    config.write_text(BENCH_CONFIG)
    db_path = tmp / "bench.db"
    database = f"sqlite:///{db_path}"
    capacity = math.ceil(max(args.visitors + [args.rate_visitors]) / args.agents) + 1
    log(f"preparing {db_path}: site {SITE!r}, {args.agents} agents of capacity {capacity}")
    cli("site", "add", SITE, config=config, database=database)
    tokens = [secrets.token_urlsafe(24) for _ in range(args.agents)]
    for i, token in enumerate(tokens):
        # --option=value: a random token may begin with "-"
        cli("agent", "add", f"agent{i}@bench.test", "--name", f"Bench {i}", f"--token={token}", "--capacity",
            str(capacity), "--shift", "always", f"--password={secrets.token_urlsafe(12)}",
            config=config, database=database)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIFTDESK_")}
    shiftdesk_log = open(tmp / "shiftdesk.log", "wb")
    proc = subprocess.Popen([sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--config", str(config), "--database", database],
                            cwd=ROOT, stdout=shiftdesk_log, stderr=subprocess.STDOUT, env=env)
    shiftdesk = Target("shiftdesk", f"http://127.0.0.1:{port}", proc, tokens, sqlite=str(db_path))
    relay_port = free_port()
    relay_log = open(tmp / "relay.log", "wb")
    relay_proc = subprocess.Popen([sys.executable, str(BENCH / "relay.py"), "--host", "127.0.0.1",
                                   "--port", str(relay_port)],
                                  cwd=ROOT, stdout=relay_log, stderr=subprocess.STDOUT, env=env)
    relay = Target("relay", f"http://127.0.0.1:{relay_port}", relay_proc,
                   [f"relay-agent-{i}" for i in range(args.agents)])
    try:
        wait_healthy(shiftdesk.url, proc)
        wait_healthy(relay.url, relay_proc)
    except Exception:
        stop(proc)
        stop(relay_proc)
        raise
    log(f"shiftdesk pid {proc.pid} on {shiftdesk.url}; relay pid {relay_proc.pid} on {relay.url}")
    return shiftdesk, relay


def scenario(gen: LoadGen, target: Target, args: argparse.Namespace, pids: list[int], **kw: Any) -> dict:
    quiet = wait_quiet(pids, args.quiet_wait) if args.quiet_wait > 0 else None
    result = gen.scenario(target.url, tokens=target.tokens, duration=args.duration, warmup=args.warmup,
                          reply=args.reply, site=SITE, server_pid=target.pid, sqlite_path=target.sqlite, **kw)
    acked = result.pop("_acked_pairs", None)
    log(f"  {target.name:9} {kw['mode']:6} visitors={result['visitors']:<5} "
        f"delivered={result['delivered_msg_s']:>8.1f} msg/s  p50={result['latency_p50_ms']} ms "
        f"p99={result['latency_p99_ms']} ms  lost={result['acked_lost']}  "
        f"cpu server={result.get('server_cpu_pct')}% generator={result['generator_cpu_pct']}% "
        f"other={result.get('other_cpu_s')} s")
    if acked is not None:
        result["_acked_pairs"] = acked
    result["quiet_before"] = quiet
    return result


def run(args: argparse.Namespace) -> dict:
    raise_fd_limit()
    tmp = Path(tempfile.mkdtemp(prefix="shiftdesk-bench-"))
    report: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
                              "command": " ".join([Path(sys.executable).name, *sys.argv]),
                              "settings": {k: v for k, v in vars(args).items() if k != "out"},
                              "server_sources_sha256": server_digest(),
                              "tmp": str(tmp)}
    shiftdesk = relay = None
    t0 = time.monotonic()
    try:
        shiftdesk, relay = start_targets(args, tmp)
        targets = (shiftdesk, relay)
        with LoadGen(args.workers) as gen:
            report["generator_pids"] = gen.pids
            pids = [os.getpid(), shiftdesk.pid, relay.pid, *gen.pids]
            if args.idle:
                log(f"idle RSS: {args.idle} idle visitor connections per target")
                for target in targets:
                    if args.quiet_wait > 0:
                        wait_quiet(pids, args.quiet_wait)
                    idle = gen.idle_rss(target.url, target.pid, args.idle, site=SITE)
                    report.setdefault("idle", {})[target.name] = idle
                    log(f"  {target.name:9} {idle['rss_kib_per_connection']} KiB per connection "
                        f"({idle['idle_connections']} connections, RSS {idle['rss_before_mib']} -> "
                        f"{idle['rss_after_mib']} MiB)")
            log(f"maximum: closed loop at {args.visitors} visitors, {args.duration:g} s each")
            closed: dict[str, list[dict]] = {t.name: [] for t in targets}
            for count in args.visitors:
                for target in targets:
                    closed[target.name].append(scenario(gen, target, args, pids, visitors=count, mode="closed"))
            report["closed_loop"] = closed
            maxima = {name: max(runs, key=lambda r: r["delivered_msg_s"]) for name, runs in closed.items()}
            report["maximum"] = {name: {"delivered_msg_s": best["delivered_msg_s"], "visitors": best["visitors"]}
                                 for name, best in maxima.items()}
            half = maxima["shiftdesk"]["delivered_msg_s"] / 2
            log(f"latency: rate mode at {half:.1f} msg/s (half of Shiftdesk's maximum), "
                f"{args.rate_visitors} visitors")
            rated: dict[str, dict] = {}
            if half > 0:
                for target in targets:
                    rated[target.name] = scenario(gen, target, args, pids, visitors=args.rate_visitors, mode="rate",
                                                  rate=half, keep_acked=target is shiftdesk)
            report["half_max_rate"] = {name: {k: v for k, v in r.items() if k != "_acked_pairs"}
                                       for name, r in rated.items()}
        acked = rated.get("shiftdesk", {}).get("_acked_pairs")
        if acked is not None:
            log("durability: SIGKILL to Shiftdesk, then the acked messages of the rate run are looked up again")
            stop(shiftdesk.proc, signal.SIGKILL)
            report["after_sigkill"] = {"acked_checked": len(acked),
                                       "acked_not_stored": count_not_stored(shiftdesk.sqlite, acked)}
    finally:
        if shiftdesk is not None:
            stop(shiftdesk.proc)
        if relay is not None:
            stop(relay.proc)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report["elapsed_s"] = round(time.monotonic() - t0, 1)
    report["targets"] = targets_of(report)
    return report


def targets_of(report: dict) -> dict:
    out: dict[str, Any] = {}
    maximum = report.get("maximum", {})
    sd, relay = (maximum.get(n, {}).get("delivered_msg_s") for n in ("shiftdesk", "relay"))
    ratio = round(sd / relay, 3) if sd and relay else None
    out["throughput_ratio"] = {"value": ratio, "target": f">= {TARGET_RATIO}",
                               "met": ratio is not None and ratio >= TARGET_RATIO}
    p99 = report.get("half_max_rate", {}).get("shiftdesk", {}).get("latency_p99_ms")
    out["p99_at_half_max_ms"] = {"value": p99, "target": f"< {TARGET_P99_MS}",
                                 "met": p99 is not None and p99 < TARGET_P99_MS}
    kib = report.get("idle", {}).get("shiftdesk", {}).get("rss_kib_per_connection")
    out["idle_kib_per_connection"] = {"value": kib, "target": f"<= {TARGET_IDLE_KIB}",
                                      "met": kib is not None and kib <= TARGET_IDLE_KIB}
    lost = [r.get("acked_lost", 0) for runs in report.get("closed_loop", {}).values() for r in runs]
    lost += [r.get("acked_lost", 0) for r in report.get("half_max_rate", {}).values()]
    lost.append(report.get("after_sigkill", {}).get("acked_not_stored", 0))
    out["acked_but_lost"] = {"value": sum(lost), "target": "0", "met": sum(lost) == 0}
    runs = [r for rs in report.get("closed_loop", {}).values() for r in rs]
    runs += list(report.get("half_max_rate", {}).values())
    workers = report.get("settings", {}).get("workers", 1)
    peak = max((r["generator_cpu_pct"] for r in runs), default=None)
    out["generator_not_saturated"] = {"value": peak, "target": f"< {90 * workers}% (of {workers} core(s))",
                                      "met": peak is not None and peak < 90 * workers}
    return out


def fmt(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def table(report: dict) -> str:
    rows = [("scenario", "target", "visitors", "delivered msg/s", "p50 ms", "p99 ms", "routing p50/p99 ms",
             "lost", "server CPU", "generator CPU", "server us/msg", "other CPU s")]

    def add(label: str, name: str, r: dict) -> None:
        rows.append((label, name, str(r["visitors"]), fmt(r["delivered_msg_s"]), fmt(r["latency_p50_ms"]),
                     fmt(r["latency_p99_ms"]), f"{fmt(r['routing_p50_ms'])}/{fmt(r['routing_p99_ms'])}",
                     str(r["acked_lost"]), fmt(r.get("server_cpu_pct"), "%"), fmt(r["generator_cpu_pct"], "%"),
                     fmt(r.get("server_cpu_us_per_msg")), fmt(r.get("other_cpu_s"))))
    for name, runs in report.get("closed_loop", {}).items():
        for r in runs:
            add("closed loop", name, r)
    for name, r in report.get("half_max_rate", {}).items():
        add(f"rate {r['rate_target']:.0f}/s", name, r)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    for name, idle in report.get("idle", {}).items():
        lines.append(f"idle RSS {name}: {fmt(idle['rss_kib_per_connection'])} KiB per connection "
                     f"= {fmt(idle['rss_mib_per_1000'])} MiB per 1,000 ({idle['idle_connections']} connections)")
    if "after_sigkill" in report:
        k = report["after_sigkill"]
        lines.append(f"after SIGKILL: {k['acked_not_stored']} of {k['acked_checked']} acked messages not stored")
    noisy = [f"{r['mode']} {name} {r['visitors']}" for name, runs in report.get("closed_loop", {}).items()
             for r in runs if (r.get("other_cpu_s") or 0) > 0.1 * r["duration_s"]]
    noisy += [f"rate {name}" for name, r in report.get("half_max_rate", {}).items()
              if (r.get("other_cpu_s") or 0) > 0.1 * r["duration_s"]]
    if noisy:
        lines.append(f"WARNING: other processes used > 0.1 core during: {', '.join(noisy)}")
    lines.append("")
    for key, t in report.get("targets", {}).items():
        lines.append(f"{key}: {fmt(t['value'])} (target {t['target']}): {'MET' if t['met'] else 'NOT MET'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["browser"]:
        from bench import browser_bench
        return browser_bench.main(argv[1:])
    if argv[:1] == ["idle"]:
        from bench import idle
        return idle.main(argv[1:])
    args = parse_args(argv)
    return finish(run(args), args.out, table)


def finish(report: dict, out: str, table: Callable[[dict], str]) -> int:
    """A benchmark's end: `report` written as JSON to `out`, its table printed."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(f"\nwritten to {path} ({report['elapsed_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
