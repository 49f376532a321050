"""Two nodes on PostgreSQL and Redis deliver each event once (not once per
node), and a change of endpoint made on one node applies on the other."""
from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp

from server.store import open_store
from tests.multinode.conftest import agent_token, make_cluster, scratch_pg  # noqa: F401 (fixtures)
from tests.peers import Peer
from tests.webhooks.receiver import Receiver

SECRET = "whsec_" + "n" * 32
ENV = {"SHIFTDESK_WEBHOOKS_HTTP_HOSTS": "127.0.0.1", "SHIFTDESK_WEBHOOKS_ALLOW_HOSTS": "127.0.0.1"}
CHATS_PER_NODE, MESSAGES = 3, 5


async def deliveries(database: str) -> list:
    store = await open_store(database)
    try:
        hook = (await store.list_webhooks())[0]
        return await store.webhook_deliveries(hook.id, 500)
    finally:
        await store.close()


async def a_chat(url: str, n: int) -> tuple[Peer, str]:
    visitor = await Peer(url, "/visitor", {"site": "acme"}).connect()
    ack = await visitor.call("chat:start", {"text": f"chat {n}"})
    assert ack["ok"], ack
    return visitor, ack["chat"]["id"]


async def test_two_nodes_deliver_each_event_once(make_cluster, monkeypatch):  # noqa: F811
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)  # the commands too
    receiver = await Receiver(secret=SECRET).start()
    cluster = make_cluster(nodes=2, env=ENV, before=lambda c: c.cli(
        "webhook", "add", "acme", receiver.url, "--secret", SECRET, "--event", "chat.started",
        "--event", "chat.message"))
    peers: list[Peer] = []
    try:
        agent = await Peer(cluster.url("n2"), "/agent",
                           {"token": agent_token(cluster, "ann@example.test", capacity=20)}).connect()
        await agent.call("agent:status", {"status": "available"})
        peers.append(agent)
        chats = []
        for n in range(CHATS_PER_NODE * 2):
            visitor, chat_id = await a_chat(cluster.url("n1" if n % 2 else "n2"), n)
            peers.append(visitor)
            chats.append((visitor, chat_id))

        async def talk(visitor: Peer, chat_id: str) -> None:
            for m in range(MESSAGES):
                ack = await visitor.call("chat:send", {"chat_id": chat_id, "client_id": f"m{m}", "text": f"m{m}"})
                assert ack["ok"], ack
        await asyncio.gather(*(talk(v, c) for v, c in chats))
        expected = len(chats) * (2 + MESSAGES)  # chat.started and the first message, then the others
        for _ in range(300):
            if len(receiver.events) >= expected:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # a second delivery of any of them would show by now
        found = await deliveries(cluster.database)
    finally:
        for peer in peers:
            await peer.close()
        await receiver.stop()
    ids = Counter(e["id"] for e in receiver.events)
    assert len(ids) == expected and max(ids.values()) == 1, "an event was delivered twice"
    assert receiver.rejected == 0 and all(d.attempts == 1 and d.delivered_at for d in found)
    for _, chat_id in chats:
        seqs = [e["data"]["message"]["seq"] for e in receiver.events
                if e["type"] == "chat.message" and e["data"]["chat"]["id"] == chat_id]
        assert seqs == list(range(1, MESSAGES + 2))


async def test_an_endpoint_added_on_one_node_is_used_by_the_other(make_cluster, monkeypatch):  # noqa: F811
    receiver = await Receiver().start()
    cluster = make_cluster(nodes=2, env=ENV)
    lead = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
    agent_token(cluster, "ann@example.test")  # on shift: chats are taken (queued)
    peers: list[Peer] = []
    try:
        bearer = {"Authorization": f"Bearer {lead}"}
        async with aiohttp.ClientSession(base_url=cluster.url("n1"), headers=bearer) as api:
            async with api.post("/api/webhooks", json={"site": "acme", "url": receiver.url,
                                                       "events": ["chat.started"]}) as response:
                assert response.status == 201, await response.text()
                receiver.secret = (await response.json())["secret"]
        for n in range(100):  # the change broadcast reaches n2 within moments; until then its chats are not sent
            visitor, _ = await a_chat(cluster.url("n2"), n)
            peers.append(visitor)
            await asyncio.sleep(0.05)
            if receiver.events:
                break
        for _ in range(100):
            if receiver.events:
                break
            await asyncio.sleep(0.05)
        assert receiver.events and receiver.events[0]["type"] == "chat.started"
    finally:
        for peer in peers:
            await peer.close()
        await receiver.stop()
