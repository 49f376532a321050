"""`chat:transcript`: a chat's transcript by email, through the running
server's outbox worker to a real SMTP server (aiosmtpd). Notes never go
out; a typed address obeys the ticket receipts' limits; nobody gets a chat
that is not theirs."""
from __future__ import annotations

from server.services.model import Role
from tests.realtime.test_identity import identity
from tests.smtp import Inbox, config_overrides, inbox, smtp_port  # noqa: F401 (fixtures)


async def delivered(harness, inbox: Inbox, count: int) -> None:
    async def arrived() -> bool:
        return len(inbox.envelopes) >= count
    await harness.eventually(arrived)


async def chatting(harness, *, email: str | None = "vera@example.test", name: str = "Vera", **auth):
    """A visitor in a chat with Ann, who wrote a reply and a note."""
    ann, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor(**auth)
    await visitor.next("session")
    start = {"text": "my invoice is wrong", "name": name, **({"email": email} if email else {})}
    chat = (await visitor.call("chat:start", start))["chat"]
    await agent.next("chat:assigned")
    await harness.advance(60)
    assert (await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "a", "text": "Refunded today"}))["ok"]
    assert (await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "n", "text": "secret note",
                                           "note": True}))["ok"]
    return ann, agent, visitor, chat


async def test_the_visitor_gets_the_transcript_at_the_email_on_file_without_the_notes(harness, inbox):
    _, _, visitor, chat = await chatting(harness)
    ack = await visitor.call("chat:transcript", {"chat_id": chat["id"]})
    assert ack == {"ok": True, "queued": True}
    await delivered(harness, inbox, 1)
    assert inbox.envelopes[0].rcpt_tos == ["vera@example.test"]
    message, body = inbox.message(), inbox.body()
    assert message["Subject"] == "Your chat of Monday 23 November 2026"
    assert str(message["To"]) == "Vera <vera@example.test>"
    assert ("Monday 23 November 2026\n"
            "[10:00 EST] Vera (visitor): my invoice is wrong\n"
            "[10:01 EST] Ann (agent): Refunded today\n") in body
    assert "secret note" not in body and "internal note" not in body


