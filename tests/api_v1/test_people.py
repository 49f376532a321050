"""/api/v1/visitors and /api/v1/accounts over a real server: a visitor's
and an account's record, suspending and lifting an account (its chat
ends, audited as the token), and what a site token may reach."""
from __future__ import annotations

import pytest

from server.services.model import Site
from server.services.tokens import new_id
from tests.api_v1.kit import new_token, send, token_named, v1
from tests.web.test_accounts_api import chat, verified


@pytest.fixture
async def ann(harness):
    _, token = await harness.add_agent("Ann")
    return await harness.agent(token)


async def test_a_visitor_and_their_account_are_read_with_their_record(harness, ann, writer):
    pat = await verified(harness, "pat-1", account="acme-42", plan="business")
    chat_id = await chat(pat, "my order")
    visitor_id = pat.received("session")[0]["visitor_id"]
    seen = await send(writer, "GET", f"/visitors/{visitor_id}")
    assert seen["visitor"]["account_id"] == "acme-42" and seen["visitor"]["verified"] is True
    assert seen["visitor"]["site"] == "acme" and [c["id"] for c in seen["chats"]] == [chat_id]
    assert seen["held"] is None and seen["suspensions"] == [] and seen["tickets"] == []
    account = await send(writer, "GET", "/accounts/acme-42")
    assert (account["site"], account["account_id"], account["plan"]) == ("acme", "acme-42", "business")
    assert [v["id"] for v in account["visitors"]] == [visitor_id]
    assert (await send(writer, "GET", "/accounts/nobody", 404))["error"]["code"] == "not_found"
    assert (await send(writer, "GET", "/visitors/nobody", 404))["error"]["code"] == "not_found"


async def test_an_account_is_suspended_and_lifted_as_the_token(harness, ann, writer):
    pat = await verified(harness, "pat-1", account="acme-42")
    chat_id = await chat(pat, "my order")
    body = {"reason": "abuse", "days": 2}
    made = await send(writer, "POST", "/accounts/acme-42/suspend", 201, json=body)
    token = await token_named(harness, "writer")
    assert made["ended_chats"] == [chat_id] and made["suspension"]["actor_id"] == f"token:{token.id}"
    assert made["suspension"]["active"] is True and made["suspension"]["ban"] is False
    await pat.next("account:suspended")
    assert (await send(writer, "POST", "/accounts/acme-42/suspend", 409, json=body))["error"]["code"] == "conflict"
    held = (await send(writer, "GET", "/accounts/acme-42"))["held"]
    assert held["id"] == made["suspension"]["id"]
    lifted = (await send(writer, "POST", "/accounts/acme-42/lift", json={"reason": "sorted out"}))["lifted"]
    assert [s["id"] for s in lifted] == [made["suspension"]["id"]]
    assert (await send(writer, "POST", "/accounts/acme-42/lift", 404, json={"reason": "again"}))["error"]["code"] \
        == "not_found"
    entries = await harness.services.records.audit(action=None, actor_id=f"token:{token.id}", target=None,
                                                   since=None, until=None, limit=10, offset=0)
    assert sorted(e["action"] for e in entries) == ["lift", "suspend"]
    assert {e["actor_name"] for e in entries} == {"writer (integration token)"}


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x", "days": "2"}, {"reason": "x", "why": 1},
                                  {"reason": "x" * 501}])
async def test_a_bad_suspension_is_400(writer, body):
    assert (await send(writer, "POST", "/accounts/acme-42/suspend", 400, json=body))["error"]["code"] \
        == "bad_request"


async def test_a_site_token_reaches_its_own_sites_visitors_and_accounts_only(harness):
    await harness.store.save_site(Site(id=new_id(), key="other", secret="o" * 32))
    pat = await verified(harness, "pat-1", account="acme-42")
    visitor_id = pat.received("session")[0]["visitor_id"]
    async with v1(harness, await new_token(harness, "write", site="other")) as elsewhere:
        assert (await send(elsewhere, "GET", f"/visitors/{visitor_id}", 404))["error"]["code"] == "not_found"
        assert (await send(elsewhere, "GET", "/accounts/acme-42?site=acme", 404))["error"]["code"] == "not_found"
        assert (await send(elsewhere, "GET", "/accounts/acme-42", 404))["error"]["code"] == "not_found"
        assert (await send(elsewhere, "POST", "/accounts/acme-42/suspend", 404,
                           json={"reason": "x", "site": "acme"}))["error"]["code"] == "not_found"
        # the same account id on its own site: that one is suspended, not acme's
        made = await send(elsewhere, "POST", "/accounts/acme-42/suspend", 201, json={"reason": "x"})
        assert made["suspension"]["account_id"] == "acme-42"
    async with v1(harness, await new_token(harness, "read", site="acme")) as own:
        assert (await send(own, "GET", "/accounts/acme-42"))["held"] is None
        assert (await send(own, "POST", "/accounts/acme-42/lift", 403, json={"reason": "x"}))["error"]["code"] \
            == "forbidden"
    async with v1(harness, await new_token(harness, "read")) as desk:  # two sites now: name one
        assert (await send(desk, "GET", "/accounts/acme-42", 400))["error"]["code"] == "bad_request"
        assert (await send(desk, "GET", "/accounts/acme-42?site=acme"))["site"] == "acme"
