"""`chat:context`: the visitor's page, browser facts and the host page's
fields beside its chat. Stored, sent to the chat's agent and to supervisors
after the commit, carried by `chat:assigned` (a reload) and by the lead's
GET /api/chats/{id}; validated, size- and rate-limited at the door."""
from __future__ import annotations

import aiohttp
import pytest

CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.6478.71 Mobile Safari/537.36")
PAGE = {"url": "https://shop.example/pricing", "title": "Pricing", "referrer": "https://search.example/",
        "language": "fr-CA", "time_zone": "America/Toronto", "utc_offset_min": -300, "user_agent": CHROME_ANDROID}


async def chatting(harness):
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "which plan?"}))["chat"]
    await agent.next("chat:assigned")
    return agent, visitor, chat


async def test_the_agent_sees_the_page_and_browser_and_each_new_page(harness):
    agent, visitor, chat = await chatting(harness)
    assert await visitor.call("chat:context", {"chat_id": chat["id"], **PAGE}) == {"ok": True}
    told = await agent.next("chat:context")
    visit = told["visit"]
    assert told["chat_id"] == chat["id"]
    assert {k: visit[k] for k in PAGE} == PAGE
    assert (visit["browser"], visit["os"], visit["mobile"]) == ("Chrome 126", "Android 14", True)
    assert visit["pages"] == [{"url": PAGE["url"], "title": "Pricing", "at": visit["updated_at"]}]
    assert visit["custom"] == {}
    await harness.advance(30)
    ack = await visitor.call("chat:context", {"chat_id": chat["id"], "url": "https://shop.example/checkout",
                                              "title": "Checkout"})
    assert ack["ok"], ack
    visit = (await agent.next("chat:context"))["visit"]
    assert [p["title"] for p in visit["pages"]] == ["Pricing", "Checkout"]
    assert visit["url"] == "https://shop.example/checkout" and visit["language"] == "fr-CA"  # kept


async def test_a_reloaded_console_and_the_leads_chat_view_show_it(harness):
    agent, visitor, chat = await chatting(harness)
    lead = await harness.supervisor()
    ack = await visitor.call("chat:context", {"chat_id": chat["id"], **PAGE, "custom": {"plan": "pro", "seats": 3}})
    assert ack["ok"], ack
    assert (await lead.next("chat:context"))["visit"]["custom"] == {"plan": "pro", "seats": 3}
    await agent.close()
    again = harness.peer("/agent", agent.auth)
    await again.connect()
    assigned = await again.next("chat:assigned")
    assert assigned["context"]["visit"]["url"] == PAGE["url"]
    assert assigned["context"]["visit"]["custom"] == {"plan": "pro", "seats": 3}
    sup_token = lead.auth["token"]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{harness.url}/api/chats/{chat['id']}",
                            headers={"Authorization": f"Bearer {sup_token}"}) as response:
            body = await response.json()
    assert response.status == 200, body
    assert [p["url"] for p in body["visit"]["pages"]] == [PAGE["url"]]


async def test_before_any_report_the_context_is_null(harness):
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    await visitor.call("chat:start", {"text": "hi"})
    assert (await agent.next("chat:assigned"))["context"]["visit"] is None


async def test_custom_fields_are_replaced_whole(harness):
    agent, visitor, chat = await chatting(harness)
    for custom, expected in (({"plan": "pro", "beta": True}, {"plan": "pro", "beta": True}),
                             ({"cart_total": 12.5}, {"cart_total": 12.5}), ({}, {})):
        assert (await visitor.call("chat:context", {"chat_id": chat["id"], "custom": custom}))["ok"]
        assert (await agent.next("chat:context"))["visit"]["custom"] == expected