async def test_the_visitor_gets_it_after_the_chat_ended_too(harness, inbox):
    _, agent, visitor, chat = await chatting(harness)
    assert (await agent.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    assert (await visitor.call("chat:transcript", {"chat_id": chat["id"]}))["ok"]
    await delivered(harness, inbox, 1)
    assert "Refunded today" in inbox.body() and "secret note" not in inbox.body()


async def test_without_an_email_on_file_the_visitor_is_asked_for_one(harness, inbox):
    _, _, visitor, chat = await chatting(harness, email=None)
    ack = await visitor.call("chat:transcript", {"chat_id": chat["id"]})
    assert ack["ok"] is False and ack["error"]["code"] == "no_email" and ack["error"]["message"]
    ack = await visitor.call("chat:transcript", {"chat_id": chat["id"], "email": "typed@example.test"})
    assert ack["ok"], ack
    await delivered(harness, inbox, 1)
    assert inbox.envelopes[0].rcpt_tos == ["typed@example.test"]


async def test_typed_addresses_obey_the_ticket_receipt_limits(harness, inbox):
    """`tickets_per_hour` (5) per visitor, shared with ticket:create; the
    per-recipient limit holds across visitors."""
    _, _, visitor, chat = await chatting(harness)
    acks = [await visitor.call("chat:transcript", {"chat_id": chat["id"], "email": f"t{i}@example.test"})
            for i in range(6)]
    assert [a["ok"] for a in acks] == [True] * 5 + [False]
    assert acks[-1]["error"]["code"] == "rate_limited" and "5 tickets an hour" in acks[-1]["error"]["message"]
    refused = await visitor.call("ticket:create", {"email": "z@example.test", "subject": "s", "text": "t"})
    assert refused["error"]["code"] == "rate_limited"  # one budget for both
    await delivered(harness, inbox, 5)
    await harness.advance(3600)
    assert (await visitor.call("chat:transcript", {"chat_id": chat["id"], "email": "later@example.test"}))["ok"]


async def test_the_email_on_file_of_an_unverified_visitor_counts_as_typed(harness, inbox):
    _, _, visitor, chat = await chatting(harness)
    acks = [await visitor.call("chat:transcript", {"chat_id": chat["id"]}) for _ in range(6)]
    assert [a["ok"] for a in acks] == [True] * 5 + [False]


async def test_one_recipient_gets_at_most_the_per_email_limit_from_many_visitors(harness, inbox):
    ann, token = await harness.add_agent("Ann", capacity=20)
    acks = []
    for n in range(11):
        visitor = await harness.visitor()
        await visitor.next("session")
        chat = (await visitor.call("chat:start", {"text": f"hello {n}"}))["chat"]
        acks.append(await visitor.call("chat:transcript", {"chat_id": chat["id"], "email": "victim@example.test"}))
    assert [a["ok"] for a in acks] == [True] * 10 + [False]
    assert "for one email address" in acks[-1]["error"]["message"]


async def test_a_verified_visitor_mails_its_own_email_per_visitor_only(harness, inbox):
    token = identity(harness.site.secret, email="pat@example.test", name="Pat", account="acct-9")
    _, _, visitor, chat = await chatting(harness, email=None, identity=token)
    assert (await visitor.call("chat:transcript", {"chat_id": chat["id"]}))["ok"]
    await delivered(harness, inbox, 1)
    assert inbox.envelopes[0].rcpt_tos == ["pat@example.test"]


async def test_another_visitor_cannot_get_the_transcript(harness, inbox):
    _, _, _, chat = await chatting(harness)
    stranger = await harness.visitor()
    await stranger.next("session")
    ack = await stranger.call("chat:transcript", {"chat_id": chat["id"], "email": "thief@example.test"})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    missing = await stranger.call("chat:transcript", {"chat_id": "nope"})
    assert missing["error"]["code"] == "not_found"
    assert await harness.store.due_mail(harness.clock.now(), 10) == []


async def test_bad_input_gets_an_error_ack(harness, inbox):
    _, agent, visitor, chat = await chatting(harness)
    for payload in [None, "x", {}, {"chat_id": chat["id"], "email": "not an address"},
                    {"chat_id": chat["id"], "email": "a@b@c"}, {"chat_id": chat["id"], "email": 5},
                    {"chat_id": chat["id"], "email": "Eve <eve@example.test>"},
                    {"chat_id": chat["id"], "email": "x\r\nbcc@example.test"},
                    {"chat_id": chat["id"], "email": "a" * 250 + "@example.test"},
                    {"chat_id": chat["id"], "cc": "x@example.test"}, {"chat_id": "x" * 65}]:
        ack = await visitor.call("chat:transcript", payload)
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request", (payload, ack)
    for payload in [{"chat_id": chat["id"], "email": "typed@example.test"}, {}, {"chat_id": 1}]:
        ack = await agent.call("chat:transcript", payload)  # agents may not type an address
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request", (payload, ack)
    assert await harness.store.due_mail(harness.clock.now(), 10) == []


async def test_the_agent_sends_it_to_the_email_on_file(harness, inbox):
    _, agent, _, chat = await chatting(harness)
    ack = await agent.call("chat:transcript", {"chat_id": chat["id"]})
    assert ack == {"ok": True, "queued": True, "email": "vera@example.test"}
    await delivered(harness, inbox, 1)
    assert inbox.envelopes[0].rcpt_tos == ["vera@example.test"]
    body = inbox.body()
    assert "[10:01 EST] Ann (agent): Refunded today" in body and "secret note" not in body


async def test_the_agent_is_told_when_there_is_no_email_and_is_limited_per_chat(harness, inbox):
    _, agent, _, chat = await chatting(harness, email=None)
    ack = await agent.call("chat:transcript", {"chat_id": chat["id"]})
    assert ack["ok"] is False and ack["error"]["code"] == "no_email"
    _, agent2, _, chat2 = await chatting(harness, name="Kim", email="kim@example.test")
    acks = [await agent2.call("chat:transcript", {"chat_id": chat2["id"]}) for _ in range(11)]
    assert [a["ok"] for a in acks] == [True] * 10 + [False]
    assert acks[-1]["error"]["code"] == "rate_limited"


async def test_another_agent_cannot_send_it_but_a_supervisor_can(harness, inbox):
    _, _, _, chat = await chatting(harness)
    _, bob_token = await harness.add_agent("Bob")
    bob = await harness.agent(bob_token, available=False)
    ack = await bob.call("chat:transcript", {"chat_id": chat["id"]})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    _, sue_token = await harness.add_agent("Sue", role=Role.SUPERVISOR)
    sue = await harness.agent(sue_token, available=False)
    assert (await sue.call("chat:transcript", {"chat_id": chat["id"]}))["ok"]
    await delivered(harness, inbox, 1)
    assert len(inbox.envelopes) == 1


async def test_an_agent_who_had_the_chat_before_a_transfer_may_still_send_it(harness, inbox):
    ann, agent, _, chat = await chatting(harness)
    bob, bob_token = await harness.add_agent("Bob")
    await harness.agent(bob_token)
    assert (await agent.call("chat:transfer", {"chat_id": chat["id"], "to": {"agent_id": bob.id}}))["ok"]
    assert (await agent.call("chat:transcript", {"chat_id": chat["id"]}))["ok"]
