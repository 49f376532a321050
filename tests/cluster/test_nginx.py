"""Through nginx, configured by docs/examples/nginx.conf itself, to three
nodes: every request of a session reaches the node that holds it, over
long-polling and websocket alike, and when a node dies or is taken out of
the pool its clients carry on on the others."""
from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

import pytest
import socketio

from tests.cluster import EXAMPLE_NODES, NODES, SITE, Cluster, render, without_pool_server

NS = "/visitor"
WAIT_S = 5.0  # real seconds for a delivery through nginx
REQUESTS = 20
POLLING, UPGRADE, WEBSOCKET = ["polling"], ["polling", "websocket"], ["websocket"]


def node_of(client: socketio.AsyncClient) -> str:
    """The node that holds the client's session, by its session id's prefix."""
    return (client.eio.sid or "").partition("-")[0]


@pytest.fixture
async def clients(cluster: Cluster) -> AsyncIterator[list[socketio.AsyncClient]]:
    """The test's visitors. The cluster stops first: a long-polling client
    that disconnects waits for its pending poll, which engineio's server
    does not end on the client's CLOSE packet (only a packet to send, or
    pingInterval + pingTimeout, 45 s, does); a stopping node ends it."""
    made: list[socketio.AsyncClient] = []
    yield made
    cluster.stop()
    for client in made:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), WAIT_S)  # ends reconnection attempts


async def visitor(cluster: Cluster, clients: list, transports: list[str], *,
                  reconnect: bool = False) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=reconnect, reconnection_delay=0.1, reconnection_delay_max=0.5)
    clients.append(client)
    await client.connect(cluster.url, namespaces=[NS], auth={"site": SITE}, transports=transports,
                         wait_timeout=WAIT_S)
    return client


async def one_per_node(cluster: Cluster, clients: list, transports: list[str], **kwargs) -> dict:
    """A visitor on each node: the pool hands new sessions out round-robin."""
    made = [await visitor(cluster, clients, transports, **kwargs) for _ in NODES]
    by_node = {node_of(client): client for client in made}
    assert sorted(by_node) == sorted(NODES)
    return by_node


async def chat_and_type(client: socketio.AsyncClient, requests: int = REQUESTS) -> None:
    """Starts a chat, then `requests` acknowledged typing events in it: each
    one needs the session (and the chat) that only its own node has."""
    started = await client.call("chat:start", {"text": "hello"}, namespace=NS, timeout=WAIT_S)
    assert started["ok"], started
    for n in range(requests):
        ack = await client.call("chat:typing", {"chat_id": started["chat"]["id"], "typing": n % 2 == 0},
                                namespace=NS, timeout=WAIT_S)
        assert ack == {"ok": True}


async def eventually(check, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "never came true"
        await asyncio.sleep(0.05)


def upstreams_of_sessions(cluster: Cluster) -> dict[str, set[str]]:
    """From nginx's access log: node named by each request's sid -> the upstreams that answered."""
    seen: dict[str, set[str]] = {}
    for line in cluster.nginx.log("access.log").splitlines():
        match = re.search(r"[?&]sid=([A-Za-z0-9_]+)-.* upstream=(\S+)", line)
        if match:
            seen.setdefault(match[1], set()).add(match[2])
    return seen


# --- the configuration file ------------------------------------------------------

def test_each_node_has_its_sessions_routed_to_it_first_and_the_others_as_backups():
    ports = {"b": 9102, "a": 9101, "c": 9103}
    conf = render(ports, 9100)
    for name, port in ports.items():
        assert re.search(rf"~\^{name}-\s+shiftdesk_{name};", conf)
        servers = re.search(rf"upstream shiftdesk_{name} \{{(.*?)\}}", conf, re.S)[1].strip().splitlines()
        assert servers[0].split() == ["server", f"127.0.0.1:{port}", "max_fails=0;"]
        assert sorted(line.split()[1] for line in servers[1:]) == sorted(
            f"127.0.0.1:{other}" for other in ports.values() if other != port)
        assert all(line.split()[-1] == "backup;" for line in servers[1:])
    assert "listen 127.0.0.1:9100;" in conf


def test_the_pool_cannot_lose_its_last_node():
    conf = render(dict(zip(EXAMPLE_NODES, (9101, 9102, 9103))), 9100)
    conf = without_pool_server(without_pool_server(conf, 9101), 9102)
    with pytest.raises(ValueError):
        without_pool_server(conf, 9103)


# --- through nginx ----------------------------------------------------------------

async def test_long_polling_sessions_reach_their_node_for_every_request(cluster, clients):
    by_node = await one_per_node(cluster, clients, POLLING)
    for client in by_node.values():
        await chat_and_type(client)
        assert client.transport() == "polling"
    ports = {name: f"127.0.0.1:{node.port}" for name, node in cluster.nodes.items()}
    assert upstreams_of_sessions(cluster) == {name: {ports[name]} for name in NODES}


@pytest.mark.parametrize("transports", [UPGRADE, WEBSOCKET], ids=["upgraded", "websocket-only"])
async def test_websocket_sessions_reach_their_node(cluster, clients, transports):
    by_node = await one_per_node(cluster, clients, transports)
    for client in by_node.values():
        assert client.transport() == "websocket"  # an upgrade that failed would have stayed on polling
        await chat_and_type(client)


async def test_when_a_node_dies_new_sessions_go_to_the_others_and_its_clients_reconnect(cluster, clients):
    pinned = [await visitor(cluster, clients, POLLING, reconnect=True) for _ in range(2 * len(NODES))]
    orphans = [client for client in pinned if node_of(client) == "n1"]
    others = {client: client.eio.sid for client in pinned if node_of(client) != "n1"}
    assert len(orphans) == 2

    cluster.nodes["n1"].kill()
    fresh = [await visitor(cluster, clients, POLLING) for _ in range(2 * len(NODES))]
    assert {node_of(client) for client in fresh} == {"n2", "n3"}
    await eventually(lambda: all(client.connected and node_of(client) in ("n2", "n3") for client in orphans))
    for client in [*orphans, *others, *fresh]:
        await chat_and_type(client, 3)
    assert {client: client.eio.sid for client in others} == others  # the live nodes' sessions went on


async def test_a_node_out_of_the_pool_keeps_its_sessions_and_gets_no_new_ones(cluster, clients):
    by_node = await one_per_node(cluster, clients, POLLING)
    draining = by_node["n2"]
    sid = draining.eio.sid

    cluster.nginx.remove("n2")
    cluster.nginx.reload()
    fresh = [await visitor(cluster, clients, POLLING) for _ in range(2 * len(NODES))]
    assert {node_of(client) for client in fresh} == {"n1", "n3"}
    await chat_and_type(draining)
    assert draining.eio.sid == sid
