"""Suspensions and bans over real sockets, on the injected clock: chats end
at once on every connection, new connections and chats are refused with
the date it lifts, it lifts by itself at that instant (a restart too), a
supervisor lifts it, no message gets in after it, and the ticket form
stays open."""
from __future__ import annotations

import asyncio
import dataclasses
import secrets
from datetime import timedelta

import aiohttp
import pytest

from server.services.model import Agent, AuditEntry, ChatStatus, Role, Suspension
from server.services.tokens import hash_token, new_id
from server.services.views import iso
from tests.conftest import eventually, make_config
from tests.peers import Peer, Refused
from tests.realtime.test_identity import identity
from tests.realtime.test_restart import site_and_agent, start_server

ACCOUNT = "acct-9"
DAY_S = 86400
SHOP = "https://shop.example"


def user(harness, sub: str, account: str = ACCOUNT) -> str:
    """An identity JWT valid now on the harness's clock."""
    return identity(harness.site.secret, at=harness.clock.now(), sub=sub, account=account)


async def refusal(harness, **auth) -> dict:
    with pytest.raises(Refused) as refused:
        await harness.visitor(**auth)
    return refused.value.data


def until_in(harness, days: int) -> str:
    return iso(harness.clock.now() + timedelta(days=days))


async def closed(*peers: Peer) -> None:
    async def all_closed() -> bool:
        return not any(peer.sio.connected for peer in peers)
    await eventually(all_closed)


async def test_suspending_an_account_ends_its_chats_on_every_connection_at_once(harness):
    agent_row, token = await harness.add_agent(capacity=3)
    agent = await harness.agent(token)
    supervisor = await harness.supervisor()
    tab = await harness.visitor(identity=user(harness, "pat"))
    first = (await tab.call("chat:start", {"text": "refund me now"}))["chat"]["id"]
    other_tab = await harness.visitor(identity=user(harness, "pat"))  # the same user in a second tab
    assert (await other_tab.next("session"))["chat"]["id"] == first
    colleague = await harness.visitor(identity=user(harness, "sam"))  # another user of the account
    second = (await colleague.call("chat:start", {"text": "me too"}))["chat"]["id"]
    bystander = await harness.visitor(identity=user(harness, "kim", account="acct-1"))

    ack = await supervisor.call("account:suspend", {"account_id": ACCOUNT, "reason": "insulted the staff"})
    until = until_in(harness, harness.config.policy.suspension_days)
    assert ack["ok"] and sorted(ack["ended_chats"]) == sorted([first, second])
    assert (ack["suspension"]["until"], ack["suspension"]["ban"]) == (until, False)
    for peer, chat_id in ((tab, first), (other_tab, first), (colleague, second)):
        assert await peer.next("chat:ended") == {"chat_id": chat_id, "reason": "suspended"}
        assert await peer.next("account:suspended") == {"until": until, "ban": False}  # no reason: it is the lead's
    await closed(tab, other_tab, colleague)
    assert {(await agent.next("chat:ended"))["chat_id"] for _ in range(2)} == {first, second}
    assert await harness.services.desk.live.chats_of(agent_row.id) == set()
    for chat_id in (first, second):
        stored = await harness.store.chat_by_id(chat_id)
        assert (stored.status, stored.end_reason) == (ChatStatus.ENDED, "suspended")
    assert tab.received("survey:request") == [] and bystander.sio.connected


async def test_a_new_token_of_a_suspended_account_is_refused_with_the_date_it_lifts(harness):
    supervisor = await harness.supervisor()
    tab = await harness.visitor(identity=user(harness, "pat"))
    session = await tab.next("session")
    assert (await supervisor.call("account:suspend", {"account_id": ACCOUNT, "days": 7, "reason": "abuse"}))["ok"]
    await closed(tab)

    expected = {"code": "suspended", "until": until_in(harness, 7)}
    for auth in ({"token": session["visitor_token"]},  # the old token, without its identity
                 {"identity": user(harness, "newcomer")},  # a new user of the same account
                 {"identity": user(harness, "pat")}):
        refused = await refusal(harness, **auth)
        assert {key: refused[key] for key in expected} == expected, auth
        assert refused["data"]["until"] == expected["until"]  # socket.io-client's err.data
    other_account = await harness.visitor(identity=user(harness, "kim", account="acct-1"))
    assert (await other_account.next("session"))["verified"] is True


