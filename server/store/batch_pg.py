"""The batch's SQL for PostgreSQL, on the raw asyncpg connection of the
group-commit writer: fixed statements that asyncpg prepares once per
connection and caches, instead of building and compiling SQLAlchemy
expressions for every batch (whose IN lists and CASE, one entry per chat,
also made a new statement to prepare for every new batch shape). Arrays
and `unnest` keep every operation one statement whatever the batch size.

Round trips of a batch: BEGIN; lock and bump (one statement); the
duplicate look-up (when any message has a client_id); the refund (only
when there are duplicates); the insert; COMMIT. The look-up stays a
statement of its own after the lock: at READ COMMITTED each statement
reads a new snapshot, and only one taken after the lock is granted sees
the messages another node stored in those chats while this batch waited.

The methods are synchronous for `batch.write_with`, run in a greenlet
(`AsyncConnection.run_sync`) where `await_only` waits for asyncpg.
Values are stored as SQLAlchemy stores them (`types.UTCDateTime`: an
aware UTC `timestamptz`) and come back as the same `Message`s.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import await_only

from ..services.model import Author, ChatStatus, Message
from ..services.webhook_types import DeliveryState, HookRow
from .batch import Key
from .engine import away, refuse_nul_in
from .types import utc

# Locks the batch's chats in id order (the CTE's ORDER BY ... FOR UPDATE,
# as the other statements that lock chats take them: two nodes whose
# batches share chats wait for each other instead of deadlocking), then
# bumps those still open. The UPDATE touches only rows the CTE has locked,
# so no lock is taken out of order. A CTE with FOR UPDATE is never inlined.
_BUMP = f"""
WITH locked AS MATERIALIZED (
    SELECT id FROM chats WHERE id = ANY($1::varchar[]) ORDER BY id FOR UPDATE
)
UPDATE chats SET last_seq = chats.last_seq + wanted.n
FROM locked JOIN unnest($1::varchar[], $2::int[]) AS wanted (id, n) ON wanted.id = locked.id
WHERE chats.id = locked.id AND chats.status != '{ChatStatus.ENDED.value}'
RETURNING chats.id, chats.last_seq"""
_FIND = """
SELECT m.chat_id, m.author, m.client_id, m.seq, m.text, m.at, m.author_id, m.note
FROM unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS k (chat_id, author, client_id)
JOIN messages AS m ON m.chat_id = k.chat_id AND m.author = k.author AND m.client_id = k.client_id"""
_REFUND = """
UPDATE chats SET last_seq = chats.last_seq - refund.n
FROM unnest($1::varchar[], $2::int[]) AS refund (id, n) WHERE chats.id = refund.id"""
_INSERT = """
INSERT INTO messages (chat_id, seq, author, author_id, text, at, client_id, note)
SELECT * FROM unnest($1::varchar[], $2::int[], $3::varchar[], $4::varchar[], $5::text[],
                     $6::timestamptz[], $7::varchar[], $8::bool[])"""
_EXISTS = "SELECT id FROM chats WHERE id = ANY($1::varchar[])"
# base._chat_locks: what an UPDATE of the chat takes, in id order.
_LOCK_FOR_HOOKS = "SELECT id FROM chats WHERE id = ANY($1::varchar[]) ORDER BY id FOR NO KEY UPDATE"
# One row at a time (one round trip all the same): ids are given in the
# rows' order, which is the order a chat's deliveries go in.
_HOOK = f"""
INSERT INTO webhook_deliveries (webhook_id, event_id, type, chat_id, body, state, attempts,
                                created_at, first_due_at, next_attempt_at)
