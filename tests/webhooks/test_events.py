"""Every webhook event produced by its real use case through the real
server (sockets and REST), on the injected clock, to a real receiver; and
a site without an endpoint stores no delivery at all."""
from __future__ import annotations

from sqlalchemy import func, select

from server.store.tables import webhook_deliveries
from tests.web.test_api import call, client
from tests.webhooks.conftest import subscribe
from tests.webhooks.test_delivery import arrived, chat_with_ann

FORM = {"email": "vera@example.test", "subject": "Printer jam", "text": "It jams on page 2.", "name": "Vera"}


async def rows(harness) -> int:
    async with harness.store.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(webhook_deliveries))).scalar_one()


async def test_a_transfer_and_a_conversion_send_their_events(harness, receiver, lead_session):
    await subscribe(harness, lead_session, receiver, ["chat.transferred", "chat.assigned", "chat.converted",
                                                      "chat.ended", "ticket.created"])
    visitor, ann, chat_id = await chat_with_ann(harness)
    bob_row, bob_token = await harness.add_agent("Bob")
    bob = await harness.agent(bob_token)
    assert (await ann.call("chat:transfer", {"chat_id": chat_id, "to": {"agent_id": bob_row.id}}))["ok"]
    await bob.next("chat:assigned")
    converted = await bob.call("chat:convert", {"chat_id": chat_id, "subject": "Site down"})
    assert converted["ok"], converted
    await arrived(harness, receiver, 1, "ticket.created")
    assert receiver.types() == ["chat.assigned", "chat.transferred", "chat.assigned", "chat.converted",
                                "chat.ended", "ticket.created"]
    moved = receiver.of("chat.transferred")[0]["data"]
    assert moved["to"] == {"agent_id": bob_row.id} and moved["chat"]["id"] == chat_id
    assert receiver.of("chat.assigned")[1]["data"]["agent"]["name"] == "Bob"
    label = converted["ticket"]["number"]
    assert label.startswith("SD-")
    assert receiver.of("chat.converted")[0]["data"]["ticket"]["number"] == label  # the number the store gave
    created = receiver.of("ticket.created")[0]["data"]["ticket"]
    assert created["number"] == label and created["chat_id"] == chat_id
    assert receiver.of("chat.ended")[0]["data"]["reason"] == "converted"


async def test_tickets_send_created_and_updated(harness, receiver, lead_session):
    await subscribe(harness, lead_session, receiver, ["ticket.created", "ticket.updated"])
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", FORM)
    assert ack["ok"], ack
    ticket = ack["ticket"]
    agent_row, token = await harness.add_agent("Ann")
    async with client(harness, token) as ann:
        await call(ann, "POST", f"/api/tickets/{ticket['id']}/status", json={"status": "pending"})
        await call(ann, "POST", f"/api/tickets/{ticket['id']}/assignee", json={"agent_id": agent_row.id})
        await call(ann, "POST", f"/api/tickets/{ticket['id']}/replies", 201, json={"text": "Try the other tray."})
    await arrived(harness, receiver, 4)
    assert receiver.types() == ["ticket.created"] + ["ticket.updated"] * 3
    assert receiver.events[0]["data"]["ticket"] | {"created_at": None} == {
        **ticket, "created_at": None}
    changes = [e["data"]["change"] for e in receiver.of("ticket.updated")]
    assert changes == ["status", "assignee", "reply"]
    status, assignee, reply = (e["data"] for e in receiver.of("ticket.updated"))
    assert status["ticket"]["status"] == "pending" and status["previous_status"] == "open"
    assert reply["reply"]["text"] == "Try the other tray." and reply["reply"]["agent"]["name"] == "Ann"
    assert assignee["assignee"] == {"id": agent_row.id}


async def test_sla_warning_and_breach_come_on_the_injected_clock(harness, receiver, lead_session):
    await subscribe(harness, lead_session, receiver, ["sla.warning", "sla.breach"])
    _, _, chat_id = await chat_with_ann(harness)
    policy = harness.config.policy
    await harness.advance(policy.first_response_warn_s)
    await arrived(harness, receiver, 1)
    await harness.advance(policy.first_response_s - policy.first_response_warn_s)
    await arrived(harness, receiver, 2)
    warning, breach = receiver.events[:2]
    assert (warning["type"], breach["type"]) == ("sla.warning", "sla.breach")
    assert warning["data"]["sla"] | {"at": None, "agent_id": None} == {
        "kind": "first_response", "stage": "warning", "elapsed_s": policy.first_response_warn_s,
        "limit_s": policy.first_response_s, "at": None, "agent_id": None}
    assert breach["data"]["sla"]["stage"] == "breach" and breach["data"]["chat"]["id"] == chat_id


