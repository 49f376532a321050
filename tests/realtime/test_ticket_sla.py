"""The ticket SLA clocks over real sockets and REST, on the injected clock:
a critical ticket's response, its hourly update to the requester (told to
its assignee and, breached, to the leads, also after a reload), each stage
once, none lost or doubled by a restart."""
from __future__ import annotations

from datetime import timedelta

import aiohttp

from server.services.model import Role
from tests.conftest import eventually, make_config
from tests.peers import Peer
from tests.realtime.test_restart import site_and_agent, start_server
from tests.realtime.test_sla import settle

MINUTE = 60


async def critical_ticket(harness):
    """Ann's chat, converted into a critical ticket: (Ann's socket, Ann's
    API token, the ticket's id). The clock stands at the ticket's creation."""
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "the whole platform is down"}))["chat"]
    await agent.next("chat:assigned")
    ack = await agent.call("chat:convert", {"chat_id": chat["id"], "priority": "critical"})
    assert ack["ok"] and ack["ticket"]["priority"] == "critical", ack
    return agent, token, ack["ticket"]["id"]


async def lead(harness) -> tuple[Peer, str]:
    _, token = await harness.add_agent("Sue", role=Role.SUPERVISOR)
    peer = await harness.peer("/supervisor", {"token": token}).connect()
    await peer.next("session")
    return peer, token


def api(harness, token: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url=harness.url, headers={"Authorization": f"Bearer {token}"})


async def reply(harness, token: str, ticket_id: str, text: str) -> None:
    async with api(harness, token) as http:
        answer = await (await http.post(f"/api/tickets/{ticket_id}/replies", json={"text": text})).json()
    assert answer["ok"], answer


def told(peer: Peer) -> list[tuple[str, str, int]]:
    return [(e["sla"], e["stage"], e["elapsed_s"]) for e in peer.received("ticket:sla")]


