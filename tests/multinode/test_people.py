"""People across nodes: a lead on one node disables an agent whose console
is connected to another; that console closes and the agent's chat goes to
the front of the queue at once, not at the next look of the node's store
watch (services/sessions.py, every 2 s)."""
from __future__ import annotations

import asyncio
import time

import aiohttp

from tests.multinode.conftest import agent_token
from tests.peers import Peer, Refused

AT_ONCE_S = 1.0  # well under the watch's 2 s, which would close it too, only later


async def test_disabling_on_one_node_closes_the_agents_console_on_another(make_cluster):
    cluster = make_cluster(nodes=2)
    ann_token = agent_token(cluster, "ann@example.test", capacity=1)
    lead_token = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
    ann = await Peer(cluster.url("n2"), "/agent", {"token": ann_token}).connect()
    visitor = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    try:
        assert (await ann.call("agent:status", {"status": "available"}))["ok"]
        chat_id = (await visitor.call("chat:start", {"text": "hello"}))["chat"]["id"]
        await ann.next("chat:assigned", lambda d: d["chat"]["id"] == chat_id)
        async with aiohttp.ClientSession(base_url=cluster.url("n1"),
                                         headers={"Authorization": f"Bearer {lead_token}"}) as lead:
            async with lead.get("/api/people") as answer:
                ann_id = next(p["id"] for p in (await answer.json())["people"] if p["email"] == "ann@example.test")
            async with lead.post(f"/api/people/{ann_id}/disable") as answer:
                assert answer.status == 200, await answer.text()
            disabled_at = time.monotonic()
            while ann.sio.connected:
                assert time.monotonic() - disabled_at < AT_ONCE_S, "the console on n2 is still open"
                await asyncio.sleep(0.02)
            async with lead.get("/api/queue") as answer:
                assert [q["chat_id"] for q in (await answer.json())["queue"]] == [chat_id]
        try:
            await Peer(cluster.url("n2"), "/agent", {"token": ann_token}).connect()
            raise AssertionError("a disabled agent's token connected")
        except Refused as refused:
            assert refused.data["code"] == "unauthorized"
    finally:
        for peer in (ann, visitor):
            await peer.close()
