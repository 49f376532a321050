"""Seed 003: without a receipt a request has not reached the desk, so a
visitor who did not get theirs asks for it again from the widget
(`ticket:receipt`): it is mailed again through a real SMTP server, only for
the visitor's own tickets, and not without limit."""
from __future__ import annotations

from server.services.intake import RECEIPTS_PER_HOUR, RECEIPTS_PER_TICKET_HOUR
from tests.smtp import Inbox, config_overrides, inbox, smtp_port  # noqa: F401 (fixtures)

FORM = {"email": "vera@example.test", "subject": "Printer jam", "text": "It jams on page 2.", "name": "Vera"}


async def delivered(harness, inbox: Inbox, count: int) -> None:
    async def arrived() -> bool:
        return len(inbox.envelopes) >= count
    await harness.eventually(arrived)


async def a_ticket(harness) -> tuple[object, dict]:
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", FORM)
    assert ack["ok"], ack
    return visitor, ack["ticket"]


async def test_a_visitor_gets_the_receipt_of_their_ticket_again(harness, inbox):
    visitor, ticket = await a_ticket(harness)
    await delivered(harness, inbox, 1)
    again = await visitor.call("ticket:receipt", {"number": ticket["number"].lower()})
    assert again["ok"] and again["ticket"]["number"] == ticket["number"], again
    await delivered(harness, inbox, 2)
    assert inbox.envelopes[1].rcpt_tos == ["vera@example.test"]
    assert inbox.message(1)["Subject"] == f"[{ticket['number']}] Printer jam"
    assert f"Your ticket number is {ticket['number']}." in inbox.body(1)


async def test_another_visitor_cannot_have_someone_elses_receipt_sent(harness, inbox):
    _, ticket = await a_ticket(harness)
    await delivered(harness, inbox, 1)
    stranger = await harness.visitor()
    await stranger.next("session")
    refused = await stranger.call("ticket:receipt", {"number": ticket["number"]})
    assert not refused["ok"] and refused["error"]["code"] == "not_found", refused
    nothing = await stranger.call("ticket:receipt", {"number": "SD-999999"})
    assert nothing["error"] == refused["error"]  # the same answer: whether a number exists is not told
    bad = await stranger.call("ticket:receipt", {"number": "my ticket"})
    assert bad["error"]["code"] == "bad_request", bad
    assert len(await harness.store.due_mail(harness.clock.now(), 10)) == 0  # nothing more queued
    assert len(inbox.envelopes) == 1


async def test_a_tickets_receipt_is_sent_again_a_few_times_an_hour(harness, inbox):
    visitor, ticket = await a_ticket(harness)
    for _ in range(RECEIPTS_PER_TICKET_HOUR):
        assert (await visitor.call("ticket:receipt", {"number": ticket["number"]}))["ok"]
    limited = await visitor.call("ticket:receipt", {"number": ticket["number"]})
    assert not limited["ok"] and limited["error"]["code"] == "rate_limited", limited
    await delivered(harness, inbox, 1 + RECEIPTS_PER_TICKET_HOUR)
    await harness.advance(3601)
    assert (await visitor.call("ticket:receipt", {"number": ticket["number"]}))["ok"]


async def test_guessing_numbers_is_slowed_per_visitor(harness, inbox):
    visitor, ticket = await a_ticket(harness)
    for n in range(RECEIPTS_PER_HOUR):
        assert (await visitor.call("ticket:receipt", {"number": f"SD-{900000 + n}"}))["error"]["code"] == "not_found"
    limited = await visitor.call("ticket:receipt", {"number": ticket["number"]})
    assert limited["error"]["code"] == "rate_limited", limited


async def test_a_ticket_waiting_for_confirmation_has_no_receipt_yet(harness, inbox):
    from tests.web.test_api import client
    _, token = await harness.add_agent("Ann")
    visitor = await harness.visitor()
    session = await visitor.next("session")
    assert (await visitor.call("chat:start", {"text": "hi", "email": "vera@example.test"}))["ok"]
    async with client(harness, token) as http:
        async with http.post("/api/tickets", json={"visitor_id": session["visitor_id"], "subject": "DNS",
                                                   "text": "Change it"}) as response:
            pending = (await response.json())["ticket"]
    refused = await visitor.call("ticket:receipt", {"number": pending["number"]})
    assert refused["error"]["code"] == "conflict", refused
