"""One set of ticket limits on every channel: each ticket mails a receipt
to an address someone typed, so the widget's socket (`ticket:create`) and
its HTTP form (`POST /widget/tickets`) share the `[limits]` budgets per
visitor, per client address and per recipient email, counted over an hour
in the live state."""
from __future__ import annotations

import aiohttp

from tests.realtime.test_identity import identity

FORM = {"subject": "Invoice wrong", "text": "The November invoice is doubled."}


async def on_socket(visitor, email: str) -> dict:
    return await visitor.call("ticket:create", {**FORM, "email": email})


async def over_http(harness, email: str, **fields) -> tuple[int, dict]:
    async with aiohttp.ClientSession(base_url=harness.url) as browser:
        async with browser.post("/widget/tickets", json={**FORM, "site": harness.site.key, "email": email,
                                                         **fields}) as response:
            return response.status, await response.json()


async def fresh_visitor(harness):
    visitor = await harness.visitor()  # no token: a new visitor each time, as a script would
    await visitor.next("session")
    return visitor


async def test_new_visitors_from_one_address_meet_its_limit_on_the_socket(harness):
    """The report: 10 connections x 5 tickets sent 50 receipts in 2 s."""
    acks = []
    for n in range(5):
        visitor = await fresh_visitor(harness)
        acks += [await on_socket(visitor, f"target{n}-{i}@example.test") for i in range(5)]
    assert [a["ok"] for a in acks] == [True] * 20 + [False] * 5
    refused = acks[-1]["error"]
    assert refused["code"] == "rate_limited" and "20 tickets an hour from one network address" in refused["message"]
    assert len(await harness.store.due_mail(harness.clock.now(), 100)) == 20


async def test_the_socket_and_the_http_form_share_the_address_budget(harness):
    for n in range(2):
        visitor = await fresh_visitor(harness)
        assert all([(await on_socket(visitor, f"s{n}-{i}@example.test"))["ok"] for i in range(5)])
    answers = [await over_http(harness, f"h{i}@example.test") for i in range(11)]
    assert [status for status, _ in answers] == [201] * 10 + [429]
    assert answers[-1][1]["error"]["code"] == "rate_limited"
    refused = await on_socket(await fresh_visitor(harness), "late@example.test")
    assert refused["error"]["code"] == "rate_limited"

    await harness.advance(3600)  # an hour later the window has moved on
    assert (await on_socket(await fresh_visitor(harness), "later@example.test"))["ok"]


async def test_one_visitor_may_open_five_tickets_an_hour_on_either_channel(harness):
    visitor = await fresh_visitor(harness)
    token = visitor.received("session")[0]["visitor_token"]
    assert all([(await on_socket(visitor, f"v{i}@example.test"))["ok"] for i in range(3)])
    statuses = [(await over_http(harness, f"w{i}@example.test", token=token))[0] for i in range(3)]
    assert statuses == [201, 201, 429]  # the same visitor over HTTP: 3 + 2 = 5


async def test_receipts_to_one_email_are_limited_whoever_asks(harness):
    acks = []
    for _ in range(3):
        visitor = await fresh_visitor(harness)
        acks += [await on_socket(visitor, "Victim@Example.test" if len(acks) % 2 else "victim@example.test")
                 for _ in range(4)]
    assert [a["ok"] for a in acks] == [True] * 10 + [False] * 2
    assert "10 tickets an hour for one email address" in acks[-1]["error"]["message"]


async def test_a_verified_visitor_mailing_their_own_email_counts_per_visitor_only(harness):
    for n in range(4):  # the office's address has used its budget
        visitor = await fresh_visitor(harness)
        assert all([(await on_socket(visitor, f"o{n}-{i}@example.test"))["ok"] for i in range(5)])
    assert not (await on_socket(await fresh_visitor(harness), "one-more@example.test"))["ok"]

    olga = await harness.visitor(identity=identity(harness.site.secret, at=harness.clock.now(), sub="olga",
                                                   email="olga@example.test"))
    await olga.next("session")
    assert (await on_socket(olga, "OLGA@example.test"))["ok"]  # her own, vouched for by the site
    elsewhere = await on_socket(olga, "someone-else@example.test")  # a stranger's: the address counts
    assert elsewhere["error"]["code"] == "rate_limited"


async def test_an_email_that_is_not_one_bare_address_is_refused_on_both_channels(harness):
    visitor = await fresh_visitor(harness)
    assert (await on_socket(visitor, '"Vera"<vera@example.test>'))["error"]["code"] == "bad_request"
    status, answer = await over_http(harness, "=?utf-8?q?x?=@example.test")
    assert status == 400 and answer["error"]["code"] == "bad_request"
    started = await visitor.call("chat:start", {"text": "hello", "email": "a,b@example.test"})
    assert started["error"]["code"] == "bad_request"


async def test_a_visitor_past_its_own_limit_uses_none_of_its_neighbours_budget(harness):
    noisy = await fresh_visitor(harness)
    acks = [await on_socket(noisy, f"n{i}@example.test") for i in range(15)]
    assert [a["ok"] for a in acks] == [True] * 5 + [False] * 10
    assert "5 tickets an hour" in acks[-1]["error"]["message"]
    for n in range(3):  # the 15 left of the address's 20
        neighbour = await fresh_visitor(harness)
        assert all([(await on_socket(neighbour, f"m{n}-{i}@example.test"))["ok"] for i in range(5)])
