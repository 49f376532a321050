"""Group commit: many `append_message` calls, one transaction, one fsync.

On SQLite, other writes of the hot path join the same batches as jobs
(`GroupWriter.job`: a synchronous function of the batch's connection that
returns its outcome and raises only for a bug): a burst of `chat:start`s
is then a few transactions on one thread, not one transaction each on
connections that wait for SQLite's write lock in turn. On PostgreSQL a job
is a transaction of its own (rows lock there, not the whole database).

Callers enqueue synchronously and get a future. One owned task takes all
that is pending as a batch, writes it (`batch.write_with`), commits, and
only then resolves the futures, in call order. While it writes, new calls
pile up for the next batch: the busier the desk, the bigger the batches.

On SQLite the batch and its commit run in ONE call on a dedicated thread
(a synchronous engine on the same file): one thread hop per batch instead
of one per statement through aiosqlite. On PostgreSQL (asyncpg, no threads)
the same synchronous batch function runs through `run_sync` on the raw
asyncpg connection of the writer's own engine (batch_pg.py).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from ..services import errors
from ..services.model import Message, NewMessage
from ..services.hook_events import take_staged
from ..services.webhook_types import HookRow
from .base import insert_hooks_sync
from .batch import write_with
from .batch_pg import PgSql
from .batch_pg import transaction as pg_transaction
from .batch_sqlite import SEARCH_BATCH, Checkpointer, SqliteSql, index_pending
from .rows import is_aware

log = logging.getLogger(__name__)

# Keeps one batch's bound parameters far below SQLite's limit (32766).
MAX_BATCH = 1000


class StoreClosed(RuntimeError):
    """`append_message` after `close()`: a wiring bug, not a desk error."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Pending:
    message: NewMessage
    future: asyncio.Future[Message]


Job = Callable[[Connection], Any]


@dataclasses.dataclass(frozen=True, slots=True)
class _Job:
    job: Job
    future: asyncio.Future[Any]


class _PgBatches:
    """PostgreSQL: the batch in one transaction on the writer's own
    connection, as fixed statements on raw asyncpg (batch_pg.py); a job in
    a transaction of its own on the store's engine."""

    def __init__(self, engine: AsyncEngine, writer: AsyncEngine) -> None:
        self._engine = engine
        self._writer = writer

    async def write(self, messages: Sequence[NewMessage], jobs: Sequence[Job] = ()) -> list[Any]:
        if jobs:  # never with messages here: GroupWriter.job does not batch jobs on PostgreSQL
            assert not messages
            async with self._engine.begin() as conn:
                return await conn.run_sync(lambda sync: [job(sync) for job in jobs])
        async with pg_transaction(self._writer) as (conn, db):
            return await conn.run_sync(lambda _: write_with(PgSql(db), messages))

    async def close(self) -> None:
        await self._writer.dispose()


