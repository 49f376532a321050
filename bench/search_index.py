"""Micro-benchmark: what indexing chat messages for search costs a group
commit on SQLite, with the index written in the message's own transaction
(migration 0013's trigger) and with messages queued and indexed in batches
(0022, `batch_sqlite.index_pending` every `SEARCH_BATCH` messages). The
figures are in docs/performance.md.

    .venv/bin/python bench/search_index.py [--chats 50] [--transactions 500] [--rounds 3]

A store file at the newest schema with `--chats` open chats and
`--history` messages already indexed is copied for each run; a run commits `--transactions` transactions of 3 and of 25
messages (the group commit's batches at half load and in the closed loop of
bench/browser_bench.py), each message in a chat drawn at random, on the
writer's own statements (batch_sqlite.SqliteSql), synchronous=FULL as the
store runs. Reported: WAL pages written per transaction (the frames SQLite
appended) and milliseconds per transaction; for the queued way also the
time the queue's indexing took, counted in. The two ways take turns; the
median round is printed.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from server.services.model import Author, Chat, ChatStatus, Message, Priority, Site, Visitor  # noqa: E402
from server.store import open_store  # noqa: E402
from server.store.batch_sqlite import SEARCH_BATCH, SqliteSql, index_pending  # noqa: E402

AT = datetime(2026, 12, 5, tzinfo=UTC)
MIGRATION = ROOT / "server" / "store" / "migrations" / "versions" / "0022_search_batches.py"


async def make_store(path: Path, chats: int) -> list[str]:
    store = await open_store(f"sqlite:///{path}")
    await store.migrate()
    site = await store.save_site(Site(id=uuid.uuid4().hex, key=uuid.uuid4().hex, secret="s"))
    ids = []
    for _ in range(chats):
        visitor = await store.save_visitor(Visitor(id=uuid.uuid4().hex, site_id=site.id,
                                                   token_hash=uuid.uuid4().hex, created_at=AT))
        chat, _ = await store.create_chat(Chat(id=uuid.uuid4().hex, site_id=site.id, visitor_id=visitor.id,
                                               status=ChatStatus.QUEUED, priority=Priority.MEDIUM,
                                               started_at=AT), None)
        ids.append(chat.id)
    await store.close()
    return ids


def add_history(path: Path, chats: list[str], messages: int) -> None:
    """`messages` stored before the run, indexed: a desk's index is not empty."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    sql, per = SqliteSql(db), messages // len(chats)
    sql.bump({chat_id: per for chat_id in chats})
    sql.insert([Message(chat_id=chat_id, seq=seq, author=Author.VISITOR, at=AT, client_id=uuid.uuid4().hex,
                        text=f"earlier question {seq} about invoice {chat_id[:6]} and the delivery")
                for chat_id in chats for seq in range(1, per + 1)])
    index_pending(db)
    db.execute("COMMIT")
    db.close()


def immediate_index(db: sqlite3.Connection) -> None:
    """Back to 0013's trigger: each message indexed in its own transaction."""
    spec = importlib.util.spec_from_file_location("m0022", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    for statement in module.SQLITE_DOWN:
        db.execute(statement)


def run(template: Path, work: Path, chats: list[str], way: str, per: int, transactions: int) -> dict:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, work)
    db = sqlite3.connect(work, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # count every page; no checkpoint in the timings
    if way == "immediate":
        immediate_index(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sql, rng = SqliteSql(db), random.Random(7)
    unindexed, spent, indexing = 0, 0.0, 0.0
    for n in range(transactions):
        picked = [rng.choice(chats) for _ in range(per)]
        start = time.perf_counter()
        db.execute("BEGIN")
        wanted: dict[str, int] = {}
        for chat_id in picked:
            wanted[chat_id] = wanted.get(chat_id, 0) + 1
        tops = sql.bump(wanted)
        rows = []
        for chat_id, count in wanted.items():
            for k in range(count):
                rows.append(Message(chat_id=chat_id, seq=tops[chat_id] - count + k + 1, author=Author.VISITOR,
                                    text=f"my order {n} arrived without the charger, can you help", at=AT,
                                    client_id=uuid.uuid4().hex))
        sql.insert(rows)
        if way == "queued":
            unindexed += per
            if unindexed >= SEARCH_BATCH:
                began = time.perf_counter()
                index_pending(db)
                indexing += time.perf_counter() - began
                unindexed = 0
        db.execute("COMMIT")
        spent += time.perf_counter() - start
    frames = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    db.close()
    return {"pages": frames / transactions, "ms": spent / transactions * 1e3,
            "indexing_ms": indexing / transactions * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--transactions", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--history", type=int, default=20_000, help="messages stored and indexed before the runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shiftdesk-search-index-") as tmp:
        template = Path(tmp) / "template.db"
        chats = asyncio.run(make_store(template, args.chats))
        add_history(template, chats, args.history)
        for per in (3, 25):
            results: dict[str, list[dict]] = {"immediate": [], "queued": []}
            for _ in range(args.rounds):
                for way in results:
                    results[way].append(run(template, Path(tmp) / "work.db", chats, way, per, args.transactions))
            for way, runs in results.items():
                middle = sorted(runs, key=lambda r: r["ms"])[len(runs) // 2]
                rounds = ", ".join(f"{r['ms']:.3f}" for r in runs)
                print(f"{per} messages a transaction, {way:9}: {middle['pages']:.1f} pages, "
                      f"{middle['ms']:.3f} ms a transaction (indexing {middle['indexing_ms']:.3f} ms of it; "
                      f"rounds {rounds})")


if __name__ == "__main__":
    main()
