"""SQLite: the group commit's thread keeps one connection between batches
(store/writer.py `_ThreadBatches`), and a batch that fails is rolled
back without stopping the next."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from server.store import open_store
from tests.contract.factories import a_chat, stored, visitor_says
from tests.dbtemplate import copy_sqlite


async def test_the_writer_checks_its_connection_out_once_for_many_batches(tmp_path: Path) -> None:
    store = await open_store(copy_sqlite(tmp_path / "store" / "shiftdesk.db"))
    writer_engine = store._writer._batches._engine  # noqa: SLF001 (the thread's engine under test)
    checkouts: list[Any] = []
    event.listen(writer_engine, "checkout", lambda *args: checkouts.append(args))
    try:
        chat = await a_chat(store)
        before = store.batches_committed
        for i in range(20):  # one at a time: one batch each
            await store.append_message(visitor_says(chat.id, f"m{i}"))
        assert store.batches_committed - before == 20
        assert len(checkouts) <= 1  # the first batch's, when a_chat's took none from the pool yet
        assert [m.text for m in await stored(store, chat.id)] == [f"m{i}" for i in range(20)]
    finally:
        await store.close()
    assert writer_engine.pool.checkedout() == 0  # close gave it back


async def test_a_batch_that_fails_is_rolled_back_and_the_next_commits_after_it(tmp_path: Path) -> None:
    store = await open_store(copy_sqlite(tmp_path / "store" / "shiftdesk.db"))
    writer = store._writer  # noqa: SLF001 (a job that fails: a bug the writer must survive)
    try:
        chat = await a_chat(store)
        await store.append_message(visitor_says(chat.id, "before"))

        def half_done(conn: Any) -> None:
            conn.execute(text("UPDATE chats SET topic = 'half done' WHERE id = :id"), {"id": chat.id})
            conn.execute(text("INSERT INTO no_such_table VALUES (1)"))

        with pytest.raises(Exception, match="no_such_table"):
            await writer.job(half_done)
        after = await asyncio.gather(*(store.append_message(visitor_says(chat.id, f"after {i}")) for i in range(3)))
        assert [m.seq for m in after] == [2, 3, 4]
        assert [m.text for m in await stored(store, chat.id)] == ["before", "after 0", "after 1", "after 2"]
        found = await store.chat_by_id(chat.id)
        assert found is not None and found.topic != "half done"  # the failed batch's update rolled back
    finally:
        await store.close()
    await store.close()  # closing twice is harmless
