"""What every part of `SqlStore` builds on: reads, one-statement writes,
transactions that turn a broken uniqueness rule into `errors.Conflict`, the
dialect's INSERT (for ON CONFLICT), and queueing mail in a transaction."""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Executable, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..services import errors
from ..services.model import AuditEntry, OutgoingMail
from ..services.hook_events import take_staged
from ..services.webhook_types import DeliveryState, HookRow
from .tables import audit_log, chats, outbox, webhook_deliveries

T = TypeVar("T")


async def insert_audit(conn: AsyncConnection, entry: AuditEntry) -> None:
    """Record `entry` in the caller's transaction on `conn`."""
    await conn.execute(insert(audit_log).values(dataclasses.asdict(entry)))


class SqlBase:
    """The engine and the plumbing; the record classes add the methods."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    async def _first(self, stmt: Executable) -> RowMapping | None:
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt)).mappings().first()

    async def _all(self, stmt: Executable) -> list[RowMapping]:
        async with self._engine.connect() as conn:
            return list((await conn.execute(stmt)).mappings())

    async def _scalar(self, stmt: Executable) -> Any:
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt)).scalar_one()

    @contextlib.asynccontextmanager
    async def _transaction(self, *, hooks: bool = True) -> AsyncIterator[AsyncConnection]:
        """One transaction, committed when the block ends normally (unless
        the block rolled it back). The webhook events the caller staged
        (services.hook_events) are inserted in it just before the commit,
        unless `hooks` is False. Raises Conflict for a broken uniqueness rule."""
        try:
            async with self._engine.begin() as conn:
                yield conn
                if hooks and conn.in_transaction():  # not after the block rolled back: nothing changed
                    await insert_hooks(conn, take_staged())
        except IntegrityError as exc:
            raise errors.Conflict(f"refused by a uniqueness rule: {exc.orig}") from exc

    async def _write(self, stmt: Executable, audit: AuditEntry | None = None) -> RowMapping | None:
        """Run one write in its own transaction; its RETURNING row, if any.
        `audit` is recorded in the same transaction when the write returned
        a row (it changed something): the change and its record stand or
        fall together."""
        async with self._transaction(hooks=False) as conn:
            result = await conn.execute(stmt)
            row = result.mappings().first() if result.returns_rows else None
            if row is not None and audit is not None:
                await insert_audit(conn, audit)
            if row is not None:  # staged webhook events go with a change, as the audit entry
                await insert_hooks(conn, take_staged())
            return row

    def _upsert(self, table: Table, values: Mapping[str, Any], key: str,
                keep: tuple[str, ...] = ("id",)) -> Executable:
        """INSERT, or UPDATE the row with the same `key` (all but `keep`)."""
        upsert: Executable = upsert_of(self._engine.dialect.name, table, tuple(values), key, keep).values(dict(values))
        return upsert


@functools.lru_cache(maxsize=32)
def upsert_of(dialect: str, table: Table, columns: tuple[str, ...], key: str, keep: tuple[str, ...]) -> Any:
    """The upsert without its values, built once per shape: building it
    (an `excluded` column per change, the RETURNING list) cost about
    0.5 ms of the event loop on every visitor saved, each chat:start."""
    stmt = dialect_insert(dialect, table)
    changes = {c: stmt.excluded[c] for c in columns if c not in keep and c != key}
    return stmt.on_conflict_do_update(index_elements=[key], set_=changes).returning(*table.c)


def dialect_insert(dialect: str, table: Table) -> Any:
    """The backend's own INSERT, which has ON CONFLICT. Any: the two
    dialects' Insert classes share this API but no base type."""
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return make(table)


async def first_row(conn: AsyncConnection, stmt: Executable) -> RowMapping | None:
    """The first row `stmt` returns, in the caller's transaction."""
    return (await conn.execute(stmt)).mappings().first()


def matching(*pairs: tuple[ColumnElement[Any], Any]) -> list[ColumnElement[bool]]:
    """`column == value` for each pair whose value was given (not None)."""
    return [column == value for column, value in pairs if value is not None]


async def insert_mails(conn: AsyncConnection, mails: Iterable[OutgoingMail]) -> None:
    """Queue `mails` in the caller's transaction on `conn`, each due at its
    `created_at`. A mail whose `id` is already queued is skipped, so a caller
    retrying a transaction with the same ids queues each mail once."""
    values = [_mail_values(m) for m in mails]
    if not values:
        return
    stmt = dialect_insert(conn.dialect.name, outbox).values(values)
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))


def _mail_values(mail: OutgoingMail) -> dict[str, Any]:
    return {"id": mail.id or uuid.uuid4().hex, "created_at": mail.created_at,
            "to_addr": mail.to, "subject": mail.subject, "body_text": mail.text,
            "headers": [list(h) for h in mail.headers] or None, "attempts": 0,
            "next_attempt_at": mail.created_at, "sent_at": None, "last_error": None}


def hook_values(row: HookRow) -> dict[str, Any]:
    return {"webhook_id": row.webhook_id, "event_id": row.event_id, "type": row.type, "chat_id": row.chat_id,
            "body": row.body, "state": DeliveryState.PENDING.value, "attempts": 0, "created_at": row.created_at,
            "first_due_at": row.created_at, "next_attempt_at": row.created_at}


async def insert_hooks(conn: AsyncConnection, rows: Iterable[HookRow]) -> None:
    """Queue webhook deliveries in the caller's transaction on `conn`."""
    values = [hook_values(r) for r in rows]
    if values:
        lock = _chat_locks(conn.dialect.name, values)
        if lock is not None:
            await conn.execute(lock)
        await conn.execute(insert(webhook_deliveries), values)


def insert_hooks_sync(conn: Connection, rows: Iterable[HookRow]) -> None:
    """`insert_hooks` on a synchronous connection (a job of the group commit)."""
    values = [hook_values(r) for r in rows]
    if values:
        lock = _chat_locks(conn.dialect.name, values)
        if lock is not None:
            conn.execute(lock)
        conn.execute(insert(webhook_deliveries), values)


def _chat_locks(dialect: str, values: list[dict[str, Any]]) -> Executable | None:
    """On PostgreSQL, the lock of every chat the rows name, in id order (as
    the message batch takes them), until the commit. A chat's deliveries go
    in id order (store/webhooks.py), and ids are given at insert, not at
    commit: holding the chat's row from before the insert to the commit
    makes two transactions that queue events of one chat (an SLA warning,
    which changes no chat row, and a message) commit in the order of their
    ids. Usually held already (the change updated the chat). SQLite has one
    writer: nothing to do."""
    chat_ids = sorted({v["chat_id"] for v in values if v["chat_id"] is not None})
    if dialect != "postgresql" or not chat_ids:
        return None
    # FOR NO KEY UPDATE: what an UPDATE of the chat takes; rows that merely
    # reference the chat (a foreign key's KEY SHARE) are not held up.
    return (select(chats.c.id).where(chats.c.id.in_(chat_ids)).order_by(chats.c.id)
            .with_for_update(key_share=True))


def maybe(build: Callable[[RowMapping], T], row: RowMapping | None) -> T | None:
    return None if row is None else build(row)


def returned(row: RowMapping | None) -> RowMapping:
    if row is None:  # RETURNING of an INSERT (or upsert) always yields its row
        raise RuntimeError("the write returned no row")
    return row
