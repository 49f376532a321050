"""The group commit on PostgreSQL (store/batch_pg.py): raw asyncpg
statements on the writer's own connection, which SQLAlchemy's pool
pre-ping and error hook never see. What they must still do: few round
trips whatever the batch, no deadlock between nodes, a lost connection
answered `unavailable` and replaced, a cancelled batch leaving nothing
behind."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from server.services import errors
from server.store import SqlStore, open_store
from tests import pgutil
from tests.both_stores import pg_database  # noqa: F401 (a fixture)
from tests.contract.factories import a_chat, stored, visitor_says
from tests.redisutil import Proxy


@pytest.fixture
def pg_url(pg_database: str) -> str:  # noqa: F811
    pgutil.empty_in_own_loop(pg_database)
    return pg_database


async def migrated(url: str) -> SqlStore:
    store = await open_store(url)
    await store.migrate()
    return store


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[SqlStore]:
    store = await migrated(pg_url)
    yield store
    await store.close()


async def admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))


async def waiting_on_a_lock(url: str, count: int = 1) -> int:
    """The pid of a backend waiting for a row lock (the writer's), once
    `count` of them wait; seen from a connection of its own (one in a
    transaction would see a single snapshot of pg_stat_activity)."""
    watcher = await admin(url)
    try:
        for _ in range(1000):
            pids = await watcher.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND wait_event_type = 'Lock'")
            if len(pids) >= count:
                return pids[0]["pid"]
            await asyncio.sleep(0.01)
    finally:
        await watcher.close()
    raise AssertionError("no statement waits for a lock")


@contextlib.asynccontextmanager
async def holding(url: str, chat_id: str) -> AsyncIterator[asyncpg.Connection]:
    """Another transaction holds the chat's row (as a batch on another
    node would) until the block ends; the block gets its connection."""
    holder = await admin(url)
    try:
        async with holder.transaction():
            await holder.execute("SELECT 1 FROM chats WHERE id = $1 FOR UPDATE", chat_id)
            yield holder
    finally:
        await holder.close()


async def test_a_batch_costs_a_few_round_trips_whatever_its_size(pg_url: str) -> None:
    target = make_url(pg_url)
    proxy = Proxy(target=(target.host or "127.0.0.1", target.port or 5432))
    await proxy.start()
    store = await migrated(target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        chats = [await a_chat(store) for _ in range(5)]
        await store.append_message(visitor_says(chats[0].id, "old", "c-old"))

        async def batch(size: int) -> int:
            before = proxy.round_trips
            calls = [store.append_message(visitor_says(chat.id, f"{size}-{i}", f"c-{size}-{i}"))
                     for i in range(size) for chat in chats]
            calls.append(store.append_message(visitor_says(chats[0].id, "old", "c-old")))  # a duplicate
            await asyncio.gather(*calls)
            return proxy.round_trips - before

        await batch(2)  # the writer's connection prepares its statements once
        # BEGIN; lock and bump; look-up; refund; insert; COMMIT. SQLAlchemy
        # Core took ten (a pre-ping of three, the lock a statement of its
        # own), and a prepare more per statement for each new batch size.
        assert [await batch(size) for size in (3, 60, 1)] == [6, 6, 6]
        assert [m.seq for m in await stored(store, chats[1].id)] == list(range(1, 67))
    finally:
        await store.close()
        await proxy.stop()


async def test_two_writers_sharing_chats_never_deadlock(pg_url: str) -> None:
    """Two nodes' batches name the same chats in opposite orders, both held
    up by a third transaction on the chat in the middle: each locks its
    chats in id order, so the second waits for the first instead of
    holding the chats past the middle one that the first needs next."""
    one, two = await migrated(pg_url), await migrated(pg_url)
    try:
        chats = sorted([await a_chat(one) for _ in range(8)], key=lambda chat: chat.id)
        async with holding(pg_url, chats[4].id):
            sent = [asyncio.gather(*(store.append_message(visitor_says(chat.id, tag)) for chat in order))
                    for store, order, tag in ((one, chats, "a"), (two, chats[::-1], "b"))]
            await waiting_on_a_lock(pg_url, count=2)
        await asyncio.wait_for(asyncio.gather(*sent), 30)
        for chat in chats:
            assert sorted(m.text for m in await stored(one, chat.id)) == ["a", "b"]
    finally:
        await one.close()
        await two.close()


async def test_a_connection_lost_during_a_batch_is_unavailable_and_replaced(pg_store: SqlStore,
                                                                             pg_url: str) -> None:
    chat = await a_chat(pg_store)
    async with holding(pg_url, chat.id) as holder:
        doomed = pg_store.append_message(visitor_says(chat.id, "lost", "c-lost"))
        await holder.execute("SELECT pg_terminate_backend($1)", await waiting_on_a_lock(pg_url))
        with pytest.raises(errors.Unavailable):
            await asyncio.wait_for(doomed, 10)
    resent = await pg_store.append_message(visitor_says(chat.id, "lost", "c-lost"))
    assert resent.seq == 1
    assert [m.text for m in await stored(pg_store, chat.id)] == ["lost"]


async def test_a_writer_connection_lost_while_idle_is_replaced_without_an_error(pg_store: SqlStore,
                                                                                pg_url: str) -> None:
    """No pre-ping on the writer's connection: its BEGIN finds it lost
    (PostgreSQL restarted, say) and the batch runs on a new one."""
    chat = await a_chat(pg_store)
    assert (await pg_store.append_message(visitor_says(chat.id, "before"))).seq == 1
    db = await admin(pg_url)
    try:
        await db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    finally:
        await db.close()
    assert (await pg_store.append_message(visitor_says(chat.id, "after"))).seq == 2


async def test_a_batch_cancelled_during_a_statement_leaves_nothing_behind(pg_store: SqlStore,
                                                                          pg_url: str) -> None:
    chat = await a_chat(pg_store)
    async with holding(pg_url, chat.id):
        doomed = pg_store.append_message(visitor_says(chat.id, "cancelled"))
        await waiting_on_a_lock(pg_url)
        pg_store._writer._task.cancel()  # a node stopping
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(doomed, 10)
    assert (await asyncio.wait_for(pg_store.append_message(visitor_says(chat.id, "next")), 10)).seq == 1
    assert [m.text for m in await stored(pg_store, chat.id)] == ["next"]
