"""The lead's accounts view over REST: one account (the verified visitors
of a site with that account id) or one visitor, whole, in one call; for
supervisors only, with JSON errors for bad and unknown ids."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import aiohttp
import pytest

from server.services.model import Role
from tests.realtime.test_identity import identity
from tests.web.test_api import agent, call, error_code, lead  # noqa: F401 (fixtures)
from tests.web.test_console_login import PASSWORD, log_in
from tests.web.test_dashboard_api import rate

ROUTES = ["/api/accounts/acme/acme-42", "/api/visitors/some-visitor-id"]


async def verified(harness, sub: str, *, account: str = "acme-42", name: str = "Pat Doe",
                   email: str = "pat@acme.test", plan: str | None = "business"):
    claims = {"sub": sub, "account": account, "name": name, "email": email} | ({"plan": plan} if plan else {})
    visitor = await harness.visitor(identity=identity(harness.site.secret, at=harness.clock.now(), **claims))
    await visitor.next("session")
    return visitor


async def chat(visitor, text: str) -> str:
    ack = await visitor.call("chat:start", {"text": text})
    assert ack["ok"], ack
    return ack["chat"]["id"]


@pytest.mark.parametrize("path", ROUTES)
async def test_agents_may_not_read_an_account_or_a_visitor(agent, path):  # noqa: F811
    assert await error_code(agent, "GET", path, 403) == "forbidden"


async def test_an_account_is_its_verified_visitors_and_their_whole_record(harness, lead):  # noqa: F811
    supervisor = await harness.supervisor()
    pat = await verified(harness, "pat")
    harness.clock.advance(1)
    sam = await verified(harness, "sam", name="Sam Roe", email="sam@acme.test")
    claimer = await harness.visitor(identity=identity(harness.site.secret, at=harness.clock.now(), sub="x",
                                                      name="Mallory"))  # an unrelated visitor of the site
    await claimer.next("session")
    pats_chat = await chat(pat, "the invoice is wrong")
    assert (await pat.call("chat:end", {"chat_id": pats_chat}))["ok"]
    harness.clock.advance(60)
    sams_chat = await chat(sam, "still wrong")
    await chat(claimer, "not them")
    await rate(harness, pats_chat, 1)
    ticket = await pat.call("ticket:create", {"email": "pat@acme.test", "subject": "Invoice", "text": "Wrong total"})
    assert ticket["ok"], ticket
    harness.clock.advance(60)
    suspended = await supervisor.call("account:suspend", {"account_id": "acme-42", "reason": "chargebacks", "days": 3})
    assert suspended["ok"], suspended

    whole = await call(lead, "GET", f"/api/accounts/{harness.site.key}/acme-42")
    assert (whole["kind"], whole["site"], whole["account"]) == ("account", harness.site.key,
                                                                 {"id": "acme-42", "plan": "business"})
    assert [v["name"] for v in whole["visitors"]] == ["Sam Roe", "Pat Doe"]  # newest first
    assert all(v["verified"] for v in whole["visitors"])
    assert [c["id"] for c in whole["chats"]] == [sams_chat, pats_chat]  # the latest started first
    assert all(c["status"] == "ended" for c in whole["chats"])  # the suspension ended the open one
    assert [t["id"] for t in whole["tickets"]] == [ticket["ticket"]["id"]]
    assert [(s["chat_id"], s["rating"]) for s in whole["surveys"]] == [(pats_chat, 1)]
    [held] = whole["suspensions"]
    assert held == whole["held"]
    assert (held["id"], held["reason"], held["active"], held["ban"]) == (
        suspended["suspension"]["id"], "chargebacks", True, False)
    assert held["actor_name"]  # who suspended, by name
    assert held["until"] == suspended["suspension"]["until"] and whole["more"] == []

    lifted = await supervisor.call("account:lift", {"account_id": "acme-42", "reason": "paid up"})
    assert lifted["ok"], lifted
    after = await call(lead, "GET", f"/api/accounts/{harness.site.key}/acme-42")
    [past] = after["suspensions"]
    assert after["held"] is None and not past["active"]
    assert (past["lifted_reason"], past["lifted_at"] is not None) == ("paid up", True)


async def test_a_visitor_shows_alone_with_the_account_that_holds_them(harness, lead):  # noqa: F811
    supervisor = await harness.supervisor()
    pat, sam = await verified(harness, "pat"), await verified(harness, "sam", name="Sam Roe")
    pats_chat = await chat(pat, "hello")
    await chat(sam, "hi")
    pat_id = (await harness.store.chat_by_id(pats_chat)).visitor_id
    assert (await supervisor.call("account:suspend", {"account_id": "acme-42", "reason": "fraud", "ban": True}))["ok"]

    one = await call(lead, "GET", f"/api/visitors/{pat_id}")
    assert (one["kind"], one["visitor"]["id"], one["visitor"]["name"]) == ("visitor", pat_id, "Pat Doe")
    assert one["account"] == {"id": "acme-42", "site": harness.site.key}
    assert [c["id"] for c in one["chats"]] == [pats_chat]  # not Sam's: the visitor alone
    assert one["held"]["ban"] is True and one["held"]["account_id"] == "acme-42"


async def test_an_anonymous_visitor_is_shown_alone_with_their_alerts(harness, lead):  # noqa: F811
    _, token = await harness.add_agent("Ann")
    ann = await harness.agent(token)
    anonymous = await harness.visitor()
    await anonymous.next("session")
    chat_id = await chat(anonymous, "you are useless")
    await ann.next("chat:assigned")
    flagged = await ann.call("chat:flag", {"chat_id": chat_id, "reason": "abusive"})
    assert flagged["ok"], flagged
    visitor_id = (await harness.store.chat_by_id(chat_id)).visitor_id
    supervisor = await harness.supervisor()
    assert (await supervisor.call("account:suspend", {"visitor_id": visitor_id, "reason": "insults"}))["ok"]
    harness.clock.advance(timedelta(days=31).total_seconds())

    one = await call(lead, "GET", f"/api/visitors/{visitor_id}")
    assert one["account"] is None and one["visitor"]["verified"] is False
    assert [(a["kind"], a["reason"]) for a in one["alerts"]] == [("flag", "abusive")]
    [past] = one["suspensions"]
    assert past["reason"] == "insults" and past["active"] is False and one["held"] is None  # ran out


async def test_an_account_id_is_url_encoded_in_the_path(harness, lead):  # noqa: F811
    await verified(harness, "pat", account="team/ä 7")
    whole = await call(lead, "GET", f"/api/accounts/{harness.site.key}/{quote('team/ä 7', safe='')}")
    assert whole["account"]["id"] == "team/ä 7" and len(whole["visitors"]) == 1


@pytest.mark.parametrize("path", ["/api/visitors/no-such-visitor", "/api/accounts/no-such-site/acme-42",
                                  "/api/accounts/{site}/nobody-has-this"])
async def test_unknown_ids_are_404(harness, lead, path):  # noqa: F811
    assert await error_code(lead, "GET", path.format(site=harness.site.key), 404) == "not_found"


@pytest.mark.parametrize("path", ["/api/visitors/bad%20id", f"/api/visitors/{'x' * 65}",
                                  "/api/accounts/{site}/a%00b", f"/api/accounts/{'k' * 101}/acme",
                                  f"/api/accounts/{{site}}/{'a' * 201}"])
async def test_malformed_ids_are_400(harness, lead, path):  # noqa: F811
    answer = await call(lead, "GET", path.format(site=harness.site.key), 400)
    assert answer["error"]["code"] == "bad_request" and answer["error"]["message"]


async def test_the_accounts_pages_are_for_supervisors_only(harness):
    lead, _ = await harness.add_agent("Lena", role=Role.SUPERVISOR, password=PASSWORD)
    agent, _ = await harness.add_agent("Carl", password=PASSWORD)
    pages = ("/accounts", "/accounts/acme/acme-42", "/accounts/acme/team%2F7", "/visitors/some-id")
    for who, status in ((agent, 403), (lead, 200)):
        session, _ = await log_in(harness, who.email)
        try:
            for path in pages:
                async with session.get(f"{harness.url}/console/dashboard{path}", allow_redirects=False) as page:
                    assert page.status == status, (who.name, path)
                    if status == 200:
                        assert 'data-page="account' in await page.text()
            async with session.get(f"{harness.url}/console/dashboard/visitors/bad%20id") as page:
                assert page.status == (403 if who is agent else 400)
        finally:
            await session.close()
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(f"{harness.url}/console/dashboard/accounts", allow_redirects=False) as page:
            assert page.status == 302 and page.headers["Location"].startswith("/console/login")


async def test_one_visitors_suspension_does_not_hold_their_whole_account(harness, lead):  # noqa: F811
    supervisor = await harness.supervisor()
    pat = await verified(harness, "pat")
    pat_id = (await harness.store.chat_by_id(await chat(pat, "hello"))).visitor_id
    alone = await supervisor.call("account:suspend", {"visitor_id": pat_id, "reason": "rude", "days": 2})
    assert alone["ok"], alone

    whole = await call(lead, "GET", f"/api/accounts/{harness.site.key}/acme-42")
    assert whole["held"] is None  # the account may chat: only Pat may not
    assert [(s["visitor_id"], s["active"]) for s in whole["suspensions"]] == [(pat_id, True)]
    assert (await call(lead, "GET", f"/api/visitors/{pat_id}"))["held"]["id"] == alone["suspension"]["id"]
    harness.clock.advance(60)
    ban = await supervisor.call("account:suspend", {"account_id": "acme-42", "reason": "fraud", "ban": True})
    assert (await call(lead, "GET", f"/api/visitors/{pat_id}"))["held"]["id"] == ban["suspension"]["id"]  # a ban first
