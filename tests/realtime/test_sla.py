"""The SLA clocks over real sockets, on the injected clock: first response,
response gap, duration and conversion, each stage once, none lost or
doubled by a restart. Defaults: 45/60 s, 90/120 s, 900/1200 s."""
from __future__ import annotations

from server.services.model import ChatStatus
from tests.conftest import eventually, make_config
from tests.peers import Peer
from tests.realtime.test_restart import site_and_agent, start_server


async def chat_with_agent(harness, *, email: str | None = None):
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    start = {"text": "my site is down"} | ({"email": email} if email else {})
    ack = await visitor.call("chat:start", start)
    assert ack["ok"] and ack["chat"]["status"] == "active", ack
    await agent.next("chat:assigned")
    return visitor, agent, ack["chat"]["id"]


async def settle(*peers) -> None:
    """A round trip on each connection: whatever the server emitted before
    has arrived when the ack does (events on one socket stay in order)."""
    for peer in peers:
        await peer.call("chat:history", {"chat_id": "none", "after_seq": 0})


def stages(peer, event: str) -> list[tuple[str, int, int]]:
    return [(e["kind"], e["elapsed_s"], e["limit_s"]) for e in peer.received(event)]


async def say(peer, chat_id: str, text: str, client_id: str, **fields) -> int:
    ack = await peer.call("chat:send", {"chat_id": chat_id, "client_id": client_id, "text": text, **fields})
    assert ack["ok"], ack
    return ack["seq"]


async def test_first_response_warns_at_45_s_then_breaches_at_60_s_with_an_alert(harness):
    supervisor = await harness.supervisor()
    visitor, agent, chat_id = await chat_with_agent(harness)
    await harness.advance(44)
    await settle(agent)
    assert agent.received("sla:warning") == []
    await harness.advance(1)
    assert await agent.next("sla:warning") == {"chat_id": chat_id, "kind": "first_response",
                                               "elapsed_s": 45, "limit_s": 60}
    await harness.advance(15)
    assert await agent.next("sla:breach") == {"chat_id": chat_id, "kind": "first_response",
                                              "elapsed_s": 60, "limit_s": 60}
    alert = await supervisor.next("alert")
    assert (alert["kind"], alert["sla"], alert["chat_id"], alert["elapsed_s"]) == (
        "sla_breach", "first_response", chat_id, 60)
    breaches = await harness.store.sla_events(chat_id=chat_id, stage="breach")
    agent_id = (await harness.store.chat_by_id(chat_id)).agent_id
    assert [(b.kind, b.agent_id, b.limit_s, b.elapsed_s) for b in breaches] == [
        ("first_response", agent_id, 60, 60)]


async def test_a_reply_in_time_stops_the_first_response_clock_but_notes_do_not(harness):
    visitor, agent, chat_id = await chat_with_agent(harness)
    await harness.advance(10)
    await say(agent, chat_id, "looking (internal)", "n1", note=True)
    await harness.advance(35)
    assert (await agent.next("sla:warning"))["kind"] == "first_response"  # the note did not answer
    await say(agent, chat_id, "Hello! Checking now.", "a1")
    await harness.advance(100)
    await settle(agent)
    assert stages(agent, "sla:breach") == []
    assert await harness.store.sla_events(chat_id=chat_id, stage="breach") == []


async def test_response_gap_counts_from_the_oldest_unanswered_visitor_message(harness):
    visitor, agent, chat_id = await chat_with_agent(harness)
    await say(agent, chat_id, "Hi, how can I help?", "a1")
    await say(visitor, chat_id, "it still fails", "v1")
    await harness.advance(60)
    await say(visitor, chat_id, "hello?", "v2")  # a second message does not restart the wait
    await harness.advance(30)
    assert await agent.next("sla:warning") == {"chat_id": chat_id, "kind": "response_gap",
                                               "elapsed_s": 90, "limit_s": 120}
    await harness.advance(30)
    assert (await agent.next("sla:breach"))["kind"] == "response_gap"
    await say(agent, chat_id, "sorry, here now", "a2")
    await say(visitor, chat_id, "ok thanks", "v3")
    await harness.advance(89)
    await settle(agent)
    assert len(agent.received("sla:warning")) == 1  # the new wait has not reached 90 s
    await harness.advance(1)
    assert (await agent.next("sla:warning"))["kind"] == "response_gap"


