"""The Store contract for console sessions and removed agents, on SQLite and
PostgreSQL."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

from server.services.model import Agent, ConsoleSession
from server.store import SqlStore
from tests.contract.factories import T0, new_id

HOUR = timedelta(hours=1)


async def an_agent(store: SqlStore, **fields) -> Agent:
    return await store.save_agent(Agent(id=new_id(), email=f"{new_id()}@example.test", name="Ann", **fields))


async def a_session(store: SqlStore, agent: Agent, at=T0) -> ConsoleSession:
    session = ConsoleSession(id=new_id(), agent_id=agent.id, epoch=agent.epoch, created_at=at, last_seen_at=at)
    await store.add_console_session(session, expired_before=at - 12 * HOUR)
    return session


async def test_a_session_is_valid_until_revoked(store: SqlStore) -> None:
    agent = await an_agent(store)
    session = await a_session(store, agent)
    found = await store.console_login(session.id, since=T0 - HOUR)
    assert found is not None and found[0] == session and found[1].id == agent.id
    await store.revoke_console_session(session.id, T0 + HOUR)
    await store.revoke_console_session(session.id, T0 + 2 * HOUR)  # the first time stays
    assert await store.console_login(session.id, since=T0 - HOUR) is None
    assert await store.console_login(new_id(), since=T0 - HOUR) is None


async def test_a_new_epoch_or_a_removal_ends_every_session_of_the_agent(store: SqlStore) -> None:
    agent, other = await an_agent(store), await an_agent(store)
    first, second, others = await a_session(store, agent), await a_session(store, agent), await a_session(store, other)
    ids = {first.id, second.id, others.id}
    assert await store.valid_console_sessions(ids, since=T0) == ids
    moved = await store.save_agent(dataclasses.replace(agent, epoch=agent.epoch + 1))
    assert await store.valid_console_sessions(ids, since=T0) == {others.id}
    assert await store.console_login(first.id, since=T0) is None
    fresh = await a_session(store, moved)
    assert (await store.console_login(fresh.id, since=T0))[1].epoch == 1
    await store.save_agent(dataclasses.replace(other, removed_at=T0 + HOUR))
    assert await store.valid_console_sessions(ids | {fresh.id}, since=T0) == {fresh.id}
    assert await store.valid_console_sessions(set(), since=T0) == set()


async def test_a_session_older_than_since_is_not_valid_and_is_dropped_later(store: SqlStore) -> None:
    agent = await an_agent(store)
    old = await a_session(store, agent, T0)
    assert await store.console_login(old.id, since=T0 + HOUR) is None
    await a_session(store, agent, T0 + 13 * HOUR)  # its housekeeping drops what is over 12 h old
    assert await store.console_login(old.id, since=T0 - HOUR) is None


async def test_touching_moves_last_seen(store: SqlStore) -> None:
    session = await a_session(store, await an_agent(store))
    await store.touch_console_session(session.id, T0 + HOUR)
    assert (await store.console_login(session.id, since=T0))[0].last_seen_at == T0 + HOUR


async def test_agents_are_read_by_ids_removed_ones_too(store: SqlStore) -> None:
    kept, removed = await an_agent(store), await an_agent(store, removed_at=T0, epoch=3)
    found = {a.id: a for a in await store.agents_by_ids({kept.id, removed.id, new_id()})}
    assert set(found) == {kept.id, removed.id}
    assert found[removed.id].removed and found[removed.id].epoch == 3 and found[removed.id].removed_at == T0
    assert await store.agents_by_ids(set()) == []
