"""A node dies (kill -9): its visitors and agents come back on the others
with their chats and history; nothing acknowledged is lost; what it held
starts its grace periods on a survivor, and each deadline fires once."""
from __future__ import annotations

import asyncio
import time

from tests.multinode.conftest import agent_token
from tests.peers import Peer


async def test_a_visitor_whose_node_died_gets_its_chat_back_on_another(make_cluster):
    cluster = make_cluster()
    token = agent_token(cluster, "ann@example.test")
    agent = await Peer(cluster.url("n2"), "/agent", {"token": token}).connect()
    visitor = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    back = None
    try:
        visitor_token = (await visitor.next("session"))["visitor_token"]
        assert (await agent.call("agent:status", {"status": "available"}))["ok"]
        chat_id = (await visitor.call("chat:start", {"text": "first"}))["chat"]["id"]
        await agent.next("chat:assigned", lambda d: d["chat"]["id"] == chat_id)
        acked = []
        for n in range(20):
            ack = await visitor.call("chat:send", {"chat_id": chat_id, "client_id": f"v{n}", "text": f"m{n}"})
            assert ack["ok"], ack
            acked.append(ack["seq"])
        cluster.kill("n1")

        back = await Peer(cluster.url("n3"), "/visitor", {"site": "acme", "token": visitor_token}).connect()
        session = await back.next("session")
        assert session["chat"]["id"] == chat_id and session["chat"]["status"] == "active"
        history = await back.call("chat:history", {"chat_id": chat_id, "after_seq": 0})
        assert [m["seq"] for m in history["messages"]] == [1, *acked]
        # past the dead node's time to live, a survivor has let its connections go:
        # the visitor is back, so nothing is abandoned
        await asyncio.sleep(3)
        ack = await back.call("chat:send", {"chat_id": chat_id, "client_id": "after", "text": "still here"})
        assert ack["ok"], ack
        assert (await agent.next("chat:message", lambda m: m["text"] == "still here"))["seq"] == ack["seq"]
        assert not [e for e in agent.events if e[0] == "chat:ended"]
    finally:
        for peer in (agent, visitor, *([back] if back else [])):
            await peer.close()


async def test_an_agent_whose_node_died_and_who_stays_away_loses_the_chat_to_another_once(make_cluster):
    cluster = make_cluster(env={"SHIFTDESK_POLICY_AGENT_GRACE_S": "2"})
    ann_token, bob_token = agent_token(cluster, "ann@example.test"), agent_token(cluster, "bob@example.test")
    ann = await Peer(cluster.url("n2"), "/agent", {"token": ann_token}).connect()
    visitor = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    bob = await Peer(cluster.url("n3"), "/agent", {"token": bob_token}).connect()
    try:
        assert (await ann.call("agent:status", {"status": "available"}))["ok"]
        chat_id = (await visitor.call("chat:start", {"text": "help"}))["chat"]["id"]
        await ann.next("chat:assigned", lambda d: d["chat"]["id"] == chat_id)
        assert (await bob.call("agent:status", {"status": "available"}))["ok"]
        cluster.kill("n2")
        # node time to live (2 s) + the agent's grace (2 s), then routing on a survivor
        assigned = await bob.next("chat:assigned", lambda d: d["chat"]["id"] == chat_id, timeout=15)
        assert [m["text"] for m in assigned["messages"]][0] == "help"
        told = await visitor.next("chat:assigned", lambda d: d["chat_id"] == chat_id and d["agent"]["name"] == "Bob")
        assert told["chat_id"] == chat_id
        await asyncio.sleep(2)  # a second firing of the grace deadline would assign it again
        assert len([e for e in bob.events if e[0] == "chat:assigned"]) == 1
    finally:
        for peer in (ann, visitor, bob):
            await peer.close()


async def test_a_visitor_grace_deadline_fires_once_with_three_nodes_polling(make_cluster):
    cluster = make_cluster(env={"SHIFTDESK_POLICY_VISITOR_GRACE_S": "2"})
    token = agent_token(cluster, "ann@example.test")
    agent = await Peer(cluster.url("n2"), "/agent", {"token": token}).connect()
    visitor = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    try:
        assert (await agent.call("agent:status", {"status": "available"}))["ok"]
        chat_id = (await visitor.call("chat:start", {"text": "brb"}))["chat"]["id"]
        await agent.next("chat:assigned", lambda d: d["chat"]["id"] == chat_id)
        await visitor.sio.disconnect()
        started = time.monotonic()
        ended = await agent.next("chat:ended", lambda d: d["chat_id"] == chat_id, timeout=10)
        assert ended["reason"] == "abandoned"
        assert time.monotonic() - started >= 1.5
        await asyncio.sleep(1.5)
        assert len([e for e in agent.events if e[0] == "chat:ended"]) == 1
    finally:
        for peer in (agent, visitor):
            await peer.close()
