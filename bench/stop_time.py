"""How long SIGTERM takes to stop the server with clients connected, rerunnable.

Starts Shiftdesk (`run.py serve`, a fresh SQLite file in a temp dir), connects
python-socketio visitors (half on websockets, half long-polling), optionally
one client that sent an oversized long-polling POST, then sends SIGTERM and
times the exit (given up after 70 s).

    .venv/bin/python bench/stop_time.py                   # 5 websockets, 5 long-polling
    .venv/bin/python bench/stop_time.py --clients 20 --oversized
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.rawclients import EIO, http, polling_session  # noqa: E402
from tests.serverproc import ServerProcess, cli  # noqa: E402


async def run(server: ServerProcess, clients: int, oversized: bool) -> dict:
    peers = []
    for n in range(clients):
        peer = socketio.AsyncClient(reconnection=False)
        await peer.connect(server.url, namespaces=["/visitor"], auth={"site": "bench"},
                           transports=["websocket" if n % 2 == 0 else "polling"], wait_timeout=10)
        peers.append(peer)
    post = None
    if oversized:
        sid = await polling_session(server.url)
        post = asyncio.create_task(http(server.url, "POST", f"{EIO}&transport=polling&sid={sid}",
                                        b"x" * 65536, length=2_000_000, timeout=70))
    await asyncio.sleep(1.0)
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    while server.proc.poll() is None and time.monotonic() - started < 70:
        await asyncio.sleep(0.05)
    took = time.monotonic() - started
    if post is not None:
        post.cancel()
        with contextlib.suppress(BaseException):
            await post
    for peer in peers:
        with contextlib.suppress(Exception):
            await peer.disconnect()
    return {"clients": clients, "oversized_post": oversized, "stopped": server.proc.poll() is not None,
            "seconds_to_stop": round(took, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--oversized", action="store_true", help="one client also sends a POST over 1 MiB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/bench.db"
        cli("site", "add", "bench", database=database)
        server = ServerProcess(database, log=Path(tmp) / "server.log").start()
        try:
            result = asyncio.run(run(server, args.clients, args.oversized))
        finally:
            server.kill()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
