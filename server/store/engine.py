"""Database URLs (design.md's SQLAlchemy style) to async engines.

`sqlite:///rel.db`, `sqlite:////abs.db` -> aiosqlite;
`postgresql://user@host:5432/db` -> asyncpg. Every connection is set up
for durability: an acknowledged message must survive a crash.
"""
from __future__ import annotations

import asyncio

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ..services import errors
from .batch_sqlite import LoopReads

SQLITE_BUSY_TIMEOUT_MS = 10_000

# WAL lets readers run beside the one writer; synchronous=FULL fsyncs the
# WAL on every commit, which is what makes a commit (and so an ack) durable.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
)


def async_url(url: str) -> URL:
    """The URL with its async driver. Raises ValueError for other databases
    and for in-memory SQLite (each pooled connection would see its own,
    empty database)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("in-memory SQLite is not supported: give a file path")
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)}")


def create_engine(url: str) -> AsyncEngine:
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        engine = _sqlite_engine(target)
    else:
        engine = _postgresql_engine(target, pool_pre_ping=True)
    event.listen(engine.sync_engine, "before_cursor_execute", refuse_nul)
    return engine


def database_away(context: Any) -> None:
    """PostgreSQL down, restarting or unreachable: the error is
    `Unavailable` ("try again shortly"), the one a client is answered for
    Redis being away, not an internal error with a traceback. A dead pooled
    connection found by the pre-ping is left to the pool, which opens a new
    one; nothing was written, so nothing was acknowledged."""
    if context.is_pre_ping:
        return
    original = context.original_exception
    instead = away(original, context.is_disconnect)
    if instead is not None:
        raise instead from original


def away(original: BaseException, disconnect: bool) -> BaseException | None:
    """What a statement's error `original` is raised as (None: as itself),
    `disconnect` when the driver found its connection lost. Also for the
    group commit's raw asyncpg statements (store/batch_pg.py), which
    SQLAlchemy's `handle_error` never sees."""
    if isinstance(original, asyncio.CancelledError) or isinstance(original.__cause__, asyncio.CancelledError):
        # The task was cancelled during a statement (a node stopping): the
        # driver reports a broken connection, but this is no outage, and a
        # loop that retries on Unavailable would swallow its cancellation
        # and never end.
        return asyncio.CancelledError()
    if disconnect or isinstance(original, (OSError, TimeoutError)):
        return errors.Unavailable("the database cannot be reached; try again shortly")
    return None


def refuse_nul(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any,
               executemany: bool) -> None:
    """Raises BadRequest for a bound string holding a NUL character, before
    the statement runs. PostgreSQL cannot store one in text and fails the
    statement (a 500, and in a group commit everyone's batch); SQLite is
    made to refuse it too, so both stores keep one contract. Text from
    every door (a body, a query, a socket payload, a login form, a site
    key) reaches the store through here."""
    refuse_nul_in(parameters if executemany else (parameters,))


def refuse_nul_in(rows: Iterable[Any]) -> None:
    """`refuse_nul` for rows of parameters (tuples or dicts) that bypass
    SQLAlchemy: the group commit's raw statements on PostgreSQL."""
    for row in rows:
        values = row.values() if isinstance(row, dict) else row
        if any(isinstance(value, str) and "\x00" in value for value in values or ()):
            raise errors.BadRequest("text may not contain a NUL character (U+0000)")


def _sqlite_path(url: URL) -> str:
    """The SQLite file as the store opens it: absolute, for the connections
    of other threads (the writer's, the checkpointer's, the loop's reads)."""
    return str(Path(url.database or "").expanduser().absolute())


def _sqlite_engine(target: URL) -> AsyncEngine:
    Path(_sqlite_path(target)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(target)
    event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
    return engine


def sqlite_writer_engine(engine: AsyncEngine) -> Engine | None:
    """For a SQLite store, a synchronous engine on the same file for the
    group-commit writer's own thread (pysqlite, same pragmas); None otherwise."""
    if engine.dialect.name != "sqlite":
        return None
    url = engine.url.set(drivername="sqlite+pysqlite", database=_sqlite_path(engine.url))
    # The writer's thread is the only user of this engine: one connection.
    writer = create_sync_engine(url, pool_size=1, max_overflow=0)
    event.listen(writer, "connect", _set_sqlite_pragmas)
    return writer


def sqlite_loop_reads(engine: AsyncEngine) -> LoopReads | None:
    """For a SQLite store, reads on the event loop's thread (batch_sqlite.LoopReads); None otherwise."""
    if engine.dialect.name != "sqlite":
        return None
    return LoopReads(_sqlite_path(engine.url))


def pg_writer_engine(engine: AsyncEngine) -> AsyncEngine | None:
    """For a PostgreSQL store, an engine of one connection for the
    group-commit writer (its batches run one at a time); None otherwise.
    Without pre-ping: the batch's BEGIN checks the connection instead
    (store/batch_pg.py), which saves the ping's three round trips a batch."""
    if engine.dialect.name != "postgresql":
        return None
    return _postgresql_engine(engine.url, pool_size=1, max_overflow=0)


def _postgresql_engine(url: URL, **pool: Any) -> AsyncEngine:
    """An asyncpg engine whose lost database is `Unavailable` (`database_away`)."""
    engine = create_async_engine(url, connect_args=_postgresql_args(), **pool)
    event.listen(engine.sync_engine, "handle_error", database_away)
    return engine


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _postgresql_args() -> dict[str, Any]:
    # The server default is usually `on` already; a node must not run with
    # a weaker setting inherited from the role or database.
    return {"server_settings": {"synchronous_commit": "on"}}
