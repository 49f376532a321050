"""A chat started while Redis had forgotten the agents (restarted empty),
before their node registered their connections again, waits in the queue;
no start or end routes it then. Each node's heartbeat routes what waits
while someone has room. Two nodes in this process, on one PostgreSQL
database and one Redis (tests/realtime/test_closures_across_nodes.py)."""
from __future__ import annotations

import asyncio
import secrets
import sys

from server.services.chats import Actor, StartRequest
from server.services.model import AgentStatus, Author, ChatStatus, Site, Visitor
from server.services.tokens import new_id
from tests import redisutil
from tests.conftest import Harness
from tests.both_stores import pg_database  # noqa: F401 (a fixture of two_nodes)
from tests.realtime.test_closures_across_nodes import two_nodes  # noqa: F401 (a fixture)


async def test_a_chat_queued_while_redis_had_forgotten_the_agent_is_routed_at_its_nodes_next_beat(two_nodes):  # noqa: F811
    clock, a, b = two_nodes
    site = await a.desk.store.save_site(Site(id=new_id(), key="acme", secret=secrets.token_urlsafe(32)))
    ann, _ = await Harness("", a, clock, a.desk.config, site=site).add_agent("Ann")
    for node in (a, b):
        async with node.desk.events.unit():
            await node.nodes.start()  # as each node does before it takes connections
    async with b.desk.events.unit():  # Ann's console is on node b
        await b.presence.agent_connected(ann, "b-ann-1")
        await b.presence.set_status(ann, AgentStatus.AVAILABLE)

    await redisutil.drop_prefix(a.desk.config.server.redis_prefix)  # Redis came back empty
    async with a.desk.events.unit():
        await a.nodes.beat()  # node a notices first and rebuilds the queue and loads from the store
    visitor = Visitor(id=new_id(), site_id=site.id, token_hash=new_id(), created_at=clock.now())
    async with a.desk.events.unit():
        chat, position = await a.chats.start(visitor, StartRequest("hello"), Actor(Author.VISITOR, visitor.id))
    assert chat.status is ChatStatus.QUEUED and position == 1  # as far as Redis knows, nobody is connected

    async with b.desk.events.unit():
        await b.nodes.beat()  # node b registers Ann's connection again
    stored = await a.desk.store.chat_by_id(chat.id)
    assert (stored.status, stored.agent_id) == (ChatStatus.ACTIVE, ann.id)


async def test_a_rebuild_counts_every_agents_load_before_it_queues_a_chat(two_nodes):  # noqa: F811
    """Node b routes (its heartbeat) while node a rebuilds the live state:
    a chat queued again before Ann's active chat is counted would go to
    Ann, who is full. The rebuild counts every load first. Two seams, both
    calling the real code: the store's list puts the queued chat first (as
    for a chat older than the active one, re-queued when its agent was
    lost), and the rebuild pauses at its first slot claim."""
    clock, a, b = two_nodes
    site = await a.desk.store.save_site(Site(id=new_id(), key="acme", secret=secrets.token_urlsafe(32)))
    ann, _ = await Harness("", a, clock, a.desk.config, site=site).add_agent("Ann", capacity=1)
    for node in (a, b):
        async with node.desk.events.unit():
            await node.nodes.start()
    async with b.desk.events.unit():
        await b.presence.agent_connected(ann, "b-ann-1")
        await b.presence.set_status(ann, AgentStatus.AVAILABLE)
    chats = []
    for text in ("first", "second"):
        visitor = Visitor(id=new_id(), site_id=site.id, token_hash=new_id(), created_at=clock.now())
        async with a.desk.events.unit():
            chats.append((await a.chats.start(visitor, StartRequest(text), Actor(Author.VISITOR, visitor.id)))[0])
        clock.advance(1)
    assert [c.status for c in chats] == [ChatStatus.ACTIVE, ChatStatus.QUEUED]

    await redisutil.drop_prefix(a.desk.config.server.redis_prefix)  # Redis came back empty
    listed = a.desk.store.chats_with_status

    async def queued_first(*statuses):
        return sorted(await listed(*statuses), key=lambda c: c.status is not ChatStatus.QUEUED)
    a.desk.store.chats_with_status = queued_first
    claim, paused, go = a.desk.live.claim_slot, asyncio.Event(), asyncio.Event()

    async def claim_after_a_pause(agent_id, chat_id, capacity, now):
        if capacity == sys.maxsize:  # the rebuild's claim of a chat it found active
            paused.set()
            await go.wait()
        return await claim(agent_id, chat_id, capacity, now)
    a.desk.live.claim_slot = claim_after_a_pause

    async def a_beats() -> None:
        async with a.desk.events.unit():
            await a.nodes.beat()
    rebuilding = asyncio.ensure_future(a_beats())
    await asyncio.wait_for(paused.wait(), 5)
    async with b.desk.events.unit():
        await b.nodes.beat()  # b registers Ann again and routes what waits
    go.set()
    await rebuilding
    load = {p.agent_id: p.load for p in await a.desk.live.presences()}
    second = await a.desk.store.chat_by_id(chats[1].id)
    assert load[ann.id] == 1 and (second.status, second.agent_id) == (ChatStatus.QUEUED, None)
