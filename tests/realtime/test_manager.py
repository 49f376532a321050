"""Events between nodes (server/realtime/manager.py), with real Redis and
real Socket.IO servers and clients on loopback: each node here is a
`DeskServer` with the desk's Redis manager, and its namespace only puts a
connection in the room its client names."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from server.config import LimitsConfig
from server.realtime import codec
from server.realtime.dispatch import DeskServer, Namespace
from server.realtime.manager import DeskRedisManager
from server.services.clock import SystemClock
from tests import redisutil
from tests.peers import WAIT_S, Peer

NS = "/agent"


class _Rooms(Namespace):
    path = NS

    def __init__(self, sio: DeskServer) -> None:
        super().__init__()
        self._sio = sio

    async def connect(self, sid: str, environ: dict, auth: Any) -> None:
        await self._sio.enter_room(sid, auth["room"], namespace=NS)


@pytest.fixture
async def make_node(aiohttp_server) -> AsyncIterator[Callable]:
    """`await make_node(name, redis_url)`: a node's Socket.IO server on a
    loopback port; its URL and server. Nodes of one test share a channel."""
    channel = f"{await redisutil.scratch_prefix()}:socketio"

    async def make(name: str, url: str | None = None) -> tuple[str, DeskServer]:
        manager = DeskRedisManager(url or redisutil.url(), channel=channel, json=codec)
        sio = DeskServer(limits=LimitsConfig(), clock=SystemClock(), node=name, async_mode="aiohttp",
                         json=codec, namespaces=[NS], client_manager=manager)
        sio.mount(_Rooms(sio))
        app = web.Application()
        sio.attach(app)
        server: TestServer = await aiohttp_server(app)
        return str(server.make_url("/")).rstrip("/"), sio

    yield make
    await redisutil.drop_prefix(channel)


async def _stream_length(sio: DeskServer, node: str) -> int:
    redis = redisutil.client()
    try:
        return await redis.xlen(f"{sio.manager.channel}:events:{node}")
    finally:
        await redis.aclose()


async def test_an_emit_goes_only_to_the_nodes_whose_sockets_are_in_the_room(make_node):
    (url_a, a), (url_b, b), (url_c, _) = [await make_node(name) for name in ("na", "nb", "nc")]
    on_a = await Peer(url_a, NS, {"room": "agent:here"}).connect()
    on_b = await Peer(url_b, NS, {"room": "agent:there"}).connect()
    on_c = await Peer(url_c, NS, {"room": "agent:elsewhere"}).connect()
    try:
        await a.emit("ping", {"n": 1}, room="agent:here", namespace=NS)
        await a.emit("ping", {"n": 2}, room="agent:there", namespace=NS)
        assert (await on_a.next("ping"))["n"] == 1
        assert (await on_b.next("ping"))["n"] == 2
        # a room held on this node only left nothing in Redis; the other went to nb alone
        assert [await _stream_length(a, node) for node in ("na", "nb", "nc")] == [0, 1, 0]
        assert not [e for e in on_c.events if e[0] == "ping"]
    finally:
        for peer in (on_a, on_b, on_c):
            await peer.close()


async def test_an_emit_to_one_connection_goes_to_its_node_only(make_node):
    (url_a, a), (url_b, _) = [await make_node(name) for name in ("na", "nb")]
    on_a = await Peer(url_a, NS, {"room": "agent:x"}).connect()
    on_b = await Peer(url_b, NS, {"room": "agent:x"}).connect()
    try:
        await a.emit("ping", {"to": "b"}, to=on_b.sio.get_sid(NS), namespace=NS)
        await a.emit("ping", {"to": "a"}, to=on_a.sio.get_sid(NS), namespace=NS)
        assert (await on_b.next("ping"))["to"] == "b"
        assert (await on_a.next("ping"))["to"] == "a"
        assert [await _stream_length(a, node) for node in ("na", "nb")] == [0, 1]
        await asyncio.sleep(0.2)  # real time for a stray delivery to show
        assert [[e[1]["to"] for e in peer.events if e[0] == "ping"] for peer in (on_a, on_b)] == [["a"], ["b"]]
    finally:
        for peer in (on_a, on_b):
            await peer.close()


async def test_an_event_sent_while_a_nodes_listener_is_away_reaches_it_once_it_is_back(make_node):
    """Pub/sub would drop it: nb's listener is not subscribed while Redis is
    out of its reach. nb reaches Redis through a proxy that is cut; na
    reaches it directly and sends meanwhile."""
    proxy = redisutil.Proxy()
    await proxy.start()
    (url_a, a), (url_b, _) = await make_node("na"), await make_node("nb", proxy.url)
    on_b = await Peer(url_b, NS, {"room": "agent:x"}).connect()
    try:
        await a.emit("ping", {"n": 1}, room="agent:x", namespace=NS)
        assert (await on_b.next("ping"))["n"] == 1
        await proxy.stop()  # nb's listener loses Redis
        await a.emit("ping", {"n": 2}, room="agent:x", namespace=NS)
        await a.emit("ping", {"n": 3}, room="agent:x", namespace=NS)
        await asyncio.sleep(0.3)  # real time: nb's listener retries in vain meanwhile
        assert not [e for e in on_b.events if e[0] == "ping" and e[1]["n"] > 1]
        await proxy.start()
        assert (await on_b.next("ping", timeout=WAIT_S))["n"] == 2
        assert (await on_b.next("ping"))["n"] == 3
    finally:
        await on_b.close()
        await proxy.stop()


async def test_a_room_emptied_on_a_node_is_no_longer_sent_to_it(make_node):
    (url_a, a), (url_b, _) = [await make_node(name) for name in ("na", "nb")]
    on_b = await Peer(url_b, NS, {"room": "agent:x"}).connect()
    await a.emit("ping", {"n": 1}, room="agent:x", namespace=NS)
    assert (await on_b.next("ping"))["n"] == 1
    await on_b.close()
    redis = redisutil.client()
    try:
        for _ in range(100):  # nb writes its record just after the disconnect, in the background
            if not await redis.sismember(f"{a.manager.channel}:rooms:nb", f"{NS}|agent:x"):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("nb still records a room it no longer holds")
    finally:
        await redis.aclose()
    await a.emit("ping", {"n": 2}, room="agent:x", namespace=NS)
    assert await _stream_length(a, "nb") == 1
