"""The load generator of the Shiftdesk benchmark (protocol v1).

N agents and M visitors, each its own python-socketio `AsyncClient` over a
websocket, spread over W worker processes (uvloop, msgspec JSON: the
generator is made as cheap as it can be, the same for every target).

Per scenario:
  1. agents connect to `/agent` ({"token"}) and set `agent:status available`;
  2. visitors connect to `/visitor` ({"site"}), get `session`, send
     `chat:start` and wait until the chat is assigned;
  3. traffic for warmup + duration seconds, then a drain for late acks:
     --closed-loop  each visitor sends its next `chat:send` once the previous
                    one is acked;
     --rate R       R messages/s in total, each visitor on a fixed schedule
                    (open loop; acks do not hold it back, at most
                    MAX_INFLIGHT unacked per visitor, beyond that a tick is
                    counted as skipped);
     --reply        agents answer every visitor message with `chat:send`;
  4. visitors `chat:end`, everybody disconnects.

Measured in the window [start + warmup, start + warmup + duration]:
  delivered msg/s   visitor->agent `chat:message` arrivals at the agents;
  latency p50/p99   `chat:send` emitted -> `chat:message` at the agent, for
                    the messages sent in the window (send and arrival times
                    are CLOCK_MONOTONIC, one clock for the whole machine, so
                    a visitor and its agent may sit in different workers);
  routing p50/p99   `chat:start` emitted -> `chat:assigned` at the agent;
  acked-but-lost    acked messages never delivered to an agent, and (given
                    the SQLite file) acked (chat, client_id) pairs that are
                    not stored, read with the standard sqlite3 module,
                    read-only;
  CPU               seconds of the server process(es) (psutil, all their
                    threads and child processes) and of the generator
                    workers, also as % of one core;
  idle RSS          server RSS after connecting K idle visitors minus
                    before, per connection.

Standalone use (the server must be running; bench/run.py does all of it):
    python bench/loadgen.py --url http://127.0.0.1:8099 --agent-token T \
        --visitors 100 --closed-loop --duration 10 [--server-pid PID] [--sqlite FILE]

`--agent-url` connects the agents to another node than the visitors (one
desk of several nodes, bench/nodes.py); by default they share `--url`.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import math
import multiprocessing
import multiprocessing.connection
import sqlite3
import sys
import time
import traceback
from collections.abc import Iterable, Sequence
from typing import Any

import aiohttp
import msgspec
import psutil
import socketio

MAX_INFLIGHT = 200          # rate mode: unacked messages per visitor before ticks are skipped
ACK_TIMEOUT_S = 30.0        # a send not acked by then counts as failed
CONNECT_TIMEOUT_S = 20.0
ASSIGN_TIMEOUT_S = 20.0
COMMAND_TIMEOUT_S = 600.0   # the longest a worker may take for one command
DRAIN_S = 10.0              # after the window: the most we wait for late acks
GRACE_S = 0.5               # after the last ack: deliveries still on the wire
LAG_TICK_S = 0.005


class _Json:
    """msgspec JSON for the clients (python-socketio takes any dumps/loads)."""
    _encoder = msgspec.json.Encoder()
    _decoder = msgspec.json.Decoder()

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        return _Json._encoder.encode(obj).decode("utf-8")

    @staticmethod
    def loads(data: str | bytes, **_: Any) -> Any:
        return _Json._decoder.decode(data)


def now() -> float:
    return time.monotonic()  # CLOCK_MONOTONIC: the same clock in every process of the machine


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted `values` (None when empty)."""
    if not values:
        return None
    return values[max(0, min(len(values) - 1, math.ceil(q * len(values)) - 1))]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 3)


# ---------------------------------------------------------------- worker side

