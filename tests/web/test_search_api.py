"""Search and history over the REST API, on SQLite and PostgreSQL: an agent
finds their own chats and tickets by a word, a lead the whole desk; the
snippet marks the match as data, not markup; a past chat opens for whoever
had it; the lead's past chats filter; queries are bounded and rate-limited."""
from __future__ import annotations

import aiohttp
import pytest

from server.services.model import Role
from tests.both_stores import database_url, pg_database  # noqa: F401 (fixtures)
from tests.realtime.test_sla import say

LIMIT = 12


@pytest.fixture
def config_overrides() -> dict:
    return {"limits": {"searches_per_minute": LIMIT}}


def client(harness, token: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url=harness.url, headers={"Authorization": f"Bearer {token}"})


async def get(http: aiohttp.ClientSession, path: str, **params) -> tuple[int, dict]:
    async with http.get(path, params=params) as response:
        return response.status, await response.json()


async def two_chats(harness):
    """Ann (room for one) takes the first chat, Bob the second."""
    ann, ann_token = await harness.add_agent("Ann", capacity=1)
    bob, bob_token = await harness.add_agent("Bob", capacity=1)
    ann_peer = await harness.agent(ann_token)
    v1 = await harness.visitor()
    await v1.next("session")
    first = await v1.call("chat:start", {"text": "My invoice shows <b>twice</b> the amount", "name": "Vera"})
    await ann_peer.next("chat:assigned")
    bob_peer = await harness.agent(bob_token)
    v2 = await harness.visitor()
    await v2.next("session")
    second = await v2.call("chat:start", {"text": "invoice for the router please", "name": "Walt"})
    await bob_peer.next("chat:assigned")
    return (ann, ann_token, ann_peer, first["chat"]["id"]), (bob, bob_token, bob_peer, second["chat"]["id"])


async def test_an_agent_finds_their_own_chats_a_lead_the_whole_desk(harness):
    (ann, ann_token, ann_peer, anns), (_, bob_token, _, bobs) = await two_chats(harness)
    await say(ann_peer, anns, "checking the twice-billed invoice", "a1", note=True)
    _, lead = await harness.add_agent("Lena", role=Role.SUPERVISOR)
    async with client(harness, ann_token) as http:
        status, body = await get(http, "/api/search", q="invoice")
        assert status == 200 and body["scope"] == "own" and body["more"] is False
        [hit] = body["results"]
        assert (hit["kind"], hit["id"], hit["visitor"]["name"], hit["chat"]["agent"]["name"]) == (
            "chat", anns, "Vera", "Ann")
        assert hit["note"] is True and hit["link"] == f"/console#history/{anns}"
        assert [s for s in hit["snippet"] if s["hit"]] == [{"text": "invoice", "hit": True}]
        status, body = await get(http, "/api/search", q="router")
        assert (status, body["results"]) == (200, [])  # Bob's chat: not Ann's to find
        status, body = await get(http, "/api/search", q="<b>amount</b>")
        [hit] = body["results"]
        assert "".join(s["text"] for s in hit["snippet"]) == "My invoice shows <b>twice</b> the amount"
    async with client(harness, lead) as http:
        status, body = await get(http, "/api/search", q="INVOICE")
        assert status == 200 and body["scope"] == "desk"
        assert {h["id"] for h in body["results"]} == {anns, bobs}
        assert {h["link"] for h in body["results"]} == {f"/console/dashboard/chats/{c}" for c in (anns, bobs)}
    async with client(harness, bob_token) as http:
        assert [h["id"] for h in (await get(http, "/api/search", q="router"))[1]["results"]] == [bobs]


@pytest.mark.parametrize("hostile", ['invoice" NEAR(', "invoice*", "-invoice", '"invoice"', "invoice) OR (x"])
async def test_hostile_queries_are_words(harness, hostile):
    (_, ann_token, _, anns), _ = await two_chats(harness)
    async with client(harness, ann_token) as http:
        status, body = await get(http, "/api/search", q=hostile)
    assert status == 200, body
    expected = [] if ("near" in body["terms"] or "or" in body["terms"]) else [anns]
    assert [h["id"] for h in body["results"]] == expected


async def test_queries_are_bounded(harness):
    _, token = await harness.add_agent("Ann")
    async with client(harness, token) as http:
        assert (await get(http, "/api/search", q="x" * 201))[0] == 400
        assert (await get(http, "/api/search", q=""))[0] == 400
        assert (await get(http, "/api/search", q="a", limit="51"))[0] == 400
        assert (await get(http, "/api/search", q="a\x00b"))[0] == 400
        assert (await get(http, "/api/search", q='"*-('))[1]["results"] == []
    async with aiohttp.ClientSession(base_url=harness.url) as anonymous:
        assert (await get(anonymous, "/api/search", q="a"))[0] == 401


async def test_searches_are_rate_limited_per_agent(harness):
    _, ann = await harness.add_agent("Ann")
    _, bob = await harness.add_agent("Bob")
    async with client(harness, ann) as http:
        codes = [(await get(http, "/api/search", q="word"))[0] for _ in range(LIMIT + 1)]
    assert codes == [200] * LIMIT + [429]
    async with client(harness, bob) as http:
        assert (await get(http, "/api/search", q="word"))[0] == 200
    await harness.advance(61)
    async with client(harness, ann) as http:
        assert (await get(http, "/api/search", q="word"))[0] == 200


