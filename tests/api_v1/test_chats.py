"""/api/v1/chats over a real server: lists and pages, transcripts without
notes, writing as the agent who holds a chat, ending, tags; and what a
token's scope and site allow."""
from __future__ import annotations

import pytest

from server.services.model import Role, Site
from server.services.tokens import new_id
from tests.api_v1.kit import new_token, send, token_named, v1
from tests.web.test_tags import chat_with


@pytest.fixture
async def ann(harness):
    _, token = await harness.add_agent("Ann", capacity=10)
    return await harness.agent(token)


async def test_a_chat_is_read_with_its_transcript_and_never_its_notes(harness, ann, reader):
    chat_id = await chat_with(harness, ann, "hello")
    assert (await ann.call("chat:send", {"chat_id": chat_id, "client_id": "n1", "text": "secret", "note": True}))["ok"]
    chat = (await send(reader, "GET", f"/chats/{chat_id}"))["chat"]
    assert chat["status"] == "active" and chat["site"] == "acme" and chat["agent_id"]
    messages = (await send(reader, "GET", f"/chats/{chat_id}/messages"))["items"]
    assert [(m["author"], m["text"]) for m in messages] == [("visitor", "hello"), ("agent", "hi")]
    assert messages[1]["agent_id"] == chat["agent_id"]
    assert (await send(reader, "GET", "/chats/nope", 404))["error"]["code"] == "not_found"


async def test_a_write_token_writes_as_the_agent_who_holds_the_chat_and_ends_it(harness, ann, writer, reader):
    chat_id = await chat_with(harness, ann, "hello")
    sent = (await send(writer, "POST", f"/chats/{chat_id}/messages", 201, json={"text": "On it!"}))["message"]
    assert sent["author"] == "agent" and sent["text"] == "On it!" and sent["seq"] == 3
    await ann.next("chat:message", lambda m: m["text"] == "On it!")  # the agent's console sees it at once
    other = (await send(writer, "POST", f"/chats/{chat_id}/messages", 403,
                        json={"text": "x", "agent_id": "someone"}))["error"]
    assert other["code"] == "forbidden"
    assert (await send(reader, "POST", f"/chats/{chat_id}/messages", 403, json={"text": "x"}))["error"]["code"] \
        == "forbidden"
    ended = (await send(writer, "POST", f"/chats/{chat_id}/end"))["chat"]
    assert ended["status"] == "ended" and ended["end_reason"] == "agent"
    assert (await send(writer, "POST", f"/chats/{chat_id}/end", 409))["error"]["code"] == "chat_ended"
    assert (await send(writer, "POST", f"/chats/{chat_id}/messages", 409, json={"text": "late"}))["error"]["code"] \
        == "chat_ended"


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "hi", "extra": 1}, {"text": 5}, [], "x"])
async def test_a_bad_message_is_400(harness, ann, writer, body):
    chat_id = await chat_with(harness, ann, "hello")
    error = (await send(writer, "POST", f"/chats/{chat_id}/messages", 400, json=body))["error"]
    assert error["code"] == "bad_request" and error["message"]


async def test_tags_are_set_by_name_and_audited_as_the_token(harness, ann, writer):
    chat_id = await chat_with(harness, ann, "hello")
    lead, _ = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    from server.services import tags
    async with harness.services.desk.events.unit():
        for name in ("VIP", "billing"):
            await tags.add(harness.services.desk, lead, tags.TagDraft(name, None))
    assert (await send(writer, "PUT", f"/chats/{chat_id}/tags", json={"tags": ["vip", "Billing"]}))["tags"] \
        == ["billing", "VIP"]
    assert (await send(writer, "PUT", f"/chats/{chat_id}/tags", json={"tags": ["billing"]}))["tags"] == ["billing"]
    assert (await send(writer, "PUT", f"/chats/{chat_id}/tags", 400, json={"tags": ["nope"]}))["error"]["code"] \
        == "unknown_tag"
    token = await token_named(harness, "writer")
    entries = await harness.services.records.audit(action=None, actor_id=f"token:{token.id}", target=None,
                                                   since=None, until=None,
                                                   limit=10, offset=0)
    assert sorted(e["action"] for e in entries) == ["chat_tag", "chat_tag", "chat_untag"]


