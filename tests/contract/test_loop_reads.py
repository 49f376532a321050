"""SQLite: what a chat:start reads is read on the event loop's thread
(batch_sqlite.LoopReads) while the group-commit writer is idle, never
waiting there; when SQLite cannot give a snapshot at once, or the writer
has work in hand, the read goes to the writer's thread."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from server.store import open_store
from server.store.batch_sqlite import LoopReads, ReadBusy
from server.store.sql import _VISITOR
from server.store.writer import StoreClosed
from tests.contract.factories import a_site, a_visitor, visitor_says
from tests.contract.test_store_moderation import a_start
from tests.dbtemplate import copy_sqlite


@pytest.fixture
async def sqlite_store(tmp_path: Path):
    url = copy_sqlite(tmp_path / "store" / "shiftdesk.db")
    store = await open_store(url)
    yield store, url.removeprefix("sqlite:///")
    await store.close()


def held_exclusively(path: str) -> sqlite3.Connection:
    """A connection that keeps every other one out of the file until it
    closes (no other connection may have it open when it begins)."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("COMMIT")  # the lock stays: exclusive locking mode
    return holder


async def test_a_start_read_while_the_file_is_held_comes_from_the_writer_once_it_is_free(tmp_path: Path) -> None:
    url = copy_sqlite(tmp_path / "store" / "shiftdesk.db")
    path = url.removeprefix("sqlite:///")
    store = await open_store(url)
    site = await a_site(store)
    pat = await a_visitor(store, site, name="Pat")
    chat, first = a_start(pat)
    await store.start_chat(pat, chat, first)
    await store.close()

    store = await open_store(url)
    await store.engine.dispose()  # its pooled connections closed; the writer's and the loop's open when used
    holder = held_exclusively(path)
    reads = LoopReads(path)
    with pytest.raises(ReadBusy):  # at once: the event loop does not wait in SQLite
        reads.read(lambda db: db.first(_VISITOR, {"visitor_id": pat.id}))
    reads.close()
    try:
        loop = asyncio.get_running_loop()
        freed = loop.time() + 0.3
        loop.call_at(freed, holder.close)
        found = await asyncio.wait_for(store.visitor_at_start(pat), 10)
        assert loop.time() >= freed  # read once the file was free, not at once on the event loop
        assert found.stored == await store.visitor_by_id(pat.id)
        assert found.open_chat is not None and found.open_chat.id == chat.id
    finally:
        holder.close()
        await store.close()


async def test_each_loop_read_is_one_snapshot_of_what_is_committed(sqlite_store) -> None:
    store, path = sqlite_store
    site = await a_site(store)
    pat = await a_visitor(store, site, name="Pat")
    reads = LoopReads(path)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        def twice(db) -> tuple:
            before = db.first(_VISITOR, {"visitor_id": pat.id})["name"]
            writer.execute("UPDATE visitors SET name = 'Sam' WHERE id = ?", (pat.id,))  # committed meanwhile
            return before, db.first(_VISITOR, {"visitor_id": pat.id})["name"]
        assert reads.read(twice) == ("Pat", "Pat")
        assert reads.read(lambda db: db.first(_VISITOR, {"visitor_id": pat.id})["name"]) == "Sam"
    finally:
        writer.close()
        reads.close()


async def test_a_start_read_while_the_writer_is_busy_joins_its_batch_and_finds_the_same(sqlite_store) -> None:
    store, _ = sqlite_store
    site = await a_site(store)
    pat = await a_visitor(store, site, name="Pat")
    chat, first = a_start(pat)
    await store.start_chat(pat, chat, first)
    idle = await store.visitor_at_start(pat)
    assert idle.open_chat is not None and idle.open_chat.last_seq == 1
    pending = store.append_message(visitor_says(chat.id, "meanwhile"))
    busy = await store.visitor_at_start(pat)
    assert (await pending).seq == 2
    # read in the message's batch (messages go first in a batch): the loop would have seen seq 1
    assert busy.open_chat is not None and (busy.open_chat.id, busy.open_chat.last_seq) == (chat.id, 2)
    assert (busy.stored, busy.open_tickets) == (idle.stored, idle.open_tickets)


async def test_a_closed_store_reads_nothing_on_the_loop_and_says_it_is_closed(sqlite_store) -> None:
    store, _ = sqlite_store
    site = await a_site(store)
    pat = await a_visitor(store, site, name="Pat")
    await store.close()
    with pytest.raises(StoreClosed):
        await store.visitor_at_start(pat)


async def test_a_store_opened_on_a_relative_path_reads_the_same_file_after_a_chdir(tmp_path: Path, monkeypatch) -> None:
    copy_sqlite(tmp_path / "desk" / "store" / "shiftdesk.db")
    monkeypatch.chdir(tmp_path / "desk")
    store = await open_store("sqlite:///store/shiftdesk.db")
    try:
        site = await a_site(store)
        pat = await a_visitor(store, site, name="Pat")
        (tmp_path / "elsewhere" / "store").mkdir(parents=True)
        monkeypatch.chdir(tmp_path / "elsewhere")
        found = await store.visitor_at_start(pat)
        assert found.stored is not None and found.stored.name == "Pat"
    finally:
        await store.close()