async def test_a_critical_ticket_left_an_hour_without_update_alerts_its_assignee_and_the_lead(harness):
    supervisor, lead_token = await lead(harness)
    agent, token, ticket_id = await critical_ticket(harness)
    await harness.advance(11 * MINUTE + 14)
    await settle(agent)
    assert told(agent) == []
    await harness.advance(1)  # 75% of the 15 minutes to respond
    warning = await agent.next("ticket:sla")
    assert (warning["sla"], warning["stage"], warning["ticket_id"], warning["limit_s"]) == (
        "response", "warning", ticket_id, 15 * MINUTE)
    assert warning["sla_clocks"]["response"]["level"] == "warning"
    await harness.advance(45)  # 12 minutes in: answered in time, the update clock starts again
    await reply(harness, token, ticket_id, "We are on it.")

    await harness.advance(45 * MINUTE)  # 75% of the hour since the reply
    assert (await agent.next("ticket:sla"))["sla"] == "update"
    await harness.advance(14 * MINUTE + 59)  # 1 s short of an hour since the reply
    await settle(agent, supervisor)
    assert told(agent) == [("response", "warning", 675), ("update", "warning", 45 * MINUTE)]
    # the lead hears the warnings too, in time to step in
    assert [(a["sla"], a["stage"], a["ticket_id"]) for a in supervisor.received("alert")] == [
        ("response", "warning", ticket_id), ("update", "warning", ticket_id)]
    for _ in range(2):
        await supervisor.next("alert")
    await harness.advance(1)
    breach = await agent.next("ticket:sla")
    assert (breach["sla"], breach["stage"], breach["elapsed_s"], breach["limit_s"]) == (
        "update", "breach", 3600, 3600)
    alert = await supervisor.next("alert")
    assert (alert["kind"], alert["sla"], alert["stage"], alert["ticket_id"], alert["priority"]) == (
        "ticket_sla", "update", "breach", ticket_id, "critical")
    assert alert["agent_id"] == breach["agent_id"] is not None and alert["number"] == breach["number"]

    async with api(harness, lead_token) as http:  # a reloaded dashboard lists it
        listed = await (await http.get("/api/alerts", params={"sla": "true"})).json()
    assert [(a["kind"], a["sla"], a["stage"], a["ticket_id"]) for a in listed["alerts"]] == [
        ("ticket_sla", "update", "breach", ticket_id), ("ticket_sla", "update", "warning", ticket_id),
        ("ticket_sla", "response", "warning", ticket_id)]
    async with api(harness, token) as http:  # the console's list shows the clock
        tickets = (await (await http.get("/api/tickets")).json())["tickets"]
        refused = await http.get("/api/alerts", params={"kind": "ticket_sla"})
    assert refused.status == 403
    async with aiohttp.ClientSession(base_url=harness.url) as scraper:  # from 127.0.0.1: let in
        scraped = await (await scraper.get("/metrics")).text()
    assert 'shiftdesk_ticket_sla_breaches_total{kind="update",priority="critical"} 1.0' in scraped
    assert 'shiftdesk_tickets_overdue{kind="update",priority="critical"} 1.0' in scraped
    assert 'shiftdesk_tickets_overdue{kind="response",priority="critical"} 0.0' in scraped  # answered in time
    mine = next(t for t in tickets if t["id"] == ticket_id)
    assert (mine["sla"]["update"]["state"], mine["sla"]["update"]["level"]) == ("running", "breached")
    assert (mine["sla"]["response"]["state"], mine["assignee_id"]) == ("met", alert["agent_id"])

    await harness.advance(8 * MINUTE)
    await reply(harness, token, ticket_id, "Still working on it: the database is back.")  # the clock restarts
    await harness.advance(59 * MINUTE + 59)
    await settle(agent, supervisor)
    assert [e for e in told(agent) if e[1] == "breach"] == [("update", "breach", 3600)]  # only the first one
    await harness.advance(1)
    assert (await agent.next("ticket:sla"))["sla"] == "update"
    assert (await supervisor.next("alert", where=lambda a: a["stage"] == "breach"))["sla"] == "update"
    assert [(a["sla"], a["stage"]) for a in supervisor.received("alert")][-2:] == [("update", "warning"), ("update", "breach")]
    fired = await harness.store.ticket_sla_events(ticket_id)
    assert [(e.kind, e.stage) for e in fired] == [
        ("response", "warning"), ("update", "warning"), ("update", "breach"), ("update", "warning"),
        ("update", "breach")]


async def test_solving_the_ticket_stops_its_clocks(harness):
    supervisor, _ = await lead(harness)
    agent, token, ticket_id = await critical_ticket(harness)
    async with api(harness, token) as http:
        answer = await (await http.post(f"/api/tickets/{ticket_id}/status", json={"status": "solved"})).json()
    assert answer["ok"] and answer["ticket"]["sla"]["resolution"]["state"] == "met"
    assert answer["ticket"]["sla"]["response"]["state"] == "stopped"  # nothing left to answer
    await harness.advance(5 * 3600)
    await settle(agent, supervisor)
    assert told(agent) == [] and supervisor.received("alert") == []
    assert await harness.store.ticket_sla_events(ticket_id) == []


async def test_ticket_clocks_survive_a_restart_and_fire_once(aiohttp_server, tmp_path, clock):
    config = make_config(f"sqlite:///{tmp_path}/restart.db")
    server, services, url = await start_server(aiohttp_server, config, clock)
    agent = await site_and_agent(services, url)
    visitor = await Peer(url, "/visitor", {"site": "acme"}).connect()
    chat = (await visitor.call("chat:start", {"text": "everything is down"}))["chat"]
    await agent.next("chat:assigned")
    ticket = (await agent.call("chat:convert", {"chat_id": chat["id"], "priority": "critical"}))["ticket"]
    for peer in (agent, visitor):
        await peer.close()
    await server.close()

    clock.advance(3600)  # down for an hour: the response and the update fell due meanwhile
    server, services, url = await start_server(aiohttp_server, config, clock)
    store = services.desk.store

    async def four_fired() -> bool:  # the node's own timer task fires them, as it starts
        await services.timers.fire_due()
        return len(await store.ticket_sla_events(ticket["id"])) >= 4
    await eventually(four_fired)
    fired = await store.ticket_sla_events(ticket["id"])
    assert sorted((e.kind, e.stage) for e in fired) == [  # all at the same instant: in no order
        ("response", "breach"), ("response", "warning"), ("update", "breach"), ("update", "warning")]
    await server.close()
    server, services, url = await start_server(aiohttp_server, config, clock)  # and again: nothing twice
    clock.advance(1)
    await services.timers.fire_due()
    assert len(await services.desk.store.ticket_sla_events(ticket["id"])) == 4
    next_at = await services.desk.live.deadline(f"ticket_sla:{ticket['id']}")
    assert next_at == fired[0].anchor_at + timedelta(hours=3)  # next: the resolution warning
    await server.close()


