"""Verified visitors: an identity JWT signed with the site's secret."""
from __future__ import annotations

import dataclasses
from datetime import datetime

import jwt
import pytest

from server.services.clock import ManualClock
from server.services.model import IdentityMode
from tests.peers import Refused


def identity(secret: str, *, at: datetime = ManualClock().now(), **claims) -> str:
    """A JWT valid for 5 minutes from `at` (the test's clock, which is what
    the server checks times against)."""
    return jwt.encode({"sub": "user-1", "exp": int(at.timestamp()) + 300, **claims}, secret, algorithm="HS256")


async def refused(harness, **auth) -> str:
    with pytest.raises(Refused) as refusal:
        await harness.visitor(**auth)
    return refusal.value.data["code"]


async def test_a_valid_identity_marks_the_visitor_verified_and_finds_them_again(harness):
    token = identity(harness.site.secret, email="pat@example.test", name="Pat", account="acct-9")
    first = await harness.visitor(identity=token)
    session = await first.next("session")
    assert session["verified"] is True
    elsewhere = await harness.visitor(identity=token)  # another browser, same user
    assert (await elsewhere.next("session"))["visitor_id"] == session["visitor_id"]
    stored = await harness.store.visitor_by_id(session["visitor_id"])
    assert (stored.email, stored.name, stored.account_id) == ("pat@example.test", "Pat", "acct-9")


@pytest.mark.parametrize("make", [
    lambda secret: identity(secret, exp=int(ManualClock().now().timestamp()) - 3600),  # expired
    lambda secret: identity("another-secret-entirely-32-bytes!!"),          # wrong key
    lambda secret: jwt.encode({"sub": "user-1"}, secret, algorithm="HS256"),  # no exp
    lambda secret: jwt.encode({"exp": int(ManualClock().now().timestamp()) + 60}, secret, algorithm="HS256"),  # no sub
    lambda secret: "not.a.jwt",
], ids=["expired", "wrong-key", "no-exp", "no-sub", "garbage"])
async def test_a_bad_identity_is_refused(harness, make):
    assert await refused(harness, identity=make(harness.site.secret)) == "bad_identity"


async def test_the_none_algorithm_is_refused(harness):
    unsigned = jwt.encode({"sub": "user-1", "exp": int(ManualClock().now().timestamp()) + 60}, None, algorithm="none")
    assert await refused(harness, identity=unsigned) == "bad_identity"


async def test_a_site_that_requires_identity_refuses_anonymous_visitors(harness):
    await harness.store.save_site(dataclasses.replace(harness.site, identity=IdentityMode.REQUIRED))
    assert await refused(harness) == "identity_required"
    verified = await harness.visitor(identity=identity(harness.site.secret))
    assert (await verified.next("session"))["verified"] is True


async def test_an_unverified_claim_never_opens_a_verified_visitors_chat(harness):
    await harness.add_agent()
    owner = await harness.visitor(identity=identity(harness.site.secret, email="pat@example.test"))
    await owner.call("chat:start", {"text": "my invoice"})
    impostor = await harness.visitor()
    await impostor.call("chat:start", {"text": "hi", "email": "pat@example.test", "name": "Pat"})
    session = impostor.received("session")[0]
    assert session["verified"] is False
    owners = owner.received("session")[0]
    assert session["visitor_id"] != owners["visitor_id"]


async def test_an_identity_that_expires_years_ahead_is_refused(harness):
    """A leaked JWT speaks for its user until `exp`: past
    `[limits] identity_max_lifetime_s` (a day) it is refused."""
    now = int(ManualClock().now().timestamp())
    with pytest.raises(Refused) as refusal:
        await harness.visitor(identity=identity(harness.site.secret, exp=now + 3 * 365 * 86400))
    assert refusal.value.data["code"] == "bad_identity"
    assert "identity_max_lifetime_s" in refusal.value.data["message"]
    assert await refused(harness, identity=identity(harness.site.secret, exp=now + 86400 + 31)) == "bad_identity"
    within = await harness.visitor(identity=identity(harness.site.secret, exp=now + 86400))
    assert (await within.next("session"))["verified"] is True


@pytest.mark.parametrize("config_overrides", [{"limits": {"identity_max_lifetime_s": 600}}])
async def test_the_identity_lifetime_is_the_desks_to_choose(harness):
    now = int(ManualClock().now().timestamp())
    assert await refused(harness, identity=identity(harness.site.secret, exp=now + 3600)) == "bad_identity"
    within = await harness.visitor(identity=identity(harness.site.secret, exp=now + 600))
    assert (await within.next("session"))["verified"] is True
