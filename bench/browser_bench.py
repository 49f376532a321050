"""Shiftdesk against the bare relay, seen by browser-like clients.

Real browsers offer permessage-deflate on every websocket, and some fall
back to long-polling; the python-socketio clients of bench/loadgen.py do
neither. This benchmark drives the servers with bench/browser/loadgen.mjs
(Node's socket.io-client, the client the widget and the console bundle,
offering compression as browsers do) and runs, in one invocation:

  setups   shiftdesk          `run.py serve` as shipped (durable SQLite, the
                              whole policy engine), the bench config of
                              bench/run.py (raised rate limits);
           shiftdesk-deflate  the same with `[server] ws_compression = true`:
                              how Shiftdesk ran before compression went off
                              by default (the lever's "before");
           relay              bench/relay.py at its defaults;
           relay-plain        (not in the default run) the same relay
                              refusing compression, as Shiftdesk does: the
                              ceiling of python-socketio on aiohttp;
  rounds   each round drives every setup in turn (the order rotating from
           round to round): closed loop over websocket, then closed loop
           with the visitors on long-polling; then rate rounds at half of
           Shiftdesk's median websocket maximum, for latency;
  lost     every acked visitor message is looked up in Shiftdesk's SQLite
           file after its scenario, and all of them once more after SIGKILL.

Figures are medians over the rounds and targets are ratios of medians in
this one run (the machine is shared: absolute figures move between runs).

    .venv/bin/python bench/browser_bench.py            # the full run (~8 min)
    .venv/bin/python bench/browser_bench.py --quick    # a sanity check (~1 min)
    .venv/bin/python bench/run.py browser ...    # the same, from run.py
"""
from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import shutil
import signal
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

from bench.loadgen import _sample_window, count_not_stored  # noqa: E402
from bench.run import (BENCH_CONFIG, SITE, finish, TARGET_P99_MS, TARGET_RATIO, cli, free_port,  # noqa: E402
                       machine, raise_fd_limit, server_digest, stop, wait_healthy, wait_quiet)

LOADGEN = BENCH / "browser" / "loadgen.mjs"
SETUPS = ("shiftdesk", "shiftdesk-deflate", "relay")  # the default run
KNOWN = (*SETUPS, "relay-plain")
SHIFTDESK_ENV = {"shiftdesk": {}, "shiftdesk-deflate": {"SHIFTDESK_SERVER_WS_COMPRESSION": "true"}}


