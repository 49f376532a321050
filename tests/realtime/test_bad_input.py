"""Bad input of every kind on every event gets a clear error ack, changes
nothing, and leaves the connection alive."""
from __future__ import annotations

import pytest

GOOD_CHAT = "0" * 32  # replaced by a real chat id in the tests that need one

VISITOR_EVENTS = {
    "chat:start": {"text": "hi"},
    "chat:send": {"chat_id": GOOD_CHAT, "client_id": "c", "text": "hi"},
    "chat:typing": {"chat_id": GOOD_CHAT, "typing": True},
    "chat:history": {"chat_id": GOOD_CHAT, "after_seq": 0},
    "chat:read": {"chat_id": GOOD_CHAT, "seq": 1},
    "chat:end": {"chat_id": GOOD_CHAT},
}
AGENT_EVENTS = {
    "agent:status": {"status": "available"},
    "chat:send": {"chat_id": GOOD_CHAT, "client_id": "c", "text": "hi"},
    "chat:typing": {"chat_id": GOOD_CHAT, "typing": True},
    "chat:history": {"chat_id": GOOD_CHAT, "after_seq": 0},
    "chat:read": {"chat_id": GOOD_CHAT, "seq": 1},
    "chat:end": {"chat_id": GOOD_CHAT},
    "chat:transfer": {"chat_id": GOOD_CHAT, "to": {"agent_id": "x"}},
}


def malformed(payload: dict) -> list[tuple[str, object]]:
    """Each way to get a payload wrong: not an object, missing, unknown or
    mistyped fields, oversized strings."""
    cases: list[tuple[str, object]] = [("none", None), ("list", [1, 2]), ("string", "x"), ("number", 7),
                                       ("unknown field", {**payload, "evil": 1})]
    for key, value in payload.items():
        cases.append((f"missing {key}", {k: v for k, v in payload.items() if k != key}))
        wrong = 12 if isinstance(value, (str, dict)) else "twelve"
        cases.append((f"mistyped {key}", {**payload, key: wrong}))
        if isinstance(value, str):
            cases.append((f"huge {key}", {**payload, key: "x" * 200_000}))
    return cases


def with_chat(payload: object, chat_id: str) -> object:
    if isinstance(payload, dict) and payload.get("chat_id") == GOOD_CHAT:
        return {**payload, "chat_id": chat_id}
    return payload


async def check_refused(peer, event, payload, chat_id):
    ack = await peer.call(event, with_chat(payload, chat_id))
    assert ack["ok"] is False, (event, payload, ack)
    assert ack["error"]["code"] in {"bad_request", "too_large"}, (event, ack)
    assert ack["error"]["message"]


@pytest.mark.parametrize("event", sorted(VISITOR_EVENTS))
async def test_visitor_events_refuse_malformed_payloads(harness, event):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    chat = (await visitor.call("chat:start", {"text": "hi"}))["chat"]
    for _, payload in malformed(VISITOR_EVENTS[event]):
        await check_refused(visitor, event, payload, chat["id"])
    stored = await harness.store.messages_after(chat["id"], 0, include_notes=True)
    assert len(stored) == 1  # nothing bad got in
    ack = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "ok", "text": "still alive"})
    assert ack["ok"] and (await agent.next("chat:message"))["text"] == "still alive"


@pytest.mark.parametrize("event", sorted(AGENT_EVENTS))
async def test_agent_events_refuse_malformed_payloads(harness, event):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    chat = (await visitor.call("chat:start", {"text": "hi"}))["chat"]
    cases = malformed(AGENT_EVENTS[event])
    if event == "chat:send":  # `note` is optional, but must be a boolean
        cases.append(("mistyped note", {**AGENT_EVENTS[event], "note": "yes"}))
    for _, payload in cases:
        await check_refused(agent, event, payload, chat["id"])
    ack = await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "ok", "text": "still alive"})
    assert ack["ok"]


async def test_text_over_the_limit_is_too_large_and_blank_text_is_refused(harness):
    await harness.add_agent()
    visitor = await harness.visitor()
    limit = harness.config.limits.message_chars
    assert (await visitor.call("chat:start", {"text": "x" * (limit + 1)}))["error"]["code"] == "too_large"
    assert (await visitor.call("chat:start", {"text": "   "}))["error"]["code"] == "bad_request"
    assert (await visitor.call("chat:start", {"text": "x" * limit}))["ok"]


async def test_unknown_chat_and_chat_not_yours(harness):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    mine = await harness.visitor()
    chat = (await mine.call("chat:start", {"text": "mine"}))["chat"]
    other = await harness.visitor()
    for event in ("chat:send", "chat:history", "chat:read", "chat:end", "chat:typing"):
        payload = {**VISITOR_EVENTS[event], "chat_id": chat["id"]}
        assert (await other.call(event, payload))["error"]["code"] == "forbidden", event
        unknown = {**VISITOR_EVENTS[event], "chat_id": "f" * 32}
        assert (await other.call(event, unknown))["error"]["code"] == "not_found", event
    _, stranger_token = await harness.add_agent("Stranger")
    stranger = await harness.agent(stranger_token)
    denied = await stranger.call("chat:send", {"chat_id": chat["id"], "client_id": "s", "text": "hi"})
    assert denied["error"]["code"] == "forbidden"
    assert len(await harness.store.messages_after(chat["id"], 0, include_notes=True)) == 1
    assert agent.sio.connected


async def test_a_visitor_cannot_send_a_note_or_read_past_the_end(harness):
    await harness.add_agent()
    visitor = await harness.visitor()
    chat = (await visitor.call("chat:start", {"text": "hi"}))["chat"]
    note = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "n", "text": "x", "note": True})
    assert note["error"]["code"] == "bad_request"
    assert (await visitor.call("chat:read", {"chat_id": chat["id"], "seq": 99}))["error"]["code"] == "conflict"


async def test_sending_to_an_ended_chat_is_refused(harness):
    await harness.add_agent()
    visitor = await harness.visitor()
    chat = (await visitor.call("chat:start", {"text": "hi"}))["chat"]
    assert (await visitor.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    late = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "late", "text": "wait"})
    assert late["error"]["code"] == "chat_ended"
    assert (await visitor.call("chat:end", {"chat_id": chat["id"]}))["error"]["code"] == "chat_ended"


@pytest.mark.parametrize("name", ["connect", "disconnect", "connect_error", "message", "*", "session",
                                  "chat:assigned", "agent:status", "no:such:event"])
async def test_events_a_namespace_does_not_define_change_nothing(harness, name):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    chat = (await visitor.call("chat:start", {"text": "hi"}))["chat"]
    for peer in (visitor, agent):
        if name == "agent:status" and peer is agent:
            continue  # defined on /agent: its bad input is tested above
        ack = await peer.call(name, {"chat_id": chat["id"], "sid": "x", "status": "available"})
        assert ack["error"]["code"] == "unknown_event", (name, ack)
        await peer.emit(name, {"anything": True})  # without an ack: nothing happens either
    assert visitor.sio.connected and agent.sio.connected
    assert (await harness.store.chat_by_id(chat["id"])).status.value == "active"
    ack = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "after", "text": "ok"})
    assert ack["ok"]
