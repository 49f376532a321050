"""`SqlStore`: the `services.ports.Store` port on SQLAlchemy Core (async),
for SQLite (aiosqlite) and PostgreSQL (asyncpg).

Every write is one transaction that starts with its write statement: on
SQLite that takes the write lock before any snapshot is read, so a busy
database makes it wait (busy_timeout) instead of failing.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Executable, Table, case, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ..services import errors
from ..services.model import (Agent, AgentStatus, Chat, ChatStatus, Message, NewMessage,
                              Priority, Site, Visitor)
from . import migrate, rows
from .tables import agents, chats, messages, sites, visitors
from .engine import sqlite_writer_engine
from .writer import GroupWriter

NOT_ENDED = chats.c.status != ChatStatus.ENDED.value
T = TypeVar("T")
READ_SEQ = {"visitor": chats.c.visitor_read_seq, "agent": chats.c.agent_read_seq}


class SqlStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._writer = GroupWriter(engine, sqlite_writer=sqlite_writer_engine(engine))

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def batches_committed(self) -> int:
        """Group-commit transactions committed so far."""
        return self._writer.batches_committed

    async def migrate(self) -> None:
        await migrate.upgrade(self._engine)

    async def close(self) -> None:
        """Commit every message already appended, then release the database."""
        await self._writer.close()
        await self._engine.dispose()

    # plumbing
    async def _first(self, stmt: Executable) -> RowMapping | None:
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt)).mappings().first()

    async def _all(self, stmt: Executable) -> list[RowMapping]:
        async with self._engine.connect() as conn:
            return list((await conn.execute(stmt)).mappings())

    async def _write(self, stmt: Executable) -> RowMapping | None:
        """Run one write in its own transaction; its RETURNING row, if any."""
        try:
            async with self._engine.begin() as conn:
                result = await conn.execute(stmt)
                return result.mappings().first() if result.returns_rows else None
        except IntegrityError as exc:
            raise errors.Conflict(f"refused by a uniqueness rule: {exc.orig}") from exc

    def _upsert(self, table: Table, values: Mapping[str, Any], key: str,
                keep: tuple[str, ...] = ("id",)) -> Executable:
        """INSERT, or UPDATE the row with the same `key` (all but `keep`)."""
        make = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        # Any: the two dialects' Insert classes share this API but no base type.
        stmt: Any = make(table).values(dict(values))
        changes = {c: stmt.excluded[c] for c in values if c not in keep and c != key}
        upsert: Executable = (stmt.on_conflict_do_update(index_elements=[key], set_=changes)
                              .returning(*table.c))
        return upsert

    # sites and agents
    async def save_site(self, site: Site) -> Site:
        row = await self._write(self._upsert(sites, rows.site_values(site), key="key"))
        return rows.site_of(_returned(row))

    async def site_by_key(self, key: str) -> Site | None:
        return _maybe(rows.site_of, await self._first(select(sites).where(sites.c.key == key)))

    async def site_by_id(self, site_id: str) -> Site | None:
        return _maybe(rows.site_of, await self._first(select(sites).where(sites.c.id == site_id)))

    async def save_agent(self, agent: Agent) -> Agent:
        row = await self._write(self._upsert(agents, rows.agent_values(agent), key="email"))
        return rows.agent_of(_returned(row))

    async def agent_by_id(self, agent_id: str) -> Agent | None:
        return await self._agent_where(agents.c.id == agent_id)

    async def agent_by_email(self, email: str) -> Agent | None:
        return await self._agent_where(agents.c.email == email)

    async def agent_by_token_hash(self, token_hash: str) -> Agent | None:
        return await self._agent_where(agents.c.token_hash == token_hash)

    async def _agent_where(self, condition: ColumnElement[bool]) -> Agent | None:
        row = await self._first(select(agents).where(condition).order_by(agents.c.id).limit(1))
        return _maybe(rows.agent_of, row)

    async def list_agents(self) -> list[Agent]:
        return [rows.agent_of(r) for r in await self._all(select(agents).order_by(agents.c.email))]

    async def set_agent_status(self, agent_id: str, status: AgentStatus) -> None:
        await self._write(update(agents).where(agents.c.id == agent_id).values(status=status.value))

    # visitors
    async def save_visitor(self, visitor: Visitor) -> Visitor:
        """Insert, or update the visitor with this id (its site and creation
        time stay as first stored)."""
        stmt = self._upsert(visitors, rows.visitor_values(visitor), key="id",
                            keep=("id", "site_id", "created_at"))
        return rows.visitor_of(_returned(await self._write(stmt)))

    async def visitor_by_id(self, visitor_id: str) -> Visitor | None:
        return await self._visitor_where(visitors.c.id == visitor_id)

    async def visitor_by_token_hash(self, site_id: str, token_hash: str) -> Visitor | None:
        return await self._visitor_where(visitors.c.site_id == site_id,
                                         visitors.c.token_hash == token_hash)

    async def visitor_by_external_id(self, site_id: str, external_id: str) -> Visitor | None:
        """The newest visitor of the site with this external id."""
        return await self._visitor_where(visitors.c.site_id == site_id,
                                         visitors.c.external_id == external_id)

    async def _visitor_where(self, *conditions: ColumnElement[bool]) -> Visitor | None:
        stmt = (select(visitors).where(*conditions)
                .order_by(visitors.c.created_at.desc(), visitors.c.id).limit(1))
        return _maybe(rows.visitor_of, await self._first(stmt))

    # chats
    async def create_chat(self, chat: Chat, first: NewMessage | None) -> tuple[Chat, Message | None]:
        """Insert `chat` and, if given, its first message as seq 1 (the
        chat's `last_seq` is set to match). Raises ChatActive if the visitor
        has a chat not ended, BadRequest if `first` is for another chat."""
        if first is not None and first.chat_id != chat.id:
            raise errors.BadRequest("the first message belongs to another chat")
        message = None if first is None else rows.stored_message(first, 1)
        values = rows.chat_values(chat) | {"last_seq": 0 if message is None else 1}
        try:
            async with self._engine.begin() as conn:
                row = (await conn.execute(insert(chats).values(values).returning(*chats.c))).mappings().one()
                if message is not None:
                    await conn.execute(insert(messages).values(rows.message_values(message)))
        except IntegrityError as exc:
            raise await self._chat_refused(chat, exc) from exc
        return rows.chat_of(row), message

    async def _chat_refused(self, chat: Chat, exc: IntegrityError) -> errors.Conflict:
        # Ask rather than parse the driver's message: the two backends word
        # a broken partial index differently.
        open_chat = await self.open_chat_of_visitor(chat.visitor_id)
        if open_chat is not None and open_chat.id != chat.id:
            return errors.ChatActive("the visitor already has a chat that has not ended")
        return errors.Conflict(f"chat refused: {exc.orig}")

    async def chat_by_id(self, chat_id: str) -> Chat | None:
        return _maybe(rows.chat_of, await self._first(select(chats).where(chats.c.id == chat_id)))

    async def open_chat_of_visitor(self, visitor_id: str) -> Chat | None:
        stmt = select(chats).where(chats.c.visitor_id == visitor_id, NOT_ENDED)
        return _maybe(rows.chat_of, await self._first(stmt))

    async def chats_with_status(self, *statuses: ChatStatus) -> list[Chat]:
        if not statuses:
            return []
        stmt = (select(chats).where(chats.c.status.in_([s.value for s in statuses]))
                .order_by(chats.c.started_at, chats.c.id))
        return [rows.chat_of(r) for r in await self._all(stmt)]

    async def assign_chat(self, chat_id: str, agent_id: str, at: datetime, *,
                          first: bool) -> Chat | None:
        changes: dict[str, Any] = {"status": ChatStatus.ACTIVE.value, "agent_id": agent_id}
        if first:
            changes["assigned_at"] = at
        return await self._change_open_chat(chat_id, changes)

    async def requeue_chat(self, chat_id: str, priority: Priority) -> Chat | None:
        changes = {"status": ChatStatus.QUEUED.value, "agent_id": None, "priority": priority.value}
        return await self._change_open_chat(chat_id, changes)

    async def end_chat(self, chat_id: str, reason: str, at: datetime) -> Chat | None:
        changes = {"status": ChatStatus.ENDED.value, "end_reason": reason, "ended_at": at}
        return await self._change_open_chat(chat_id, changes)

    async def _change_open_chat(self, chat_id: str, changes: Mapping[str, Any]) -> Chat | None:
        stmt = (update(chats).where(chats.c.id == chat_id, NOT_ENDED)
                .values(dict(changes)).returning(*chats.c))
        return _maybe(rows.chat_of, await self._write(stmt))

    async def mark_read(self, chat_id: str, reader: str, seq: int) -> None:
        """Raise the reader's read seq to `seq` (never lower it, never past
        the chat's last seq). Raises BadRequest for an unknown reader."""
        column = READ_SEQ.get(reader)
        if column is None:
            raise errors.BadRequest(f"unknown reader {reader!r}")
        target = case((chats.c.last_seq < seq, chats.c.last_seq), else_=literal(seq))
        await self._write(update(chats).where(chats.c.id == chat_id, column < target)
                          .values({column.name: target}))

    # messages
    def append_message(self, message: NewMessage) -> Awaitable[Message]:
        return self._writer.submit(message)

    async def messages_after(self, chat_id: str, after_seq: int, *,
                             include_notes: bool, limit: int = 500) -> list[Message]:
        stmt = select(messages).where(messages.c.chat_id == chat_id, messages.c.seq > after_seq)
        if not include_notes:
            stmt = stmt.where(messages.c.note.is_(False))
        stmt = stmt.order_by(messages.c.seq).limit(limit)
        return [rows.message_of(r) for r in await self._all(stmt)]


def _maybe(build: Callable[[RowMapping], T], row: RowMapping | None) -> T | None:
    return None if row is None else build(row)


def _returned(row: RowMapping | None) -> RowMapping:
    if row is None:  # RETURNING of an upsert always yields its row
        raise RuntimeError("the upsert returned no row")
    return row
