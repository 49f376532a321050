"""A restart rebuilds the queue, agent loads and grace deadlines from the
store: nothing acknowledged is lost and no chat is forgotten."""
from __future__ import annotations

import secrets

from server.app import create_app
from server.services.model import Agent, Site
from server.services.tokens import hash_token, new_id
from server.web.pages import SERVICES
from tests.conftest import make_config
from tests.peers import Peer


async def start_server(aiohttp_server, config, clock):
    app = await create_app(config, clock=clock)
    server = await aiohttp_server(app)
    return server, app[SERVICES], str(server.make_url("/")).rstrip("/")


async def site_and_agent(services, url: str, **agent_fields) -> Peer:
    """Site `acme` and an available agent, connected."""
    store = services.desk.store
    await store.save_site(Site(id=new_id(), key="acme", secret="s" * 32))
    token = secrets.token_urlsafe(24)
    await store.save_agent(Agent(id=new_id(), email="a@example.test", name="A", shift="always",
                                 token_hash=hash_token(token), **agent_fields))
    agent = await Peer(url, "/agent", {"token": token}).connect()
    await agent.call("agent:status", {"status": "available"})
    return agent


async def test_after_a_restart_chats_come_back_and_grace_periods_run_again(aiohttp_server, tmp_path, clock):
    config = make_config(f"sqlite:///{tmp_path}/restart.db")
    server, services, url = await start_server(aiohttp_server, config, clock)
    agent = await site_and_agent(services, url, capacity=1)
    active = await Peer(url, "/visitor", {"site": "acme"}).connect()
    active_token = (await active.next("session"))["visitor_token"]
    active_chat = (await active.call("chat:start", {"text": "first"}))["chat"]["id"]
    acked = await active.call("chat:send", {"chat_id": active_chat, "client_id": "k", "text": "kept"})
    waiting = await Peer(url, "/visitor", {"site": "acme"}).connect()
    waiting_chat = (await waiting.call("chat:start", {"text": "second"}))["chat"]["id"]
    for peer in (agent, active, waiting):
        await peer.close()
    await server.close()

    server, services, url = await start_server(aiohttp_server, config, clock)
    back = await Peer(url, "/visitor", {"site": "acme", "token": active_token}).connect()
    session = await back.next("session")
    assert session["chat"]["id"] == active_chat and session["chat"]["status"] == "active"
    history = await back.call("chat:history", {"chat_id": active_chat, "after_seq": 0})
    assert [(m["seq"], m["text"]) for m in history["messages"]] == [(1, "first"), (acked["seq"], "kept")]
    assert [e.chat_id for e in await services.desk.live.queue()] == [waiting_chat]

    clock.advance(config.policy.agent_grace_s)  # the agent never came back
    await services.timers.fire_due()
    assert [e.chat_id for e in await services.desk.live.queue()] == [active_chat, waiting_chat]
    clock.advance(config.policy.visitor_grace_s)  # the waiting visitor never came back
    await services.timers.fire_due()
    assert (await services.desk.store.chat_by_id(waiting_chat)).status.value == "ended"
    assert (await services.desk.store.chat_by_id(active_chat)).status.value == "queued"
    await back.close()


async def test_a_chat_transferred_to_a_tier_waits_for_that_tier_after_a_restart(aiohttp_server, tmp_path, clock):
    config = make_config(f"sqlite:///{tmp_path}/tier.db")
    server, services, url = await start_server(aiohttp_server, config, clock)
    agent = await site_and_agent(services, url, tier=1)
    visitor = await Peer(url, "/visitor", {"site": "acme"}).connect()
    chat_id = (await visitor.call("chat:start", {"text": "needs a specialist"}))["chat"]["id"]
    await services.desk.store.save_agent(Agent(id=new_id(), email="t2@example.test", name="T2", tier=2,
                                               shift="always"))
    moved = await agent.call("chat:transfer", {"chat_id": chat_id, "to": {"tier": 2}})
    assert moved["ok"], moved
    for peer in (agent, visitor):
        await peer.close()
    await server.close()

    server, services, url = await start_server(aiohttp_server, config, clock)
    [entry] = await services.desk.live.queue()
    assert (entry.chat_id, entry.min_tier, entry.front) == (chat_id, 2, True)
