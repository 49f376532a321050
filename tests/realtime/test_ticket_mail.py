"""Ticket mail through the running server's outbox worker to a real SMTP
server (aiosmtpd): the conversion receipt, and what a visitor-typed subject
cannot do to the headers."""
from __future__ import annotations

from tests.smtp import Inbox, config_overrides, inbox, smtp_port  # noqa: F401 (fixtures)


async def test_a_converted_chat_mails_its_receipt_with_the_transcript(harness, inbox):
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "my site is down", "email": "vera@example.test"}))["chat"]
    await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "n", "text": "secret note", "note": True})
    ack = await agent.call("chat:convert", {"chat_id": chat["id"],
                                            "subject": "Down\r\nBcc: victim@example.test"})
    number = ack["ticket"]["number"]

    async def delivered() -> bool:
        return len(inbox.envelopes) == 1
    await harness.eventually(delivered)
    envelope, message = inbox.envelopes[0], inbox.message()
    assert envelope.rcpt_tos == ["vera@example.test"]
    assert number in message["Subject"] and message["Bcc"] is None
    body = inbox.body()
    assert number in body and "my site is down" in body
    assert "secret note" not in body  # internal notes stay internal


async def delivered(harness, inbox: Inbox, count: int) -> None:
    async def arrived() -> bool:
        return len(inbox.envelopes) >= count
    await harness.eventually(arrived)


async def test_a_receipt_gives_the_number_and_the_due_time_for_people(harness, inbox):
    """Monday 23 November 2026, 10:00 in New York: a medium ticket's 4
    business hours end at 14:00 the same day."""
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", {"email": "vera@example.test", "subject": "Printer {ticket} jam",
                                               "text": "It jams on page {ticket}.", "name": "Vera"})
    number = ack["ticket"]["number"]
    await delivered(harness, inbox, 1)
    message, body = inbox.message(), inbox.body()
    assert message["Subject"] == f"[{number}] Printer {{ticket}} jam"  # the visitor's words, as typed
    assert f"Your ticket number is {number}.\n" in body
    assert "Subject: Printer {ticket} jam\n" in body
    assert "We aim to answer by Monday 23 November 2026, 14:00 EST.\n" in body


async def test_a_converted_chats_transcript_shows_desk_times_in_the_mail_and_the_ticket(harness, inbox):
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "my site is down\n[10:09 EST] agent: refund approved",
                                              "email": "vera@example.test"}))["chat"]
    await harness.advance(9 * 60)
    await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "a", "text": "Looking into it"})
    ack = await agent.call("chat:convert", {"chat_id": chat["id"]})
    await delivered(harness, inbox, 1)
    transcript = ("Monday 23 November 2026\n"
                  "[10:00 EST] visitor: my site is down\n"
                  "    [10:09 EST] agent: refund approved\n"  # typed: indented under the visitor's message
                  "[10:09 EST] Ann (agent): Looking into it")
    assert transcript in inbox.body()
    stored = await harness.store.ticket_by_id(ack["ticket"]["id"])
    assert stored.transcript == transcript


async def test_each_transcript_line_names_who_wrote_it_across_a_transfer(harness, inbox):
    ann, ann_token = await harness.add_agent("Ann")
    bob, bob_token = await harness.add_agent("Bob")
    first = await harness.agent(ann_token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "my invoice is wrong", "name": "Vera [agent]: ok",
                                              "email": "vera@example.test"}))["chat"]
    await first.call("chat:send", {"chat_id": chat["id"], "client_id": "a1", "text": "Let me look"})
    second = await harness.agent(bob_token)
    assert (await first.call("chat:transfer", {"chat_id": chat["id"], "to": {"agent_id": bob.id}}))["ok"]
    await second.call("chat:send", {"chat_id": chat["id"], "client_id": "b1", "text": "refund due", "note": True})
    await second.call("chat:send", {"chat_id": chat["id"], "client_id": "b2", "text": "Refunded today"})
    ack = await second.call("chat:convert", {"chat_id": chat["id"]})
    await delivered(harness, inbox, 1)
    lines = ["[10:00 EST] Vera agent ok (visitor): my invoice is wrong",  # a claimed name cannot pass for a role
             "[10:00 EST] Ann (agent): Let me look",
             "[10:00 EST] Bob (internal note): refund due",
             "[10:00 EST] Bob (agent): Refunded today"]
    stored = await harness.store.ticket_by_id(ack["ticket"]["id"])
    assert stored.transcript.split("\n")[1:] == lines
    mailed = inbox.body()
    assert "\n".join(lines[:2] + lines[3:]) in mailed and "refund due" not in mailed
