"""A NUL character (U+0000) from any door is refused with a coded error,
never a crash, on SQLite and on PostgreSQL (which cannot store one), and
never costs another client its message in the same group commit."""
from __future__ import annotations

import asyncio

import jwt
import pytest

from server.services.clock import ManualClock
from tests.both_stores import database_url, pg_database  # noqa: F401 (fixtures)
from tests.peers import Refused
from tests.web.test_console_login import log_in


async def test_a_nul_in_a_message_is_refused_alone(harness):
    agent = await harness.agent((await harness.add_agent("Ann", capacity=5))[1])
    bad, good = await harness.visitor(), await harness.visitor()
    start = await bad.call("chat:start", {"text": "a\x00b"})
    assert start["ok"] is False and start["error"]["code"] == "bad_request"
    bad_chat = (await bad.call("chat:start", {"text": "hello"}))["chat"]
    good_chat = (await good.call("chat:start", {"text": "hello"}))["chat"]
    await agent.next("chat:assigned")
    await agent.next("chat:assigned")
    for _ in range(3):  # sent together: they may share a group commit
        acks = await asyncio.gather(
            bad.call("chat:send", {"chat_id": bad_chat["id"], "client_id": f"b{_}", "text": "x\x00y"}),
            good.call("chat:send", {"chat_id": good_chat["id"], "client_id": f"g{_}", "text": "fine"}))
        assert acks[0]["error"]["code"] == "bad_request" and acks[1]["ok"], acks
    flagged = await agent.call("chat:send", {"chat_id": bad_chat["id"], "client_id": "a\x00", "text": "hi"})
    assert flagged["error"]["code"] == "bad_request"


async def test_a_nul_in_a_site_key_is_refused(harness):
    with pytest.raises(Refused) as refused:
        await harness.visitor(site="ac\x00me")
    assert refused.value.data["code"] in ("unknown_site", "bad_request")
    assert (await (await harness.visitor()).next("session"))["visitor_token"]  # the server is fine


async def test_a_nul_in_identity_claims_is_dropped_and_the_user_gets_in(harness):
    claims = {"sub": "user\x00-1", "name": "Ann\x00ie", "exp": int(ManualClock().now().timestamp()) + 300}
    visitor = await harness.visitor(identity=jwt.encode(claims, harness.site.secret, algorithm="HS256"))
    session = await visitor.next("session")
    assert session["verified"] is True
    stored = await harness.store.visitor_by_id(session["visitor_id"])
    assert (stored.external_id, stored.name) == ("user-1", "Annie")


async def test_a_nul_in_the_login_form_is_no_500(harness):
    http, response = await log_in(harness, "a\x00b@example.test", "pw")
    try:
        assert response.status in (400, 401)
    finally:
        await http.close()