async def test_a_ban_refuses_the_same_visitor_for_good(harness):
    await harness.add_agent()
    supervisor = await harness.supervisor()
    visitor = await harness.visitor()
    session = await visitor.next("session")
    assert (await visitor.call("chat:start", {"text": "use this card"}))["ok"]  # the visitor is stored now

    ack = await supervisor.call("account:suspend", {"visitor_id": session["visitor_id"], "ban": True,
                                                    "reason": "card fraud"})
    assert ack["ok"] and ack["suspension"]["until"] is None
    assert await visitor.next("account:suspended") == {"until": None, "ban": True}
    await closed(visitor)
    await harness.advance(3650 * DAY_S)
    refused = await refusal(harness, token=session["visitor_token"])
    assert refused["code"] == "banned" and "until" not in refused
    assert (await harness.visitor()).sio.connected  # a new browser is a stranger: nothing ties it to the ban


async def test_chat_start_is_refused_to_a_connection_that_outlived_the_suspension(harness):
    await harness.add_agent()
    visitor = await harness.visitor(identity=user(harness, "pat"))
    visitor_id = (await visitor.next("session"))["visitor_id"]
    until = harness.clock.now() + timedelta(days=1)
    # Straight in the store: the service would have closed this connection.
    await harness.store.suspend(Suspension(id=new_id(), site_id=harness.site.id, ban=False, reason="abuse",
                                           created_at=harness.clock.now(), until=until, account_id=ACCOUNT),
                                AuditEntry(id=new_id(), at=harness.clock.now(), action="suspend", target="t"))
    ack = await visitor.call("chat:start", {"text": "hello?"})
    assert ack["error"]["code"] == "suspended" and ack["error"]["until"] == iso(until)
    assert await harness.store.open_chat_of_visitor(visitor_id) is None
    # the message is for people: the desk's time; `until` stays ISO for clients to format
    assert "until Tuesday 24 November 2026, 10:00 EST;" in ack["error"]["message"]


async def test_a_chat_started_as_a_suspension_commits_elsewhere_is_not_stored(harness, monkeypatch):
    """The suspension commits after chat:start asked the node's memory
    copy (as on another node, which this one has not heard from yet),
    before its chat is stored: the store's check in the same transaction
    refuses it: nothing is stored, nobody is given the chat."""
    agent, token = await harness.add_agent()
    agent_id = agent.id
    await harness.agent(token)
    visitor = await harness.visitor(identity=user(harness, "pat"))
    visitor_id = (await visitor.next("session"))["visitor_id"]
    start_chat = harness.store.start_chat

    async def suspended_meanwhile(who, chat, first):
        await harness.store.suspend(
            Suspension(id=new_id(), site_id=harness.site.id, ban=True, reason="fraud",
                       created_at=harness.clock.now(), visitor_id=visitor_id),
            AuditEntry(id=new_id(), at=harness.clock.now(), action="ban", target="t"))
        return await start_chat(who, chat, first)
    monkeypatch.setattr(harness.store, "start_chat", suspended_meanwhile)

    ack = await visitor.call("chat:start", {"text": "quick, before the ban"})
    assert ack["error"]["code"] == "banned"
    assert await harness.store.open_chat_of_visitor(visitor_id) is None
    assert [c for c in await harness.store.chats_with_status(ChatStatus.ENDED) if c.visitor_id == visitor_id] == []
    assert await harness.services.desk.live.chats_of(agent_id) == set()
    assert await harness.services.desk.live.queue() == []


