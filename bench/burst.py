"""Routing under a burst: N connected visitors send `chat:start` at the same
moment, and each start is timed to its `chat:assigned` at the agent (and
to the visitor's ack). Also the idle case: one start at a time.

    .venv/bin/python bench/burst.py [--visitors 200] [--agents 8] [--rounds 3]

One Shiftdesk process on a durable SQLite file (the full policy engine on),
agents with room for every chat, and, in the same run, the bare relay of
bench/relay.py (no storage, no policy: `chat:start` goes round-robin to an
agent), the floor of what this generator can measure; rounds alternate
between them. Prints p50/p99 in ms per round and setup; the targets are
p50 <= 3 ms one at a time and p99 <= 25 ms in the burst.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import BENCH_CONFIG, SITE, cli, free_port, stop, wait_healthy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


async def connect(url: str, namespace: str, auth: dict) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=[namespace], auth=auth, transports=["websocket"], wait_timeout=20)
    return client


class Console:
    """An agent's console on a bare aiohttp websocket, speaking the few
    engine.io/Socket.IO frames it needs, read with `async for`. The agents
    were python-socketio clients until they were seen to miss
    `chat:assigned` frames the server had written (up to 18 of 200 in a
    burst, on uvloop too): python-engineio's read loop waits on
    `asyncio.wait_for(ws.receive())`, and frames stayed in aiohttp's queue."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse,
                 assigned: dict[str, float]) -> None:
        self._session, self._ws, self._assigned = session, ws, assigned
        self._acked = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, token: str, assigned: dict[str, float]) -> Console:
        session = aiohttp.ClientSession()
        ws = await session.ws_connect(url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket")
        await ws.receive_str()  # engine.io's open
        await ws.send_str("40/agent," + json.dumps({"token": token}))
        while not (await ws.receive_str()).startswith("40/agent,"):
            pass
        console = cls(session, ws, assigned)
        await console._ws.send_str('42/agent,1["agent:status",{"status":"available"}]')
        await asyncio.wait_for(console._acked.wait(), 20)
        return console

    async def _read(self) -> None:
        async for frame in self._ws:
            text = frame.data
            if text == "2":
                await self._ws.send_str("3")
            elif text.startswith('42/agent,["chat:assigned"'):
                at = time.perf_counter()
                self._assigned.setdefault(json.loads(text[len("42/agent,"):])[1]["chat"]["id"], at)
            elif text.startswith("43/agent,1["):
                self._acked.set()

    async def disconnect(self) -> None:
        await self._ws.close()
        await self._session.close()
        await asyncio.gather(self._reader, return_exceptions=True)


async def round_of(url: str, tokens: list[str], visitors: int, *, burst: bool) -> dict:
    assigned: dict[str, float] = {}
    agents = [await Console.open(url, token, assigned) for token in tokens]
    clients = [await connect(url, "/visitor", {"site": SITE}) for _ in range(visitors)]
    await asyncio.sleep(0.5)
    started: dict[str, float] = {}
    acks: list[float] = []

    async def start(client: socketio.AsyncClient) -> None:
        t0 = time.perf_counter()
        ack = await client.call("chat:start", {"text": "hello"}, namespace="/visitor", timeout=60)
        acks.append(time.perf_counter() - t0)
        started[ack["chat"]["id"]] = t0

    if burst:
        await asyncio.gather(*(start(c) for c in clients))
    else:
        for client in clients:
            await start(client)
            await asyncio.sleep(0.02)
    deadline = time.perf_counter() + 30
    while len(assigned) < len(started) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    routing = [assigned[c] - t for c, t in started.items() if c in assigned]
    for client in clients:
        await client.disconnect()
    for agent in agents:
        await agent.disconnect()
    return {"burst": burst, "starts": len(started), "assigned": len(routing),
            "routing_p50_ms": round(pct(routing, 0.5), 1), "routing_p99_ms": round(pct(routing, 0.99), 1),
            "ack_p50_ms": round(pct(acks, 0.5), 1), "ack_p99_ms": round(pct(acks, 0.99), 1)}


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(BENCH_CONFIG)
        database = f"sqlite:///{tmp}/burst.db"
        cli("site", "add", SITE, config=config, database=database)
        tokens = [secrets.token_urlsafe(24) for _ in range(args.agents)]
        capacity = args.rounds * (args.idle + args.visitors) // args.agents + 1  # chats stay open: room for every round
        for i, token in enumerate(tokens):
            cli("agent", "add", f"agent{i}@bench.test", "--name", f"Bench {i}", f"--token={token}", "--capacity",
                str(capacity), "--shift", "always", config=config, database=database)
        setups = args.setups.split(",")
        procs, urls = {}, {}
        try:
            for setup in setups:
                port = free_port()
                log = open(Path(tmp) / f"{setup}.log", "wb")
                command = (["run.py", "serve", "--config", str(config), "--database", database]
                           if setup == "shiftdesk" else [str(ROOT / "bench" / "relay.py")])
                procs[setup] = subprocess.Popen([sys.executable, *command, "--host", "127.0.0.1", "--port", str(port)],
                                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
                urls[setup] = f"http://127.0.0.1:{port}"
                wait_healthy(urls[setup], procs[setup])
            for round_no in range(args.rounds):
                for setup in setups[round_no % len(setups):] + setups[:round_no % len(setups)]:  # the order rotates
                    for burst, count in ((False, args.idle), (True, args.visitors)):
                        print(json.dumps({"setup": setup} | await round_of(urls[setup], tokens, count, burst=burst)),
                              flush=True)
        finally:
            for proc in procs.values():
                stop(proc)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=200, help="visitors in the burst (default 200)")
    parser.add_argument("--idle", type=int, default=30, help="starts one at a time (default 30)")
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setups", default="shiftdesk,relay",
                        help="shiftdesk, relay (bench/relay.py: the floor this generator measures), comma-separated")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> None:
    """On uvloop, as bench/loadgen.py's workers."""
    try:
        import uvloop
        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main(args))


if __name__ == "__main__":
    run(parse())
