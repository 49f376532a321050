"""The whole chat loop over real sockets: a visitor and an agent chat,
every message acknowledged only once it is stored."""
from __future__ import annotations

import asyncio

from server.services.model import ChatStatus

PIPELINED = 28  # all in flight at once, within messages_per_minute with the first


async def start_chat(harness, text="hello, my site is down"):
    visitor = await harness.visitor()
    session = await visitor.next("session")
    ack = await visitor.call("chat:start", {"text": text})
    assert ack["ok"], ack
    return visitor, session, ack["chat"]


async def test_visitor_and_agent_chat_both_ways(harness):
    agent_row, token = await harness.add_agent("Alice")
    agent = await harness.agent(token)
    visitor, session, chat = await start_chat(harness)
    assert session["online"] is True and session["visitor_token"]

    assigned = await agent.next("chat:assigned")
    assert assigned["chat"]["id"] == chat["id"]
    assert [m["text"] for m in assigned["messages"]] == ["hello, my site is down"]
    seen = await visitor.next("chat:assigned")
    assert seen == {"chat_id": chat["id"], "agent": {"name": "Alice"}}

    reply = await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "a1", "text": "Looking now"})
    assert reply["ok"] and reply["seq"] == 2
    got = await visitor.next("chat:message")
    assert (got["seq"], got["author"], got["text"]) == (2, "agent", "Looking now")

    ack = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "v1", "text": "thanks"})
    assert ack["ok"] and ack["seq"] == 3
    got = await agent.next("chat:message")
    assert (got["seq"], got["author"], got["text"]) == (3, "visitor", "thanks")

    stored = await harness.store.messages_after(chat["id"], 0, include_notes=True)
    assert [m.seq for m in stored] == [1, 2, 3]

    assert (await visitor.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    ended = await agent.next("chat:ended")
    assert ended == {"chat_id": chat["id"], "reason": "visitor"}
    assert (await harness.store.chat_by_id(chat["id"])).status is ChatStatus.ENDED


async def test_an_ack_means_the_message_is_in_the_store(harness):
    _, token = await harness.add_agent()
    await harness.agent(token)
    visitor, _, chat = await start_chat(harness)
    for n in range(5):
        ack = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": f"c{n}", "text": f"m{n}"})
        stored = await harness.store.messages_after(chat["id"], ack["seq"] - 1, include_notes=False)
        assert stored[0].text == f"m{n}"


async def test_notes_never_reach_the_visitor(harness):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    visitor, _, chat = await start_chat(harness)
    await agent.next("chat:assigned")
    note = await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "n1", "text": "VIP?", "note": True})
    reply = await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "r1", "text": "hi"})
    assert (note["seq"], reply["seq"]) == (2, 3)
    got = await visitor.next("chat:message")
    assert got["text"] == "hi"
    assert all(m["text"] != "VIP?" for m in visitor.received("chat:message"))
    history = await visitor.call("chat:history", {"chat_id": chat["id"], "after_seq": 0})
    assert [m["seq"] for m in history["messages"]] == [1, 3]
    agent_history = await agent.call("chat:history", {"chat_id": chat["id"], "after_seq": 0})
    assert [m["seq"] for m in agent_history["messages"]] == [1, 2, 3]
    assert agent_history["messages"][1]["note"] is True


async def test_resending_a_client_id_stores_nothing_new(harness):
    _, token = await harness.add_agent()
    await harness.agent(token)
    visitor, _, chat = await start_chat(harness)
    first = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "same", "text": "once"})
    again = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "same", "text": "once"})
    assert first["seq"] == again["seq"] == 2
    stored = await harness.store.messages_after(chat["id"], 0, include_notes=True)
    assert len(stored) == 2


async def test_pipelined_sends_get_seqs_in_send_order(harness):
    _, token = await harness.add_agent()
    await harness.agent(token)
    visitor, _, chat = await start_chat(harness)
    acks: dict[int, dict] = {}
    done = asyncio.Event()

    def on_ack(n):
        def record(ack):
            acks[n] = ack
            if len(acks) == PIPELINED:
                done.set()
        return record

    for n in range(PIPELINED):  # all sent before any ack comes back
        await visitor.emit("chat:send", {"chat_id": chat["id"], "client_id": f"p{n}", "text": f"{n}"},
                           callback=on_ack(n))
    await asyncio.wait_for(done.wait(), 10)
    assert [acks[n]["seq"] for n in range(PIPELINED)] == list(range(2, PIPELINED + 2))
    stored = await harness.store.messages_after(chat["id"], 1, include_notes=True)
    assert [m.text for m in stored] == [str(n) for n in range(PIPELINED)]


async def test_the_senders_other_connections_get_the_message(harness):
    _, token = await harness.add_agent()
    await harness.agent(token)
    visitor, session, chat = await start_chat(harness)
    second_tab = await harness.visitor(token=session["visitor_token"])
    await second_tab.next("session")
    ack = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "x", "text": "from tab one"})
    echoed = await second_tab.next("chat:message")
    assert echoed["seq"] == ack["seq"] and echoed["client_id"] == "x"
    assert not [m for m in visitor.received("chat:message") if m["client_id"] == "x"]
