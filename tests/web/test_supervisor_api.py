"""The supervisors' lists, read again on every dashboard page: alerts with
the SLA breaches among them, the surveys, and the visitor search behind
the suspend and lift forms."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.realtime.test_identity import identity
from tests.web.test_api import a_visitor, agent, call, error_code, lead  # noqa: F401 (fixtures)
from tests.web.test_dashboard_api import rate, start


async def alerts(session, **query) -> list[dict]:
    return (await call(session, "GET", f"/api/alerts?{urlencode(query)}"))["alerts"]


@pytest.mark.parametrize("path", ["/api/alerts", "/api/surveys", "/api/visitors?q=kim"])
async def test_only_supervisors_read_the_lists(agent, path):  # noqa: F811
    assert await error_code(agent, "GET", path, 403) == "forbidden"


async def test_sla_breaches_are_listed_among_the_alerts_when_asked_for(harness, lead):  # noqa: F811
    _, token = await harness.add_agent("Ann")
    ann = await harness.agent(token)
    supervisor = await harness.supervisor()
    _, chat_id = await start(harness, "anyone there?")
    await ann.next("chat:assigned")
    await harness.advance(harness.config.policy.first_response_s)  # nobody answered: a breach
    live = await supervisor.next("alert", lambda a: a["kind"] == "sla_breach")
    harness.clock.advance(60)
    flag = await ann.call("chat:flag", {"chat_id": chat_id, "reason": "rude"})

    assert [a["kind"] for a in await alerts(lead)] == ["flag"]  # as before: the stored abuse alerts
    both = await alerts(lead, sla="true")
    assert [a["kind"] for a in both] == ["flag", "sla_breach"] and both[0]["id"] == flag["alert_id"]
    assert both[1] == live  # the same shape as the live `alert`
    assert await alerts(lead, kind="sla_breach") == [live]
    assert await alerts(lead, sla="true", limit=1, offset=1) == [live]


async def test_surveys_are_listed_newest_first(harness, lead):  # noqa: F811
    _, first = await start(harness, "one")
    harness.clock.advance(60)
    await rate(harness, first, 2)
    _, second = await start(harness, "two")
    harness.clock.advance(60)
    await rate(harness, second, 5)
    listed = (await call(lead, "GET", "/api/surveys"))["surveys"]
    assert [(s["chat_id"], s["rating"]) for s in listed] == [(second, 5), (first, 2)]
    assert (await call(lead, "GET", "/api/surveys?limit=1&offset=1"))["surveys"][0]["chat_id"] == first


async def test_visitors_are_found_by_what_a_lead_knows_with_what_keeps_them_out(harness, lead):  # noqa: F811
    kim = await a_visitor(harness, email="kim@shop.test")
    supervisor = await harness.supervisor()
    pat = await harness.visitor(identity=identity(harness.site.secret, at=harness.clock.now(), sub="pat",
                                                  account="acme-42", name="Pat Doe", email="pat@acme.test"))
    assert (await pat.call("chat:start", {"text": "hi"}))["ok"]  # a visitor is stored once it chats
    suspended = await supervisor.call("account:suspend", {"account_id": "acme-42", "reason": "chargebacks"})

    [found] = (await call(lead, "GET", "/api/visitors?q=ACME-4"))["visitors"]
    assert (found["name"], found["account"], found["verified"], found["site"]) == ("Pat Doe", "acme-42", True, "acme")
    assert found["suspension"]["id"] == suspended["suspension"]["id"]
    [other] = (await call(lead, "GET", "/api/visitors?q=kim@shop"))["visitors"]
    assert (other["id"], other["suspension"]) == (kim.id, None)
    assert (await call(lead, "GET", "/api/visitors?q=nobody-here"))["visitors"] == []


@pytest.mark.parametrize("query", ["", "q=k", f"q={'x' * 101}", "q=kim&limit=21", "q=kim&colour=red"])
async def test_bad_searches_are_refused(lead, query):  # noqa: F811
    assert await error_code(lead, "GET", f"/api/visitors?{query}", 400) == "bad_request"