async def test_suspending_and_lifting_send_their_events(harness, receiver, lead_session):
    await subscribe(harness, lead_session, receiver, ["account.suspended", "account.lifted", "chat.ended"])
    visitor, _, chat_id = await chat_with_ann(harness)
    visitor_id = (visitor.received("session"))[0]["visitor_id"]
    sue = await harness.supervisor()
    assert (await sue.call("account:suspend", {"visitor_id": visitor_id, "reason": "abuse", "days": 1}))["ok"]
    await arrived(harness, receiver, 2)
    assert sorted(receiver.types()) == ["account.suspended", "chat.ended"]
    suspended = receiver.of("account.suspended")[0]["data"]["suspension"]
    assert suspended["visitor_id"] == visitor_id and suspended["reason"] == "abuse"
    assert receiver.of("chat.ended")[0]["data"] | {"chat": None} == {"chat": None, "reason": "suspended"}
    assert (await sue.call("account:lift", {"visitor_id": visitor_id, "reason": "apologised"}))["ok"]
    await arrived(harness, receiver, 1, "account.lifted")
    lifted = receiver.of("account.lifted")[0]["data"]
    assert lifted["visitor_id"] == visitor_id and lifted["automatic"] is False
    # a suspension that runs out lifts by itself, and says so
    assert (await sue.call("account:suspend", {"visitor_id": visitor_id, "reason": "again", "days": 1}))["ok"]
    await harness.advance(86400)
    await arrived(harness, receiver, 2, "account.lifted")
    assert receiver.of("account.lifted")[1]["data"]["automatic"] is True


async def test_a_site_without_an_endpoint_stores_no_delivery(harness, receiver, lead_session):
    visitor, ann, chat_id = await chat_with_ann(harness)
    await visitor.call("chat:send", {"chat_id": chat_id, "client_id": "v1", "text": "hello"})
    await ann.call("chat:end", {"chat_id": chat_id})
    assert await rows(harness) == 0
    # an endpoint of another event type: still nothing for these
    await subscribe(harness, lead_session, receiver, ["ticket.created"])
    visitor = await harness.visitor()
    await visitor.next("session")
    chat_id = (await visitor.call("chat:start", {"text": "again"}))["chat"]["id"]
    await ann.next("chat:assigned", lambda e: e["chat"]["id"] == chat_id)
    await visitor.call("chat:send", {"chat_id": chat_id, "client_id": "v1", "text": "hello"})
    await ann.call("chat:end", {"chat_id": chat_id})
    assert await rows(harness) == 0 and receiver.attempts == []


async def test_a_disabled_or_removed_endpoint_gets_nothing_new(harness, receiver, lead_session):
    hook = await subscribe(harness, lead_session, receiver, ["chat.started"])
    await call(lead_session, "POST", f"/api/webhooks/{hook['id']}/disable")
    await chat_with_ann(harness)
    assert await rows(harness) == 0
    await call(lead_session, "DELETE", f"/api/webhooks/{hook['id']}")
    assert await harness.store.list_webhooks() == []


async def test_a_tickets_sla_warning_is_sent_too(harness, receiver, lead_session):
    await subscribe(harness, lead_session, receiver, ["sla.warning"])
    _, ann, chat_id = await chat_with_ann(harness)
    ack = await ann.call("chat:convert", {"chat_id": chat_id, "priority": "critical"})
    assert ack["ok"], ack
    await harness.advance(11 * 60 + 15)  # 75% of the 15 minutes a critical ticket has for its response
    await arrived(harness, receiver, 1)
    event = receiver.events[0]["data"]
    assert event["ticket"]["id"] == ack["ticket"]["id"] and event["ticket"]["number"] == ack["ticket"]["number"]
    sla = event["sla"]
    assert (sla["kind"], sla["stage"], sla["priority"]) == ("response", "warning", "critical")


async def test_an_agent_gone_past_the_grace_sends_its_chat_back_as_transferred(harness, receiver, lead_session):
    await subscribe(harness, lead_session, receiver, ["chat.transferred"])
    _, ann, chat_id = await chat_with_ann(harness)
    await harness.gone(ann)
    await harness.advance(harness.config.policy.agent_grace_s)
    await arrived(harness, receiver, 1)
    moved = receiver.events[0]["data"]
    assert moved["chat"]["id"] == chat_id and moved["chat"]["status"] == "queued"
    assert (moved["reason"], moved["to"]) == ("agent_gone", {"queue": True})


async def test_a_conversions_receipt_is_sent_as_a_message_so_seq_has_no_gap(harness, receiver, lead_session):
    await subscribe(harness, lead_session, receiver, ["chat.message", "chat.ended"])
    visitor, ann, chat_id = await chat_with_ann(harness)
    assert (await visitor.call("chat:send", {"chat_id": chat_id, "client_id": "v1", "text": "Still down"}))["ok"]
    converted = await ann.call("chat:convert", {"chat_id": chat_id, "subject": "Site down"})
    assert converted["ok"], converted
    await arrived(harness, receiver, 1, "chat.ended")
    said = [e["data"]["message"] for e in receiver.of("chat.message")]
    assert [m["seq"] for m in said] == list(range(1, len(said) + 1))  # every message, the receipt included
    receipt = said[-1]
    assert receipt["author"] == "system" and converted["ticket"]["number"] in receipt["text"]
    assert receiver.types()[-2:] == ["chat.message", "chat.ended"]  # what the visitor saw, then the end
