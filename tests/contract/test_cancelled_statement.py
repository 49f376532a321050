"""A task cancelled during a PostgreSQL statement (a node stopping) ends
cancelled: the driver reports a broken connection, which the store turns
into `Unavailable` for an outage, but a cancellation is not one. A
background loop that retries on Unavailable swallowed it and never ended,
so a node's shutdown (and a test's teardown) waited for ever."""
from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from server.services.errors import Unavailable
from server.store.engine import create_engine
from tests.both_stores import pg_database  # noqa: F401 (a fixture)


async def statement_running(engine) -> None:
    """Returns once the server runs the loop's pg_sleep (seen from a
    connection of its own). Each look in a transaction of its own:
    PostgreSQL keeps the first `pg_stat_activity` a transaction reads
    until it ends, so a first look made before the sleep began would
    never see it."""
    async with engine.connect() as watcher:
        query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                        "AND datname = current_database() AND pid <> pg_backend_pid() "
                        "AND query = 'SELECT pg_sleep(30)'")
        while True:
            seen = (await watcher.execute(query)).scalar()
            await watcher.commit()
            if seen:
                return
            await asyncio.sleep(0.01)


async def test_a_task_cancelled_during_a_statement_ends_cancelled(pg_database):  # noqa: F811
    engine = create_engine(pg_database)
    started = asyncio.Event()

    async def retrying_loop() -> None:  # as the sweepers and outbox workers are written
        while True:
            try:
                async with engine.connect() as conn:
                    started.set()
                    await conn.execute(sa.text("SELECT pg_sleep(30)"))
            except asyncio.CancelledError:
                raise
            except Unavailable:
                await asyncio.sleep(0.01)

    task = asyncio.create_task(retrying_loop())
    try:
        await asyncio.wait_for(started.wait(), 10)
        await asyncio.wait_for(statement_running(engine), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
    finally:
        task.cancel()
        await engine.dispose()
