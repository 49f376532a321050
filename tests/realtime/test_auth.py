"""Who may connect: sites, origins, tokens, roles."""
from __future__ import annotations

import dataclasses

import pytest

from server.services.model import Role
from tests.peers import Refused


async def refusal(harness, namespace, auth, headers=None):
    with pytest.raises(Refused) as refused:
        await harness.peer(namespace, auth, headers).connect()
    return refused.value.data


async def test_an_unknown_site_is_refused(harness):
    assert (await refusal(harness, "/visitor", {"site": "nope"}))["code"] == "unknown_site"
    assert (await refusal(harness, "/visitor", None))["code"] == "unknown_site"
    assert (await refusal(harness, "/visitor", {"site": 12}))["code"] == "unknown_site"


async def test_the_widget_is_refused_on_an_origin_the_site_does_not_list(harness):
    await harness.store.save_site(dataclasses.replace(harness.site, origins=("https://shop.example",)))
    refused = await refusal(harness, "/visitor", {"site": "acme"}, {"Origin": "https://evil.example"})
    assert refused["code"] == "origin_not_allowed"
    peer = await harness.peer("/visitor", {"site": "acme"}, {"Origin": "https://shop.example"}).connect()
    assert (await peer.next("session"))["visitor_token"]


async def test_agents_need_a_valid_token_or_session(harness):
    assert (await refusal(harness, "/agent", None))["code"] == "unauthorized"
    assert (await refusal(harness, "/agent", {"token": "wrong" * 6}))["code"] == "unauthorized"
    assert (await refusal(harness, "/agent", {"token": ["x"]}))["code"] == "unauthorized"


async def test_the_supervisor_namespace_refuses_agents(harness):
    _, agent_token = await harness.add_agent("Agent")
    assert (await refusal(harness, "/supervisor", {"token": agent_token}))["code"] == "forbidden"
    _, lead_token = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    lead = await harness.peer("/supervisor", {"token": lead_token}).connect()
    assert (await lead.next("session"))["agent"]["role"] == "supervisor"


async def test_a_visitor_token_is_no_agent_token(harness):
    visitor = await harness.visitor()
    token = (await visitor.next("session"))["visitor_token"]
    assert (await refusal(harness, "/agent", {"token": token}))["code"] == "unauthorized"


async def test_connections_are_rate_limited_per_address(harness):
    limit = harness.config.limits.connects_per_minute
    for _ in range(limit):
        await (await harness.visitor()).close()
    assert (await refusal(harness, "/visitor", {"site": "acme"}))["code"] == "rate_limited"
    await harness.advance(61)
    await harness.visitor()


async def test_visitor_messages_are_rate_limited(harness):
    await harness.add_agent()
    visitor = await harness.visitor()
    chat = (await visitor.call("chat:start", {"text": "1"}))["chat"]
    limit = harness.config.limits.messages_per_minute
    for n in range(limit - 1):
        assert (await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": f"{n}", "text": "x"}))["ok"]
    over = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "over", "text": "x"})
    assert over["error"]["code"] == "rate_limited"
    await harness.advance(61)
    assert (await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "later", "text": "x"}))["ok"]


async def test_other_visitor_events_share_a_budget_per_connection(harness):
    await harness.add_agent()
    visitor = await harness.visitor()
    chat = (await visitor.call("chat:start", {"text": "1"}))["chat"]
    for _ in range(harness.config.limits.events_per_minute):
        assert (await visitor.call("chat:typing", {"chat_id": chat["id"], "typing": True}))["ok"]
    over = await visitor.call("chat:history", {"chat_id": chat["id"], "after_seq": 0})
    assert over["error"]["code"] == "rate_limited"
    await harness.advance(61)
    assert (await visitor.call("chat:history", {"chat_id": chat["id"], "after_seq": 0}))["ok"]
