"""The visitor's context beside each chat (part of `SqlStore`): one row of
the latest facts per chat, and the pages seen during it, trimmed to the
last few in the same transaction."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..services.visit_types import PageView, Visit, VisitUpdate
from .base import SqlBase, dialect_insert, first_row
from .tables import chat_pages, chat_visits

_FACTS = ("url", "title", "referrer", "language", "time_zone", "utc_offset_min", "user_agent")


class VisitRecords(SqlBase):
    async def update_visit(self, chat_id: str, update_: VisitUpdate, at: datetime, *, keep_pages: int) -> Visit:
        changes: dict[str, Any] = {f: getattr(update_, f) for f in _FACTS if getattr(update_, f) is not None}
        if update_.custom is not None:
            changes["custom"] = dict(update_.custom)
        async with self._transaction() as conn:
            # The upsert first: it takes the row's lock (the write lock on
            # SQLite), so two tabs reporting at once add their pages in turn.
            stmt = dialect_insert(conn.dialect.name, chat_visits).values(chat_id=chat_id, updated_at=at, **changes)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["chat_id"],
                                                          set_={"updated_at": at, **changes}))
            if update_.url is not None:
                await _add_page(conn, chat_id, update_.url, update_.title, at, keep_pages)
            return await _visit(conn, chat_id)  # type: ignore[return-value]  # just written

    async def visit_of_chat(self, chat_id: str) -> Visit | None:
        async with self._engine.connect() as conn:
            return await _visit(conn, chat_id)


async def _add_page(conn: AsyncConnection, chat_id: str, url: str, title: str | None, at: datetime,
                    keep: int) -> None:
    p = chat_pages.c
    last = await first_row(conn, select(p.id, p.seq, p.url).where(p.chat_id == chat_id)
                           .order_by(p.seq.desc()).limit(1))
    if last is not None and last["url"] == url:  # the same page (a reload, a new title)
        if title is not None:
            await conn.execute(update(chat_pages).where(p.id == last["id"]).values(title=title))
        return
    seq = (last["seq"] if last is not None else 0) + 1
    await conn.execute(insert(chat_pages).values(id=uuid.uuid4().hex, chat_id=chat_id, seq=seq, url=url,
                                                 title=title or "", at=at))
    if seq > keep:
        await conn.execute(delete(chat_pages).where(p.chat_id == chat_id, p.seq <= seq - keep))


async def _visit(conn: AsyncConnection, chat_id: str) -> Visit | None:
    row = await first_row(conn, select(chat_visits).where(chat_visits.c.chat_id == chat_id))
    if row is None:
        return None
    p = chat_pages.c
    pages = (await conn.execute(select(p.url, p.title, p.at).where(p.chat_id == chat_id)
                                .order_by(p.seq))).mappings()
    values = {**row, "custom": row["custom"] or {}}
    return Visit(**values, pages=tuple(PageView(r["url"], r["title"], r["at"]) for r in pages))
