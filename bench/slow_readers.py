"""What clients that never read their socket cost the server, rerunnable.

Starts Shiftdesk (`run.py serve`, a fresh SQLite file in a temp dir, default
limits) and opens N raw visitor websockets with tiny receive buffers. Each
starts a chat and fills it with a minute's worth of 4000-character messages
(reading those acks), then sends a minute's budget of `chat:history`
requests and never reads again. Prints the server's RSS before, once the
requests are answered (or the socket dropped), and after the clients left,
and how many of the sockets the server closed.

    .venv/bin/python bench/slow_readers.py            # 10 clients
    .venv/bin/python bench/slow_readers.py --clients 20
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.rawclients import RawWebSocket, ask_history, fill_chat, visitor_socket  # noqa: E402
from tests.serverproc import ServerProcess, cli  # noqa: E402

def rss_mb(proc: psutil.Process) -> float:
    return proc.memory_info().rss / 2 ** 20


async def settle(proc: psutil.Process, seconds: float) -> float:
    """The RSS once it has stopped moving (or after `seconds`)."""
    last, deadline = rss_mb(proc), time.monotonic() + seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        now = rss_mb(proc)
        if abs(now - last) < 0.5:
            return now
        last = now
    return last


async def run(url: str, pid: int, clients: int, messages: int, requests: int) -> dict:
    proc = psutil.Process(pid)
    sockets = [await visitor_socket(url, "bench", small_buffers=True) for _ in range(clients)]
    chats = [await fill_chat(ws, messages) for ws in sockets]
    before = await settle(proc, 10)
    for ws, chat_id in zip(sockets, chats):
        await ask_history(ws, chat_id, requests)
    during = await settle(proc, 30)
    dropped = 0
    for ws in sockets:
        dropped += ws.writer.transport.is_closing() or await _server_closed(ws)
        ws.abort()
    after = await settle(proc, 15)
    return {"clients": clients, "rss_before_mb": round(before, 1), "rss_flooded_mb": round(during, 1),
            "rss_after_close_mb": round(after, 1), "growth_mb": round(during - before, 1),
            "kept_mb": round(after - before, 1), "dropped_by_server": dropped}


async def _server_closed(ws: RawWebSocket) -> bool:
    """True if the server has closed (or reset) the socket: reading now drains
    what it queued, fast, and ends in a close."""
    return await ws.closed_by_server(timeout=3.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--messages", type=int, default=30, help="messages in each chat (default: a minute's budget)")
    parser.add_argument("--requests", type=int, default=240, help="history requests each (default: a minute's budget)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/bench.db"
        cli("site", "add", "bench", database=database)
        cli("agent", "add", "a@bench.test", "--name", "A", "--shift", "always", "--password", "x" * 12,
            database=database)
        server = ServerProcess(database, log=Path(tmp) / "server.log").start()
        try:
            result = asyncio.run(run(server.url, server.proc.pid, args.clients, args.messages, args.requests))
        finally:
            server.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
