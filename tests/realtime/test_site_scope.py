"""A visitor belongs to its site: a token (or an identity) from site B,
presented with site A's key, opens nothing of B's, on the socket and over
HTTP."""
from __future__ import annotations

import aiohttp
import pytest

from server.services.model import Site
from server.services.tokens import new_id
from tests.realtime.test_identity import identity

BEE_ORIGIN = "https://bee.example"


@pytest.fixture
async def bee(harness) -> Site:
    """Site B, which only its own pages may embed."""
    return await harness.store.save_site(Site(id=new_id(), key="bee", secret="b" * 32, origins=(BEE_ORIGIN,)))


async def bee_chat(harness, bee: Site, **auth) -> tuple[dict, dict]:
    """A visitor of B with a chat an agent answered: (its session, the chat)."""
    agent = await harness.agent((await harness.add_agent("Ann"))[1])
    visitor = await harness.peer("/visitor", {"site": bee.key, **auth}, {"Origin": BEE_ORIGIN}).connect()
    session = await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "my invoice 4711 is wrong"}))["chat"]
    await agent.next("chat:assigned")
    reply = {"chat_id": chat["id"], "client_id": "r1", "text": "your card ends in 1234"}
    assert (await agent.call("chat:send", reply))["ok"]
    return session, chat


async def test_a_token_of_site_b_with_site_a_key_opens_nothing_of_b(harness, bee):
    session, chat = await bee_chat(harness, bee)
    intruder = await harness.visitor(token=session["visitor_token"])  # acme's key: no origin list to pass
    seen = await intruder.next("session")
    assert seen["visitor_id"] != session["visitor_id"] and "chat" not in seen
    history = await intruder.call("chat:history", {"chat_id": chat["id"], "after_seq": 0})
    assert history["ok"] is False and history["error"]["code"] == "forbidden"
    send = await intruder.call("chat:send", {"chat_id": chat["id"], "client_id": "x", "text": "hi"})
    assert send["error"]["code"] == "forbidden"
    end = await intruder.call("chat:end", {"chat_id": chat["id"]})
    assert end["error"]["code"] == "forbidden"
    # what it starts is acme's, beside B's open chat, not B's
    started = await intruder.call("chat:start", {"text": "hello"})
    assert started["ok"], started
    mine = await harness.store.chat_by_id(started["chat"]["id"])
    assert mine.site_id == harness.site.id and mine.visitor_id == seen["visitor_id"]
    assert (await harness.store.chat_by_id(chat["id"])).status.value == "active"


async def test_a_token_of_site_b_opens_a_ticket_on_site_a_as_another_visitor(harness, bee):
    session, _ = await bee_chat(harness, bee)
    form = {"site": harness.site.key, "token": session["visitor_token"], "email": "x@example.test",
            "subject": "help", "text": "please"}
    async with aiohttp.ClientSession() as http, http.post(f"{harness.url}/widget/tickets", json=form) as answer:
        assert answer.status == 201, await answer.text()
        ticket_id = (await answer.json())["ticket"]["id"]
    ticket = await harness.store.ticket_by_id(ticket_id)
    assert ticket.site_id == harness.site.id and ticket.visitor_id != session["visitor_id"]
    b_visitor = await harness.store.visitor_by_id(session["visitor_id"])
    assert b_visitor.site_id == bee.id and b_visitor.email is None  # B's visitor is untouched


async def test_an_identity_of_site_b_is_refused_with_site_a_key(harness, bee):
    """Signed with B's secret: A's key checks it against A's secret."""
    with pytest.raises(Exception) as refused:
        await harness.visitor(identity=identity(bee.secret, sub="user-1"))
    assert refused.value.data["code"] == "bad_identity"


async def test_a_verified_visitor_of_b_stays_b_s_when_the_same_user_signs_in_on_a(harness, bee):
    """The same `sub` on two sites is two visitors: A's identity with B's token
    gets A's own visitor and a fresh token, never B's chat."""
    session, chat = await bee_chat(harness, bee, identity=identity(bee.secret, sub="user-1"))
    on_acme = await harness.visitor(identity=identity(harness.site.secret, sub="user-1"),
                                    token=session["visitor_token"])
    seen = await on_acme.next("session")
    assert seen["visitor_id"] != session["visitor_id"] and "chat" not in seen
    assert seen["visitor_token"] != session["visitor_token"]
    history = await on_acme.call("chat:history", {"chat_id": chat["id"], "after_seq": 0})
    assert history["error"]["code"] == "forbidden"
