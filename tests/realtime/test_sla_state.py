"""The SLA clocks' state travels with the chat: the agent who gets a chat
(assignment, transfer, reassignment, a reconnecting console, a restarted
server) gets each clock as the server has it, and `sla:clocks` whenever one
changes; a fresh fetch always equals what the events said. Defaults:
45/60 s, 90/120 s, 900/1200 s."""
from __future__ import annotations

from datetime import datetime, timedelta

from server.services.views import iso
from tests.conftest import eventually, make_config
from tests.peers import Peer
from tests.realtime.test_restart import site_and_agent, start_server
from tests.realtime.test_sla import chat_with_agent, say, settle

CLOCK_KEYS = {"state", "stage", "started_at", "warn_at", "deadline", "limit_s", "answered_at"}


def plus(at: str, seconds: int) -> str:
    return iso(datetime.fromisoformat(at) + timedelta(seconds=seconds))


async def reload(url: str, token: str) -> tuple[Peer, dict, dict]:
    """A console reloading: a new connection, its session and chat:assigned."""
    peer = await Peer(url, "/agent", {"token": token}).connect()
    session = await peer.next("session")
    return peer, session, await peer.next("chat:assigned")


async def test_a_breached_first_response_stays_running_after_a_reload_and_a_reassignment(harness):
    ann, ann_token = await harness.add_agent("Ann")
    ann_peer = await harness.agent(ann_token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "anyone?"}))["chat"]
    assigned = await ann_peer.next("chat:assigned")
    first = assigned["chat"]["sla"]["first_response"]
    assert set(first) == CLOCK_KEYS
    assert first == {"state": "running", "stage": "ok", "started_at": chat["started_at"],
                     "warn_at": plus(chat["started_at"], 45), "deadline": plus(chat["started_at"], 60),
                     "limit_s": 60, "answered_at": None}
    assert assigned["chat"]["sla"]["response_gap"]["state"] == "stopped"
    duration = assigned["chat"]["sla"]["duration"]
    assigned_at = assigned["chat"]["assigned_at"]
    assert duration == {"state": "running", "stage": "ok", "started_at": assigned_at,
                        "warn_at": plus(assigned_at, 900), "deadline": plus(assigned_at, 1200), "limit_s": 1200,
                        "answered_at": None}
    assert assigned["now"] == iso(harness.clock.now())

    await harness.advance(60)
    told = await ann_peer.next("sla:clocks", lambda d: d["sla"]["first_response"]["stage"] == "breached")
    assert told["chat_id"] == chat["id"] and told["now"] == iso(harness.clock.now())
    assert told["sla"]["first_response"]["state"] == "running"  # breached, and still nobody answered

    reloaded, session, again = await reload(harness.url, ann_token)
    [listed] = session["chats"]
    assert listed["sla"] == again["chat"]["sla"] == told["sla"]
    await reloaded.close()

    bob, bob_token = await harness.add_agent("Bob")
    bob_peer = await harness.agent(bob_token)
    lead = await harness.supervisor()
    assert (await lead.call("chat:reassign", {"chat_id": chat["id"], "agent_id": bob.id}))["ok"]
    moved = await bob_peer.next("chat:assigned")
    assert moved["chat"]["sla"]["first_response"] == told["sla"]["first_response"]

    await say(bob_peer, chat["id"], "Sorry for the wait", "b1")
    met = (await bob_peer.next("sla:clocks"))["sla"]["first_response"]
    assert met == told["sla"]["first_response"] | {"state": "met", "answered_at": iso(harness.clock.now())}


async def test_the_agent_who_gets_a_transfer_gets_the_breached_reply_gap(harness):
    visitor, ann, chat_id = await chat_with_agent(harness)
    await say(ann, chat_id, "Hi, how can I help?", "a1")
    await settle(ann)
    sent_at = iso(harness.clock.now())
    await say(visitor, chat_id, "my site is still down", "v1")
    gap = (await ann.next("sla:clocks", lambda d: d["sla"]["response_gap"]["state"] == "running"))
    assert gap["sla"]["response_gap"] == {"state": "running", "stage": "ok", "started_at": sent_at,
                                          "warn_at": plus(sent_at, 90), "deadline": plus(sent_at, 120),
                                          "limit_s": 120, "answered_at": None}
    await harness.advance(120)
    breached = await ann.next("sla:clocks", lambda d: d["sla"]["response_gap"]["stage"] == "breached")

    bob, bob_token = await harness.add_agent("Bob", skills=("network",))
    bob_peer = await harness.agent(bob_token)
    assert (await ann.call("chat:transfer", {"chat_id": chat_id, "to": {"agent_id": bob.id}}))["ok"]
    moved = await bob_peer.next("chat:assigned")
    assert moved["chat"]["sla"] == breached["sla"]
    assert moved["chat"]["sla"]["response_gap"]["state"] == "running"
    assert moved["chat"]["sla"]["first_response"]["state"] == "met"

    # and through the queue: a transfer to a skill
    cy, cy_token = await harness.add_agent("Cy", skills=("billing",))
    cy_peer = await harness.agent(cy_token)
    assert (await bob_peer.call("chat:transfer", {"chat_id": chat_id, "to": {"skill": "billing"}}))["ok"]
    queued = await cy_peer.next("chat:assigned")
    assert queued["chat"]["sla"] == breached["sla"]


