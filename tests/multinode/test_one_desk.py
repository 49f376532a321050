"""Three nodes on PostgreSQL and Redis behave as one desk: a visitor, an
agent and a lead each on a different node."""
from __future__ import annotations

import asyncio
import time

import aiohttp

from tests.multinode.conftest import agent_token
from tests.peers import Peer, Refused


async def test_a_visitor_an_agent_and_a_lead_on_three_nodes_chat_as_on_one(make_cluster):
    cluster = make_cluster()
    token = agent_token(cluster, "ann@example.test")
    lead_token = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
    agent = await Peer(cluster.url("n2"), "/agent", {"token": token}).connect()
    lead = await Peer(cluster.url("n3"), "/supervisor", {"token": lead_token}).connect()
    visitor = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    try:
        assert (await agent.call("agent:status", {"status": "available"}))["ok"]
        started = await visitor.call("chat:start", {"text": "hello from n1"})
        assert started["ok"], started
        chat_id = started["chat"]["id"]
        assigned = await agent.next("chat:assigned", lambda d: d["chat"]["id"] == chat_id)
        assert [m["text"] for m in assigned["messages"]] == ["hello from n1"]
        await visitor.next("chat:assigned", lambda d: d["chat_id"] == chat_id)

        sent = await agent.call("chat:send", {"chat_id": chat_id, "client_id": "a1", "text": "hi from n2"})
        assert sent == {"ok": True, "seq": 2, "at": sent["at"]}
        got = await visitor.next("chat:message", lambda m: m["seq"] == 2)
        assert got["text"] == "hi from n2"
        assert (await visitor.call("chat:send", {"chat_id": chat_id, "client_id": "v2", "text": "thanks"}))["ok"]
        assert (await agent.next("chat:message", lambda m: m["seq"] == 3))["text"] == "thanks"

        # the lead on n3 sees the chat the other two nodes made
        figures = await lead.next("metrics", lambda m: m["active_chats"] == 1, timeout=10)
        assert figures["agents"]["busy"] + figures["agents"]["available"] == 1

        assert (await agent.call("chat:end", {"chat_id": chat_id}))["ok"]
        ended = await visitor.next("chat:ended", lambda d: d["chat_id"] == chat_id)
        assert ended["reason"] == "agent"
        await visitor.next("survey:request", lambda d: d["chat_id"] == chat_id)
    finally:
        for peer in (agent, lead, visitor):
            await peer.close()


async def test_chats_started_at_once_on_every_node_are_each_assigned_once(make_cluster):
    """Two agents with three slots each, 12 visitors spread over three
    nodes starting together: six chats assigned, each to one agent, six
    waiting; no slot is given twice (claim_slot is atomic in Redis, and a
    queued chat leaves the queue for one node only)."""
    cluster = make_cluster()
    tokens = [agent_token(cluster, f"agent{i}@example.test") for i in range(2)]
    agents = [await Peer(cluster.url(f"n{i + 1}"), "/agent", {"token": t}).connect() for i, t in enumerate(tokens)]
    visitors = [await Peer(cluster.url(f"n{i % 3 + 1}"), "/visitor", {"site": "acme"}).connect()
                for i in range(12)]
    try:
        for agent in agents:
            assert (await agent.call("agent:status", {"status": "available"}))["ok"]
        acks = await asyncio.gather(*(v.call("chat:start", {"text": f"visitor {i}"}) for i, v in enumerate(visitors)))
        assert all(a["ok"] for a in acks), acks
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            taken = [e[1]["chat"]["id"] for a in agents for e in a.events if e[0] == "chat:assigned"]
            if len(taken) >= 6:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # a chat assigned twice would show up by now
        per_agent = [[e[1]["chat"]["id"] for e in a.events if e[0] == "chat:assigned"] for a in agents]
        assert [len(chats) for chats in per_agent] == [3, 3]
        assert len(set(per_agent[0] + per_agent[1])) == 6
        waiting = [a for a in acks if a["position"] > 0]
        assert len(waiting) >= 6
    finally:
        for peer in (*agents, *visitors):
            await peer.close()


