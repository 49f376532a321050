"""A ticket's topic is one the desk knows, on every channel that opens one,
as for a chat: a made-up topic (a script's, or a stale page's) would file
tickets under names no agent filters by and no policy (department, skill)
applies to. Each channel answers bad_request naming the known topics and
stores nothing."""
from __future__ import annotations

import aiohttp

from tests.web.test_api import a_visitor, client, ticket_body

FORM = {"subject": "Invoice wrong", "text": "The November invoice is doubled.", "email": "vic@example.test"}


def refused_naming_the_known_topics(error: dict) -> bool:
    return error["code"] == "bad_request" and "astrology" in error["message"] and "general" in error["known"]


async def test_the_offline_form_on_the_socket_refuses_an_unknown_topic(harness):
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", {**FORM, "topic": "astrology"})
    assert not ack["ok"] and refused_naming_the_known_topics(ack["error"]), ack
    known = await visitor.call("ticket:create", {**FORM, "topic": "network"})
    assert known["ok"] and known["ticket"]["topic"] == "network", known
    assert [t.topic for t in await harness.store.list_tickets()] == ["network"]


async def test_the_http_form_refuses_an_unknown_topic(harness):
    async with aiohttp.ClientSession(base_url=harness.url) as browser:
        async with browser.post("/widget/tickets", json={**FORM, "site": harness.site.key,
                                                         "topic": "astrology"}) as response:
            answer = await response.json()
    assert response.status == 400 and refused_naming_the_known_topics(answer["error"]), answer
    assert await harness.store.list_tickets() == []


async def test_an_agent_opening_a_ticket_for_a_visitor_cannot_invent_a_topic(harness):
    _, token = await harness.add_agent("Agent")
    visitor = await a_visitor(harness)
    async with client(harness, token) as agent:
        async with agent.post("/api/tickets", json=ticket_body(visitor, topic="astrology")) as response:
            answer = await response.json()
    assert response.status == 400 and refused_naming_the_known_topics(answer["error"]), answer
    assert await harness.store.list_tickets() == []