class _ThreadBatches:
    """SQLite: the batch, commit included, in one call on the writer thread.
    Every `SEARCH_BATCH` messages, the batch also indexes those queued for
    search (migration 0022). Each commit wakes the checkpointer's thread."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="shiftdesk-sqlite-writer")
        # The writer thread's one connection, kept between batches: checking
        # it out of SQLAlchemy's pool and back for every batch cost 30-50 us
        # of the thread's CPU, most of it holding the GIL (docs/performance.md).
        self._conn: Connection | None = None
        self._closed = False
        self._unindexed = 0  # messages of this writer's batches since it last indexed (the writer thread's)
        # the path as the store opened it (absolute: engine.sqlite_writer_engine)
        self.checkpointer = Checkpointer(str(engine.url.database))

    async def write(self, messages: Sequence[NewMessage], jobs: Sequence[Job] = ()) -> list[Any]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._write, messages, jobs)

    def _write(self, messages: Sequence[NewMessage], jobs: Sequence[Job]) -> list[Any]:
        if self._conn is None:
            self._conn = self._engine.connect()
        conn = self._conn
        try:
            with conn.begin():
                db = conn.connection.driver_connection  # the raw sqlite3 connection, inside SQLAlchemy's transaction
                stored = write_with(SqliteSql(db), messages) if messages else []
                outcomes = stored + [job(conn) for job in jobs]
                self._unindexed += len(messages)
                if self._unindexed >= SEARCH_BATCH:
                    index_pending(db)
                    self._unindexed = 0
        except BaseException:
            # rolled back; the next batch checks a connection out of the pool
            # again, reset by it, as every batch did before (SQLAlchemy drops
            # one whose failure it takes for a lost connection)
            self._close_connection()
            raise
        self.checkpointer.wake()
        return outcomes

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        if not self._closed:  # a store closed twice closes once
            self._closed = True
            await loop.run_in_executor(self._thread, self._close_connection)  # on its own thread, after every batch
        await loop.run_in_executor(None, self._thread.shutdown)
        await asyncio.get_running_loop().run_in_executor(None, self.checkpointer.close)
        self._engine.dispose()


class GroupWriter:
    def __init__(self, engine: AsyncEngine, max_batch: int = MAX_BATCH, *,
                 sqlite_writer: Engine | None = None, pg_writer: AsyncEngine | None = None) -> None:
        """`sqlite_writer` or `pg_writer`: the writer's own engine
        (engine.sqlite_writer_engine, engine.pg_writer_engine)."""
        if sqlite_writer is not None:
            self._batches: _ThreadBatches | _PgBatches = _ThreadBatches(sqlite_writer)
        elif pg_writer is not None:
            self._batches = _PgBatches(engine, pg_writer)
        else:
            raise ValueError("the group commit needs the writer's own engine")
        self._max_batch = max_batch
        self._pending: list[_Pending | _Job] = []
        self._jobs_batched = sqlite_writer is not None
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._writing = False  # a batch is being written
        self.batches_committed = 0  # observable batching, for tests and /metrics

    @property
    def busy(self) -> bool:
        """Whether a batch is being written or waits: work joining the next
        batch now shares its trip to the writer's thread with others."""
        return self._writing or bool(self._pending)

    def submit(self, message: NewMessage) -> asyncio.Future[Message]:
        """Enqueue now; the future resolves after the commit. Must be called
        on the event loop that runs the store."""
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        if self._closing:
            future.set_exception(StoreClosed("the store is closed"))
        elif not is_aware(message.at):
            future.set_exception(errors.BadRequest("message time must be timezone-aware"))
        elif any("\x00" in text for text in (message.text, message.client_id or "", message.chat_id,
                                              message.author_id or "")):
            # refused here, alone: in the batch, PostgreSQL would fail everyone's messages with it
            future.set_exception(errors.BadRequest("text may not contain a NUL character (U+0000)"))
        else:
            self._pending.append(_Pending(message, future))
            self._wakeup.set()
            self._ensure_running()
        return future

    async def job(self, job: Job) -> Any:
        """`job`'s outcome once committed: in the next batch on SQLite, in a
        transaction of its own on PostgreSQL. Webhook events the caller
        staged (services.hook_events) are stored with it when it succeeds."""
        staged = take_staged()  # here, in the caller's context: the batch runs in the writer's
        if staged:
            job = _with_hooks(job, staged)
        if not self._jobs_batched:
            outcome = (await self._batches.write((), (job,)))[0]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self._closing:
            raise StoreClosed("the store is closed")
        self._pending.append(_Job(job, future))
        self._wakeup.set()
        self._ensure_running()
        return await future

    async def close(self) -> None:
        """Write everything already submitted, then stop the task."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
        await self._batches.close()

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="shiftdesk-store-group-commit")

    async def _run(self) -> None:
        try:
            while self._pending or not self._closing:
                if not self._pending:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                batch = self._pending[:self._max_batch]
                del self._pending[:self._max_batch]
                self._writing = True
                try:
                    await self._commit(batch)
                except Exception as exc:  # a bug past the commit: fail the batch, keep the writer
                    log.exception("group commit bookkeeping failed")
                    for pending in batch:
                        _settle(pending.future, exc)
                finally:
                    self._writing = False
        except asyncio.CancelledError:
            _cancel(self._pending)
            self._pending = []
            raise

    async def _commit(self, batch: list[_Pending | _Job]) -> None:
        # The messages first, as write_with takes them; the outcomes come back in that order.
        batch = [p for p in batch if isinstance(p, _Pending)] + [p for p in batch if isinstance(p, _Job)]
        try:
            outcomes = await self._batches.write([p.message for p in batch if isinstance(p, _Pending)],
                                                 [p.job for p in batch if isinstance(p, _Job)])
        except asyncio.CancelledError:
            _cancel(batch)  # committed or not is unknown: never report success
            raise
        except Exception as exc:  # the writer outlives any one bad batch
            log.exception("group commit of %d messages failed", len(batch))
            for pending in batch:
                _settle(pending.future, exc)
            return
        self.batches_committed += 1
        for pending, outcome in zip(batch, outcomes, strict=True):
            _settle(pending.future, outcome)


def _with_hooks(job: Job, rows: Sequence[HookRow]) -> Job:
    def run(conn: Connection) -> Any:
        outcome = job(conn)
        if not isinstance(outcome, BaseException):  # a refusal (a DeskError returned) changed nothing
            insert_hooks_sync(conn, rows)
        return outcome
    return run


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    if future.done():  # its caller gave up waiting; the row is stored anyway
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _cancel(batch: Sequence[_Pending | _Job]) -> None:
    for pending in batch:
        pending.future.cancel()
