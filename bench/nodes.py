"""Shiftdesk on several nodes against the bare relay, in one invocation.

Four set-ups (or those of --setups), all started at once, driven in turn by
the same generator (bench/loadgen.py; the bench config of bench/run.py for
every Shiftdesk node):

  1. sqlite     one node on a SQLite file, as bench/run.py runs it;
  2. pg         one node on PostgreSQL + Redis (`--redis`): a scratch
                database, a random Redis key prefix;
  3. two-nodes  nodes n1 and n2 on one more scratch database and prefix,
                every visitor on n1 and every agent on n2: every
                visitor->agent message crosses nodes through Redis;
  4. relay      bench/relay.py with python-socketio's stock
                `AsyncRedisManager` (a random channel).

The machine is shared and noisy, so the set-ups take turns: each round runs
a closed loop at --visitors against all four (each round starts one set-up
further along), then one round in rate mode at a fixed --rate for latency.

Per set-up: delivered msg/s (median of the rounds); CPU per delivered
message: the CPU seconds of all its server processes (psutil, children
included; not the generator) over the window / the messages delivered in
it, in µs; PostgreSQL's and Redis's CPU over the same window apart (they
serve the whole machine, so anything else using them shows there);
latency p50/p99 (send -> arrival at the agent) in the rate round; routing
p50/p99 (chat:start -> chat:assigned at the agent);
acked-but-lost: acked (chat, client_id) pairs missing from the SQLite file
or from the PostgreSQL messages table (asyncpg), for the relay acked
messages never delivered; and, for every set-up, acked messages that never
reached the agent live ("undelivered").

Ratios of this one run, against the targets of the issue:
  (a) two-nodes msg/s / relay msg/s             target >= 1.0
  (b) two-nodes CPU/msg / pg CPU/msg            target <= 1.30 (crossing adds at most 30%)

    .venv/bin/python bench/nodes.py            # 3 rounds and a rate round (4-5 min)
    .venv/bin/python bench/nodes.py --quick    # 1 round, 3 s windows, 20 visitors: a sanity check (< 90 s)

Prints a table and writes bench/results/nodes-latest.json. Needs PostgreSQL
(--pg: an admin URL that may create databases) and Redis (--redis); drops
its databases and deletes its Redis keys when done.
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import math
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import psutil
import redis
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadgen import LoadGen  # noqa: E402
from bench.run import (BENCH_CONFIG, SITE, finish, fmt, free_port, log, machine, raise_fd_limit,  # noqa: E402
                       server_digest, stop, wait_healthy, wait_quiet)

SETUPS = ("sqlite", "pg", "two-nodes", "relay")
DESCRIPTIONS = {
    "sqlite": "1. one node, SQLite",
    "pg": "2. one node, PostgreSQL + Redis",
    "two-nodes": "3. two nodes: visitors on n1, agents on n2",
    "relay": "4. bare relay, AsyncRedisManager",
}
TARGET_VS_RELAY = 1.0       # (a) two-nodes msg/s over the relay's
TARGET_CROSSING_CPU = 1.30  # (b) two-nodes CPU per message over one PostgreSQL node's
DEFAULT_PG = os.environ.get("SHIFTDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DEFAULT_REDIS = os.environ.get("SHIFTDESK_TEST_REDIS", "redis://127.0.0.1:6379/0")
# `run.py` (server.cli.main) once per command line, in one process: 27
# interpreters importing the server cost a minute and a half on a busy
# 2-core machine.
CLI_BATCH = """\
import json, sys
from server.cli import main
for argv in json.loads(sys.argv[1]):
    code = main(argv)
    if code:
        sys.exit(code)
