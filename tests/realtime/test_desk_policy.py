"""The desk's policy on the wire: topics that chat cannot handle, open
tickets, skills and tiers, transfers and escalation, plans with priority
support, critical chats to on-call agents, the offline form."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.services.clock import ManualClock
from server.services.model import TicketStatus
from tests.realtime.test_identity import identity


async def start(harness, payload: dict, **auth) -> tuple[object, dict]:
    visitor = await harness.visitor(**auth)
    await visitor.next("session")
    return visitor, await visitor.call("chat:start", payload)


# topics
async def test_a_topic_chat_cannot_handle_answers_use_ticket_with_the_reason(harness):
    await harness.add_agent("Ann")
    _, ack = await start(harness, {"text": "please reset my password", "topic": "password"})
    error = ack["error"]
    assert error["code"] == "use_ticket" and error["topic"] == "password" and error["kind"] == "topic"
    assert error["reason"] == harness.config.topics["password"].refusal and "ticket" in error["reason"]
    assert await harness.store.chats_with_status() == []


async def test_an_unknown_topic_is_a_bad_request_naming_the_known_ones(harness):
    await harness.add_agent("Ann")
    _, ack = await start(harness, {"text": "hi", "topic": "astrology"})
    assert ack["error"]["code"] == "bad_request" and "general" in ack["error"]["known"]


async def test_a_verified_only_topic_is_refused_to_an_unverified_visitor(harness):
    await harness.add_agent("Ann", skills=("billing",))
    _, ack = await start(harness, {"text": "my invoice", "topic": "billing"})
    assert ack["error"]["code"] == "use_ticket" and ack["error"]["kind"] == "verified_only"
    _, ack = await start(harness, {"text": "my invoice", "topic": "billing"},
                         identity=identity(harness.site.secret, at=harness.clock.now(), sub="u-bill"))
    assert ack["ok"], ack


async def test_an_open_ticket_on_the_topic_points_the_visitor_to_it_unless_it_is_new(harness):
    _, token = await harness.add_agent("Ann", skills=("network",))
    agent = await harness.agent(token)
    visitor, ack = await start(harness, {"text": "packet loss", "topic": "network"})
    converted = await agent.call("chat:convert", {"chat_id": ack["chat"]["id"]})
    number = converted["ticket"]["number"]
    again = await visitor.call("chat:start", {"text": "still packet loss", "topic": "network"})
    assert again["error"]["code"] == "use_ticket" and again["error"]["ticket"]["number"] == number
    assert number in again["error"]["reason"] and again["error"]["kind"] == "open_ticket"
    other_topic = await visitor.call("chat:start", {"text": "a question", "topic": "general"})
    assert other_topic["ok"], other_topic
    await visitor.call("chat:end", {"chat_id": other_topic["chat"]["id"]})
    new_issue = await visitor.call("chat:start", {"text": "a different outage", "topic": "network",
                                                  "new_issue": True})
    assert new_issue["ok"], new_issue


async def test_only_a_verified_session_lists_open_tickets_and_account_details(harness):
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    claims = {"sub": "u-7", "account": "acct-7", "plan": "standard", "email": "kim@example.test"}
    verified, ack = await start(harness, {"text": "help"},
                                identity=identity(harness.site.secret, at=harness.clock.now(), **claims))
    ticket = (await agent.call("chat:convert", {"chat_id": ack["chat"]["id"]}))["ticket"]
    elsewhere = await harness.visitor(identity=identity(harness.site.secret, at=harness.clock.now(), **claims))
    session = await elsewhere.next("session")
    assert [(t["number"], t["status"]) for t in session["open_tickets"]] == [(ticket["number"], "open")]
    assert session["account"] == {"id": "acct-7", "name": None, "email": "kim@example.test", "plan": "standard",
                                  "tickets": {"plan": "standard", "used": 1, "included": 10, "over": False}}
    anonymous, ack = await start(harness, {"text": "help", "email": "kim@example.test"})
    await agent.call("chat:convert", {"chat_id": ack["chat"]["id"]})
    back = await harness.visitor(token=anonymous.received("session")[0]["visitor_token"])
    session = await back.next("session")
    assert session["open_tickets"] == [] and "account" not in session  # a claimed email opens nothing


# skills and tiers
async def test_a_topic_goes_to_an_agent_with_its_skill(harness):
    _, plain = await harness.add_agent("Plain")
    _, skilled = await harness.add_agent("Netty", skills=("network",))
    await harness.agent(plain)
    _, queued = await start(harness, {"text": "routing loop", "topic": "network"})
    assert queued["chat"]["status"] == "queued"  # Plain is free but lacks the skill
    netty = await harness.agent(skilled)
    assigned = await netty.next("chat:assigned")
    assert assigned["chat"]["id"] == queued["chat"]["id"]
    _, general = await start(harness, {"text": "hello", "topic": "general"})
    assert general["chat"]["agent"]["name"] == "Plain"  # the lowest tier, least loaded


async def test_higher_tiers_take_chats_only_when_the_first_line_is_full(harness):
    _, t1 = await harness.add_agent("First", capacity=1, tier=1)
    _, t2 = await harness.add_agent("Second", capacity=1, tier=2)
    await harness.agent(t2)
    await harness.agent(t1)
    _, first = await start(harness, {"text": "a"})
    _, second = await start(harness, {"text": "b"})
    assert (first["chat"]["agent"]["name"], second["chat"]["agent"]["name"]) == ("First", "Second")


async def test_transfer_to_a_tier_goes_through_the_front_of_the_queue(harness):
    _, t1 = await harness.add_agent("First", tier=1)
    first = await harness.agent(t1)
    _, t2 = await harness.add_agent("Second", tier=2)  # on shift, not connected yet
    visitor, ack = await start(harness, {"text": "hard one"})
    chat_id = ack["chat"]["id"]
    moved = await first.call("chat:transfer", {"chat_id": chat_id, "to": {"tier": 2}})
    assert moved["ok"] and moved["chat"]["status"] == "queued", moved
    assert await first.next("chat:ended") == {"chat_id": chat_id, "reason": "transferred"}
    assert (await harness.services.desk.live.queue())[0].chat_id == chat_id  # First may not take it back
    second = await harness.agent(t2)
    assigned = await second.next("chat:assigned")
    assert assigned["chat"]["id"] == chat_id and [m["text"] for m in assigned["messages"]] == ["hard one"]
    await visitor.next("chat:assigned", lambda e: e["agent"]["name"] == "Second")
    assert [e["agent"]["name"] for e in visitor.received("chat:assigned")] == ["First", "Second"]


async def test_transfer_to_a_skill_nobody_has_is_refused(harness):
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    _, ack = await start(harness, {"text": "x"})
    refused = await agent.call("chat:transfer", {"chat_id": ack["chat"]["id"], "to": {"skill": "dns"}})
    assert refused["error"]["code"] == "not_found"
    bad = await agent.call("chat:transfer", {"chat_id": ack["chat"]["id"], "to": {"skill": "dns", "tier": 2}})
    assert bad["error"]["code"] == "bad_request"


@pytest.mark.parametrize("to", [{"tier": 4}, {"department": "engineering"}], ids=["beyond_tier_3", "engineering"])
async def test_escalation_beyond_the_agents_becomes_a_ticket_for_engineering(harness, to):
    _, token = await harness.add_agent("Ann", tier=3)
    agent = await harness.agent(token)
    visitor, ack = await start(harness, {"text": "the API returns 500"})
    escalated = await agent.call("chat:transfer", {"chat_id": ack["chat"]["id"], "to": to})
    assert escalated["ok"], escalated
    ended = await visitor.next("chat:ended")
    assert ended["reason"] == "converted" and ended["ticket"]["number"] == escalated["ticket"]["number"]
    ticket = await harness.store.ticket_by_id(escalated["ticket"]["id"])
    assert ticket.department == "engineering" and ticket.status is TicketStatus.OPEN


# priorities and plans
async def test_priority_support_plans_go_first_within_their_priority(harness):
    await harness.add_agent("Ann")  # on shift, not connected: every chat waits
    waiting = []
    for n, claims in enumerate([{}, {"plan": "standard"}, {"plan": "priority"}]):
        auth = {"identity": identity(harness.site.secret, at=harness.clock.now(), sub=f"user-{n}", **claims)} if claims else {}
        _, ack = await start(harness, {"text": f"chat {n}"}, **auth)
        waiting.append(ack["chat"]["id"])
        harness.clock.advance(1)
    _, critical = await start(harness, {"text": "down!", "priority": "critical"},
                              identity=identity(harness.site.secret, at=harness.clock.now(), sub="user-c"))
    # Nobody is connected: the queue shows the order the desk will take them in.
    queue = [e.chat_id for e in await harness.services.desk.live.queue()]
    assert queue == [critical["chat"]["id"], waiting[2], waiting[0], waiting[1]]


async def test_an_unverified_visitor_cannot_claim_a_high_priority(harness):
    await harness.add_agent("Ann")
    _, ack = await start(harness, {"text": "me first", "priority": "critical"})
    assert ack["chat"]["priority"] == "medium"


# hours, on-call, offline
@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # Monday 22:00 in New York


async def test_critical_chats_reach_on_call_agents_at_night_and_others_wait_for_morning(harness):
    _, token = await harness.add_agent("Owl", shift="", on_call=True)
    owl = await harness.agent(token)
    visitor, ordinary = await start(harness, {"text": "question"})
    assert ordinary["error"]["code"] == "offline" and ordinary["error"]["next_open"] == "2026-11-24T14:00:00Z"
    critical = await visitor.call("chat:start", {"text": "all down", "priority": "critical"},)
    assert critical["error"]["code"] == "offline"  # an unverified claim of critical is only medium
    verified, critical = await start(harness, {"text": "all down", "priority": "critical"},
                                     identity=identity(harness.site.secret, at=harness.clock.now(), sub="ops-1"))
    assert critical["ok"] and critical["chat"]["agent"]["name"] == "Owl", critical
    assert (await owl.next("chat:assigned"))["chat"]["priority"] == "critical"


async def test_the_offline_form_opens_a_ticket_with_a_receipt(harness):
    await harness.add_agent("Day", shift="")
    visitor = await harness.visitor(identity=identity(harness.site.secret, at=harness.clock.now(), sub="olga"))
    session = await visitor.next("session")
    assert session["online"] is False and session["next_open"] == "2026-11-24T14:00:00Z"
    ack = await visitor.call("ticket:create", {"email": "olga@example.test", "subject": "Invoice wrong",
                                               "text": "The November invoice is doubled.", "priority": "high"})
    assert ack["ok"], ack
    ticket = ack["ticket"]
    assert ticket["number"].startswith("SD-") and ticket["status"] == "open" and ticket["priority"] == "high"
    stored = await harness.store.ticket_by_id(ticket["id"])
    assert stored.email == "olga@example.test"
    # High: 1 business hour, counted from Tuesday's 09:00 opening.
    assert stored.response_due_at == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    mails = await harness.store.due_mail(harness.clock.now(), 10)
    assert [m.mail.to for m in mails] == ["olga@example.test"] and ticket["number"] in mails[0].mail.subject


async def test_the_offline_form_is_rate_limited_and_validated(harness):
    visitor = await harness.visitor()
    await visitor.next("session")
    bad = await visitor.call("ticket:create", {"email": "not-an-email", "subject": "x", "text": "y"})
    assert bad["error"]["code"] == "bad_request"
    capped = await visitor.call("ticket:create", {"email": "o@example.test", "subject": "s", "text": "t",
                                                  "priority": "critical"})
    assert capped["ticket"]["priority"] == "medium"  # unverified: like a chat
    form = {"email": "o@example.test", "subject": "s", "text": "t"}
    results = [await visitor.call("ticket:create", form) for _ in range(5)]
    assert [r["ok"] for r in results] == [True] * 4 + [False]
    assert results[-1]["error"]["code"] == "rate_limited"


async def test_desk_hours_follow_the_daylight_saving_change(harness):
    """Sunday 2026-11-01 ends DST in New York: 09:00 on Monday is 14:00 UTC, not 13:00."""
    await harness.add_agent("Day", shift="")
    harness.clock.advance((datetime(2026, 11, 2, 13, 30, tzinfo=UTC) - harness.clock.now()).total_seconds())
    visitor = await harness.visitor()
    session = await visitor.next("session")
    assert session["online"] is False and session["next_open"] == "2026-11-02T14:00:00Z"
    harness.clock.advance(30 * 60)
    later = await harness.visitor()
    assert (await later.next("session"))["online"] is True



async def test_visitors_hear_when_the_last_shift_ends_and_when_the_next_begins(harness):
    await harness.add_agent("Late", shift="mon-fri 09:00-23:00")  # until 04:00 UTC
    async with harness.services.desk.events.unit():  # as the timers run it
        await harness.services.hours.check()  # the agent came after start-up: look again now
    visitor = await harness.visitor()
    assert (await visitor.next("session"))["online"] is True
    await harness.advance(59 * 60)
    await visitor.call("chat:history", {"chat_id": "none", "after_seq": 0})
    assert visitor.received("desk") == []
    await harness.advance(60)
    assert await visitor.next("desk") == {"online": False, "next_open": "2026-11-24T14:00:00Z"}
    await harness.advance((datetime(2026, 11, 24, 14, 0, tzinfo=UTC) - harness.clock.now()).total_seconds())
    assert await visitor.next("desk") == {"online": True}
