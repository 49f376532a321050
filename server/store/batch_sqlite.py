"""The batch's SQL for SQLite, on the raw sqlite3 connection of the
writer's thread: fixed statements that sqlite3 prepares once and caches,
instead of building and compiling SQLAlchemy expressions for every batch.
Measured in bench/, the Core version spent most of the writer's time (and
the event loop's GIL) compiling. The schema and its formats stay
SQLAlchemy's: times are naive UTC text as `types.UTCDateTime` writes them.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from ..services.model import Author, Message
from ..services.webhook_types import HookRow
from .batch import Key

_BUMP = "UPDATE chats SET last_seq = last_seq + ? WHERE id = ? AND status != 'ended' RETURNING last_seq"
_FIND = ("SELECT seq, text, at, author_id, note FROM messages "
         "WHERE chat_id = ? AND author = ? AND client_id = ?")
_REFUND = "UPDATE chats SET last_seq = last_seq - ? WHERE id = ?"
_INSERT = ("INSERT INTO messages (chat_id, seq, author, author_id, text, at, client_id, note) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_EXISTS = "SELECT 1 FROM chats WHERE id = ?"
_HOOK = ("INSERT INTO webhook_deliveries (webhook_id, event_id, type, chat_id, body, state, attempts, "
         "created_at, first_due_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)")
# SQLAlchemy's SQLite DateTime storage format.
_TIME = "%Y-%m-%d %H:%M:%S.%f"


def sqlite_time(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).strftime(_TIME)


class SqliteSql:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def bump(self, wanted: Mapping[str, int]) -> dict[str, int]:
        tops: dict[str, int] = {}
        for chat_id, count in wanted.items():
            row = self._db.execute(_BUMP, (count, chat_id)).fetchone()
            if row is not None:
                tops[chat_id] = row[0]
        return tops

    def stored(self, keys: set[Key]) -> dict[Key, Message]:
        found: dict[Key, Message] = {}
        for key in keys:  # each an index lookup on (chat_id, author, client_id)
            row = self._db.execute(_FIND, key).fetchone()
            if row is not None:
                seq, text, at, author_id, note = row
                found[key] = Message(chat_id=key[0], seq=seq, author=Author(key[1]), text=text,
                                     at=datetime.strptime(at, _TIME).replace(tzinfo=UTC),
                                     author_id=author_id, client_id=key[2], note=bool(note))
        return found

    def refund(self, refunds: Mapping[str, int]) -> None:
        self._db.executemany(_REFUND, [(count, chat_id) for chat_id, count in refunds.items()])

    def insert(self, rows: Sequence[Message]) -> None:
        self._db.executemany(_INSERT, [(m.chat_id, m.seq, m.author.value, m.author_id, m.text, sqlite_time(m.at),
                                        m.client_id, int(m.note)) for m in rows])

    def hooks(self, rows: Sequence[HookRow]) -> None:
        self._db.executemany(_HOOK, [(r.webhook_id, r.event_id, r.type, r.chat_id, r.body,
                                      *[sqlite_time(r.created_at)] * 3) for r in rows])

    def existing(self, chat_ids: set[str]) -> set[str]:
        return {chat_id for chat_id in chat_ids if self._db.execute(_EXISTS, (chat_id,)).fetchone()}
