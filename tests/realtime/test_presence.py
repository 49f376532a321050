"""Reloads, replay and the grace periods, with the clock moved by the test."""
from __future__ import annotations


async def test_a_reloaded_visitor_gets_the_same_chat_and_what_it_missed(harness):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    session = await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "hi"}))["chat"]
    await visitor.close()  # the page reloads
    await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "a", "text": "while you were away"})

    back = await harness.visitor(token=session["visitor_token"])
    again = await back.next("session")
    assert again["visitor_id"] == session["visitor_id"]
    assert again["chat"]["id"] == chat["id"] and again["chat"]["last_seq"] == 2
    missed = await back.call("chat:history", {"chat_id": chat["id"], "after_seq": 1})
    assert [m["text"] for m in missed["messages"]] == ["while you were away"]


async def test_an_unknown_token_gets_a_new_visitor(harness):
    visitor = await harness.visitor(token="not-a-token-we-issued")
    session = await visitor.next("session")
    assert session["visitor_token"] != "not-a-token-we-issued" and "chat" not in session


async def test_a_visitor_gone_past_the_grace_period_abandons_the_chat(harness):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "hi"}))["chat"]
    await agent.next("chat:assigned")
    await harness.gone(visitor)
    await harness.advance(harness.config.policy.visitor_grace_s - 1)
    assert not agent.received("chat:ended")
    await harness.advance(1)
    assert (await agent.next("chat:ended")) == {"chat_id": chat["id"], "reason": "abandoned"}


async def test_a_visitor_back_within_the_grace_period_keeps_the_chat(harness):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    session = await visitor.next("session")
    await visitor.call("chat:start", {"text": "hi"})
    await harness.gone(visitor)
    await harness.advance(harness.config.policy.visitor_grace_s - 10)
    back = await harness.visitor(token=session["visitor_token"])
    assert (await back.next("session"))["chat"]["status"] == "active"
    await harness.advance(60)
    assert not agent.received("chat:ended")


async def test_an_agent_gone_past_the_grace_period_has_its_chats_requeued_at_the_front(harness):
    _, t1 = await harness.add_agent("Flaky", capacity=1)
    flaky = await harness.agent(t1)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "first"}))["chat"]
    later = await harness.visitor()
    assert (await later.call("chat:start", {"text": "second"}))["position"] == 1
    await harness.gone(flaky)
    await harness.advance(harness.config.policy.agent_grace_s)
    await visitor.next("chat:queued", lambda d: d["position"] == 1)
    await later.next("chat:queued", lambda d: d["position"] == 2)

    _, t2 = await harness.add_agent("Steady", capacity=1)
    steady = await harness.agent(t2)
    got = await steady.next("chat:assigned")
    assert got["chat"]["id"] == chat["id"] and got["messages"][0]["text"] == "first"


async def test_an_agent_back_within_the_grace_period_keeps_its_chats(harness):
    _, token = await harness.add_agent("Blip")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    chat = (await visitor.call("chat:start", {"text": "hi"}))["chat"]
    await harness.gone(agent)
    await harness.advance(harness.config.policy.agent_grace_s - 1)
    back = await harness.agent(token, available=False)
    reopened = await back.next("chat:assigned")
    assert reopened["chat"]["id"] == chat["id"]
    session = back.received("session")[0]
    assert session["agent"]["status"] == "available"  # status survives reconnects
    await harness.advance(120)
    assert not visitor.received("chat:queued")


async def test_a_visitor_is_stored_only_when_it_starts_a_chat(harness):
    await harness.add_agent()
    visitor = await harness.visitor()
    session = await visitor.next("session")
    assert await harness.store.visitor_by_id(session["visitor_id"]) is None  # a page view costs no row
    await visitor.close()
    again = await harness.visitor(token=session["visitor_token"])
    assert (await again.next("session"))["visitor_id"] == session["visitor_id"]
    chat = (await again.call("chat:start", {"text": "hi", "name": "Robin", "email": "robin@example.test"}))["chat"]
    stored = await harness.store.visitor_by_id(session["visitor_id"])
    assert (stored.name, stored.email, stored.verified) == ("Robin", "robin@example.test", False)
    third = await harness.visitor(token=session["visitor_token"])
    assert (await third.next("session"))["chat"]["id"] == chat["id"]
