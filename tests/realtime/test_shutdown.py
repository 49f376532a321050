"""SIGTERM stops the server within 10 s whatever its clients are doing: on
websockets, waiting in a long-poll, not reading, or in the middle of a POST
(oversized, or whose body never comes)."""
from __future__ import annotations

import asyncio
import contextlib
import signal
import time

import socketio

from tests.rawclients import EIO, http, polling_session, visitor_socket
from tests.serverproc import ServerProcess, cli

STOP_WITHIN_S = 10.0


async def connect(url: str, transport: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/visitor"], auth={"site": "acme"}, transports=[transport],
                         wait_timeout=10)
    return client


async def test_sigterm_stops_the_server_within_10_s_with_clients_connected(tmp_path):
    database = f"sqlite:///{tmp_path}/desk.db"
    cli("site", "add", "acme", database=database)
    server = ServerProcess(database, log=tmp_path / "server.log").start()
    pending: list[asyncio.Task] = []
    clients: list[socketio.AsyncClient] = []
    try:
        clients = [await connect(server.url, "websocket") for _ in range(4)]
        clients += [await connect(server.url, "polling") for _ in range(4)]
        stalled = await visitor_socket(server.url, "acme", small_buffers=True)  # never read again
        oversized = await polling_session(server.url)
        pending.append(asyncio.create_task(http(server.url, "POST", f"{EIO}&transport=polling&sid={oversized}",
                                                b"x" * 65536, length=2_000_000, timeout=30)))
        slow = await polling_session(server.url)
        pending.append(asyncio.create_task(http(server.url, "POST", f"{EIO}&transport=polling&sid={slow}",
                                                b"40/vis", length=1000, timeout=30)))  # the rest never comes
        await asyncio.sleep(0.5)
        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        while server.proc.poll() is None and time.monotonic() - started < 30:
            await asyncio.sleep(0.05)
        took = time.monotonic() - started
        print(f"stopped {took:.2f} s after SIGTERM")
        assert server.proc.returncode == 0, (server.proc.returncode, took)
        assert took < STOP_WITHIN_S
        assert "Traceback" not in (tmp_path / "server.log").read_text()
        stalled.abort()
    finally:
        server.kill()
        for task in pending:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        for client in clients:
            with contextlib.suppress(Exception):
                await client.disconnect()