async def test_a_suspension_lifts_by_itself_at_the_exact_instant(harness):
    supervisor = await harness.supervisor()
    tab = await harness.visitor(identity=user(harness, "pat"))
    await tab.next("session")
    ack = await supervisor.call("account:suspend", {"account_id": ACCOUNT, "days": 2, "reason": "abuse"})
    await closed(tab)

    await harness.advance(2 * DAY_S - 1)
    assert (await refusal(harness, identity=user(harness, "pat")))["code"] == "suspended"
    await harness.advance(1)
    back = await harness.visitor(identity=user(harness, "pat"))
    assert (await back.next("session"))["verified"] is True
    [lifted] = await harness.store.audit_log(action="auto_lift")
    assert (lifted.actor_id, lifted.target, lifted.at) == (None, f"account:acme/{ACCOUNT}", harness.clock.now())
    stored = await harness.store.suspension_by_id(ack["suspension"]["id"])
    assert iso(stored.lifted_at) == ack["suspension"]["until"] and stored.lifted_by is None


async def test_a_supervisor_lifts_a_suspension(harness):
    await harness.add_agent()
    supervisor = await harness.supervisor()
    lead_id = supervisor.received("session")[0]["agent"]["id"]
    tab = await harness.visitor(identity=user(harness, "pat"))
    await tab.next("session")
    assert (await supervisor.call("account:suspend", {"account_id": ACCOUNT, "site": "acme", "reason": "abuse"}))["ok"]
    await closed(tab)
    harness.clock.advance(3600)

    lift = await supervisor.call("account:lift", {"account_id": ACCOUNT, "reason": "they apologised"})
    assert lift["ok"] and lift["lifted"][0]["lifted_at"] == iso(harness.clock.now())
    back = await harness.visitor(identity=user(harness, "pat"))
    assert (await back.call("chat:start", {"text": "sorry about that"}))["ok"]
    again = await supervisor.call("account:lift", {"account_id": ACCOUNT, "reason": "twice"})
    assert again["error"]["code"] == "not_found"
    [entry] = await harness.store.audit_log(action="lift")
    assert (entry.actor_id, entry.reason, entry.target) == (lead_id, "they apologised", f"account:acme/{ACCOUNT}")
    assert await harness.services.desk.live.deadline(f"suspension:{lift['lifted'][0]['id']}") is None


async def test_no_message_gets_in_after_the_suspension_commits(harness, monkeypatch):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    supervisor = await harness.supervisor()
    visitor = await harness.visitor(identity=user(harness, "pat"))
    chat_id = (await visitor.call("chat:start", {"text": "hi"}))["chat"]["id"]
    await agent.next("chat:assigned")
    suspend = harness.store.suspend

    async def then_tick(*args, **kwargs):
        """A message staged after the commit is one second later than the chat's end."""
        ended = await suspend(*args, **kwargs)
        harness.clock.advance(1)
        return ended
    monkeypatch.setattr(harness.store, "suspend", then_tick)

    loop = asyncio.get_running_loop()
    acks: dict[str, asyncio.Future] = {}

    async def send(peer: Peer, client_id: str) -> None:
        acks[client_id] = future = loop.create_future()
        await peer.emit("chat:send", {"chat_id": chat_id, "client_id": client_id, "text": client_id},
                        callback=lambda ack: future.done() or future.set_result(ack))

    for i in range(40):  # pipelined, not awaited: the suspension lands among them
        if i < 25:  # within the visitor's messages_per_minute
            await send(visitor, f"v{i}")
        await send(agent, f"a{i}")
        if i == 12:
            suspended = asyncio.ensure_future(supervisor.call("account:suspend", {"account_id": ACCOUNT,
                                                                                  "reason": "abuse"}))
    assert (await suspended)["ok"]
    late = await agent.call("chat:send", {"chat_id": chat_id, "client_id": "late", "text": "late"})
    assert late["error"]["code"] == "chat_ended"
    await asyncio.wait([f for key, f in acks.items() if key.startswith("a")], timeout=5)  # the agent stays

    chat = await harness.store.chat_by_id(chat_id)
    stored = await harness.store.messages_after(chat_id, 0, include_notes=True)
    assert [m.seq for m in stored] == list(range(1, chat.last_seq + 1))
    assert all(m.at <= chat.ended_at for m in stored)
    kept = {m.client_id: m.seq for m in stored}
    for client_id, future in acks.items():
        if not future.done():  # the visitor's connection closed before its ack
            continue
        ack = future.result()
        if ack["ok"]:
            assert kept[client_id] == ack["seq"]
        else:
            assert ack["error"]["code"] == "chat_ended" and client_id not in kept


