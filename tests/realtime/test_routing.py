"""Routing: who takes a new chat, the queue, capacity, positions."""
from __future__ import annotations

import asyncio

from tests.realtime.test_identity import identity


async def new_chat(harness, text="help"):
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("chat:start", {"text": text})
    assert ack["ok"], ack
    return visitor, ack


async def test_least_loaded_agent_gets_the_chat(harness):
    _, busy_token = await harness.add_agent("Busy")
    _, free_token = await harness.add_agent("Free")
    busy = await harness.agent(busy_token)
    _, first = await new_chat(harness)
    assert first["chat"]["agent"]["name"] == "Busy"  # the only one available then
    free = await harness.agent(free_token)
    _, second = await new_chat(harness)
    assert second["chat"]["agent"]["name"] == "Free"
    assert (await free.next("chat:assigned"))["chat"]["id"] == second["chat"]["id"]
    assert len(busy.received("chat:assigned")) == 1


async def test_longest_idle_agent_wins_a_tie(harness):
    _, t1 = await harness.add_agent("Early")
    _, t2 = await harness.add_agent("Late")
    await harness.agent(t1)
    harness.clock.advance(30)
    await harness.agent(t2)
    _, ack = await new_chat(harness)
    assert ack["chat"]["agent"]["name"] == "Early"


async def test_away_and_off_shift_agents_get_no_chats(harness):
    _, away_token = await harness.add_agent("Away")
    _, night_token = await harness.add_agent("Night", shift="mon-fri 00:00-01:00")
    await harness.agent(away_token, available=False)
    await harness.agent(night_token)
    visitor, ack = await new_chat(harness)
    assert ack["chat"]["status"] == "queued" and ack["position"] == 1


async def test_nobody_on_shift_means_offline_with_next_open(harness):
    await harness.add_agent("Night", shift="mon-fri 00:00-01:00")
    visitor = await harness.visitor()
    session = await visitor.next("session")
    assert session["online"] is False
    assert session["next_open"] == "2026-11-24T05:00:00Z"  # Tuesday 00:00 in New York
    ack = await visitor.call("chat:start", {"text": "anyone?"})
    assert ack["error"]["code"] == "offline"
    assert ack["error"]["next_open"] == "2026-11-24T05:00:00Z"


async def test_capacity_is_respected_and_the_queue_drains_when_a_slot_frees(harness):
    _, token = await harness.add_agent("Solo", capacity=2)
    agent = await harness.agent(token)
    chats = [(await new_chat(harness)) for _ in range(4)]
    assert [ack["position"] for _, ack in chats] == [0, 0, 1, 2]
    third_visitor, third = chats[2]
    fourth_visitor, _ = chats[3]
    assert (await agent.call("chat:end", {"chat_id": chats[0][1]["chat"]["id"]}))["ok"]
    assigned = await agent.next("chat:assigned", lambda d: d["chat"]["id"] == third["chat"]["id"])
    assert assigned["chat"]["status"] == "active"
    assert (await third_visitor.next("chat:assigned"))["agent"]["name"] == "Solo"
    moved = await fourth_visitor.next("chat:queued", lambda d: d["position"] == 1)
    assert moved["eta_s"] > 0


async def test_a_chat_waits_until_someone_comes_available(harness):
    _, token = await harness.add_agent("Late")
    visitor, ack = await new_chat(harness)
    assert ack["position"] == 1
    agent = await harness.agent(token)
    assert (await agent.next("chat:assigned"))["chat"]["id"] == ack["chat"]["id"]
    await visitor.next("chat:assigned")


async def test_two_chats_never_take_the_same_last_slot(harness):
    _, token = await harness.add_agent("Last", capacity=1)
    await harness.agent(token)
    visitors = [await harness.visitor() for _ in range(6)]
    acks = await asyncio.gather(*(v.call("chat:start", {"text": "me first"}) for v in visitors))
    assert sum(1 for a in acks if a["chat"]["status"] == "active") == 1
    assert sorted(a["position"] for a in acks) == [0, 1, 2, 3, 4, 5]
    presence = await harness.services.desk.live.presence((await harness.store.list_agents())[0].id)
    assert presence.load == 1