async def test_a_long_chat_is_warned_then_becomes_a_ticket_at_exactly_the_limit(harness):
    visitor, agent, chat_id = await chat_with_agent(harness, email="vera@example.test")
    await say(agent, chat_id, "on it", "a1")
    await harness.advance(900)
    assert await agent.next("sla:warning", lambda e: e["kind"] == "duration") == {
        "chat_id": chat_id, "kind": "duration", "elapsed_s": 900, "limit_s": 1200}
    assert await visitor.next("chat:warning") == {"chat_id": chat_id, "kind": "duration", "remaining_s": 300}
    await harness.advance(299)
    await settle(visitor)
    assert (await harness.store.chat_by_id(chat_id)).status is ChatStatus.ACTIVE
    await harness.advance(1)
    ended = await visitor.next("chat:ended")
    assert ended["reason"] == "converted" and ended["ticket"]["number"].startswith("SD-")
    receipt = await visitor.next("chat:message", lambda m: m["author"] == "system")
    assert ended["ticket"]["number"] in receipt["text"]
    assert (await agent.next("chat:ended"))["ticket"] == ended["ticket"]

    ticket = await harness.store.ticket_by_id(ended["ticket"]["id"])
    assert ticket.chat_id == chat_id and ticket.email == "vera@example.test"
    assert "my site is down" in ticket.transcript and "on it" in ticket.transcript
    chat = await harness.store.chat_by_id(chat_id)
    assert (chat.status, chat.end_reason) == (ChatStatus.ENDED, "converted")
    mails = await harness.store.due_mail(harness.clock.now(), 10)
    assert [m.mail.to for m in mails] == ["vera@example.test"]
    assert ticket.label in mails[0].mail.subject and ticket.label in mails[0].mail.text


async def test_an_agent_converts_early_and_the_chat_is_free_for_a_new_one(harness):
    visitor, agent, chat_id = await chat_with_agent(harness)
    ack = await agent.call("chat:convert", {"chat_id": chat_id, "subject": "Site down since noon",
                                            "priority": "high"})
    assert ack["ok"] and ack["ticket"]["subject"] == "Site down since noon", ack
    assert ack["ticket"]["priority"] == "high"
    assert (await visitor.next("chat:ended"))["reason"] == "converted"
    again = await agent.call("chat:convert", {"chat_id": chat_id})
    assert again["error"]["code"] == "chat_ended"
    await harness.advance(1200)  # no clock of the converted chat fires
    await settle(agent)
    assert agent.received("sla:warning") == [] and agent.received("sla:breach") == []
    second = await visitor.call("chat:start", {"text": "one more thing"})
    assert second["ok"], second


async def test_a_restart_neither_loses_nor_doubles_a_stage(aiohttp_server, tmp_path, clock):
    config = make_config(f"sqlite:///{tmp_path}/sla.db")
    server, services, url = await start_server(aiohttp_server, config, clock)
    agent = await site_and_agent(services, url)
    visitor = await Peer(url, "/visitor", {"site": "acme"}).connect()
    visitor_token = (await visitor.next("session"))["visitor_token"]
    chat_id = (await visitor.call("chat:start", {"text": "hi"}))["chat"]["id"]
    clock.advance(45)
    await services.timers.fire_due()
    assert (await agent.next("sla:warning"))["kind"] == "first_response"
    for peer in (agent, visitor):
        await peer.close()
    await server.close()

    clock.advance(20)  # the breach falls due while the server is down
    server, services, url = await start_server(aiohttp_server, config, clock)
    await services.timers.fire_due()  # the node's own timer task may be first: either way, once

    async def breached() -> bool:
        return len(await services.desk.store.sla_events(chat_id=chat_id)) == 2
    await eventually(breached)
    events = await services.desk.store.sla_events(chat_id=chat_id)
    assert [(e.kind, e.stage) for e in events] == [("first_response", "warning"), ("first_response", "breach")]
    assert events[1].elapsed_s == 65  # announced late, but once, with the real wait

    await server.close()

    server, services, url = await start_server(aiohttp_server, config, clock)  # and once more
    await services.timers.fire_due()
    assert len(await services.desk.store.sla_events(chat_id=chat_id)) == 2
    back = await Peer(url, "/visitor", {"site": "acme", "token": visitor_token}).connect()
    assert (await back.next("session"))["chat"]["id"] == chat_id
    clock.advance(1200 - 65)
    await services.timers.fire_due()
    assert (await back.next("chat:ended"))["reason"] == "converted"
    await eventually(lambda: services.desk.store.sla_events(chat_id=chat_id, stage="convert"))
    chat = await services.desk.store.chat_by_id(chat_id)
    assert len(await services.desk.store.list_tickets(visitor_id=chat.visitor_id)) == 1
    stages_fired = [(e.kind, e.stage) for e in await services.desk.store.sla_events(chat_id=chat_id)]
    assert stages_fired.count(("duration", "warning")) == 1 and stages_fired.count(("duration", "convert")) == 1
    await back.close()