async def test_each_change_of_a_clock_is_told_and_notes_change_nothing(harness):
    visitor, agent, chat_id = await chat_with_agent(harness)
    await say(agent, chat_id, "internal", "n1", note=True)
    await settle(agent)
    assert agent.received("sla:clocks") == []  # a note answers nobody
    await say(agent, chat_id, "Hello!", "a1")
    answered = await agent.next("sla:clocks")
    assert answered["sla"]["first_response"]["state"] == "met"
    assert answered["sla"]["response_gap"]["state"] == "stopped"
    await say(visitor, chat_id, "one", "v1")
    started = await agent.next("sla:clocks")
    assert started["sla"]["response_gap"]["state"] == "running"
    await say(visitor, chat_id, "two", "v2")  # the wait goes on from the first: nothing changes
    await harness.advance(90)
    warned = await agent.next("sla:clocks")
    assert warned["sla"]["response_gap"] == started["sla"]["response_gap"] | {"stage": "warning"}
    await say(agent, chat_id, "here", "a2")
    met = await agent.next("sla:clocks")
    assert met["sla"]["response_gap"] == warned["sla"]["response_gap"] | {
        "state": "met", "answered_at": iso(harness.clock.now())}
    await settle(agent)
    told = agent.received("sla:clocks")
    assert len(told) == 4
    versions = [e["version"] for e in told]
    assert versions == sorted(set(versions))  # each change a newer version
    again, _, fresh = await reload(harness.url, agent.auth["token"])
    assert (fresh["chat"]["sla"], fresh["chat"]["sla_version"]) == (met["sla"], met["version"])
    await again.close()


async def test_a_reply_gap_breached_while_the_server_was_down_is_breached_after_the_restart(
        aiohttp_server, tmp_path, clock):
    config = make_config(f"sqlite:///{tmp_path}/gap.db")
    server, services, url = await start_server(aiohttp_server, config, clock)
    agent = await site_and_agent(services, url)
    token = agent.auth["token"]
    visitor = await Peer(url, "/visitor", {"site": "acme"}).connect()
    chat_id = (await visitor.call("chat:start", {"text": "hi"}))["chat"]["id"]
    await agent.next("chat:assigned")
    await say(agent, chat_id, "Hello", "a1")
    await say(visitor, chat_id, "it fails", "v1")
    clock.advance(90)
    await services.timers.fire_due()
    warned = await agent.next("sla:clocks", lambda d: d["sla"]["response_gap"]["stage"] == "warning")
    for peer in (agent, visitor):
        await peer.close()
    await server.close()

    clock.advance(40)  # the breach falls due while the server is down
    server, services, url = await start_server(aiohttp_server, config, clock)
    await services.timers.fire_due()  # the node's own timer task may be first: wait for the record

    async def recorded() -> bool:
        return bool(await services.desk.store.sla_events(chat_id=chat_id, stage="breach"))
    await eventually(recorded)
    back, session, assigned = await reload(url, token)
    expected = warned["sla"]["response_gap"] | {"stage": "breached"}
    assert session["chats"][0]["sla"]["response_gap"] == assigned["chat"]["sla"]["response_gap"] == expected
    assert assigned["chat"]["sla"]["first_response"]["state"] == "met"
    await back.close()


async def test_a_reconnecting_visitor_gets_the_duration_warning_with_the_time_left(harness):
    visitor, agent, chat_id = await chat_with_agent(harness)
    token = (visitor.received("session")[0])["visitor_token"]
    await harness.advance(899)
    back = await harness.visitor(token=token)
    assert "warning" not in await back.next("session")
    await harness.advance(1)
    assert await visitor.next("chat:warning") == {"chat_id": chat_id, "kind": "duration", "remaining_s": 300}
    await harness.advance(100)
    again = await harness.visitor(token=token)
    assert (await again.next("session"))["warning"] == {"chat_id": chat_id, "kind": "duration", "remaining_s": 200}