async def test_an_unassigned_ticket_tells_every_agent_until_one_takes_it(harness):
    supervisor, lead_token = await lead(harness)
    ann_agent, ann_token = await harness.add_agent("Ann")
    bob_agent, bob_token = await harness.add_agent("Bob")
    ann, bob = await harness.agent(ann_token), await harness.agent(bob_token)
    visitor = await harness.visitor()
    await visitor.next("session")
    opened = await visitor.call("ticket:create", {"email": "kim@example.test", "subject": "Invoice is wrong",
                                                  "text": "The November invoice counts two seats too many."})
    assert opened["ok"] and opened["ticket"]["priority"] == "medium", opened
    ticket_id = opened["ticket"]["id"]
    await harness.advance(3 * 3600)  # 75% of 4 business hours (Monday 10:00 to 13:00 in New York)
    for agent in (ann, bob):
        warned = await agent.next("ticket:sla")
        assert (warned["sla"], warned["stage"], warned["agent_id"]) == ("response", "warning", None)

    async with api(harness, bob_token) as http:
        given = await http.post(f"/api/tickets/{ticket_id}/assignee", json={"agent_id": ann_agent.id})
        assert given.status == 403  # an agent takes a ticket, and gives none away
        taken = await (await http.post(f"/api/tickets/{ticket_id}/assignee", json={"agent_id": bob_agent.id})).json()
    assert taken["ok"] and taken["ticket"]["assignee"] == {"id": bob_agent.id, "name": "Bob"}
    await harness.advance(3600)  # the response breach: to Bob and the lead, not Ann
    breach = await bob.next("ticket:sla")
    assert (breach["sla"], breach["stage"], breach["agent_id"]) == ("response", "breach", bob_agent.id)
    warned_lead = await supervisor.next("alert")  # the warning came while nobody had it
    assert (warned_lead["stage"], warned_lead["agent_id"]) == ("warning", None)
    alert = await supervisor.next("alert")
    assert (alert["kind"], alert["stage"], alert["ticket_id"], alert["agent_id"]) == (
        "ticket_sla", "breach", ticket_id, bob_agent.id)
    await settle(ann)
    assert [e["stage"] for e in ann.received("ticket:sla")] == ["warning"]

    async with api(harness, lead_token) as http:  # a supervisor gives it to Ann, audited
        given = await (await http.post(f"/api/tickets/{ticket_id}/assignee", json={"agent_id": ann_agent.id})).json()
        missing = await http.post(f"/api/tickets/{ticket_id}/assignee", json={"agent_id": "nobody"})
        entries = (await (await http.get("/api/audit", params={"action": "ticket_assign"})).json())["entries"]
    assert given["ticket"]["assignee"]["id"] == ann_agent.id and missing.status == 404
    assert [(e["data"]["from"], e["data"]["to"], e["agent_names"]["to"]) for e in entries] == [
        (bob_agent.id, ann_agent.id, "Ann"), (None, bob_agent.id, "Bob")]
    async with aiohttp.ClientSession(base_url=harness.url) as anonymous:
        assert (await anonymous.post(f"/api/tickets/{ticket_id}/assignee", json={"agent_id": None})).status == 401