VALUES ($1, $2, $3, $4, $5, '{DeliveryState.PENDING.value}', 0, $6, $6, $6)"""
# Errors of a connection the server is ending (terminated, shutting down,
# not accepting it): raised before asyncpg has seen the socket close.
_SERVER_LEFT = (asyncpg.PostgresConnectionError, asyncpg.exceptions.AdminShutdownError,
                asyncpg.exceptions.CrashShutdownError, asyncpg.exceptions.CannotConnectNowError)


class PgSql:
    def __init__(self, db: asyncpg.Connection) -> None:
        self._db = db
        self._locked: set[str] = set()

    def bump(self, wanted: Mapping[str, int]) -> dict[str, int]:
        self._locked = set(wanted)
        rows = await_only(self._db.fetch(_BUMP, list(wanted), list(wanted.values())))
        return {chat_id: last_seq for chat_id, last_seq in rows}

    def stored(self, keys: set[Key]) -> dict[Key, Message]:
        chat_ids, authors, client_ids = zip(*keys, strict=True)
        found: dict[Key, Message] = {}
        for chat_id, author, client_id, seq, text, at, author_id, note in await_only(
                self._db.fetch(_FIND, chat_ids, authors, client_ids)):
            found[(chat_id, author, client_id)] = Message(
                chat_id=chat_id, seq=seq, author=Author(author), text=text, at=utc(at),
                author_id=author_id, client_id=client_id, note=note)
        return found

    def refund(self, refunds: Mapping[str, int]) -> None:
        await_only(self._db.execute(_REFUND, list(refunds), list(refunds.values())))

    def insert(self, rows: Sequence[Message]) -> None:
        # Column by column; the NUL check of their text ran in GroupWriter.submit.
        await_only(self._db.execute(_INSERT, *zip(*(
            (m.chat_id, m.seq, m.author.value, m.author_id, m.text, m.at, m.client_id, m.note)
            for m in rows), strict=True)))

    def hooks(self, rows: Sequence[HookRow]) -> None:
        # As base.insert_hooks_sync: the chats' locks (this batch holds its
        # own already), and the NUL check SQLAlchemy's refuse_nul makes.
        values = [(r.webhook_id, r.event_id, r.type, r.chat_id, r.body, utc(r.created_at)) for r in rows]
        refuse_nul_in(values)
        others = sorted({r.chat_id for r in rows if r.chat_id is not None} - self._locked)
        if others:
            await_only(self._db.fetch(_LOCK_FOR_HOOKS, others))
        await_only(self._db.executemany(_HOOK, values))

    def existing(self, chat_ids: set[str]) -> set[str]:
        return {row[0] for row in await_only(self._db.fetch(_EXISTS, list(chat_ids)))}


@contextlib.asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[tuple[AsyncConnection, asyncpg.Connection]]:
    """A transaction on the raw asyncpg connection of `engine` (the
    writer's, `engine.pg_writer_engine`), committed when the block ends and
    rolled back when it raises. Its BEGIN is the pre-ping: a pooled
    connection found lost there is dropped and a new one tried, once
    (nothing was written). A database lost later raises `Unavailable`, a
    task cancelled during a statement `CancelledError` (as SQLAlchemy's
    `engine.database_away` makes them); a connection left in a state not
    known for sure is invalidated, never pooled again."""
    for last in (False, True):
        async with engine.connect() as conn:
            db = (await conn.get_raw_connection()).driver_connection
            settled = False  # the transaction is over and the connection fit for the next batch
            try:
                try:
                    await db.execute("BEGIN")
                except Exception as exc:
                    if not last and _lost(db, exc):
                        continue  # invalidated in `finally`
                    raise
                yield conn, db
                await db.execute("COMMIT")
                settled = True
                return
            except Exception as exc:
                if not _lost(db, exc):
                    settled = await _rolled_back(db)
                instead = away(exc, _lost(db, exc))
                if instead is None:
                    raise
                raise instead from exc
            finally:
                if not settled:
                    db.terminate()
                    await conn.invalidate()


def _lost(db: asyncpg.Connection, exc: BaseException) -> bool:
    """As the asyncpg dialect's `is_disconnect`, and a server ending it."""
    return db.is_closed() or isinstance(exc, _SERVER_LEFT)


async def _rolled_back(db: asyncpg.Connection) -> bool:
    try:
        await db.execute("ROLLBACK")
    except Exception:  # noqa: BLE001 (the connection is dropped instead)
        return False
    return True
