"""`GET /widget/status?site=KEY`: what the widget's launcher shows on a page
that has not connected. Public, cacheable for 30 s, CORS for the site's
origins, rate-limited per address, and an unknown site says so."""
from __future__ import annotations

import aiohttp
import pytest

from server.services.model import Role, Site
from server.services.topics import TopicDraft
from server.services.tokens import new_id

SHOP = "https://shop.example.test"
LIMIT = 6


@pytest.fixture
def config_overrides() -> dict:
    return {"limits": {"status_per_minute": LIMIT}}


def answer(harness, online: bool, next_open: str | None) -> dict:
    """A status answer, with the desk's topics (the file's defaults here)."""
    return {"ok": True, "online": online, "next_open": next_open, "topics": list(harness.config.topics)}


async def status(harness, query: str = "site=acme", *, origin: str | None = SHOP,
                 method: str = "GET") -> tuple[int, dict, dict]:
    headers = {"Origin": origin} if origin else {}
    async with aiohttp.ClientSession() as http, \
            http.request(method, f"{harness.url}/widget/status?{query}", headers=headers) as answer:
        return answer.status, dict(answer.headers), await answer.json()


async def test_an_online_desk_is_told_with_a_public_cache_age_and_cors(harness) -> None:
    await harness.add_agent("Ann")  # always on shift
    code, headers, body = await status(harness)
    assert (code, body) == (200, answer(harness, True, None))
    assert headers["Cache-Control"] == "public, max-age=30"
    assert headers["Access-Control-Allow-Origin"] == SHOP and headers["Vary"] == "Origin"


async def test_an_offline_desk_names_its_next_opening_and_follows_the_shifts(harness) -> None:
    # The clock: Monday 10:00 in New York; Late works 21:00-23:00 there.
    await harness.add_agent("Late", shift="mon-fri 21:00-23:00")
    code, _, body = await status(harness)
    assert (code, body) == (200, answer(harness, False, "2026-11-24T02:00:00Z"))
    await harness.advance(11 * 3600)  # 21:00 in New York
    assert (await status(harness))[2] == answer(harness, True, None)


async def test_a_desk_without_agents_is_offline_with_no_opening(harness) -> None:
    assert (await status(harness))[2] == answer(harness, False, None)


async def test_the_topics_are_those_in_effect_a_leads_too(harness) -> None:
    lead, _ = await harness.add_agent("Lee", role=Role.SUPERVISOR)
    async with harness.services.desk.events.unit():
        await harness.services.topics.add(lead, "refunds", TopicDraft(skill="money"))
    assert (await status(harness))[2]["topics"] == [*harness.config.topics, "refunds"]


async def test_an_unknown_site_is_404_and_not_cached(harness) -> None:
    code, headers, body = await status(harness, "site=nope")
    assert code == 404 and body["error"]["code"] == "unknown_site"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Access-Control-Allow-Origin"] == SHOP  # the widget may read why


async def test_an_origin_the_site_does_not_list_is_refused(harness) -> None:
    await harness.store.save_site(Site(id=new_id(), key="bee", secret="b" * 32, origins=(SHOP,)))
    assert (await status(harness, "site=bee"))[0] == 200
    code, headers, body = await status(harness, "site=bee", origin="https://evil.example.test")
    assert code == 403 and body["error"]["code"] == "origin_not_allowed"
    assert headers["Cache-Control"] == "no-store"
    # Same-origin requests carry no Origin: answered, with nothing for CORS but Vary.
    code, headers, _ = await status(harness, "site=bee", origin=None)
    assert code == 200 and "Access-Control-Allow-Origin" not in headers and headers["Vary"] == "Origin"


async def test_past_the_limit_an_address_waits_a_minute(harness) -> None:
    for _ in range(LIMIT):
        assert (await status(harness))[0] == 200
    code, headers, body = await status(harness)
    assert code == 429 and body["error"]["code"] == "rate_limited"
    assert headers["Cache-Control"] == "no-store"
    await harness.advance(61)
    assert (await status(harness))[0] == 200


@pytest.mark.parametrize("query", ["", "site=", "site=acme&site=acme", "site=acme&x=1", f"site={'k' * 101}"])
async def test_a_bad_query_is_400(harness, query: str) -> None:
    code, _, body = await status(harness, query)
    assert code == 400 and body["error"]["code"] == "bad_request"


async def test_only_get_is_taken(harness) -> None:
    code, headers, body = await status(harness, method="POST")
    assert code == 405 and body["error"]["code"] == "method_not_allowed"
    assert headers["Allow"] == "GET, HEAD"
