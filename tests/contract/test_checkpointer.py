"""SQLite: what the group commit commits is copied from the WAL into the
database file by a thread of its own (batch_sqlite.Checkpointer), soon after
the commit, so that commits seldom run SQLite's checkpoint themselves."""
from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from pathlib import Path

from server.store import open_store
from tests.contract.factories import a_chat, stored, visitor_says
from tests.dbtemplate import copy_sqlite


def checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "shiftdesk-sqlite-checkpoint"]


async def until(condition, seconds: float = 5.0) -> None:
    """Polls a background thread's progress (I/O, not a policy clock)."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not reached in time")


def messages_in_file_alone(db_path: Path, copy: Path, chat_id: str) -> list[str]:
    """The chat's messages as the database file holds them without its WAL."""
    shutil.copyfile(db_path, copy)  # the main file only: what a checkpoint has copied into it
    db = sqlite3.connect(copy)
    try:
        return [text for (text,) in db.execute("SELECT text FROM messages WHERE chat_id = ? ORDER BY seq",
                                               (chat_id,))]
    except sqlite3.DatabaseError:  # copied while a checkpoint was writing it: try again
        return []
    finally:
        db.close()


async def test_committed_messages_reach_the_database_file_without_a_writer_checkpoint(tmp_path: Path) -> None:
    url = copy_sqlite(tmp_path / "store" / "shiftdesk.db")
    db_path = Path(url.removeprefix("sqlite:///"))
    store = await open_store(url)
    try:
        chat = await a_chat(store, first="hello")
        await store.append_message(visitor_says(chat.id, "kept in the file"))
        assert [m.text for m in await stored(store, chat.id)] == ["hello", "kept in the file"]
        # Far below SQLite's 1,000 pages, no commit ran a checkpoint itself: without the
        # checkpointer's thread the file alone would hold none of it.
        await until(lambda: messages_in_file_alone(db_path, tmp_path / "copy.db", chat.id)
                    == ["hello", "kept in the file"])
        # ...and it was the thread: it counts a checkpoint once SQLite has returned, a moment
        # after the pages are in the file (read above), so that count is waited for too
        checkpointer = store._writer._batches.checkpointer  # noqa: SLF001 (the thread under test)
        await until(lambda: checkpointer.done >= 1)
    finally:
        await store.close()


async def test_an_idle_store_runs_no_checkpoint_and_close_stops_the_thread(tmp_path: Path) -> None:
    before = len(checkpoint_threads())
    store = await open_store(copy_sqlite(tmp_path / "store" / "shiftdesk.db"))
    checkpointer = store._writer._batches.checkpointer  # noqa: SLF001
    assert len(checkpoint_threads()) == before + 1
    await asyncio.sleep(0.05)  # five pauses of the thread: nothing was committed, nothing to copy
    assert checkpointer.done == 0
    await store.close()
    assert len(checkpoint_threads()) == before