def log(text: str) -> None:
    print(f"[browser {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class Target:
    def __init__(self, name: str, url: str, proc: subprocess.Popen, tokens: list[str],
                 sqlite: str | None = None) -> None:
        self.name, self.url, self.proc, self.tokens, self.sqlite = name, url, proc, tokens, sqlite
        self.acked: list[tuple[str, str]] = []  # every acked (chat_id, client_id), for the check after SIGKILL

    @property
    def pid(self) -> int:
        return self.proc.pid


def start_shiftdesk(name: str, tmp: Path, agents: int, capacity: int) -> Target:
    """A desk of its own: SQLite file, site, agents with tokens, `run.py serve`."""
    home = tmp / name
    home.mkdir()
    config = home / "bench.toml"
    config.write_text(BENCH_CONFIG)
    db_path = home / "bench.db"
    database = f"sqlite:///{db_path}"
    cli("site", "add", SITE, config=config, database=database)
    tokens = [secrets.token_urlsafe(24) for _ in range(agents)]
    for i, token in enumerate(tokens):
        cli("agent", "add", f"agent{i}@bench.test", "--name", f"Bench {i}", f"--token={token}", "--capacity",
            str(capacity), "--shift", "always", f"--password={secrets.token_urlsafe(12)}",
            config=config, database=database)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIFTDESK_")} | SHIFTDESK_ENV[name]
    proc = subprocess.Popen([sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--config", str(config), "--database", database],
                            cwd=ROOT, stdout=open(home / "server.log", "wb"), stderr=subprocess.STDOUT, env=env)
    return Target(name, f"http://127.0.0.1:{port}", proc, tokens, sqlite=str(db_path))


def start_relay(tmp: Path, agents: int, name: str = "relay") -> Target:
    """`relay`, or `relay-plain`: the same relay refusing compression."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIFTDESK_")}
    plain = ["--no-compression"] if name == "relay-plain" else []
    proc = subprocess.Popen([sys.executable, str(BENCH / "relay.py"), "--host", "127.0.0.1", "--port", str(port),
                             *plain], cwd=ROOT, stdout=open(tmp / f"{name}.log", "wb"), stderr=subprocess.STDOUT,
                            env=env)
    return Target(name, f"http://127.0.0.1:{port}", proc, [f"relay-agent-{i}" for i in range(agents)])


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("Node.js 18+ is needed for the browser-like generator")
    if not (ROOT / "node_modules" / "socket.io-client").is_dir():
        raise RuntimeError("node_modules/socket.io-client is missing: run ./shiftdesk test --collect-only -q "
                           "(or npm ci) first")
    return found


def drive(target: Target, *, visitors: int, mode: str, duration: float, warmup: float, transport: str = "websocket",
          rate: float = 0.0, reply: bool = False, deflate: bool = True, timeout: float = 300.0) -> dict:
    """One scenario of the browser-like generator against `target`, with
    the server's CPU sampled over the generator's window; raises
    RuntimeError when the generator fails."""
    options = {"url": target.url, "tokens": target.tokens, "site": SITE, "visitors": visitors, "mode": mode,
               "rate": rate, "duration": duration, "warmup": warmup, "reply": reply, "transport": transport,
               "deflate": deflate, "keepAcked": target.sqlite is not None}
    proc = subprocess.Popen([node(), str(LOADGEN), json.dumps(options)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        if not first:
            proc.wait(timeout)
            raise RuntimeError(f"loadgen.mjs failed ({proc.returncode}): {proc.stderr.read()[-2000:]}")
        window = tuple(json.loads(first)["window"])
        samples = _sample_window(window, [psutil.Process(target.pid)])
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0 or not out.strip():
        raise RuntimeError(f"loadgen.mjs failed ({proc.returncode}): {err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1]) | samples
    delivered = result["delivered_msg_s"] * duration
    result["other_cpu_s"] = round(result["machine_busy_cpu_s"] - result["server_cpu_s"]
                                  - result["generator_cpu_s"], 3)
    result["server_cpu_pct"] = round(100 * result["server_cpu_s"] / duration, 1)
    result["server_loop_cpu_pct"] = round(100 * result["server_main_thread_cpu_s"] / duration, 1)
    if delivered:
        result["server_cpu_us_per_msg"] = round(1e6 * result["server_cpu_s"] / delivered, 1)
    pairs = [tuple(p) for p in result.pop("acked_pairs", [])]
    if target.sqlite is not None:
        target.acked.extend(pairs)
        result["acked_lost"] = count_not_stored(target.sqlite, pairs)
    else:
        result["acked_lost"] = result["acked_undelivered"]
    return result


def scenario(target: Target, args: argparse.Namespace, pids: list[int], label: str, **kw: Any) -> dict:
    quiet = wait_quiet(pids, args.quiet_wait) if args.quiet_wait > 0 else None
    result = drive(target, duration=args.duration, warmup=args.warmup, reply=args.reply, **kw)
    result["quiet_before"] = quiet
    log(f"  {label:9} {target.name:17} delivered={result['delivered_msg_s']:>8.1f} msg/s  "
        f"p50={result['latency_p50_ms']} p99={result['latency_p99_ms']} ms  lost={result['acked_lost']}  "
        f"deflate={result['deflate_accepted']}  cpu server={result['server_cpu_pct']}% "
        f"(event loop {result['server_loop_cpu_pct']}%) "
        f"generator={result['generator_cpu_pct']}% other={result['other_cpu_s']} s")
    return result


def rotated(items: list, by: int) -> list:
    by %= len(items)
    return items[by:] + items[:by]


def median_of(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/browser_bench.py",
                                     description="Shiftdesk vs the bare relay, driven by browser-like clients "
                                                 "(Node socket.io-client offering permessage-deflate)")
    parser.add_argument("--quick", action="store_true", help="1 round, short windows, 20 visitors (sanity check)")
    parser.add_argument("--rounds", type=int, help="alternating rounds per kind of scenario (default 3; quick 1)")
    parser.add_argument("--duration", type=float, help="measured seconds per scenario (default 8; quick 2)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each window (default 2; quick 0.5)")
    parser.add_argument("--visitors", type=int, help="closed-loop visitors (default 50; quick 20)")
    parser.add_argument("--rate-visitors", type=int, help="visitors of the rate rounds (default 100; quick 20)")
    parser.add_argument("--agents", type=int, help="agents (default 8; quick 2)")
    parser.add_argument("--setups", default=",".join(SETUPS), help=f"a subset of {','.join(KNOWN)}")
    parser.add_argument("--no-polling", action="store_true", help="leave out the long-polling rounds")
    parser.add_argument("--no-rate", action="store_true", help="leave out the rate rounds")
    parser.add_argument("--rate", type=float, metavar="MSG_S",
                        help="the rate rounds at this rate instead of half of Shiftdesk's median maximum "
                             "(to compare two checkouts at the same load)")
    parser.add_argument("--reply", action="store_true", help="agents answer every visitor message")
    parser.add_argument("--quiet-wait", type=float, default=60.0, metavar="S",
                        help="before each scenario, wait at most S s for other processes to go quiet (0: never)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (databases, server logs)")
    parser.add_argument("--out", default=str(BENCH / "results" / "browser-latest.json"))
    args = parser.parse_args(argv)
    quick = args.quick
    args.rounds = args.rounds or (1 if quick else 3)
    args.duration = args.duration or (2.0 if quick else 8.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if quick else 2.0)
    args.visitors = args.visitors or (20 if quick else 50)
    args.rate_visitors = args.rate_visitors or (20 if quick else 100)
    args.agents = args.agents or (2 if quick else 8)
    args.setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    if not set(args.setups) <= set(KNOWN) or not args.setups:
        parser.error(f"--setups: a subset of {','.join(KNOWN)}")
    if not 1 <= args.rounds <= 20 or not 0 < args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--rounds 1-20, --duration 0-600 s, --warmup 0-60 s")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be above 0")
    if not 1 <= args.visitors <= 5000 or not 1 <= args.rate_visitors <= 5000 or not 1 <= args.agents <= 200:
        parser.error("--visitors and --rate-visitors 1-5000, --agents 1-200")
    return args


def run(args: argparse.Namespace) -> dict:
    raise_fd_limit()
    node()
    tmp = Path(tempfile.mkdtemp(prefix="shiftdesk-browser-"))
    report: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
                              "node": subprocess.run([node(), "--version"], capture_output=True, text=True).stdout.strip(),
                              "command": " ".join([Path(sys.executable).name, *sys.argv]),
                              "settings": {k: v for k, v in vars(args).items() if k != "out"},
                              "server_sources_sha256": server_digest(), "tmp": str(tmp)}
    capacity = math.ceil(max(args.visitors, args.rate_visitors) / args.agents) + 1
    targets: dict[str, Target] = {}
    t0 = time.monotonic()
    try:
        for name in args.setups:
            targets[name] = start_relay(tmp, args.agents, name) if name.startswith("relay") else \
                start_shiftdesk(name, tmp, args.agents, capacity)
        for target in targets.values():
            wait_healthy(target.url, target.proc)
        log(", ".join(f"{t.name} pid {t.pid} on {t.url}" for t in targets.values()))
        pids = [os.getpid(), *(t.pid for t in targets.values())]
        order = list(targets.values())
        kinds = [("websocket", "closed")] + ([] if args.no_polling else [("polling", "closed")])
        for transport, mode in kinds:
            runs = report.setdefault(transport, {name: [] for name in targets})
            log(f"{transport}: closed loop, {args.visitors} visitors, {args.rounds} round(s)")
            for r in range(args.rounds):
                for target in rotated(order, r):
                    runs[target.name].append(scenario(target, args, pids, f"r{r + 1} {transport[:4]}",
                                                      visitors=args.visitors, mode=mode, transport=transport))
        sd_max = median_of(report["websocket"].get("shiftdesk", []), "delivered_msg_s")
        if not args.no_rate and (sd_max or args.rate):
            half = args.rate or round(sd_max / 2, 1)
            report["rate_msg_s"] = half
            report["rate_as_asked"] = bool(args.rate)
            rated = report.setdefault("rate", {name: [] for name in targets})
            why = "as asked" if args.rate else "half of Shiftdesk's median maximum"
            log(f"rate: {half} msg/s ({why}), {args.rate_visitors} visitors")
            for r in range(args.rounds):
                for target in rotated(order, r):
                    rated[target.name].append(scenario(target, args, pids, f"r{r + 1} rate", mode="rate",
                                                       rate=half, visitors=args.rate_visitors))
        for target in targets.values():
            if target.sqlite is not None:
                stop(target.proc, signal.SIGKILL)
                report.setdefault("after_sigkill", {})[target.name] = {
                    "acked_checked": len(target.acked),
                    "acked_not_stored": count_not_stored(target.sqlite, target.acked)}
    finally:
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
    """Per kind of scenario and setup: medians over the rounds, and the ratios of medians."""
    out: dict[str, Any] = {}
    for kind in ("websocket", "polling", "rate"):
        for name, runs in report.get(kind, {}).items():
            out.setdefault(kind, {})[name] = {
                "delivered_msg_s": median_of(runs, "delivered_msg_s"),
                "latency_p50_ms": median_of(runs, "latency_p50_ms"),
                "latency_p99_ms": median_of(runs, "latency_p99_ms"),
                "server_cpu_us_per_msg": median_of(runs, "server_cpu_us_per_msg"),
                "generator_cpu_pct_max": max((r["generator_cpu_pct"] for r in runs), default=None),
                "acked": sum(r["acked"] for r in runs), "acked_lost": sum(r["acked_lost"] for r in runs),
                "rounds": [r["delivered_msg_s"] for r in runs]}
    for kind in ("websocket", "polling"):
        medians = {name: m["delivered_msg_s"] for name, m in out.get(kind, {}).items()}
        for name in ("shiftdesk", "shiftdesk-deflate", "relay-plain"):
            if medians.get(name) and medians.get("relay"):
                out[kind][name]["ratio_to_relay"] = round(medians[name] / medians["relay"], 3)
    return out


def targets_of(report: dict) -> dict:
    s = report.get("summary", {})
    ratio = s.get("websocket", {}).get("shiftdesk", {}).get("ratio_to_relay")
    p99 = s.get("rate", {}).get("shiftdesk", {}).get("latency_p99_ms")
    lost = sum(m["acked_lost"] for kind in s.values() for m in kind.values())
    lost += sum(k["acked_not_stored"] for k in report.get("after_sigkill", {}).values())
    peak = max((m["generator_cpu_pct_max"] or 0 for kind in s.values() for m in kind.values()), default=None)
    return {
        "throughput_ratio": {"value": ratio, "target": f">= {TARGET_RATIO}",
                             "met": ratio is not None and ratio >= TARGET_RATIO},
        "p99_at_half_max_ms": {"value": p99, "target": f"<= {TARGET_P99_MS}",
                               "met": p99 is not None and p99 <= TARGET_P99_MS},
        "acked_but_lost": {"value": lost, "target": "0", "met": lost == 0},
        "generator_not_saturated": {"value": peak, "target": "< 90% of its one core",
                                    "met": peak is not None and peak < 90},
    }


def table(report: dict) -> str:
    rows = [("scenario", "setup", "msg/s (median)", "rounds", "x relay", "p50 ms", "p99 ms", "server us/msg",
             "generator CPU max", "acked", "lost")]
    for kind, setups in report.get("summary", {}).items():
        for name, m in setups.items():
            rows.append((kind, name, str(m["delivered_msg_s"]), ", ".join(map(str, m["rounds"])),
                         str(m.get("ratio_to_relay", "-")), str(m["latency_p50_ms"]), str(m["latency_p99_ms"]),
                         str(m["server_cpu_us_per_msg"]), f"{m['generator_cpu_pct_max']}%", str(m["acked"]),
                         str(m["acked_lost"])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    if "rate_msg_s" in report:
        why = "as asked" if report.get("rate_as_asked") else "half of Shiftdesk's median websocket maximum"
        lines.append(f"rate rounds at {report['rate_msg_s']} msg/s ({why})")
    for name, k in report.get("after_sigkill", {}).items():
        lines.append(f"after SIGKILL, {name}: {k['acked_not_stored']} of {k['acked_checked']} acked messages not stored")
    lines.append("")
    for key, t in report.get("targets", {}).items():
        lines.append(f"{key}: {t['value']} (target {t['target']}): {'MET' if t['met'] else 'NOT MET'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return finish(run(args), args.out, table)


if __name__ == "__main__":
    sys.exit(main())