BAD = [
    ({"custom": {"1abc": "x"}}, "bad_request"),  # a name starts with a letter
    ({"custom": {"a b": "x"}}, "bad_request"),
    ({"custom": {"<img src=x>": "x"}}, "bad_request"),
    ({"custom": {"a" * 41: "x"}}, "bad_request"),
    ({"custom": {"a": "x" * 201}}, "bad_request"),
    ({"custom": {"a": None}}, "bad_request"),
    ({"custom": {"a": {"nested": 1}}}, "bad_request"),
    ({"custom": {"a": [1, 2]}}, "bad_request"),
    ({"custom": {f"k{n}": "v" for n in range(21)}}, "bad_request"),
    ({"custom": {f"k{n}": "v" * 150 for n in range(15)}}, "too_large"),  # each fits, together over 2048 bytes
    ({"custom": "plan=pro"}, "bad_request"),
    ({"url": "x" * 2049}, "bad_request"),
    ({"title": 5}, "bad_request"),
    ({"language": "en<script>"}, "bad_request"),
    ({"time_zone": "Europe/Paris; drop"}, "bad_request"),
    ({"utc_offset_min": 100_000}, "bad_request"),
    ({"user_agent": "u" * 513}, "bad_request"),
    ({"page": {"url": "https://x.example"}}, "bad_request"),  # unknown field
]


@pytest.mark.parametrize(("fields", "code"), BAD, ids=[f"{i}-{c}" for i, (_, c) in enumerate(BAD)])
async def test_bad_input_gets_a_clear_error_and_changes_nothing(harness, fields, code):
    _, visitor, chat = await chatting(harness)
    assert (await visitor.call("chat:context", {"chat_id": chat["id"], "url": "https://ok.example/"}))["ok"]
    ack = await visitor.call("chat:context", {"chat_id": chat["id"], **fields})
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"], ack
    visit = await harness.services.visits.of_chat(chat["id"])
    assert visit["url"] == "https://ok.example/" and visit["custom"] == {}


async def test_only_the_visitors_own_open_chat(harness):
    agent, visitor, chat = await chatting(harness)
    stranger = await harness.visitor()
    await stranger.next("session")
    ack = await stranger.call("chat:context", {"chat_id": chat["id"], "url": "https://evil.example/"})
    assert ack["error"]["code"] == "forbidden"
    assert (await visitor.call("chat:context", {"chat_id": "nope", "url": "https://a.example/"}))["error"]["code"] \
        == "not_found"
    assert (await agent.call("chat:context", {"chat_id": chat["id"]}))["error"]["code"] == "unknown_event"
    assert (await visitor.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    ack = await visitor.call("chat:context", {"chat_id": chat["id"], "url": "https://a.example/"})
    assert ack["error"]["code"] == "chat_ended"
    assert await harness.services.visits.of_chat(chat["id"]) is None


async def test_updates_are_rate_limited_per_visitor(harness):
    """`[limits] context_per_minute` (30), all the visitor's tabs together."""
    _, visitor, chat = await chatting(harness)
    tab = harness.peer("/visitor", {"site": harness.site.key, "token": visitor.received("session")[0]["visitor_token"]})
    await tab.connect()
    acks = [await (visitor if n % 2 else tab).call("chat:context", {"chat_id": chat["id"], "url": f"https://s.example/{n}"})
            for n in range(31)]
    assert [a["ok"] for a in acks] == [True] * 30 + [False]
    assert acks[-1]["error"]["code"] == "rate_limited"
    await harness.advance(61)
    assert (await visitor.call("chat:context", {"chat_id": chat["id"], "url": "https://s.example/later"}))["ok"]


async def test_the_pages_kept_are_the_last_ones(harness):
    _, visitor, chat = await chatting(harness)
    for n in range(55):
        if n % 25 == 24:
            await harness.advance(61)  # under the rate limit
        assert (await visitor.call("chat:context", {"chat_id": chat["id"], "url": f"https://s.example/{n}"}))["ok"]
    pages = (await harness.services.visits.of_chat(chat["id"]))["pages"]
    assert [p["url"] for p in pages] == [f"https://s.example/{n}" for n in range(5, 55)]
