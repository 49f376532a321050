"""A closure added on one node reaches the others' calendars through Redis;
a node that has heard of it never answers from its old calendar meanwhile
(the reload is a store read, and a `chat:start` could come in before it
ends). Two nodes in this process, on one PostgreSQL database and one Redis."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from server.app import create_app
from server.services.clock import ManualClock
from server.services.model import Role
from server.web.pages import SERVICES
from tests import pgutil, redisutil
from tests.both_stores import pg_database  # noqa: F401 (a fixture)
from tests.conftest import Harness, make_config


@pytest.fixture
async def two_nodes(pg_database) -> AsyncIterator[tuple]:  # noqa: F811 (the fixture imported above)
    await pgutil.reset_database(pg_database)
    prefix = await redisutil.scratch_prefix()
    clock = ManualClock()
    apps = []
    for node in ("a", "b"):
        config = make_config(pg_database, server={"redis": redisutil.url(), "redis_prefix": prefix, "node": node},
                             desk={"holidays": "", "timezone": "UTC"})
        apps.append(await create_app(config, clock=clock, migrate=node == "a"))
    nodes = tuple(app[SERVICES] for app in apps)
    try:
        yield clock, *nodes
    finally:
        for services in nodes:
            await services.desk.live.close()
            await services.desk.store.close()
        await redisutil.drop_prefix(prefix)


async def test_a_node_told_of_a_closure_elsewhere_answers_from_the_new_calendar(two_nodes):
    clock, a, b = two_nodes
    today = clock.now().date()
    harness_a = Harness("", a, clock, a.desk.config, site=None)
    await harness_a.add_agent("Ann", shift="mon-sun 00:00-24:00")
    lead, _ = await harness_a.add_agent("Lee", capacity=0, role=Role.SUPERVISOR)
    assert await b.router.online(clock.now())
    answers: asyncio.Queue[asyncio.Task] = asyncio.Queue()

    def asked_at_once(topic: str, key: str) -> None:
        """Runs after b's closure service has started its reload (a store
        read): a `chat:start` asks b whether anyone is on shift right then."""
        if topic == "closures":
            answers.put_nowait(asyncio.ensure_future(b.router.online(clock.now())))
    b.desk.live.subscribe(asked_at_once)

    async with a.desk.events.unit():
        await a.closures.add(lead, today, "Company party")
    answer = await asyncio.wait_for(answers.get(), 5)

    assert not await answer, "b answered from the calendar it had before the closure"
    assert today in b.desk.closures