async def test_a_site_token_sees_its_own_sites_chats_only(harness, ann):
    other = await harness.store.save_site(Site(id=new_id(), key="other", secret="o" * 32))
    chat_id = await chat_with(harness, ann, "hello")
    async with v1(harness, await new_token(harness, "write", site="other")) as elsewhere:
        assert (await send(elsewhere, "GET", f"/chats/{chat_id}", 404))["error"]["code"] == "not_found"
        assert (await send(elsewhere, "GET", f"/chats/{chat_id}/messages", 404))["error"]["code"] == "not_found"
        assert (await send(elsewhere, "POST", f"/chats/{chat_id}/end", 404))["error"]["code"] == "not_found"
        assert (await send(elsewhere, "GET", "/chats"))["items"] == []
        assert (await send(elsewhere, "GET", "/chats?site=acme", 404))["error"]["code"] == "not_found"
    async with v1(harness, await new_token(harness, "read", site="acme")) as own:
        assert [c["id"] for c in (await send(own, "GET", "/chats"))["items"]] == [chat_id]
    assert other.key == "other"


async def test_pages_of_chats_have_no_duplicates_or_gaps_while_chats_arrive(harness, ann, reader):
    ids = []
    for n in range(5):
        ids.append(await chat_with(harness, ann, f"chat {n}"))
        harness.clock.advance(1 if n != 2 else 0)  # two chats start in the same instant: the id orders them
    seen, cursor = [], None
    while True:
        page = await send(reader, "GET", "/chats?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += [c["id"] for c in page["items"]]
        if len(seen) == 2:
            harness.clock.advance(1)
            await chat_with(harness, ann, "late")  # a new chat comes first in the list, not into the pages
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    newest = (await send(reader, "GET", "/chats?limit=1"))["items"][0]
    assert newest["id"] not in ids


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "status=open", "since=yesterday",
                                   "cursor=!!", "cursor=bm9wZQ", "colour=red", "limit=1&limit=2"])
async def test_a_bad_query_is_400(reader, query):
    error = (await send(reader, "GET", "/chats?" + query, 400))["error"]
    assert error["code"] == "bad_request"


async def test_filters_narrow_the_list(harness, ann, reader):
    first = await chat_with(harness, ann, "one")
    harness.clock.advance(60)
    await ann.call("chat:end", {"chat_id": first})
    second = await chat_with(harness, ann, "two")
    agent_id = (await send(reader, "GET", f"/chats/{first}"))["chat"]["agent_id"]
    assert [c["id"] for c in (await send(reader, "GET", "/chats?status=ended"))["items"]] == [first]
    assert [c["id"] for c in (await send(reader, "GET", "/chats?status=active,queued"))["items"]] == [second]
    assert len((await send(reader, "GET", f"/chats?agent_id={agent_id}"))["items"]) == 2
    since = (await send(reader, "GET", f"/chats/{second}"))["chat"]["started_at"]
    assert [c["id"] for c in (await send(reader, "GET", f"/chats?since={since}"))["items"]] == [second]
    assert [c["id"] for c in (await send(reader, "GET", f"/chats?until={since}"))["items"]] == [first]


async def test_a_body_past_64_kib_is_413_and_a_text_past_message_chars_too(harness, ann, writer):
    chat_id = await chat_with(harness, ann, "hello")
    huge = (await send(writer, "POST", f"/chats/{chat_id}/messages", 413, json={"text": "x" * 70_000}))["error"]
    assert huge["code"] == "too_large"
    long = (await send(writer, "POST", f"/chats/{chat_id}/messages", 413, json={"text": "x" * 4001}))["error"]
    assert long["code"] == "too_large"
