"""A visitor kept out of chat can wait on standby (`auth.standby`): its
connection is admitted with the suspension in `session`, it still cannot
chat, and it hears `account:lifted` the moment a supervisor lifts it or it
runs out, so an open widget leaves its "suspended" state without a reload."""
from __future__ import annotations

from tests.realtime.test_suspension import ACCOUNT, DAY_S, closed, refusal, until_in, user


async def test_a_suspended_visitor_on_standby_is_admitted_but_may_not_chat(harness):
    await harness.add_agent()
    supervisor = await harness.supervisor()
    tab = await harness.visitor(identity=user(harness, "pat"))
    await tab.next("session")
    assert (await supervisor.call("account:suspend", {"account_id": ACCOUNT, "days": 2, "reason": "abuse"}))["ok"]
    await closed(tab)

    assert (await refusal(harness, identity=user(harness, "pat")))["code"] == "suspended"  # without standby
    waiting = await harness.visitor(identity=user(harness, "pat"), standby=True)
    session = await waiting.next("session")
    assert session["suspended"] == {"until": until_in(harness, 2), "ban": False}
    ack = await waiting.call("chat:start", {"text": "let me in"})
    assert ack["error"]["code"] == "suspended"
    ticket = await waiting.call("ticket:create", {"email": "pat@example.test", "subject": "Refund",
                                                  "text": "Please call me."})
    assert ticket["ok"], ticket


async def test_a_visitor_on_standby_hears_the_lift_and_connects_back_to_chat(harness):
    await harness.add_agent()
    supervisor = await harness.supervisor()
    first = await harness.visitor()
    visitor_id = (await first.next("session"))["visitor_id"]
    token = first.received("session")[0]["visitor_token"]
    assert (await first.call("chat:start", {"text": "hi"}))["ok"]  # a visitor is stored once it chats
    assert (await supervisor.call("account:suspend", {"visitor_id": visitor_id, "ban": True, "reason": "fraud"}))["ok"]
    await closed(first)
    waiting = await harness.visitor(token=token, standby=True)
    assert (await waiting.next("session"))["suspended"] == {"until": None, "ban": True}

    assert (await supervisor.call("account:lift", {"visitor_id": visitor_id, "reason": "a mistake"}))["ok"]
    assert await waiting.next("account:lifted") == {"at": "2026-11-23T15:00:00Z"}
    back = await harness.visitor(token=token, standby=True)
    assert "suspended" not in await back.next("session")
    assert (await back.call("chat:start", {"text": "thanks"}))["ok"]


async def test_a_suspension_that_runs_out_is_told_to_visitors_on_standby(harness):
    supervisor = await harness.supervisor()
    await harness.visitor(identity=user(harness, "pat"))
    assert (await supervisor.call("account:suspend", {"account_id": ACCOUNT, "days": 1, "reason": "abuse"}))["ok"]
    waiting = await harness.visitor(identity=user(harness, "pat"), standby=True)
    await waiting.next("session")

    await harness.advance(DAY_S)
    assert (await waiting.next("account:lifted"))["at"] == until_in(harness, 0)
