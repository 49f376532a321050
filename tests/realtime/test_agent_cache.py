"""The agents cache: when it lapses under load, the messages in flight at
that moment share one read of the agents instead of one read each (the
benchmark found 25 reads a second, every one of them the same)."""
from __future__ import annotations

import asyncio


async def test_callers_of_a_lapsed_cache_share_one_read(harness):
    await harness.add_agent("Ann")
    router, store = harness.services.router, harness.services.desk.store
    reads = 0
    list_agents = store.list_agents

    async def counted():  # the real store's read, counted
        nonlocal reads
        reads += 1
        return await list_agents()

    store.list_agents = counted
    try:
        router._agents_at = None  # lapsed, as AGENTS_TTL_S real seconds later
        seen = await asyncio.gather(*(router.agents() for _ in range(20)))
        assert reads == 1
        assert all(len(agents) == 1 for agents in seen)
        assert [a.name for a in seen[0].values()] == ["Ann"]

        await router.agents(fresh=True)  # a caller that just changed an agent reads for itself
        assert reads == 2
    finally:
        del store.list_agents


async def test_a_cancelled_caller_does_not_cancel_the_others_read(harness):
    await harness.add_agent("Ann")
    router = harness.services.router
    router._agents_at = None
    first, second = asyncio.ensure_future(router.agents()), asyncio.ensure_future(router.agents())
    await asyncio.sleep(0)
    first.cancel()
    assert [a.name for a in (await second).values()] == ["Ann"]


async def test_a_shared_read_that_lands_late_does_not_undo_a_fresh_one(harness):
    await harness.add_agent("Ann")
    router, store = harness.services.router, harness.services.desk.store
    list_agents, begun, release = store.list_agents, asyncio.Event(), asyncio.Event()

    async def slow_first():  # the lapsed cache's read, held back until after a fresh read
        store.list_agents = list_agents  # only this read is held back: the fresh one reads for itself
        agents = await list_agents()  # before Bob is added: what lands late is stale
        begun.set()
        await release.wait()
        return agents

    if router._loading is not None:  # a read begun before this test's (adding Ann wakes the desk): let it land
        await router._loading
    store.list_agents = slow_first
    try:
        router._agents_at = None
        stale = asyncio.ensure_future(router.agents())
        await asyncio.wait_for(begun.wait(), 10)  # a failure, never a hang
        await asyncio.wait_for(harness.add_agent("Bob"), 10)  # a failure, never a hang
        assert {a.name for a in (await asyncio.wait_for(router.agents(fresh=True), 10)).values()} == {"Ann", "Bob"}
        release.set()
        await asyncio.wait_for(stale, 10)
        assert {a.name for a in (await router.agents()).values()} == {"Ann", "Bob"}
    finally:
        store.list_agents = list_agents
        del store.list_agents
