"""`chat:tag` and `chat:untag` share the connection's event budget: each
writes an audit row and tells every console and dashboard of the chat."""
from __future__ import annotations

import pytest

from tests.realtime.test_chat_tags import a_tag, chatting


@pytest.fixture
def config_overrides() -> dict:
    return {"limits": {"events_per_minute": 6}}


async def test_tagging_and_untagging_in_a_loop_is_rate_limited(harness):
    tag = await a_tag(harness, "Billing")
    agent, _, _, chat = await chatting(harness)
    acks = []
    for i in range(8):
        event = "chat:tag" if i % 2 == 0 else "chat:untag"
        acks.append(await agent.call(event, {"chat_id": chat["id"], "tag_id": tag["id"]}))
    assert all(ack["ok"] for ack in acks[:6]), acks
    assert acks[6]["ok"] is False and acks[6]["error"]["code"] == "rate_limited", acks[6]