async def test_queue_order_is_priority_then_arrival(harness):
    _, token = await harness.add_agent("Solo", capacity=1)
    await harness.agent(token)
    await new_chat(harness)  # takes the only slot
    low = await harness.visitor()
    assert (await low.call("chat:start", {"text": "whenever", "priority": "low"}))["position"] == 1
    medium = await harness.visitor()
    assert (await medium.call("chat:start", {"text": "soon"}))["position"] == 1
    await low.next("chat:queued", lambda d: d["position"] == 2)


async def test_one_open_chat_per_visitor(harness):
    await harness.add_agent()
    visitor, ack = await new_chat(harness)
    again = await visitor.call("chat:start", {"text": "another"})
    assert again["error"]["code"] == "chat_active"
    assert again["error"]["chat"]["id"] == ack["chat"]["id"]


async def test_transfer_keeps_the_history(harness):
    _, t1 = await harness.add_agent("First")
    first = await harness.agent(t1)
    visitor, ack = await new_chat(harness, "transfer me")
    chat_id = ack["chat"]["id"]
    await first.call("chat:send", {"chat_id": chat_id, "client_id": "f1", "text": "passing you on"})
    second_row, t2 = await harness.add_agent("Second")
    second = await harness.agent(t2)
    moved = await first.call("chat:transfer", {"chat_id": chat_id, "to": {"agent_id": second_row.id}})
    assert moved["ok"] and moved["chat"]["agent"]["name"] == "Second"
    got = await second.next("chat:assigned")
    assert [m["text"] for m in got["messages"]] == ["transfer me", "passing you on"]
    assert (await first.next("chat:ended"))["reason"] == "transferred"
    assert (await visitor.next("chat:assigned", lambda d: d["agent"]["name"] == "Second"))
    denied = await first.call("chat:send", {"chat_id": chat_id, "client_id": "late", "text": "still here?"})
    assert denied["error"]["code"] == "forbidden"


async def test_a_chat_nobody_waits_before_goes_to_its_agent_as_if_read_back(harness):
    """With nobody waiting and an agent with room, chat:start stores the
    chat with its agent in one transaction, and the console is given it
    from what the start has in hand: exactly what the chat read back from
    the store gives (the assignment a reconnect or transfer sends)."""
    agent, token = await harness.add_agent("Ann")
    console = await harness.agent(token)
    _, ack = await new_chat(harness, "hello there")
    assert ack["position"] == 0 and ack["chat"]["status"] == "active"
    got = await console.next("chat:assigned")
    chat = await harness.store.chat_by_id(ack["chat"]["id"])
    read_back = await harness.services.router.assignment(chat, agent)
    assert {**got, "now": None} == {**read_back, "now": None}
    assert [m["text"] for m in got["messages"]] == ["hello there"]
    assert await harness.store.chat_agents(chat.id) == [agent.id]


async def test_two_tabs_starting_at_once_get_one_chat_and_hold_one_slot(harness, monkeypatch):
    """Both tabs of one visitor pass the open-chat check before either
    chat is stored (held there until both have read); each claims a slot
    before storing, the store refuses the second chat, and its slot is
    given back."""
    agent, token = await harness.add_agent(capacity=3)
    await harness.agent(token)
    read, both_read = harness.store.visitor_at_start, asyncio.Event()
    readers = []

    async def in_step(visitor):
        found = await read(visitor)
        readers.append(visitor.id)
        if len(readers) == 2:
            both_read.set()
        await asyncio.wait_for(both_read.wait(), 5)
        return found
    monkeypatch.setattr(harness.store, "visitor_at_start", in_step)
    tab = await harness.visitor(identity=harness_user(harness))
    other_tab = await harness.visitor(identity=harness_user(harness))
    acks = await asyncio.gather(tab.call("chat:start", {"text": "one"}), other_tab.call("chat:start", {"text": "two"}))
    assert sorted(bool(a.get("ok")) for a in acks) == [False, True]
    refused = next(a for a in acks if not a.get("ok"))
    assert refused["error"]["code"] == "chat_active"
    chat_id = next(a for a in acks if a.get("ok"))["chat"]["id"]
    assert await harness.services.desk.live.chats_of(agent.id) == {chat_id}
    assert (await harness.services.desk.live.presence(agent.id)).load == 1


def harness_user(harness) -> str:
    return identity(harness.site.secret, at=harness.clock.now(), sub="pat", account="acct-1")