"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Shiftdesk on one and two nodes vs the relay, in alternating rounds")
    parser.add_argument("--quick", action="store_true",
                        help="1 round, 3 s windows, 20 visitors, 2 agents (a sanity check, < 90 s)")
    parser.add_argument("--rounds", type=int, help="closed-loop rounds (default 3; quick 1)")
    parser.add_argument("--duration", type=float, help="measured seconds per scenario (default 8; quick 3)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each window (default 2; quick 1)")
    parser.add_argument("--visitors", type=int, help="visitors per scenario (default 50; quick 20)")
    parser.add_argument("--agents", type=int, help="agents (default 8; quick 2)")
    parser.add_argument("--rate", type=float, default=300.0,
                        help="msg/s of the rate round, the same for every set-up (default 300; 0: no rate round)")
    parser.add_argument("--workers", type=int, default=1, help="generator worker processes (default 1)")
    parser.add_argument("--setups", default=",".join(SETUPS),
                        help="which set-ups, comma separated (default: all, %(default)s)")
    parser.add_argument("--pg", default=DEFAULT_PG, metavar="URL", help="PostgreSQL admin URL (default %(default)s)")
    parser.add_argument("--redis", default=DEFAULT_REDIS, metavar="URL", help="Redis URL (default %(default)s)")
    parser.add_argument("--out", default=str(BENCH / "results" / "nodes-latest.json"))
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (SQLite file, server logs)")
    parser.add_argument("--quiet-wait", type=float, metavar="S",
                        help="before each scenario, wait at most S s for other processes to go quiet "
                             "(default 5; quick 2; 0: never)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.rounds = args.rounds or (1 if quick else 3)
    args.duration = args.duration or (3.0 if quick else 8.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.visitors = args.visitors or (20 if quick else 50)
    args.agents = args.agents or (2 if quick else 8)
    args.quiet_wait = args.quiet_wait if args.quiet_wait is not None else (2.0 if quick else 5.0)
    if not 1 <= args.rounds <= 20 or not 0 < args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--rounds 1-20, --duration 0-600 s, --warmup 0-60 s")
    if not 1 <= args.visitors <= 20_000 or not 1 <= args.agents <= 500 or not 1 <= args.workers <= 16:
        parser.error("--visitors 1-20000, --agents 1-500, --workers 1-16")
    if args.rate < 0:
        parser.error("--rate is >= 0")
    args.setups = [name.strip() for name in args.setups.split(",") if name.strip()]
    if not args.setups or set(args.setups) - set(SETUPS) or len(set(args.setups)) < len(args.setups):
        parser.error(f"--setups: some of {','.join(SETUPS)}, each once")
    return args


# ---------------------------------------------------------------- services

def _pg_dsn(url: str, database: str | None = None) -> str:
    """A plain libpq URL for asyncpg and for `run.py --database` (no `+driver`)."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(_pg_dsn(admin_url), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(admin_url: str) -> str:
    """An empty scratch database; its URL."""
    name = f"shiftdesk_bench_{secrets.token_hex(6)}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    return _pg_dsn(admin_url, name)


def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg_not_stored(url: str, acked: Sequence[tuple[str, str]]) -> int:
    wanted: dict[str, set[str]] = {}
    for chat_id, client_id in acked:
        wanted.setdefault(chat_id, set()).add(client_id)
    conn = await asyncpg.connect(url, timeout=10)
    try:
        rows = await conn.fetch("SELECT chat_id, client_id FROM messages "
                                "WHERE author = 'visitor' AND chat_id = ANY($1::varchar[])", list(wanted))
    finally:
        await conn.close()
    stored: dict[str, set[str]] = {}
    for row in rows:
        stored.setdefault(row["chat_id"], set()).add(row["client_id"])
    return sum(len(ids - stored.get(chat_id, set())) for chat_id, ids in wanted.items())


def pg_not_stored(url: str, acked: Sequence[tuple[str, str]]) -> int:
    """Acked (chat_id, client_id) pairs of visitor messages missing from the
    PostgreSQL messages table (the counterpart of loadgen's SQLite check)."""
    return asyncio.run(_pg_not_stored(url, acked))


def drop_prefix(url: str, prefix: str) -> int:
    """Deletes every Redis key under `prefix:`; how many there were."""
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


async def _postmaster_pid(admin_url: str) -> int:
    conn = await asyncpg.connect(_pg_dsn(admin_url), timeout=5)
    try:
        return psutil.Process(await conn.fetchval("SELECT pg_backend_pid()")).ppid()
    finally:
        await conn.close()


def service_pids(args: argparse.Namespace) -> dict[str, int]:
    """The PostgreSQL server (its postmaster: every backend is its child)
    and redis-server, when they run on this machine: their CPU is measured
    apart. They serve everyone on the machine, not only this benchmark."""
    found: dict[str, int] = {}
    with contextlib.suppress(OSError, asyncio.TimeoutError, asyncpg.PostgresError, psutil.Error):
        found["postgresql"] = asyncio.run(_postmaster_pid(args.pg))
    client = redis.Redis.from_url(args.redis, socket_timeout=5)
    try:
        found["redis"] = int(client.info("server")["process_id"])
    except (redis.RedisError, OSError, KeyError, ValueError):
        pass
    finally:
        client.close()
    names = {"postgresql": ("postgres", "postmaster"), "redis": ("redis-server",)}
    return {service: pid for service, pid in found.items()
            if psutil.pid_exists(pid) and psutil.Process(pid).name().startswith(names[service])}


def check_services(args: argparse.Namespace) -> None:
    """Fails at once, with a message, when PostgreSQL or Redis does not answer."""
    try:
        asyncio.run(_admin(args.pg, "SELECT 1"))
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as exc:
        raise SystemExit(f"PostgreSQL at {make_url(args.pg).render_as_string()} does not answer: {exc!r}")
    client = redis.Redis.from_url(args.redis, socket_timeout=5)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        raise SystemExit(f"Redis at {args.redis} does not answer: {exc!r}")
    finally:
        client.close()


# ---------------------------------------------------------------- set-ups

def clean_env() -> dict[str, str]:
    """This environment without SHIFTDESK_* settings: only the options given count."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SHIFTDESK_")}


@dataclasses.dataclass
class SetUp:
    name: str
    visitor_url: str
    agent_url: str
    procs: list[subprocess.Popen]
    tokens: list[str]
    sqlite: str | None = None  # the SQLite file, for the lost count
    pg: str | None = None      # the PostgreSQL database, for the lost count
    nodes: tuple[str, ...] = ()  # the names of `procs`, when there are several

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]


class Lab:
    """Everything a run makes, so that all of it is undone: processes,
    scratch databases, Redis prefixes, the temp dir."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="shiftdesk-nodes-"))
        self.config = self.tmp / "bench.toml"
        self.config.write_text(BENCH_CONFIG)
        self.procs: list[subprocess.Popen] = []
        self.logs: dict[int, Path] = {}  # pid -> its output
        self.databases: list[str] = []
        self.prefixes: list[str] = []
        self.cleaned: dict[str, Any] = {}

    def database(self) -> str:
        url = create_database(self.args.pg)
        self.databases.append(url)
        return url

    def prefix(self) -> str:
        prefix = f"shiftdesk-bench-{secrets.token_hex(6)}"
        self.prefixes.append(prefix)
        return prefix

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        log_path = self.tmp / f"{name}.log"
        with open(log_path, "wb") as out:
            proc = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                    env={**clean_env(), **(env or {})})
        self.procs.append(proc)
        self.logs[proc.pid] = log_path
        return proc

    def wait_healthy(self, url: str, proc: subprocess.Popen) -> None:
        """As bench/run.py's, with the end of the process's output in the error."""
        try:
            wait_healthy(url, proc)
        except RuntimeError as exc:
            tail = self.logs[proc.pid].read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}; its output ends with:\n{tail}") from None

    def node(self, name: str, database: str, *, prefix: str | None = None) -> tuple[subprocess.Popen, str]:
        """`run.py serve` on a free port; with `prefix`, one node of several on Redis."""
        port = free_port()
        argv = [sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(port),
                "--config", str(self.config), "--database", database]
        env = None
        if prefix is not None:
            argv += ["--redis", self.args.redis, "--node", name.rsplit("-", 1)[-1]]
            env = {"SHIFTDESK_SERVER_REDIS_PREFIX": prefix}
        return self.spawn(name, argv, env), f"http://127.0.0.1:{port}"

    def close(self) -> None:
        for proc in self.procs:
            stop(proc)
        for prefix in self.prefixes:  # after the nodes: a live node would write its keys again
            try:
                self.cleaned[f"redis {prefix}:*"] = drop_prefix(self.args.redis, prefix)
            except (redis.RedisError, OSError) as exc:
                log(f"could not delete the keys of {prefix}: {exc!r}")
        for url in self.databases:
            try:
                drop_database(self.args.pg, url)
                self.cleaned[f"database {make_url(url).database}"] = "dropped"
            except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as exc:
                log(f"could not drop {make_url(url).database}: {exc!r}")
        if self.args.keep:
            log(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def prepare_desk(lab: Lab, database: str, tokens: list[str], capacity: int) -> None:
    """The site and the agents, through the command line as bench/run.py
    makes them (`run.py site add`, `run.py agent add`), in one process."""
    commands = [["site", "add", SITE]]
    for i, token in enumerate(tokens):
        # --option=value: a random token may begin with "-"
        commands.append(["agent", "add", f"agent{i}@bench.test", "--name", f"Bench {i}", f"--token={token}",
                         "--capacity", str(capacity), "--shift", "always",
                         f"--password={secrets.token_urlsafe(12)}"])
    argvs = [[*c, "--config", str(lab.config), "--database", database] for c in commands]
    done = subprocess.run([sys.executable, "-c", CLI_BATCH, json.dumps(argvs)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=clean_env())
    if done.returncode != 0:
        raise RuntimeError(f"run.py site/agent add failed:\n{done.stdout}\n{done.stderr}")


def _sqlite(lab: Lab, database: str, tokens: list[str]) -> SetUp:
    proc, url = lab.node("sqlite", database)
    return SetUp("sqlite", url, url, [proc], tokens, sqlite=database.removeprefix("sqlite:///"))


def _pg(lab: Lab, database: str, tokens: list[str]) -> SetUp:
    proc, url = lab.node("pg-n1", database, prefix=lab.prefix())
    return SetUp("pg", url, url, [proc], tokens, pg=database)


def _two_nodes(lab: Lab, database: str, tokens: list[str]) -> SetUp:
    prefix = lab.prefix()
    n1, n1_url = lab.node("two-nodes-n1", database, prefix=prefix)
    n2, n2_url = lab.node("two-nodes-n2", database, prefix=prefix)
    return SetUp("two-nodes", n1_url, n2_url, [n1, n2], tokens, pg=database, nodes=("n1", "n2"))


def _relay(lab: Lab, _database: str, _tokens: list[str]) -> SetUp:
    port = free_port()
    proc = lab.spawn("relay", [sys.executable, str(BENCH / "relay.py"), "--host", "127.0.0.1", "--port", str(port),
                               "--redis", lab.args.redis])
    url = f"http://127.0.0.1:{port}"
    return SetUp("relay", url, url, [proc], [f"relay-agent-{i}" for i in range(lab.args.agents)])


STARTERS = {"sqlite": _sqlite, "pg": _pg, "two-nodes": _two_nodes, "relay": _relay}


def start_setups(lab: Lab) -> dict[str, SetUp]:
    """The chosen set-ups (--setups), each desk prepared, every process answering /healthz."""
    args = lab.args
    databases = {name: f"sqlite:///{lab.tmp / 'bench.db'}" if name == "sqlite" else lab.database()
                 for name in args.setups if name != "relay"}
    tokens = [secrets.token_urlsafe(24) for _ in range(args.agents)]
    capacity = math.ceil(args.visitors / args.agents) + 1
    log(f"preparing {len(databases)} desk(s): site {SITE!r}, {args.agents} agents of capacity {capacity}")
    if databases:
        with concurrent.futures.ThreadPoolExecutor(len(databases)) as pool:
            for done in [pool.submit(prepare_desk, lab, db, tokens, capacity) for db in databases.values()]:
                done.result()
    setups = {name: STARTERS[name](lab, databases.get(name, ""), tokens) for name in args.setups}
    for setup in setups.values():
        for proc, url in zip(setup.procs, dict.fromkeys([setup.visitor_url, setup.agent_url])):
            lab.wait_healthy(url, proc)
    for name, setup in setups.items():
        log(f"  {DESCRIPTIONS[name]}: pids {setup.pids}, visitors -> {setup.visitor_url}, "
            f"agents -> {setup.agent_url}")
    return setups


# ---------------------------------------------------------------- measuring

def measure(gen: LoadGen, setup: SetUp, args: argparse.Namespace, pids: list[int], *,
            mode: str, rate: float = 0.0, services: Sequence[int] = ()) -> dict:
    """One scenario against one set-up; its loadgen figures, the lost count
    taken from the set-up's store. A scenario that fails is recorded, not raised."""
    quiet = wait_quiet(pids, args.quiet_wait) if args.quiet_wait > 0 else None
    try:
        result = gen.scenario(setup.visitor_url, agent_url=setup.agent_url, tokens=setup.tokens,
                              visitors=args.visitors, mode=mode, rate=rate, duration=args.duration,
                              warmup=args.warmup, site=SITE, server_pids=setup.pids, sqlite_path=setup.sqlite,
                              keep_acked=setup.pg is not None, service_pids=services)
    except Exception as exc:  # a crashed node or a refused start: the other set-ups still run
        log(f"  {setup.name:9} {mode:6} FAILED: {exc!r}")
        with contextlib.suppress(Exception):
            gen.all("end")
        return {"error": repr(exc), "mode": mode, "quiet_before": quiet}
    acked = result.pop("_acked_pairs", None)
    if setup.pg is not None:
        result["acked_checked"] = len(acked)
        result["acked_not_stored"] = pg_not_stored(setup.pg, acked)
        result["acked_lost"] = result["acked_not_stored"]
    result["quiet_before"] = quiet
    by_pid = result.pop("server_cpu_s_by_pid", None)
    delivered = result["delivered_msg_s"] * result["duration_s"]
    if by_pid and setup.nodes and delivered:
        result["node_cpu_us_per_msg"] = {node: round(1e6 * by_pid[proc.pid] / delivered, 1)
                                         for node, proc in zip(setup.nodes, setup.procs)}
    if "services_cpu_s" in result and delivered:
        result["services_cpu_us_per_msg"] = round(1e6 * result["services_cpu_s"] / delivered, 1)
    log(f"  {setup.name:9} {mode:6} delivered={result['delivered_msg_s']:>8.1f} msg/s  "
        f"p50={result['latency_p50_ms']} p99={result['latency_p99_ms']} ms  "
        f"routing p50={result['routing_p50_ms']} ms  lost={result['acked_lost']} "
        f"undelivered={result['acked_undelivered']}  server {result.get('server_cpu_pct')}% "
        f"= {result.get('server_cpu_us_per_msg')} us/msg {result.get('node_cpu_us_per_msg', '')} "
        f"generator {result['generator_cpu_pct']}%  PG+Redis {result.get('services_cpu_s')} s  "
        f"other {result.get('other_cpu_s')} s")
    return result


def turn(names: Sequence[str], index: int) -> list[str]:
    """The set-ups in the order of round `index`: each round starts one further along."""
    k = index % len(names)
    return [*names[k:], *names[:k]]


def run_rounds(gen: LoadGen, setups: dict[str, SetUp], args: argparse.Namespace, pids: list[int],
               services: Sequence[int]) -> tuple[list[dict], dict]:
    rounds: list[dict[str, dict]] = []
    for index in range(args.rounds):
        log(f"round {index + 1}/{args.rounds}: closed loop, {args.visitors} visitors, {args.duration:g} s each")
        rounds.append({name: measure(gen, setups[name], args, pids, mode="closed", services=services)
                       for name in turn(args.setups, index)})
    rated: dict[str, dict] = {}
    if args.rate > 0:
        log(f"rate round: {args.rate:g} msg/s from {args.visitors} visitors, {args.duration:g} s each")
        rated = {name: measure(gen, setups[name], args, pids, mode="rate", rate=args.rate, services=services)
                 for name in turn(args.setups, args.rounds)}
    return rounds, rated


# ---------------------------------------------------------------- summary

def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def _node_medians(runs: list[dict]) -> dict[str, float | None]:
    """Each node's median CPU per message, for a set-up of several nodes ({} otherwise)."""
    splits = [r["node_cpu_us_per_msg"] for r in runs if "node_cpu_us_per_msg" in r]
    return {node: _median([split.get(node) for split in splits]) for node in sorted({n for s in splits for n in s})}


def summarize(names: Sequence[str], rounds: list[dict], rated: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for name in names:
        closed = [r[name] for r in rounds if "error" not in r.get(name, {"error": 1})]
        rate = rated.get(name, {})
        every = closed + ([rate] if rate and "error" not in rate else [])
        failed = sum(1 for r in rounds if "error" in r.get(name, {})) + (1 if "error" in rate else 0)
        out[name] = {
            "description": DESCRIPTIONS[name],
            "delivered_msg_s": _median([r["delivered_msg_s"] for r in closed]),
            "delivered_msg_s_rounds": [r["delivered_msg_s"] for r in closed],
            "cpu_us_per_msg": _median([r.get("server_cpu_us_per_msg") for r in closed]),
            "cpu_us_per_msg_rounds": [r.get("server_cpu_us_per_msg") for r in closed],
            "node_cpu_us_per_msg": _node_medians(closed),
            "server_cpu_pct": _median([r.get("server_cpu_pct") for r in closed]),
            "services_cpu_us_per_msg": _median([r.get("services_cpu_us_per_msg") for r in closed]),
            "generator_cpu_pct": _median([r["generator_cpu_pct"] for r in closed]),
            "closed_latency_p50_ms": _median([r["latency_p50_ms"] for r in closed]),
            "closed_latency_p99_ms": _median([r["latency_p99_ms"] for r in closed]),
            "routing_p50_ms": _median([r["routing_p50_ms"] for r in every]),
            "routing_p99_ms": _median([r["routing_p99_ms"] for r in every]),
            "rate_delivered_msg_s": rate.get("delivered_msg_s"),
            "rate_latency_p50_ms": rate.get("latency_p50_ms"),
            "rate_latency_p99_ms": rate.get("latency_p99_ms"),
            "rate_cpu_us_per_msg": rate.get("server_cpu_us_per_msg"),
            "acked": sum(r["acked"] for r in every),
            "acked_lost": sum(r["acked_lost"] for r in every),
            "acked_undelivered": sum(r["acked_undelivered"] for r in every),
            "not_acked": sum(sum(r["not_acked"].values()) for r in every),
            "other_cpu_s_max": max((r.get("other_cpu_s") or 0 for r in every), default=None),
            "failed_scenarios": failed,
        }
    return out


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return round(top / bottom, 3) if top and bottom else None


def _paired(rounds: list[dict], top: str, bottom: str, key: str) -> list[float | None]:
    """The ratio within each round where both set-ups ran."""
    return [_ratio(r[top].get(key), r[bottom].get(key)) for r in rounds if top in r and bottom in r]


def ratios(summary: dict[str, dict], rounds: list[dict]) -> dict[str, dict]:
    """The issue's ratios, for the set-ups that ran (None: one of the two did not)."""
    empty: dict[str, Any] = {}
    two, pg, relay = (summary.get(name, empty) for name in ("two-nodes", "pg", "relay"))
    a = _ratio(two.get("delivered_msg_s"), relay.get("delivered_msg_s"))
    b = _ratio(two.get("cpu_us_per_msg"), pg.get("cpu_us_per_msg"))
    lost = sum(s["acked_lost"] for s in summary.values())
    return {
        "a_two_nodes_vs_relay_throughput": {
            "value": a, "target": f">= {TARGET_VS_RELAY}", "met": a is not None and a >= TARGET_VS_RELAY,
            "per_round": _paired(rounds, "two-nodes", "relay", "delivered_msg_s")},
        "b_crossing_cpu_per_msg": {
            "value": b, "target": f"<= {TARGET_CROSSING_CPU}", "met": b is not None and b <= TARGET_CROSSING_CPU,
            "per_round": _paired(rounds, "two-nodes", "pg", "server_cpu_us_per_msg"),
            "rate_round": _ratio(two.get("rate_cpu_us_per_msg"), pg.get("rate_cpu_us_per_msg"))},
        "acked_but_lost": {"value": lost, "target": "0", "met": lost == 0},
    }


def table(report: dict) -> str:
    rate = report["settings"]["rate"]
    head = ("set-up", "closed msg/s (median)", "per round", "server CPU us/msg", "PG+Redis us/msg",
            f"rate {rate:g}/s: msg/s" if rate else "rate: off",
            "p50/p99 ms", "CPU us/msg", "routing p50/p99 ms", "acked", "lost", "undelivered", "failed")
    rows = [head]
    for name, s in report["summary"].items():
        rows.append((s["description"], fmt(s["delivered_msg_s"]), "/".join(fmt(v) for v in s["delivered_msg_s_rounds"]),
                     fmt(s["cpu_us_per_msg"]), fmt(s["services_cpu_us_per_msg"]), fmt(s["rate_delivered_msg_s"]),
                     f"{fmt(s['rate_latency_p50_ms'])}/{fmt(s['rate_latency_p99_ms'])}",
                     fmt(s["rate_cpu_us_per_msg"]), f"{fmt(s['routing_p50_ms'])}/{fmt(s['routing_p99_ms'])}",
                     str(s["acked"]), str(s["acked_lost"]), str(s["acked_undelivered"]), str(s["failed_scenarios"])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    noisy = [f"{name} (max {s['other_cpu_s_max']} s)" for name, s in report["summary"].items()
             if (s["other_cpu_s_max"] or 0) > 0.1 * report["settings"]["duration"]]
    for name, s in report["summary"].items():
        if s["node_cpu_us_per_msg"]:
            split = ", ".join(f"{node} {fmt(v)}" for node, v in sorted(s["node_cpu_us_per_msg"].items()))
            lines.append(f"{name}: server CPU us/msg by node (closed loop, median): {split}")
    if noisy:
        lines.append(f"WARNING: other processes used > 0.1 core in some window of: {', '.join(noisy)}")
    lines.append("")
    for key, r in report["ratios"].items():
        extra = f"; per round {r['per_round']}" if "per_round" in r else ""
        extra += f"; rate round {r['rate_round']}" if r.get("rate_round") is not None else ""
        lines.append(f"{key}: {fmt(r['value'])} (target {r['target']}): {'MET' if r['met'] else 'NOT MET'}{extra}")
    return "\n".join(lines)


# ---------------------------------------------------------------- main

def run(args: argparse.Namespace) -> dict:
    raise_fd_limit()
    check_services(args)
    report: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
                              "command": " ".join([Path(sys.executable).name, *sys.argv]),
                              "settings": {k: v for k, v in vars(args).items() if k not in ("out", "pg")},
                              "server_sources_sha256": server_digest()}
    t0 = time.monotonic()
    lab = Lab(args)
    try:
        setups = start_setups(lab)
        report["setups"] = {name: {"description": DESCRIPTIONS[name], "pids": s.pids, "visitor_url": s.visitor_url,
                                   "agent_url": s.agent_url} for name, s in setups.items()}
        services = service_pids(args)
        report["service_pids"] = services
        with LoadGen(args.workers) as gen:
            # not PostgreSQL and Redis: between scenarios what they do is other people's work
            pids = [os.getpid(), *gen.pids, *(pid for s in setups.values() for pid in s.pids)]
            rounds, rated = run_rounds(gen, setups, args, pids, list(services.values()))
    finally:
        lab.close()
    report["cleanup"] = lab.cleaned
    report["rounds"], report["rate_round"] = rounds, rated
    report["summary"] = summarize(args.setups, rounds, rated)
    report["ratios"] = ratios(report["summary"], rounds)
    report["elapsed_s"] = round(time.monotonic() - t0, 1)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return finish(run(args), args.out, table)


if __name__ == "__main__":
    sys.exit(main())
