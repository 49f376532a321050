"""A topic a lead adds or changes through n3's REST API is in effect on n1
and n2 at once, with no restart: a visitor on n1 chats on it, an agent with
its skill on n2 takes the chat, and a change made on n3 refuses the next
chat on n1 (three processes, one PostgreSQL, one Redis)."""
from __future__ import annotations

import secrets

import aiohttp

from tests.conftest import eventually
from tests.multinode.conftest import agent_token
from tests.peers import Peer


async def topic_on(http: aiohttp.ClientSession, url: str, bearer: dict, name: str, **expected) -> None:
    """Waits until the node at `url` has the topic `name` with the `expected`
    fields in effect (it reads them again when another node says they changed)."""
    async def has_it() -> bool:
        async with http.get(f"{url}/api/topics", headers=bearer) as response:
            found = {t["name"]: t for t in (await response.json())["topics"]}.get(name)
        return found is not None and all(found[k] == v for k, v in expected.items())
    await eventually(has_it)


def skilled(cluster, email: str, skill: str) -> str:
    token = secrets.token_urlsafe(24)
    cluster.cli("agent", "add", email, "--name", "Rita", f"--token={token}", "--shift", "always",
                "--skills", skill)
    return token


async def test_a_topic_changed_on_one_node_applies_on_the_others(make_cluster):
    tokens: dict[str, str] = {}

    def people(cluster) -> None:
        tokens["rita"] = skilled(cluster, "rita@example.test", "refunds")
        tokens["lead"] = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
    cluster = make_cluster(before=people)
    bearer = {"Authorization": f"Bearer {tokens['lead']}"}
    agent = await Peer(cluster.url("n2"), "/agent", {"token": tokens["rita"]}).connect()
    first = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    second = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    try:
        await agent.next("session")
        assert (await agent.call("agent:status", {"status": "available"}))["ok"]
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{cluster.url('n3')}/api/topics", headers=bearer,
                                 json={"name": "refunds", "skill": "refunds", "priority": "low"}) as response:
                assert response.status == 201, await response.text()
            await topic_on(http, cluster.url("n1"), bearer, "refunds", skill="refunds")
            await first.next("session")
            started = await first.call("chat:start", {"text": "charged twice", "topic": "refunds"})
            assert started["ok"], started
            assigned = await agent.next("chat:assigned", lambda d: d["chat"]["id"] == started["chat"]["id"])
            assert assigned["chat"]["topic"] == "refunds" and assigned["chat"]["priority"] == "low"

            async with http.patch(f"{cluster.url('n3')}/api/topics/refunds", headers=bearer,
                                  json={"chat": False, "reason": "Refunds need a ticket."}) as response:
                assert response.status == 200, await response.text()
            await topic_on(http, cluster.url("n1"), bearer, "refunds", chat=False)
            await second.next("session")
            refused = await second.call("chat:start", {"text": "charged twice", "topic": "refunds"})
            assert refused["error"]["code"] == "use_ticket", refused
            assert refused["error"]["reason"] == "Refunds need a ticket."
    finally:
        for peer in (agent, first, second):
            await peer.close()
