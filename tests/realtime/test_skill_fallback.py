"""A chat that asks for a skill nobody can give does not wait forever: after
`[policy] skill_fallback_s` (30 s) from when it was queued it goes to any
agent who can take it, a restart re-arms that wait, the lead's queue says
why each chat waits, and every topic of the demo reaches the demo agent."""
from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime, timedelta

import aiohttp

from server.cli import prepare_demo
from server.services.tokens import hash_token
from server.services.views import iso
from tests.conftest import make_config
from tests.peers import Peer
from tests.realtime.test_identity import identity
from tests.realtime.test_restart import site_and_agent, start_server
from tests.realtime.test_sla import settle


async def lead_queue(url: str, token: str) -> list[dict]:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(f"{url}/api/queue") as response:
            return (await response.json())["queue"]


def plus(at: str, seconds: int) -> str:
    return iso(datetime.fromisoformat(at) + timedelta(seconds=seconds))


async def test_a_chat_on_a_skill_nobody_on_shift_has_goes_to_any_agent_after_the_wait(harness):
    _, token = await harness.add_agent("Plain")
    plain = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("chat:start", {"text": "routing loop", "topic": "network"})
    assert ack["chat"]["status"] == "queued"  # Plain is free but lacks the skill
    [waiting] = await lead_queue(harness.url, token)
    assert waiting["waiting"] == {"reason": "needs_skill", "skill": "network", "min_tier": 1,
                                  "fallback_at": plus(ack["chat"]["started_at"], 30)}

    await harness.advance(29)
    await settle(plain)
    assert plain.received("chat:assigned") == []
    await harness.advance(1)
    assigned = await plain.next("chat:assigned")
    assert assigned["chat"]["id"] == ack["chat"]["id"]
    assert await lead_queue(harness.url, token) == []


async def test_the_wait_counts_from_a_transfer_to_a_skill_and_the_lead_sees_its_agents_busy(harness):
    _, plain_token = await harness.add_agent("Plain")
    plain = await harness.agent(plain_token)
    _, billy_token = await harness.add_agent("Billy", skills=("billing",))
    await harness.agent(billy_token, available=False)  # has the skill, but away
    visitor = await harness.visitor()
    await visitor.next("session")
    chat_id = (await visitor.call("chat:start", {"text": "my invoice"}))["chat"]["id"]
    await plain.next("chat:assigned")
    await harness.advance(300)  # long after the chat started
    moved = await plain.call("chat:transfer", {"chat_id": chat_id, "to": {"skill": "billing"}})
    assert moved["ok"] and moved["chat"]["status"] == "queued", moved
    [waiting] = await lead_queue(harness.url, plain_token)
    assert waiting["waiting"] == {"reason": "skill_busy", "skill": "billing", "min_tier": 1,
                                  "fallback_at": iso(harness.clock.now() + timedelta(seconds=30))}
    await harness.advance(29)
    await settle(plain)
    assert len(plain.received("chat:assigned")) == 1
    await harness.advance(1)
    assert (await plain.next("chat:assigned"))["chat"]["id"] == chat_id  # back to anyone who can


async def test_the_lead_sees_why_a_chat_without_a_skill_waits(harness):
    _, token = await harness.add_agent("Solo", capacity=1)
    solo = await harness.agent(token)
    first = await harness.visitor()
    await first.next("session")
    await first.call("chat:start", {"text": "one"})
    await solo.next("chat:assigned")
    second = await harness.visitor()
    await second.next("session")
    await second.call("chat:start", {"text": "two"})
    assert [q["waiting"]["reason"] for q in await lead_queue(harness.url, token)] == ["all_busy"]
    await solo.call("agent:status", {"status": "away"})
    assert [q["waiting"] for q in await lead_queue(harness.url, token)] == [
        {"reason": "nobody_available", "skill": None, "min_tier": 1, "fallback_at": None}]


async def test_the_skill_wait_is_rearmed_after_a_restart(aiohttp_server, tmp_path, clock):
    config = make_config(f"sqlite:///{tmp_path}/fallback.db")
    server, services, url = await start_server(aiohttp_server, config, clock)
    agent = await site_and_agent(services, url)
    token = agent.auth["token"]
    visitor = await Peer(url, "/visitor", {"site": "acme"}).connect()
    chat_id = (await visitor.call("chat:start", {"text": "routing loop", "topic": "network"}))["chat"]["id"]
    for peer in (agent, visitor):
        await peer.close()
    await server.close()

    clock.advance(10)  # down for 10 s of the 30
    server, services, url = await start_server(aiohttp_server, config, clock)
    back = await Peer(url, "/agent", {"token": token}).connect()
    await back.next("session")
    assert (await back.call("agent:status", {"status": "available"}))["ok"]  # routes: the skill is still asked
    assert (await services.desk.store.chat_by_id(chat_id)).status.value == "queued"
    clock.advance(20)
    await services.timers.fire_due()
    assert (await back.next("chat:assigned"))["chat"]["id"] == chat_id
    await back.close()


async def test_every_topic_of_the_demo_reaches_the_demo_agent(harness, capsys):
    store = harness.store
    await prepare_demo(store, harness.config)
    demo_agent = await store.agent_by_email("agent@demo.test")
    token = secrets.token_urlsafe(24)  # the demo prints a password; this peer signs in with a token
    await store.save_agent(dataclasses.replace(demo_agent, token_hash=hash_token(token)))
    agent = await harness.agent(token)
    site = await store.site_by_key("demo")
    topics = [name for name, topic in harness.config.topics.items() if topic.chat]
    assert "billing" in topics and "network" in topics
    for n, topic in enumerate(topics):
        jwt = identity(site.secret, sub=f"user-{n}", at=harness.clock.now())
        visitor = await harness.peer("/visitor", {"site": "demo", "identity": jwt}).connect()
        await visitor.next("session")
        ack = await visitor.call("chat:start", {"text": f"about {topic}", "topic": topic})
        assert ack["ok"] and ack["chat"]["status"] == "active", (topic, ack)
        assert ack["chat"]["agent"]["name"] == "Demo Agent", topic
        assert (await agent.call("chat:end", {"chat_id": ack["chat"]["id"]}))["ok"]