async def test_a_suspension_closes_the_visitors_sockets_on_every_node(make_cluster):
    cluster = make_cluster()
    lead_token = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
    agent_token(cluster, "ann@example.test")  # on shift: the desk is online
    first = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    session = await first.next("session")
    assert (await first.call("chat:start", {"text": "let me in"}))["ok"]  # the visitor is stored now
    second = await Peer(cluster.url("n2"), "/visitor",
                        {"site": "acme", "token": session["visitor_token"]}).connect()
    lead = await Peer(cluster.url("n3"), "/supervisor", {"token": lead_token}).connect()
    try:
        done = await lead.call("account:suspend", {"visitor_id": session["visitor_id"], "days": 1,
                                                   "reason": "abuse"})
        assert done["ok"], done
        for tab in (first, second):
            await tab.next("account:suspended")
        deadline = time.monotonic() + 5
        while (first.sio.connected or second.sio.connected) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not first.sio.connected and not second.sio.connected
    finally:
        for peer in (first, second, lead):
            await peer.close()


async def refused_within(url: str, auth: dict, want: bool, seconds: float = 1.0) -> float:
    """Connects until the node refuses (`want` True) or admits the visitor;
    the seconds it took. Fails after `seconds`."""
    started = time.monotonic()
    while True:
        peer = Peer(url, "/visitor", auth)
        try:
            await peer.connect()
            refused = False
        except Refused as refusal:
            assert refusal.data["code"] == "suspended", refusal.data
            refused = True
        finally:
            await peer.close()
        took = time.monotonic() - started
        if refused == want:
            return took
        assert took < seconds, f"still {'admitted' if want else 'refused'} after {took:.2f} s"
        await asyncio.sleep(0.02)


async def test_a_suspension_or_lift_on_one_node_holds_on_the_others_within_a_second(make_cluster):
    """Each node keeps the suspensions in memory (no store read at a
    connect): n2, whose copy was read before the lead on n3 suspended,
    refuses the visitor within 1 s; after the lift, n1 admits it again."""
    cluster = make_cluster()
    lead_token = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
    agent_token(cluster, "ann@example.test")
    visitor = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    session = await visitor.next("session")
    assert (await visitor.call("chat:start", {"text": "let me in"}))["ok"]
    auth = {"site": "acme", "token": session["visitor_token"]}
    await (await Peer(cluster.url("n2"), "/visitor", auth).connect()).close()  # n2 has read its copy
    lead = await Peer(cluster.url("n3"), "/supervisor", {"token": lead_token}).connect()
    try:
        done = await lead.call("account:suspend", {"visitor_id": session["visitor_id"], "days": 1,
                                                   "reason": "abuse"})
        assert done["ok"], done
        await refused_within(cluster.url("n2"), auth, want=True)
        await refused_within(cluster.url("n1"), auth, want=True)
        lifted = await lead.call("account:lift", {"visitor_id": session["visitor_id"], "reason": "sorry"})
        assert lifted["ok"], lifted
        await refused_within(cluster.url("n1"), auth, want=False)
        await refused_within(cluster.url("n2"), auth, want=False)
    finally:
        for peer in (visitor, lead):
            await peer.close()