class Worker:
    """One generator process: its share of agents and visitors."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.http: aiohttp.ClientSession | None = None
        self.agents: list[AgentClient] = []
        self.visitors: list[VisitorClient] = []
        self.idle: list[socketio.AsyncClient] = []
        self.delivered: dict[str, float] = {}      # client_id -> arrival at the agent
        self.duplicates = 0
        self.assigned: dict[str, float] = {}       # chat_id -> chat:assigned at the agent
        self.replies: list[float] = []             # agent->visitor arrivals at the visitors
        self.reply = False
        self.reply_acks = 0
        self.reply_errors = 0
        self.sent: list[list] = []                 # [client_id, chat_id, send_t, ack_t, ok/error]
        self.skipped = 0
        self.sched_lag: list[float] = []
        self.run_id = 0

    def client(self) -> socketio.AsyncClient:
        if self.http is None:
            self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return socketio.AsyncClient(reconnection=False, json=_Json, http_session=self.http,
                                    handle_sigint=False, request_timeout=CONNECT_TIMEOUT_S)

    async def _each(self, items: Iterable, work, concurrency: int) -> list:
        gate = asyncio.Semaphore(concurrency)

        async def one(item):
            async with gate:
                return await work(item)
        return await asyncio.gather(*(one(i) for i in items), return_exceptions=True)

    # commands (each returns a picklable dict)
    async def cmd_agents(self, url: str, tokens: list[str], reply: bool) -> dict:
        self.reply = reply
        self.delivered.clear()
        self.assigned.clear()
        agents = [AgentClient(self, token) for token in tokens]
        results = await self._each(agents, lambda a: a.connect(url), 32)
        errors = [repr(r) for r in results if isinstance(r, BaseException)]
        self.agents.extend(a for a, r in zip(agents, results) if not isinstance(r, BaseException))
        return {"connected": len(self.agents), "errors": errors[:5]}

    async def cmd_visitors(self, url: str, count: int, site: str, concurrency: int, tag: str) -> dict:
        visitors = [VisitorClient(self, f"{tag}w{self.index}v{i}") for i in range(count)]
        results = await self._each(visitors, lambda v: v.open(url, site), concurrency)
        errors = [repr(r) for r in results if isinstance(r, BaseException)]
        self.visitors.extend(v for v, r in zip(visitors, results) if not isinstance(r, BaseException))
        return {"ready": len(self.visitors), "errors": errors[:5],
                "starts": {v.chat_id: v.start_t for v in self.visitors if v.chat_id}}

    async def cmd_run(self, mode: str, start_at: float, warmup: float, duration: float,
                      rate: float, total_visitors: int, text: str) -> dict:
        self.sent, self.skipped, self.sched_lag, self.replies = [], 0, [], []
        self.delivered.clear()
        self.duplicates = self.reply_acks = self.reply_errors = 0
        self.run_id += 1
        window = (start_at + warmup, start_at + warmup + duration)
        end_t = window[1]
        proc = psutil.Process()
        cpu: dict[str, float] = {}
        lags: list[float] = []

        async def sample() -> None:
            for key, at in (("start", window[0]), ("end", window[1])):
                await asyncio.sleep(max(0.0, at - now()))
                cpu[key] = cpu_seconds(proc)

        async def loop_lag() -> None:
            while now() < end_t:
                before = now()
                await asyncio.sleep(LAG_TICK_S)
                if window[0] <= before <= window[1]:
                    lags.append(now() - before - LAG_TICK_S)

        await asyncio.sleep(max(0.0, start_at - now()))
        sampler = asyncio.create_task(sample())
        lagger = asyncio.create_task(loop_lag())
        if mode == "closed":
            await asyncio.gather(*(v.closed_loop(end_t, text) for v in self.visitors))
        else:
            interval = total_visitors / rate  # each visitor's share of the total rate
            count = max(1, len(self.visitors))
            await asyncio.gather(*(v.paced(start_at, end_t, interval, interval * i / count, text)
                                   for i, v in enumerate(self.visitors)))
        await sampler
        await lagger
        deadline = now() + DRAIN_S
        while now() < deadline and any(v.inflight for v in self.visitors):
            await asyncio.sleep(0.05)
        await asyncio.sleep(GRACE_S)
        lags.sort()
        sched = sorted(self.sched_lag)
        return {"sent": self.sent, "skipped": self.skipped, "cpu_s": cpu.get("end", 0) - cpu.get("start", 0),
                "loop_lag_p50": percentile(lags, 0.5), "loop_lag_p99": percentile(lags, 0.99),
                "sched_lag_p99": percentile(sched, 0.99),
                "inflight_left": sum(v.inflight for v in self.visitors)}

    async def cmd_report(self) -> dict:
        """What the agents saw (deliveries may come from visitors of other workers)."""
        return {"delivered": dict(self.delivered), "duplicates": self.duplicates,
                "assigned": dict(self.assigned), "replies": list(self.replies),
                "reply_acks": self.reply_acks, "reply_errors": self.reply_errors}

    async def cmd_end(self) -> dict:
        results = await self._each(self.visitors, lambda v: v.end(), 64)
        ended = sum(1 for r in results if r is True)
        await self._each(self.visitors, lambda v: v.sio.disconnect(), 64)
        await self._each(self.agents, lambda a: a.sio.disconnect(), 64)
        self.visitors, self.agents = [], []
        return {"ended": ended}

    async def cmd_idle(self, url: str, count: int, site: str, concurrency: int) -> dict:
        async def connect(_i: int) -> None:
            sio = self.client()
            got = asyncio.get_running_loop().create_future()
            sio.on("session", lambda data: got.done() or got.set_result(data), namespace="/visitor")
            await sio.connect(url, namespaces=["/visitor"], auth={"site": site}, transports=["websocket"],
                              wait_timeout=CONNECT_TIMEOUT_S)
            self.idle.append(sio)
            await asyncio.wait_for(got, CONNECT_TIMEOUT_S)
        results = await self._each(range(count), connect, concurrency)
        errors = [repr(r) for r in results if isinstance(r, BaseException)]
        return {"connected": count - len(errors), "errors": errors[:5]}

    async def cmd_idle_close(self) -> dict:
        await self._each(self.idle, lambda s: s.disconnect(), 64)
        closed, self.idle = len(self.idle), []
        return {"closed": closed}

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.cmd_idle_close()
            await self.cmd_end()
        if self.http is not None:
            await self.http.close()


class AgentClient:
    def __init__(self, worker: Worker, token: str) -> None:
        self.worker, self.token = worker, token
        self.sio = worker.client()
        self.sio.on("chat:assigned", self.on_assigned, namespace="/agent")
        self.sio.on("chat:message", self.on_message, namespace="/agent")

    async def connect(self, url: str) -> None:
        got = asyncio.get_running_loop().create_future()
        self.sio.on("session", lambda data: got.done() or got.set_result(data), namespace="/agent")
        await self.sio.connect(url, namespaces=["/agent"], auth={"token": self.token}, transports=["websocket"],
                               wait_timeout=CONNECT_TIMEOUT_S)
        await asyncio.wait_for(got, CONNECT_TIMEOUT_S)
        ack = await self.sio.call("agent:status", {"status": "available"}, namespace="/agent",
                                  timeout=CONNECT_TIMEOUT_S)
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise RuntimeError(f"agent:status refused: {ack}")

    def on_assigned(self, data: Any) -> None:
        chat_id = (data.get("chat") or {}).get("id") if isinstance(data, dict) else None
        if chat_id:
            self.worker.assigned.setdefault(chat_id, now())

    async def on_message(self, data: Any) -> None:
        arrived = now()
        if not isinstance(data, dict) or data.get("author") != "visitor":
            return
        worker, client_id = self.worker, data.get("client_id")
        if client_id is None:
            return
        if client_id in worker.delivered:
            worker.duplicates += 1
            return
        worker.delivered[client_id] = arrived
        if worker.reply:
            await self.sio.emit("chat:send", {"chat_id": data["chat_id"], "client_id": "r" + client_id,
                                              "text": "thanks, looking into it"},
                                namespace="/agent", callback=self._reply_acked)

    def _reply_acked(self, ack: Any = None) -> None:
        if isinstance(ack, dict) and ack.get("ok"):
            self.worker.reply_acks += 1
        else:
            self.worker.reply_errors += 1


class VisitorClient:
    def __init__(self, worker: Worker, name: str) -> None:
        self.worker, self.name = worker, name
        self.sio = worker.client()
        self.chat_id: str | None = None
        self.start_t = 0.0
        self.count = 0
        self.inflight = 0
        self._assigned: asyncio.Future | None = None
        self.sio.on("chat:message", self.on_message, namespace="/visitor")
        self.sio.on("chat:assigned", self.on_assigned, namespace="/visitor")

    async def open(self, url: str, site: str) -> None:
        loop = asyncio.get_running_loop()
        got, self._assigned = loop.create_future(), loop.create_future()
        self.sio.on("session", lambda data: got.done() or got.set_result(data), namespace="/visitor")
        await self.sio.connect(url, namespaces=["/visitor"], auth={"site": site}, transports=["websocket"],
                               wait_timeout=CONNECT_TIMEOUT_S)
        await asyncio.wait_for(got, CONNECT_TIMEOUT_S)
        self.start_t = now()
        ack = await self.sio.call("chat:start", {"text": f"hello from {self.name}"}, namespace="/visitor",
                                  timeout=CONNECT_TIMEOUT_S)
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise RuntimeError(f"chat:start refused: {ack}")
        chat = ack["chat"]
        self.chat_id = chat["id"]
        if chat.get("status") != "active" and not self._assigned.done():
            await asyncio.wait_for(asyncio.shield(self._assigned), ASSIGN_TIMEOUT_S)

    def on_assigned(self, data: Any) -> None:
        if self._assigned is not None and not self._assigned.done():
            self._assigned.set_result(data)

    def on_message(self, data: Any) -> None:
        if isinstance(data, dict) and data.get("author") == "agent":
            self.worker.replies.append(now())

    def _record(self) -> tuple[list, dict]:
        self.count += 1
        client_id = f"{self.name}r{self.worker.run_id}n{self.count}"
        record = [client_id, self.chat_id, 0.0, None, None]
        self.worker.sent.append(record)
        return record, {"chat_id": self.chat_id, "client_id": client_id}

    @staticmethod
    def _settle(record: list, ack: Any) -> None:
        record[3] = now()
        if isinstance(ack, dict) and ack.get("ok"):
            record[4] = True
        else:
            error = ack.get("error") if isinstance(ack, dict) else None
            record[4] = (error or {}).get("code", "bad_ack") if isinstance(error, dict) else "bad_ack"

    async def closed_loop(self, end_t: float, text: str) -> None:
        while now() < end_t:
            record, payload = self._record()
            payload["text"] = text
            self.inflight = 1
            record[2] = now()
            try:
                ack = await self.sio.call("chat:send", payload, namespace="/visitor", timeout=ACK_TIMEOUT_S)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.SocketIOError):
                record[4] = "timeout"
                self.inflight = 0
                return
            self._settle(record, ack)
            self.inflight = 0

    async def paced(self, start_t: float, end_t: float, interval: float, phase: float, text: str) -> None:
        due = start_t + phase
        while due < end_t:
            delay = due - now()
            if delay > 0:
                await asyncio.sleep(delay)
            scheduled, due = due, due + interval
            if self.inflight >= MAX_INFLIGHT:
                self.worker.skipped += 1
                continue
            record, payload = self._record()
            payload["text"] = text
            self.inflight += 1
            record[2] = now()
            self.worker.sched_lag.append(record[2] - scheduled)
            try:
                await self.sio.emit("chat:send", payload, namespace="/visitor",
                                    callback=functools.partial(self._acked, record))
            except socketio.exceptions.SocketIOError:
                record[4] = "disconnected"
                self.inflight -= 1
                return

    def _acked(self, record: list, ack: Any = None) -> None:
        self._settle(record, ack)
        self.inflight -= 1

    async def end(self) -> bool:
        if not self.chat_id or not self.sio.connected:
            return False
        try:
            ack = await self.sio.call("chat:end", {"chat_id": self.chat_id}, namespace="/visitor",
                                      timeout=CONNECT_TIMEOUT_S)
        except socketio.exceptions.SocketIOError:
            return False
        return isinstance(ack, dict) and bool(ack.get("ok"))


def _worker_main(conn: multiprocessing.connection.Connection, index: int) -> None:
    try:
        import uvloop
        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_serve_commands(conn, index))


async def _serve_commands(conn: multiprocessing.connection.Connection, index: int) -> None:
    worker = Worker(index)
    loop = asyncio.get_running_loop()
    try:
        while True:
            try:
                command, args = await loop.run_in_executor(None, conn.recv)
            except (EOFError, OSError):
                return
            if command == "quit":
                conn.send(("ok", {}))
                return
            try:
                result = await asyncio.wait_for(getattr(worker, f"cmd_{command}")(**args), COMMAND_TIMEOUT_S)
                conn.send(("ok", result))
            except Exception:
                conn.send(("error", traceback.format_exc()))
    finally:
        await worker.close()


# ---------------------------------------------------------------- parent side

class LoadGen:
    """The generator's worker processes, driven from the parent process."""

    def __init__(self, workers: int = 1) -> None:
        context = multiprocessing.get_context("spawn")
        self.conns: list[multiprocessing.connection.Connection] = []
        self.procs: list[multiprocessing.process.BaseProcess] = []
        for index in range(workers):
            parent, child = context.Pipe()
            proc = context.Process(target=_worker_main, args=(child, index), daemon=True,
                                   name=f"loadgen-{index}")
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def __enter__(self) -> LoadGen:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(Exception):
                conn.send(("quit", {}))
        for proc in self.procs:
            proc.join(15)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)

    def send(self, commands: Sequence[tuple[str, dict]]) -> None:
        for conn, command in zip(self.conns, commands, strict=True):
            conn.send(command)

    def receive(self, timeout: float = COMMAND_TIMEOUT_S) -> list[dict]:
        results, deadline = [], time.monotonic() + timeout
        for index, conn in enumerate(self.conns):
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                raise TimeoutError(f"generator worker {index} did not answer in {timeout:.0f} s")
            status, result = conn.recv()
            if status != "ok":
                raise RuntimeError(f"generator worker {index} failed:\n{result}")
            results.append(result)
        return results

    def all(self, command: str, args: Sequence[dict] | dict | None = None) -> list[dict]:
        if args is None or isinstance(args, dict):
            args = [dict(args or {}) for _ in self.conns]
        self.send([(command, a) for a in args])
        return self.receive()

    def share(self, total: int) -> list[int]:
        n = len(self.conns)
        return [total // n + (1 if i < total % n else 0) for i in range(n)]

    # ------------------------------------------------------------ scenarios

    def scenario(self, url: str, *, tokens: Sequence[str], visitors: int, mode: str, duration: float,
                 warmup: float = 1.0, rate: float = 0.0, reply: bool = False, site: str = "bench",
                 server_pid: int | None = None, sqlite_path: str | None = None,
                 start_concurrency: int = 16, text_bytes: int = 64, tag: str = "",
                 keep_acked: bool = False, agent_url: str | None = None,
                 server_pids: Sequence[int] = (), service_pids: Sequence[int] = ()) -> dict:
        """One scenario from connect to disconnect; its measures as a dict.
        Visitors connect to `url`, agents to `agent_url` (default: `url`).
        The server CPU sums `server_pid` and `server_pids` (several nodes),
        each with its child processes; `service_pids` (a database, Redis,
        children included) are measured apart, as `services_cpu_s`, and
        left out of `other_cpu_s`."""
        if mode not in ("closed", "rate") or (mode == "rate" and rate <= 0):
            raise ValueError("mode is 'closed', or 'rate' with rate > 0")
        tag = tag or f"s{int(time.time() * 1000) % 10**9}"
        text = ("I need help with my order, it has not arrived yet. " * 100)[:text_bytes]
        token_shares = [list(tokens[i::len(self.conns)]) for i in range(len(self.conns))]
        agents = self.all("agents", [{"url": agent_url or url, "tokens": t, "reply": reply}
                                     for t in token_shares])
        connected_agents = sum(a["connected"] for a in agents)
        if connected_agents == 0:
            raise RuntimeError(f"no agent could connect: {[a['errors'] for a in agents]}")
        t0 = time.monotonic()
        opened = self.all("visitors", [{"url": url, "count": n, "site": site, "concurrency": start_concurrency,
                                        "tag": tag} for n in self.share(visitors)])
        setup_s = time.monotonic() - t0
        ready = sum(o["ready"] for o in opened)
        if ready == 0:
            self.all("end")
            raise RuntimeError(f"no visitor could start a chat: {[o['errors'] for o in opened]}")
        starts: dict[str, float] = {}
        for o in opened:
            starts.update(o["starts"])

        servers = [psutil.Process(pid) for pid in ([server_pid] if server_pid else []) + list(server_pids)]
        start_at = time.monotonic() + 0.3
        window = (start_at + warmup, start_at + warmup + duration)
        self.send([("run", {"mode": mode, "start_at": start_at, "warmup": warmup, "duration": duration,
                            "rate": rate, "total_visitors": ready, "text": text}) for _ in self.conns])
        services = [psutil.Process(pid) for pid in service_pids]
        samples = _sample_window(window, servers, services)
        runs = self.receive()
        reports = self.all("report")
        ended = sum(e["ended"] for e in self.all("end"))
        result = _measure(runs, reports, starts, window, duration)
        result.update({
            "mode": mode, "visitors": ready, "visitors_failed": visitors - ready,
            "visitor_errors": [e for o in opened for e in o["errors"]][:3],
            "agents": connected_agents, "rate_target": rate if mode == "rate" else None, "reply": reply,
            "duration_s": duration, "warmup_s": warmup, "setup_s": round(setup_s, 2), "chats_ended": ended,
            "generator_workers": len(self.conns),
        })
        result.update(samples)
        delivered_in_window = result["delivered_msg_s"] * duration
        if "server_cpu_s" in result:  # what else ran on the machine meanwhile (should be ~0)
            result["other_cpu_s"] = round(result["machine_busy_cpu_s"] - result["server_cpu_s"]
                                          - result["generator_cpu_s"] - result.get("services_cpu_s", 0.0), 3)
            result["server_cpu_pct"] = round(100 * result["server_cpu_s"] / duration, 1)
            if delivered_in_window:
                result["server_cpu_us_per_msg"] = round(1e6 * result["server_cpu_s"] / delivered_in_window, 1)
        result["generator_cpu_pct"] = round(100 * result["generator_cpu_s"] / duration, 1)
        if delivered_in_window:
            result["generator_cpu_us_per_msg"] = round(1e6 * result["generator_cpu_s"] / delivered_in_window, 1)
        acked = [(r[1], r[0]) for run in runs for r in run["sent"] if r[4] is True]
        if keep_acked:
            result["_acked_pairs"] = acked
        if sqlite_path:
            result["acked_not_stored"] = count_not_stored(sqlite_path, acked)
            result["acked_lost"] = result["acked_not_stored"]
        else:
            result["acked_lost"] = result["acked_undelivered"]
        return result

    def idle_rss(self, url: str, server_pid: int, count: int, site: str = "bench", warm: int = 50,
                 settle_s: float = 2.0, concurrency: int = 32) -> dict:
        """Server RSS growth per idle visitor connection (websocket)."""
        server = psutil.Process(server_pid)
        if warm:  # first connections pay for lazy imports and caches, not per connection
            self.all("idle", [{"url": url, "count": n, "site": site, "concurrency": concurrency}
                              for n in self.share(warm)])
            self.all("idle_close")
        time.sleep(settle_s)
        before = server.memory_info().rss
        t0 = time.monotonic()
        done = self.all("idle", [{"url": url, "count": n, "site": site, "concurrency": concurrency}
                                 for n in self.share(count)])
        connect_s = time.monotonic() - t0
        connected = sum(d["connected"] for d in done)
        time.sleep(settle_s)
        after = server.memory_info().rss
        self.all("idle_close")
        per = (after - before) / connected if connected else None
        return {"idle_connections": connected, "idle_errors": [e for d in done for e in d["errors"]][:3],
                "rss_before_mib": round(before / 2**20, 2), "rss_after_mib": round(after / 2**20, 2),
                "rss_kib_per_connection": None if per is None else round(per / 1024, 2),
                "rss_mib_per_1000": None if per is None else round(per * 1000 / 2**20, 2),
                "connect_s": round(connect_s, 2)}


def _tree_cpu(roots: Sequence[psutil.Process]) -> dict[int, dict[int, float]]:
    """CPU seconds of each root process and of its living descendants: root pid -> {pid: seconds}."""
    out: dict[int, dict[int, float]] = {}
    for root in roots:
        tree = out.setdefault(root.pid, {})
        with contextlib.suppress(psutil.Error):
            for proc in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    tree[proc.pid] = cpu_seconds(proc)
    return out


def _tree_delta(start: dict[int, dict[int, float]], roots: Sequence[psutil.Process]) -> dict[int, float]:
    """CPU seconds since `start` (a `_tree_cpu`) per root, children included;
    a process born since counts from 0, one that died since is left out."""
    return {root: sum(t - start.get(root, {}).get(pid, 0.0) for pid, t in tree.items())
            for root, tree in _tree_cpu(roots).items()}


def _main_thread_cpu(servers: Sequence[psutil.Process]) -> float:
    """CPU seconds of each server's main thread (its thread id is the pid), summed."""
    total = 0.0
    for server in servers:
        try:
            total += sum(t.user_time + t.system_time for t in server.threads() if t.id == server.pid)
        except psutil.NoSuchProcess:
            pass
    return total


def _sample_window(window: tuple[float, float], servers: Sequence[psutil.Process],
                   services: Sequence[psutil.Process] = ()) -> dict:
    """Server CPU (all `servers`, children included), services CPU and
    whole-machine CPU over the window (blocks until its end)."""
    time.sleep(max(0.0, window[0] - time.monotonic()))
    server_start, services_start = _tree_cpu(servers), _tree_cpu(services)
    main_start = _main_thread_cpu(servers)
    machine_start = psutil.cpu_times()
    time.sleep(max(0.0, window[1] - time.monotonic()))
    out: dict[str, Any] = {}
    machine_end = psutil.cpu_times()
    busy = (sum(machine_end) - machine_end.idle - machine_end.iowait) - \
           (sum(machine_start) - machine_start.idle - machine_start.iowait)
    total = sum(machine_end) - sum(machine_start)
    out["machine_cpu_busy_pct"] = round(100 * busy / total, 1) if total > 0 else None
    out["machine_busy_cpu_s"] = round(busy, 3)  # core-seconds busy, all processes
    if services:
        out["services_cpu_s"] = round(sum(_tree_delta(services_start, services).values()), 3)
    if servers:
        by_root = _tree_delta(server_start, servers)
        out["server_cpu_s"] = round(sum(by_root.values()), 3)
        # the servers' main threads, which run their event loops (the rest: Shiftdesk's SQLite threads)
        out["server_main_thread_cpu_s"] = round(_main_thread_cpu(servers) - main_start, 3)
        if len(servers) > 1:  # each server's share
            out["server_cpu_s_by_pid"] = {pid: round(t, 3) for pid, t in by_root.items()}
        out["server_rss_mib"] = round(sum(s.memory_info().rss for s in servers) / 2**20, 2)
    return out


def _measure(runs: list[dict], reports: list[dict], starts: dict[str, float],
             window: tuple[float, float], duration: float) -> dict:
    delivered: dict[str, float] = {}
    assigned: dict[str, float] = {}
    replies: list[float] = []
    duplicates = 0
    for report in reports:
        delivered.update(report["delivered"])
        assigned.update(report["assigned"])
        replies.extend(report["replies"])
        duplicates += report["duplicates"]
    lo, hi = window
    sent = [r for run in runs for r in run["sent"]]
    in_window = [r for r in sent if lo <= r[2] < hi]
    latencies = sorted(delivered[r[0]] - r[2] for r in in_window if r[0] in delivered)
    routing = sorted(assigned[c] - t for c, t in starts.items() if c in assigned)
    acked = [r for r in sent if r[4] is True]
    errors: dict[str, int] = {}
    for r in sent:
        if r[4] is not True:
            key = str(r[4] or "no_ack")
            errors[key] = errors.get(key, 0) + 1
    delivered_in_window = sum(1 for t in delivered.values() if lo <= t < hi)
    gen_cpu = sum(run["cpu_s"] for run in runs)
    lag99 = [run["loop_lag_p99"] for run in runs if run["loop_lag_p99"] is not None]
    sched99 = [run["sched_lag_p99"] for run in runs if run["sched_lag_p99"] is not None]
    return {
        "sent": len(sent), "acked": len(acked), "not_acked": errors,
        "skipped_ticks": sum(run["skipped"] for run in runs),
        "delivered": len(delivered), "duplicate_deliveries": duplicates,
        "delivered_msg_s": round(delivered_in_window / duration, 1),
        "acked_msg_s": round(sum(1 for r in acked if lo <= r[3] < hi) / duration, 1),
        "replies_delivered_msg_s": round(sum(1 for t in replies if lo <= t < hi) / duration, 1),
        "latency_samples": len(latencies),
        "latency_p50_ms": ms(percentile(latencies, 0.5)), "latency_p99_ms": ms(percentile(latencies, 0.99)),
        "latency_max_ms": ms(latencies[-1] if latencies else None),
        "sent_in_window_undelivered": sum(1 for r in in_window if r[0] not in delivered),
        "acked_undelivered": sum(1 for r in acked if r[0] not in delivered),
        "routing_samples": len(routing),
        "routing_p50_ms": ms(percentile(routing, 0.5)), "routing_p99_ms": ms(percentile(routing, 0.99)),
        "generator_cpu_s": round(gen_cpu, 3),
        "generator_loop_lag_p99_ms": ms(max(lag99)) if lag99 else None,
        "generator_schedule_lag_p99_ms": ms(max(sched99)) if sched99 else None,
        "inflight_left": sum(run["inflight_left"] for run in runs),
    }


def count_not_stored(sqlite_path: str, acked: Sequence[tuple[str, str]]) -> int:
    """Acked (chat_id, client_id) pairs of visitor messages missing from the
    SQLite file, read with the standard sqlite3 module, read-only."""
    wanted: dict[str, set[str]] = {}
    for chat_id, client_id in acked:
        wanted.setdefault(chat_id, set()).add(client_id)
    missing = 0
    db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True, timeout=30)
    try:
        chat_ids = list(wanted)
        for i in range(0, len(chat_ids), 500):
            chunk = chat_ids[i:i + 500]
            stored: dict[str, set[str]] = {}
            rows = db.execute("SELECT chat_id, client_id FROM messages WHERE author = 'visitor' AND chat_id IN "
                              f"({','.join('?' * len(chunk))})", chunk)
            for chat_id, client_id in rows:
                stored.setdefault(chat_id, set()).add(client_id)
            for chat_id in chunk:
                missing += len(wanted[chat_id] - stored.get(chat_id, set()))
    finally:
        db.close()
    return missing