async def test_a_past_chat_opens_for_whoever_had_it_and_a_lead(harness):
    (_, ann_token, ann_peer, anns), (_, bob_token, _, _) = await two_chats(harness)
    await say(ann_peer, anns, "sorted", "a1")
    assert (await ann_peer.call("chat:end", {"chat_id": anns}))["ok"]
    _, lead = await harness.add_agent("Lena", role=Role.SUPERVISOR)
    async with client(harness, ann_token) as http:
        status, body = await get(http, f"/api/history/chats/{anns}")
        assert status == 200 and body["chat"]["status"] == "ended"
        assert [m["text"] for m in body["messages"]] == ["My invoice shows <b>twice</b> the amount", "sorted"]
        assert body["sla"]["first_response_s"] == 0 and body["sla"]["events"] == []
        assert (await get(http, "/api/history/chats"))[0] == 403  # the list is the lead's
    async with client(harness, bob_token) as http:
        status, body = await get(http, f"/api/history/chats/{anns}")
        assert (status, body["error"]["code"]) == (404, "not_found")
    async with client(harness, lead) as http:
        assert (await get(http, f"/api/history/chats/{anns}"))[0] == 200


async def test_the_leads_past_chats_filter(harness):
    (ann, _, ann_peer, anns), (bob, _, bob_peer, bobs) = await two_chats(harness)
    await harness.advance(130)  # Bob never answers: his chat breaches its first response
    assert (await ann_peer.call("chat:end", {"chat_id": anns}))["ok"]
    assert (await bob_peer.call("chat:end", {"chat_id": bobs}))["ok"]
    _, lead = await harness.add_agent("Lena", role=Role.SUPERVISOR)
    async with client(harness, lead) as http:
        async def ids(**filters) -> list[str]:
            status, body = await get(http, "/api/history/chats", **filters)
            assert status == 200, body
            return [c["id"] for c in body["chats"]]
        assert set(await ids()) == {anns, bobs}
        assert await ids(agent_id=ann.id) == [anns]
        assert set(await ids(sla_breached="true")) == {anns, bobs}  # neither answered within 60 s
        assert await ids(outcome="agent", agent_id=bob.id) == [bobs]
        assert set(await ids(**{"from": "2026-11-23", "to": "2026-11-23"})) == {anns, bobs}
        assert await ids(**{"from": "2026-11-24"}) == []
        assert await ids(rating="5") == []
        assert (await get(http, "/api/history/chats", outcome="exploded"))[0] == 400
        assert (await get(http, "/api/history/chats", rating="6"))[0] == 400
        assert (await get(http, "/api/history/chats", **{"from": "2026-11-24", "to": "2026-11-23"}))[0] == 400
        _, body = await get(http, "/api/history/chats", limit="1")
        assert body["more"] is True and len(body["chats"]) == 1


async def test_a_tag_narrows_search_and_past_chats_and_each_shows_its_tags(harness):
    (_, ann_token, ann_peer, anns), (_, _, bob_peer, bobs) = await two_chats(harness)
    _, lead = await harness.add_agent("Lena", role=Role.SUPERVISOR)
    async with client(harness, lead) as http:
        async with http.post("/api/tags", json={"name": "<i>VIP</i>", "colour": "red"}) as response:
            vip = (await response.json())["tag"]
        async with http.post(f"/api/chats/{anns}/tags", json={"tag_id": vip["id"]}) as response:
            assert response.status == 200
        assert (await ann_peer.call("chat:end", {"chat_id": anns}))["ok"]
        assert (await bob_peer.call("chat:end", {"chat_id": bobs}))["ok"]

        status, body = await get(http, "/api/history/chats", tag=vip["id"])
        assert status == 200 and body["tag"] == vip
        assert [(c["id"], c["tags"]) for c in body["chats"]] == [(anns, [vip])]
        _, body = await get(http, "/api/history/chats")
        assert {c["id"]: c["tags"] for c in body["chats"]} == {anns: [vip], bobs: []}

        status, body = await get(http, "/api/search", q="invoice", tag=vip["id"])
        assert status == 200 and body["tag"] == vip
        assert [(r["id"], r["tags"]) for r in body["results"]] == [(anns, [vip])]
        _, body = await get(http, "/api/search", q="invoice")
        assert {r["id"]: r["tags"] for r in body["results"]} == {anns: [vip], bobs: []}

        # a tag id that names no tag is a clear 400, not an empty list that reads as "no such chats"
        for path, params in (("/api/history/chats", {}), ("/api/search", {"q": "invoice"})):
            status, body = await get(http, path, tag="no-such-tag", **params)
            assert (status, body["error"]["code"]) == (400, "unknown_tag"), path
            status, body = await get(http, path, tag="bad tag!", **params)
            assert status == 400, path  # not an id at all
    async with client(harness, ann_token) as http:
        _, body = await get(http, "/api/search", q="invoice", tag=vip["id"])  # an agent narrows their own
        assert [(r["id"], r["tags"]) for r in body["results"]] == [(anns, [vip])]
        _, body = await get(http, f"/api/history/chats/{anns}")  # the past chat opened read-only
        assert body["tags"] == [vip]
