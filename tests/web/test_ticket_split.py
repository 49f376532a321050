"""One problem per ticket (seed 003): an agent splits a ticket that holds
two into two, from the console. The new ticket is the same requester's,
holds the chosen part of the text, names the ticket it came from, and the
first lists it (linked both ways); the split is audited and the requester
gets the new ticket's receipt."""
from __future__ import annotations

from server.services.intake import SPLITS_PER_MINUTE
from tests.web.test_api import a_visitor, client, mail_to

FORM = {"subject": "Two things", "text": "The API fails.\nAlso my invoice is doubled.",
        "email": "vic@example.test"}
PART = "Also my invoice is doubled."


async def a_ticket(harness, **extra) -> dict:
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", {**FORM, **extra})
    assert ack["ok"], ack
    return ack["ticket"]


async def test_an_agent_splits_a_ticket_into_two_linked_both_ways(harness):
    agent, token = await harness.add_agent("Ann")
    first = await a_ticket(harness, topic="document",
                           evidence={"document_url": "https://docs.example.test/d/7"})
    async with client(harness, token) as http:
        async with http.post(f"/api/tickets/{first['id']}/split", json={"text": PART}) as response:
            answer = await response.json()
        assert response.status == 201, answer
        split = answer["ticket"]
        async with http.get(f"/api/tickets/{first['id']}") as response:
            original = (await response.json())["ticket"]
    assert split["description"] == PART and split["subject"] == PART
    assert split["split_from"] == {"id": first["id"], "number": first["number"]}
    assert original["split_into"] == [{"id": split["id"], "number": split["number"]}]
    assert split["number"] != first["number"]
    stored_first, stored = (await harness.store.ticket_by_id(first["id"]),
                            await harness.store.ticket_by_id(split["id"]))
    assert (stored.visitor_id, stored.email, stored.topic, stored.created_by) == (
        stored_first.visitor_id, stored_first.email, "document", agent.id)
    assert stored.evidence == {"document_url": "https://docs.example.test/d/7"}
    assert stored_first.description == FORM["text"]  # the original keeps its words: the record stays whole
    [entry] = await harness.store.audit_log(action="ticket_split")
    assert entry.actor_id == agent.id and entry.target == f"ticket:{first['id']}"
    assert entry.data == {"ticket_id": split["id"], "ticket": split["number"], "from": first["number"]}
    receipts = [m for m in await mail_to(harness, "vic@example.test") if split["number"] in m.subject]
    assert len(receipts) == 1 and f"Your ticket number is {split['number']}." in receipts[0].text


async def test_a_split_needs_text_an_existing_ticket_and_a_login(harness):
    _, token = await harness.add_agent("Ann")
    first = await a_ticket(harness)
    async with client(harness, token) as http:
        async with http.post(f"/api/tickets/{first['id']}/split", json={"text": "  "}) as response:
            assert response.status == 400
        async with http.post(f"/api/tickets/{first['id']}/split", json={"text": "x", "extra": 1}) as response:
            assert response.status == 400
        async with http.post("/api/tickets/nope/split", json={"text": PART}) as response:
            assert response.status == 404
    async with client(harness) as anonymous:
        async with anonymous.post(f"/api/tickets/{first['id']}/split", json={"text": PART}) as response:
            assert response.status == 401
    assert len(await harness.store.list_tickets()) == 1
    assert await harness.store.audit_log(action="ticket_split") == []


async def test_a_ticket_waiting_for_its_confirmation_is_not_split(harness):
    _, token = await harness.add_agent("Ann")
    visitor = await a_visitor(harness)
    async with client(harness, token) as http:
        async with http.post("/api/tickets", json={"visitor_id": visitor.id, "subject": "DNS",
                                                   "text": "Two things"}) as response:
            pending = (await response.json())["ticket"]
        async with http.post(f"/api/tickets/{pending['id']}/split", json={"text": PART}) as response:
            assert response.status == 409


async def test_splits_are_rate_limited_per_agent(harness):
    _, token = await harness.add_agent("Ann")
    first = await a_ticket(harness)
    async with client(harness, token) as http:
        for _ in range(SPLITS_PER_MINUTE):
            async with http.post(f"/api/tickets/{first['id']}/split", json={"text": PART}) as response:
                assert response.status == 201
        async with http.post(f"/api/tickets/{first['id']}/split", json={"text": PART}) as response:
            assert response.status == 429
        await harness.advance(61)
        async with http.post(f"/api/tickets/{first['id']}/split", json={"text": PART}) as response:
            assert response.status == 201