# ---------------------------------------------------------------- command line

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8099")
    parser.add_argument("--agent-url", help="where the agents connect (default: --url), e.g. another node")
    parser.add_argument("--agent-token", action="append", default=[], metavar="T", help="repeat per agent")
    parser.add_argument("--agents", type=int, default=0, help="N agents with made-up tokens (for the relay)")
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--site", default="bench")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--closed-loop", action="store_true")
    mode.add_argument("--rate", type=float, help="messages/s in total")
    parser.add_argument("--reply", action="store_true", help="agents answer every message")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--sqlite", metavar="FILE", help="Shiftdesk's SQLite file, for the lost count")
    parser.add_argument("--idle", type=int, default=0, metavar="K", help="also measure RSS per K idle visitors")
    args = parser.parse_args(argv)
    tokens = args.agent_token + [f"bench-agent-{i:04d}-token-padding" for i in range(args.agents)]
    if not tokens:
        parser.error("give --agent-token or --agents")
    with LoadGen(args.workers) as gen:
        result = gen.scenario(args.url, tokens=tokens, visitors=args.visitors,
                              mode="closed" if args.closed_loop else "rate", rate=args.rate or 0.0,
                              reply=args.reply, duration=args.duration, warmup=args.warmup, site=args.site,
                              server_pid=args.server_pid, sqlite_path=args.sqlite, agent_url=args.agent_url)
        if args.idle and args.server_pid:
            result["idle"] = gen.idle_rss(args.url, args.server_pid, args.idle, site=args.site)
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
