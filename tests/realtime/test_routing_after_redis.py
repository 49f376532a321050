"""A chat started while Redis had forgotten the agents (restarted empty),
before their node registered their connections again, waits in the queue;
no start or end routes it then. Each node's heartbeat routes what waits
while someone has room. Two nodes in this process, on one PostgreSQL
database and one Redis (tests/realtime/test_closures_across_nodes.py)."""
from __future__ import annotations

import secrets

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