async def test_only_supervisors_suspend(harness):
    _, token = await harness.add_agent()
    with pytest.raises(Refused) as refused:
        await harness.peer("/supervisor", {"token": token}).connect()
    assert refused.value.data["code"] == "forbidden"
    agent = await harness.agent(token)  # /agent does not know the event at all
    ack = await agent.call("account:suspend", {"account_id": ACCOUNT, "reason": "x"})
    assert ack["error"]["code"] == "unknown_event"


@pytest.mark.parametrize("event, payload, code", [
    ("account:suspend", None, "bad_request"),
    ("account:suspend", "acct-9", "bad_request"),
    ("account:suspend", {"reason": "no target"}, "bad_request"),
    ("account:suspend", {"account_id": ACCOUNT, "visitor_id": "v", "reason": "both"}, "bad_request"),
    ("account:suspend", {"account_id": ACCOUNT}, "bad_request"),
    ("account:suspend", {"account_id": ACCOUNT, "reason": ""}, "bad_request"),
    ("account:suspend", {"account_id": ACCOUNT, "reason": "   "}, "bad_request"),
    ("account:suspend", {"account_id": ACCOUNT, "reason": "x" * 501}, "bad_request"),
    ("account:suspend", {"account_id": ACCOUNT, "reason": "x", "days": 0}, "bad_request"),
    ("account:suspend", {"account_id": ACCOUNT, "reason": "x", "days": "30"}, "bad_request"),
    ("account:suspend", {"account_id": ACCOUNT, "reason": "x", "ban": True, "days": 3}, "bad_request"),
    ("account:suspend", {"account_id": ACCOUNT, "reason": "x", "evil": 1}, "bad_request"),
    ("account:suspend", {"visitor_id": "v", "site": "acme", "reason": "x"}, "bad_request"),
    ("account:suspend", {"visitor_id": "nobody", "reason": "x"}, "not_found"),
    ("account:suspend", {"account_id": "never-seen", "reason": "x"}, "not_found"),
    ("account:suspend", {"account_id": ACCOUNT, "site": "no-such-site", "reason": "x"}, "not_found"),
    ("account:lift", {"account_id": ACCOUNT}, "bad_request"),
    ("account:lift", {"account_id": ACCOUNT, "reason": "nothing to lift"}, "not_found"),
])
async def test_bad_suspensions_are_refused_and_change_nothing(harness, event, payload, code):
    supervisor = await harness.supervisor()
    tab = await harness.visitor(identity=user(harness, "pat"))  # makes acct-9 known on site acme
    await tab.next("session")
    ack = await supervisor.call(event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert await harness.store.audit_log() == [] and tab.sio.connected and supervisor.sio.connected


async def test_a_suspended_account_cannot_be_suspended_twice(harness):
    supervisor = await harness.supervisor()
    await (await harness.visitor(identity=user(harness, "pat"))).next("session")
    assert (await supervisor.call("account:suspend", {"account_id": ACCOUNT, "reason": "abuse"}))["ok"]
    again = await supervisor.call("account:suspend", {"account_id": ACCOUNT, "ban": True, "reason": "fraud"})
    assert again["error"]["code"] == "conflict"


async def test_a_suspension_lifts_by_itself_after_a_restart(aiohttp_server, tmp_path, clock):
    config = make_config(f"sqlite:///{tmp_path}/restart.db")
    server, services, url = await start_server(aiohttp_server, config, clock)
    agent = await site_and_agent(services, url)
    token = secrets.token_urlsafe(24)
    await services.desk.store.save_agent(Agent(id=new_id(), email="lead@example.test", name="Lead",
                                               role=Role.SUPERVISOR, token_hash=hash_token(token)))
    supervisor = await Peer(url, "/supervisor", {"token": token}).connect()
    visitor = await Peer(url, "/visitor", {"site": "acme"}).connect()
    session = await visitor.next("session")
    assert (await visitor.call("chat:start", {"text": "hi"}))["ok"]
    ack = await supervisor.call("account:suspend", {"visitor_id": session["visitor_id"], "days": 1,
                                                    "reason": "abuse"})
    assert ack["ok"]
    for peer in (agent, supervisor, visitor):
        await peer.close()
    await server.close()

    server, services, url = await start_server(aiohttp_server, config, clock)
    key = f"suspension:{ack['suspension']['id']}"
    assert iso(await services.desk.live.deadline(key)) == ack["suspension"]["until"]
    clock.advance(DAY_S)
    await services.timers.fire_due()
    [lifted] = await services.desk.store.audit_log(action="auto_lift")
    assert lifted.target == f"visitor:{session['visitor_id']}"
    back = await Peer(url, "/visitor", {"site": "acme", "token": session["visitor_token"]}).connect()
    assert (await back.next("session"))["visitor_id"] == session["visitor_id"]
    await back.close()


# the ticket form stays open

async def post_ticket(harness, origin: str = SHOP, **fields) -> tuple[int, dict, dict]:
    body = {"site": "acme", "email": "pat@example.test", "subject": "Locked out", "text": "Chat says no.",
            **fields}
    async with aiohttp.ClientSession(base_url=harness.url) as browser:
        async with browser.post("/widget/tickets", json=body, headers={"Origin": origin}) as response:
            return response.status, dict(response.headers), await response.json()


@pytest.fixture
async def shop(harness):
    """The harness's site, embedded only on the shop's pages."""
    harness.site = await harness.store.save_site(dataclasses.replace(harness.site, origins=(SHOP,)))
    return harness


async def test_a_suspended_visitor_still_opens_a_ticket_from_the_widget(shop):
    supervisor = await shop.supervisor()
    tab = await shop.peer("/visitor", {"site": "acme", "identity": user(shop, "pat")},
                          headers={"Origin": SHOP}).connect()
    token = (await tab.next("session"))["visitor_token"]
    assert (await supervisor.call("account:suspend", {"account_id": ACCOUNT, "reason": "abuse"}))["ok"]

    status, headers, answer = await post_ticket(shop, token=token, priority="high")
    assert status == 201 and answer["ok"], answer
    assert answer["ticket"]["number"].startswith("SD-") and answer["ticket"]["status"] == "open"
    assert headers["Access-Control-Allow-Origin"] == SHOP
    [ticket] = await shop.store.list_tickets()
    assert ticket.account_id == ACCOUNT and ticket.priority.value == "high"  # verified: not capped


async def test_the_widget_ticket_form_refuses_other_origins_and_answers_the_preflight(shop):
    status, headers, answer = await post_ticket(shop, origin="https://evil.example")
    assert (status, answer["error"]["code"]) == (403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in headers
    assert await shop.store.list_tickets() == []
    status, headers, answer = await post_ticket(shop, subject="")
    assert (status, answer["error"]["code"]) == (400, "bad_request")
    status, headers, answer = await post_ticket(shop, site="no-such-site")
    assert (status, answer["error"]["code"]) == (404, "unknown_site")
    status, headers, answer = await post_ticket(shop, text="x" * (shop.config.limits.message_chars + 1))
    assert (status, answer["error"]["code"]) == (413, "too_large")
    assert headers["Access-Control-Allow-Origin"] == SHOP  # the widget may read why
    async with aiohttp.ClientSession(base_url=shop.url) as browser:
        preflight = await browser.options("/widget/tickets", headers={
            "Origin": SHOP, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == SHOP
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


async def test_the_widget_ticket_form_is_rate_limited_per_address(shop):
    for i in range(20):  # each without a token: a new visitor each time
        assert (await post_ticket(shop, email=f"pat{i}@example.test"))[0] == 201
    status, headers, answer = await post_ticket(shop, email="pat20@example.test")
    assert (status, answer["error"]["code"]) == (429, "rate_limited")
    shop.clock.advance(3600)
    assert (await post_ticket(shop, email="pat21@example.test"))[0] == 201
