"""Chats and tickets a page at a time (part of `SqlStore`; services/listing.py)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from ..services.listing_types import After, ChatFilter, TicketFilter
from ..services.model import Chat, Ticket
from . import rows
from .base import SqlBase, matching
from .tables import chat_agents, chats, tickets


def _after(at: Any, id_: Any, after: After | None) -> Iterator[ColumnElement[bool]]:
    """Past the key, in the order (at desc, id desc)."""
    if after is not None:
        yield or_(at < after.at, and_(at == after.at, id_ < after.id))


def _chat_conditions(f: ChatFilter) -> Iterator[ColumnElement[bool]]:
    c = chats.c
    yield from matching((c.site_id, f.site_id), (c.visitor_id, f.visitor_id))
    if f.statuses:
        yield c.status.in_([s.value for s in f.statuses])
    if f.agent_id is not None:
        yield c.id.in_(select(chat_agents.c.chat_id).where(chat_agents.c.agent_id == f.agent_id))
    if f.since is not None:
        yield c.started_at >= f.since
    if f.until is not None:
        yield c.started_at < f.until
    yield from _after(c.started_at, c.id, f.after)


def _ticket_conditions(f: TicketFilter) -> Iterator[ColumnElement[bool]]:
    t = tickets.c
    yield from matching((t.site_id, f.site_id), (t.visitor_id, f.visitor_id), (t.account_id, f.account_id),
                        (t.assignee_id, f.assignee_id), (t.topic, f.topic),
                        (t.priority, f.priority.value if f.priority else None))
    if f.statuses:
        yield t.status.in_([s.value for s in f.statuses])
    if f.since is not None:
        yield t.created_at >= f.since
    if f.until is not None:
        yield t.created_at < f.until
    yield from _after(t.created_at, t.id, f.after)


class ListingRecords(SqlBase):
    async def chats_page(self, filters: ChatFilter, limit: int) -> list[Chat]:
        """At most `limit` chats matching `filters`, the latest started first (then by id)."""
        c = chats.c
        stmt = select(chats).where(*_chat_conditions(filters)).order_by(c.started_at.desc(), c.id.desc()).limit(limit)
        return [rows.chat_of(r) for r in await self._all(stmt)]

    async def tickets_page(self, filters: TicketFilter, limit: int) -> list[Ticket]:
        """At most `limit` tickets matching `filters`, the newest first (then by id)."""
        t = tickets.c
        stmt = (select(tickets).where(*_ticket_conditions(filters)).order_by(t.created_at.desc(), t.id.desc())
                .limit(limit))
        return [rows.ticket_of(r) for r in await self._all(stmt)]
