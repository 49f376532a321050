"""Redis for tests: a prefix of its own per test, and a proxy to cut.

Redis is found at `SHIFTDESK_TEST_REDIS` (default `redis://127.0.0.1:6379/0`).
Tests that need it skip when it does not answer, or fail when
`SHIFTDESK_REQUIRE_SERVICES=1` (see `pgutil.unavailable`).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.pgutil import unavailable

DEFAULT_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_S = 2.0


def url() -> str:
    return os.environ.get("SHIFTDESK_TEST_REDIS", DEFAULT_URL)


def client() -> Redis:
    return Redis.from_url(url(), socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=CONNECT_TIMEOUT_S,
                          decode_responses=True)


async def scratch_prefix() -> str:
    """A fresh key prefix, once Redis has answered; else skip or fail."""
    redis = client()
    try:
        await redis.ping()
    except (RedisError, OSError) as exc:
        unavailable(f"Redis at {url()} does not answer: {type(exc).__name__}: {exc}")
    finally:
        await redis.aclose()
    return f"shiftdesk-test-{secrets.token_hex(6)}"


async def drop_prefix(prefix: str) -> None:
    """Deletes every key under `prefix:`."""
    redis = client()
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*", count=500)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


def free_port() -> int:
    """A local port where nothing listens (just released by the kernel)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Proxy:
    """A TCP relay to Redis (or to `target`, host and port: PostgreSQL, say)
    on a local port, to take the service away and bring it back without
    touching the real server (other tests share it)."""

    def __init__(self, target: tuple[str, int] | None = None) -> None:
        redis = urlsplit(url())
        self._target = target or (redis.hostname or "127.0.0.1", redis.port or 6379)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = free_port()
        # Round trips relayed: each time a client sends after its server
        # (or first) on one connection, summed over all of them.
        self.round_trips = 0
        credentials = redis.netloc.rpartition("@")[0]
        # Redis through the proxy (meaningless when `target` is another service)
        self.url = redis._replace(netloc=f"{credentials}{'@' if credentials else ''}127.0.0.1:{self.port}").geturl()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Stops listening and cuts every open connection."""
        if self._server is not None:
            self._server.close()
            for writer in self._writers:
                writer.transport.abort()
            await self._server.wait_closed()
            self._server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers |= {writer, up_writer}
        last_sender = ["server"]
        try:
            await asyncio.gather(self._pipe(reader, up_writer, "client", last_sender),
                                 self._pipe(up_reader, writer, "server", last_sender))
        finally:
            self._writers -= {writer, up_writer}
            for end in (writer, up_writer):
                end.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sender: str,
                    last_sender: list[str]) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                if sender == "client" and last_sender[0] == "server":
                    self.round_trips += 1
                last_sender[0] = sender
                writer.write(data)
                await writer.drain()
        writer.transport.abort()  # one side closed: so does the other
