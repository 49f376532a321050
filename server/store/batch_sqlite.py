"""The batch's SQL for SQLite, on the raw sqlite3 connection of the
writer's thread: fixed statements that sqlite3 prepares once and caches,
instead of building and compiling SQLAlchemy expressions for every batch.
Measured in bench/, the Core version spent most of the writer's time (and
the event loop's GIL) compiling. The schema and its formats stay
SQLAlchemy's: times are naive UTC text as `types.UTCDateTime` writes them.
"""
from __future__ import annotations

import dataclasses
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Boolean, Connection, Executable, Insert
from sqlalchemy.dialects import sqlite

from ..services.model import Author, Message
from ..services.webhook_types import HookRow
from .batch import Key
from .types import UTCDateTime, utc

log = logging.getLogger(__name__)

_BUMP = "UPDATE chats SET last_seq = last_seq + ? WHERE id = ? AND status != 'ended' RETURNING last_seq"
_FIND = ("SELECT seq, text, at, author_id, note FROM messages "
         "WHERE chat_id = ? AND author = ? AND client_id = ?")
_REFUND = "UPDATE chats SET last_seq = last_seq - ? WHERE id = ?"
_INSERT = ("INSERT INTO messages (chat_id, seq, author, author_id, text, at, client_id, note) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_EXISTS = "SELECT 1 FROM chats WHERE id = ?"
_HOOK = ("INSERT INTO webhook_deliveries (webhook_id, event_id, type, chat_id, body, state, attempts, "
         "created_at, first_due_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)")
# The search index's queue of chat messages (migration 0022): what it holds
# goes into the FTS5 table in one statement, which FTS5 writes as one new
# segment at the commit, instead of one segment per group commit.
_INDEX_PENDING = ("INSERT INTO search_fts (body, kind, chat_id, ticket_id, ref) "
                  "SELECT DISTINCT m.text, 'message', m.chat_id, NULL, m.seq "
                  "FROM search_fts_pending AS p JOIN messages AS m ON m.chat_id = p.chat_id AND m.seq = p.seq")
_PENDING_DONE = "DELETE FROM search_fts_pending"
# Messages stored between two runs of `index_pending` by the group commit:
# measured, indexing 1,500 queued messages took 6 ms (4 us each) where the
# trigger of 0013 cost about 57 us a message, most of it FTS5's segment per commit.
SEARCH_BATCH = 256
# SQLAlchemy's SQLite DateTime storage format.
_TIME = "%Y-%m-%d %H:%M:%S.%f"
T = TypeVar("T")  # what a LoopReads read returns


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


def index_pending(db: sqlite3.Connection) -> None:
    """Index the chat messages queued for search, in a savepoint of the
    caller's transaction: an index that cannot take them (a damaged FTS5
    table, say) fails the indexing alone, logged, never the messages or
    jobs of the batch beside it; what was queued stays queued."""
    db.execute("SAVEPOINT search_index")
    try:
        db.execute(_INDEX_PENDING)
        db.execute(_PENDING_DONE)
    except sqlite3.Error:
        log.exception("indexing the chat messages queued for search failed; they stay queued")
        db.execute("ROLLBACK TO search_index")
    finally:
        db.execute("RELEASE search_index")


class Statements(Protocol):
    """Runs SQLAlchemy Core statements built once (module constants) in a
    job's transaction, rows as mappings of column name to value, typed as
    SQLAlchemy returns them (aware UTC times)."""

    def first(self, stmt: Executable, params: Mapping[str, Any]) -> Mapping[str, Any] | None: ...

    def all(self, stmt: Executable, params: Mapping[str, Any]) -> list[Mapping[str, Any]]: ...

    def run(self, stmt: Executable, params: Mapping[str, Any]) -> None: ...


def statements(conn: Connection) -> Statements:
    """`conn`'s statements: SQLite's on its raw sqlite3 connection (the
    writer's thread), others through SQLAlchemy."""
    if conn.dialect.name == "sqlite":
        return RawSqlite(conn.connection.driver_connection)
    return _CoreStatements(conn)


class _CoreStatements:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def first(self, stmt: Executable, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return self._conn.execute(stmt, dict(params)).mappings().first()

    def all(self, stmt: Executable, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return list(self._conn.execute(stmt, dict(params)).mappings())

    def run(self, stmt: Executable, params: Mapping[str, Any]) -> None:
        self._conn.execute(stmt, dict(params))


class ReadBusy(Exception):
    """SQLite could not give `LoopReads` a snapshot at once."""


# How long the checkpointer lets commits gather before it copies them: one
# checkpoint (and one fsync of the database file) for all of them.
CHECKPOINT_PAUSE_S = 0.01


class Checkpointer:
    """Copies what the WAL holds into the database file on a thread of its
    own, soon after commits (`wake`), so that the group commit's commits
    seldom do it themselves. SQLite's automatic checkpoint runs in the
    committing connection once the WAL passes 1,000 pages: measured under
    the browser bench's half load, a commit's p99 was about 4 ms with it
    and 1.5-2 ms with this thread doing the copying beside the writer.
    The automatic one stays on: it then finds little or nothing left to
    copy, and it is what lets the writer start the WAL over from its
    beginning, so the file keeps its size. A PASSIVE checkpoint never
    waits for the writer or a reader, and never makes them wait."""

    def __init__(self, path: str, pause: float = CHECKPOINT_PAUSE_S) -> None:
        self._path = path
        self._pause = pause
        self._wanted = threading.Event()
        self._stopping = False
        self.done = 0  # checkpoints run, for tests
        self._thread = threading.Thread(target=self._run, name="shiftdesk-sqlite-checkpoint", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """After a commit (any thread)."""
        self._wanted.set()

    def close(self) -> None:
        self._stopping = True
        self._wanted.set()
        self._thread.join()

    def _run(self) -> None:
        db: sqlite3.Connection | None = None  # opened at the first commit: the file exists by then
        try:
            while True:
                self._wanted.wait()
                time.sleep(self._pause)
                self._wanted.clear()
                if self._stopping:  # after the clear: a close() during the pause is not missed
                    return
                try:
                    if db is None:
                        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
                        db.execute("PRAGMA busy_timeout=0")
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.done += 1
                except sqlite3.Error as error:  # another checkpoint running, say: the next commit wakes us again
                    log.debug("background checkpoint skipped: %s", error)
        finally:
            if db is not None:
                db.close()


class LoopReads:
    """Short reads on the event loop's own thread, on a connection of their
    own to the store's file: for the hot path's few indexed look-ups (what
    a chat:start reads), where a trip to a thread costs more than the read
    (on an idle desk, measured: about 0.5 ms for the start's read as a job
    of the writer's thread, a tenth of that for its SQL). Each read is one
    snapshot (a read transaction) of what is committed. In WAL mode a
    reader does not wait for the writer, but SQLite may still answer busy
    for a moment (a WAL being recovered, a connection holding the file
    exclusively): the connection never waits (busy_timeout 0, so the event
    loop never sleeps in SQLite) and `read` raises ReadBusy, for the caller
    to read on a thread instead."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._closed = False

    def read(self, reads: Callable[[Statements], T]) -> T:
        db = self._connection()
        db.execute("BEGIN")
        try:
            return reads(RawSqlite(db))
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise ReadBusy(str(error)) from error
            raise
        finally:
            if db.in_transaction:
                db.rollback()  # a read: nothing to keep

    def close(self) -> None:
        """For good: a read after it raises ReadBusy (the caller's other path knows the store is closed)."""
        self._closed = True
        if self._db is not None:
            self._db.close()
            self._db = None

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise ReadBusy("closed")
        if self._db is None:
            db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            try:
                db.execute("PRAGMA query_only=1")
                db.execute("PRAGMA busy_timeout=0")
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db


class RawSqlite:
    """A statement compiled once to SQLite's SQL text and run on the raw
    sqlite3 connection: measured on chat:start's job in a burst, running a
    built statement through SQLAlchemy cost about 0.1-0.5 ms of the
    writer's thread each (its execution context and result machinery), the
    same SQL on sqlite3 a tenth of that. The statement stays SQLAlchemy's;
    only the values are brought to its SQLite storage here: times as
    `types.UTCDateTime` stores them (naive UTC text), booleans as 0/1."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def first(self, stmt: Executable, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        compiled, cursor = self._execute(stmt, params)
        row = cursor.fetchone()
        return None if row is None else compiled.typed(cursor, row)

    def all(self, stmt: Executable, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        compiled, cursor = self._execute(stmt, params)
        return [compiled.typed(cursor, row) for row in cursor.fetchall()]

    def run(self, stmt: Executable, params: Mapping[str, Any]) -> None:
        self._execute(stmt, params)

    def _execute(self, stmt: Executable, params: Mapping[str, Any]) -> tuple[_Compiled, sqlite3.Cursor]:
        compiled = _compiled(stmt, tuple(params))
        return compiled, self._db.execute(compiled.sql, compiled.defaults | {k: _stored(v) for k, v in params.items()})


@dataclasses.dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    defaults: dict[str, Any]  # the statement's own literal values (`status != 'ended'`)
    times: frozenset[str]  # the result's columns that are UTCDateTime
    flags: frozenset[str]  # ... and Boolean

    def typed(self, cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
        found = dict(zip((d[0] for d in cursor.description), row))
        for name in self.times:
            if found.get(name) is not None:
                found[name] = datetime.fromisoformat(found[name]).replace(tzinfo=UTC)
        for name in self.flags:
            if found.get(name) is not None:
                found[name] = bool(found[name])
        return found


_NAMED = sqlite.dialect(paramstyle="named")
_COMPILED: dict[tuple[int, tuple[str, ...]], tuple[Executable, _Compiled]] = {}


def _compiled(stmt: Executable, keys: tuple[str, ...] = ()) -> _Compiled:
    """Compiled once per statement object (the writer's thread's; the
    statements are module constants, or upserts cached per shape) and, for
    an INSERT, per set of columns given."""
    insert = isinstance(stmt, Insert)
    key = (id(stmt), keys if insert else ())
    found = _COMPILED.get(key)
    if found is not None:
        return found[1]
    compiled = stmt.compile(dialect=_NAMED, column_keys=list(keys) if insert else None)
    # `IN` a fixed list is rendered as one parameter per value; the values given at run time stand for None
    expanded = compiled.construct_expanded_state({name: None for name, bind in compiled.binds.items()
                                                  if bind.required or name in keys})
    columns = getattr(stmt, "exported_columns", ())
    made = _Compiled(expanded.statement, dict(expanded.parameters),
                     _typed(columns, UTCDateTime), _typed(columns, Boolean))
    _COMPILED[key] = (stmt, made)  # the statement is kept, so its id is never reused
    return made


def _typed(columns: Any, kind: type) -> frozenset[str]:
    return frozenset(c.name for c in columns if isinstance(getattr(c, "type", None), kind))


def _stored(value: Any) -> Any:
    if isinstance(value, datetime):
        return sqlite_time(utc(value))  # utc(): a naive time is refused, as UTCDateTime refuses it
    if isinstance(value, bool):
        return int(value)
    return value
