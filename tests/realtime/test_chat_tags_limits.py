"""`chat:tag` and `chat:untag` share the connection's event budget, and the
REST routes that tag chats and tickets one per agent: each change writes an
audit row and tells every console and dashboard of the chat."""
from __future__ import annotations

import pytest

from tests.realtime.test_chat_tags import a_tag, call, chatting, client, error_code


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


async def test_tagging_over_rest_in_a_loop_is_rate_limited_per_agent(harness):
    tag = await a_tag(harness, "Billing")
    agent, token, _, chat = await chatting(harness)
    path = f"/api/chats/{chat['id']}/tags"
    async with client(harness, token) as ann:
        for i in range(6):
            if i % 2 == 0:
                assert (await call(ann, "POST", path, json={"tag_id": tag["id"]}))["tags"] == [tag]
            else:
                assert (await call(ann, "DELETE", f"{path}/{tag['id']}"))["tags"] == []
        assert await error_code(ann, "POST", path, 429, json={"tag_id": tag["id"]}) == "rate_limited"
        assert await error_code(ann, "DELETE", f"{path}/{tag['id']}", 429) == "rate_limited"
        assert (await call(ann, "GET", path))["tags"] == []  # reading is not a change
