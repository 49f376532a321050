"""The public API on SQLite and on PostgreSQL: keyset pages of chats,
tickets and a transcript (the cursor's instant compared by each database),
a token revoked at once, and inputs PostgreSQL would refuse (a NUL) kept
out at the door."""
from __future__ import annotations

import pytest

from server.services import integrations
from tests.api_v1.kit import new_token, send, v1
from tests.api_v1.test_tickets import a_visitor, an_open_ticket
from tests.both_stores import database_url, pg_database  # noqa: F401 (fixtures)
from tests.web.test_tags import chat_with


@pytest.fixture
def config_overrides() -> dict:
    return {"limits": {"tickets_per_hour": 20, "tickets_per_hour_per_email": 20}}


async def pages(session, path: str) -> list[str]:
    seen, cursor = [], None
    while True:
        joiner = "&" if "?" in path else "?"
        page = await send(session, "GET", path + (f"{joiner}cursor={cursor}" if cursor else ""))
        seen += [item.get("id") or str(item["seq"]) for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            return seen


async def test_pages_of_chats_tickets_and_a_transcript(harness):
    _, agent_token = await harness.add_agent("Ann", capacity=10)
    ann = await harness.agent(agent_token)
    chats = []
    for n in range(3):
        chats.append(await chat_with(harness, ann, f"chat {n}"))
        harness.clock.advance(0.001 if n else 0)  # a millisecond apart, then the same instant
    for n in range(4):
        assert (await ann.call("chat:send", {"chat_id": chats[0], "client_id": f"m{n}", "text": f"m{n}"}))["ok"]
    visitor = await a_visitor(harness)
    tickets = [(await an_open_ticket(harness, visitor, f"t{n}")).id for n in range(5)]
    secret = await new_token(harness, "read")
    async with v1(harness, secret) as reader:
        assert sorted(await pages(reader, "/chats?limit=2")) == sorted(chats)
        assert sorted(await pages(reader, "/tickets?limit=2")) == sorted(tickets)
        assert await pages(reader, f"/chats/{chats[0]}/messages?limit=2") == [str(n) for n in range(1, 7)]
        assert (await send(reader, "GET", "/tickets?topic=a%00b", 400))["error"]["code"] == "bad_request"
        assert (await send(reader, "GET", "/accounts/a%00b", 400))["error"]["code"] == "bad_request"
        token = (await harness.store.integration_tokens())[0]
        await integrations.revoke(harness.store, harness.clock.now(), None, token.id)
        assert (await send(reader, "GET", "/chats", 401))["error"]["code"] == "unauthorized"