async def test_a_reassignment_on_one_node_is_seen_by_the_others_at_once(make_cluster):
    """The chat cache of n1 learns through Redis that the lead on n3 gave
    the chat to another agent: the first agent's next message, on n1, is
    refused within a second."""
    cluster = make_cluster()
    first_token = agent_token(cluster, "ann@example.test")
    second_token = agent_token(cluster, "bob@example.test")
    lead_token = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
    ann = await Peer(cluster.url("n1"), "/agent", {"token": first_token}).connect()
    bob = await Peer(cluster.url("n2"), "/agent", {"token": second_token}).connect()
    lead = await Peer(cluster.url("n3"), "/supervisor", {"token": lead_token}).connect()
    visitor = await Peer(cluster.url("n2"), "/visitor", {"site": "acme"}).connect()
    try:
        assert (await ann.call("agent:status", {"status": "available"}))["ok"]
        chat_id = (await visitor.call("chat:start", {"text": "help"}))["chat"]["id"]
        await ann.next("chat:assigned", lambda d: d["chat"]["id"] == chat_id)
        # ann's node has the chat in its cache now
        assert (await ann.call("chat:send", {"chat_id": chat_id, "client_id": "a1", "text": "hello"}))["ok"]
        assert (await bob.call("agent:status", {"status": "available"}))["ok"]
        bob_id = (await bob.next("session"))["agent"]["id"]
        moved = await lead.call("chat:reassign", {"chat_id": chat_id, "agent_id": bob_id})
        assert moved["ok"], moved
        started = time.monotonic()
        for attempt in range(100):
            answer = await ann.call("chat:send", {"chat_id": chat_id, "client_id": f"a{attempt + 2}",
                                                  "text": "still mine?"})
            if not answer["ok"] or time.monotonic() - started > 1:
                break
            await asyncio.sleep(0.01)
        assert not answer["ok"] and answer["error"]["code"] == "forbidden", answer
        assert time.monotonic() - started < 1
    finally:
        for peer in (ann, bob, lead, visitor):
            await peer.close()


async def test_a_closure_added_on_one_node_closes_the_desk_on_all_and_visitors_hear_it_once(make_cluster):
    """The lead closes today on n3: visitors on n1 and n2 get one `desk`
    event each (not one per node), and n1, whose calendar learns it through
    Redis, refuses a new chat as offline."""
    tokens = {}

    def staff(cluster) -> None:  # known to every node from its start, as the desk's hours are
        tokens["lead"] = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
        cluster.cli("agent", "add", "ann@example.test", "--name", "Ann", "--shift", "mon-sun 00:00-24:00")
    cluster = make_cluster(env={"SHIFTDESK_DESK_HOLIDAYS": "", "SHIFTDESK_DESK_TIMEZONE": "UTC"}, before=staff)
    lead_token = tokens["lead"]
    visitors = [await Peer(cluster.url(name), "/visitor", {"site": "acme"}).connect() for name in ("n1", "n2")]
    try:
        for visitor in visitors:
            assert (await visitor.next("session"))["online"]
        today = time.strftime("%Y-%m-%d", time.gmtime())
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{cluster.url('n3')}/api/closures", json={"day": today, "reason": "Party"},
                                 headers={"Authorization": f"Bearer {lead_token}"}) as response:
                assert response.status == 201, await response.text()
        for visitor in visitors:
            told = await visitor.next("desk")
            assert told["online"] is False
        refused = await visitors[0].call("chat:start", {"text": "anyone?"})
        assert refused["error"]["code"] == "offline", refused
        await asyncio.sleep(1.5)  # a second `desk` from another node would be here by now
        assert [len([e for e in v.events if e[0] == "desk"]) for v in visitors] == [1, 1]
    finally:
        for peer in visitors:
            await peer.close()


async def test_an_agent_added_on_the_command_line_after_the_start_takes_a_chat_started_on_another_node(
        make_cluster):
    """n2 knows Bob (connected there, not available) but has never read Ann
    (added after it started, connected to n1): its routing pass sees her
    presence and reads the agents again, instead of leaving the chat queued
    until something else starts a pass."""
    cluster = make_cluster(nodes=2)
    bob = await Peer(cluster.url("n2"), "/agent", {"token": agent_token(cluster, "bob@example.test")}).connect()
    ann = await Peer(cluster.url("n1"), "/agent", {"token": agent_token(cluster, "ann@example.test")}).connect()
    visitor = await Peer(cluster.url("n2"), "/visitor", {"site": "acme"}).connect()
    try:
        assert (await ann.call("agent:status", {"status": "available"}))["ok"]
        started = await visitor.call("chat:start", {"text": "anyone there?"})
        assert started["ok"], started
        await ann.next("chat:assigned", lambda d: d["chat"]["id"] == started["chat"]["id"])
    finally:
        for peer in (bob, ann, visitor):
            await peer.close()
