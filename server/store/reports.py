"""The figures of the desk: what the live metrics, the reports per agent and
day, and /metrics read (part of `SqlStore`). One query layer for the three,
so they always agree; `services/reports.py` does the arithmetic.

TODO: indexes on chats(started_at), chats(ended_at) and
chat_agents(assigned_at) would spare the scans of a busy desk's whole
history at each refresh; they wait for a migration after 0005 (in progress).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import groupby

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..policy.sla import MessageMark
from ..services.facts import Conversation, DeskTotals, Handled, Rating, ReportFacts
from . import rows
from .base import SqlBase
from .tables import chat_agents, chats, messages, sla_events, surveys
from .tags import chat_has_tag


def _within(column: ColumnElement, since: datetime | None, until: datetime) -> list[ColumnElement[bool]]:
    return [column < until] + ([column >= since] if since is not None else [])


def _tagged(chat_id: ColumnElement, tag_id: str | None) -> list[ColumnElement[bool]]:
    """Only the chats carrying `tag_id`, when a report asks for one."""
    return [chat_has_tag(chat_id, tag_id)] if tag_id is not None else []


class ReportRecords(SqlBase):
    async def report_facts(self, since: datetime | None, until: datetime, tag_id: str | None = None) -> ReportFacts:
        """What happened in [since, until) (`since` None: from the start),
        to the chats carrying `tag_id` only when it is given."""
        async with self._engine.connect() as conn:
            return ReportFacts(conversations=await _conversations(conn, since, until, tag_id),
                               handled=await _handled(conn, since, until, tag_id),
                               ended=await _ended(conn, since, until, tag_id),
                               breaches=await _breaches(conn, since, until, tag_id),
                               ratings=await _ratings(conn, since, until, tag_id))

    async def desk_totals(self) -> DeskTotals:
        """Counts since the desk began (for /metrics counters)."""
        async with self._engine.connect() as conn:
            ended = await _counts(conn, chats.c.end_reason, chats.c.ended_at.is_not(None))
            return DeskTotals(
                chats_started=(await conn.execute(select(func.count()).select_from(chats))).scalar_one(),
                ended_by_reason=ended,
                breaches_by_kind=await _counts(conn, sla_events.c.kind, sla_events.c.stage == "breach"),
                ratings=await _counts(conn, surveys.c.rating),
                excluded=await _counts(conn, surveys.c.rating, surveys.c.excluded_reason.is_not(None)))


async def _counts(conn: AsyncConnection, column: ColumnElement, *where: ColumnElement[bool]) -> dict:
    stmt = select(column, func.count()).where(*where).group_by(column)
    return {key: count for key, count in (await conn.execute(stmt)).all()}


async def _conversations(conn: AsyncConnection, since: datetime | None,
                         until: datetime, tag_id: str | None) -> tuple[Conversation, ...]:
    """The chats open at some time in the window (only they can have been
    answered in it) with their messages before `until`, earlier ones too:
    a wait that began before the window ends in it."""
    m = messages.c
    open_in_window = [chats.c.started_at < until, *_tagged(chats.c.id, tag_id)]
    if since is not None:
        open_in_window.append(or_(chats.c.ended_at.is_(None), chats.c.ended_at >= since))
    stmt = (select(chats.c.id, chats.c.started_at, m.at, m.author, m.author_id, m.note)
            .join(messages, m.chat_id == chats.c.id)
            .where(*open_in_window, m.at < until)
            .order_by(chats.c.id, m.seq))
    found = []
    for (chat_id, started_at), group in groupby((await conn.execute(stmt)).all(), key=lambda r: (r[0], r[1])):
        marks = tuple(MessageMark(r.at, "note" if r.note else r.author, r.author_id) for r in group)
        found.append(Conversation(chat_id, started_at, marks))
    return tuple(found)


async def _handled(conn: AsyncConnection, since: datetime | None, until: datetime,
                   tag_id: str | None) -> tuple[Handled, ...]:
    c = chat_agents.c
    stmt = select(c.chat_id, c.agent_id, c.assigned_at).where(*_within(c.assigned_at, since, until),
                                                               *_tagged(c.chat_id, tag_id))
    return tuple(Handled(*row) for row in (await conn.execute(stmt)).all())


async def _ended(conn: AsyncConnection, since: datetime | None, until: datetime, tag_id: str | None) -> tuple:
    stmt = select(chats).where(*_within(chats.c.ended_at, since, until), *_tagged(chats.c.id, tag_id))
    return tuple(rows.chat_of(r) for r in (await conn.execute(stmt)).mappings())


async def _breaches(conn: AsyncConnection, since: datetime | None, until: datetime, tag_id: str | None) -> tuple:
    stmt = select(sla_events).where(sla_events.c.stage == "breach", *_within(sla_events.c.at, since, until),
                                    *_tagged(sla_events.c.chat_id, tag_id))
    return tuple(rows.sla_event_of(r) for r in (await conn.execute(stmt)).mappings())


async def _ratings(conn: AsyncConnection, since: datetime | None, until: datetime,
                   tag_id: str | None) -> tuple[Rating, ...]:
    s = surveys.c
    stmt = (select(s.chat_id, s.created_at, s.rating, chat_agents.c.agent_id)
            .outerjoin(chat_agents, chat_agents.c.chat_id == s.chat_id)
            .where(s.excluded_reason.is_(None), *_within(s.created_at, since, until), *_tagged(s.chat_id, tag_id))
            .order_by(s.chat_id, chat_agents.c.assigned_at))
    agents: dict[tuple, list[str]] = defaultdict(list)
    for chat_id, at, rating, agent_id in (await conn.execute(stmt)).all():
        agents[(chat_id, at, rating)] += [agent_id] if agent_id else []
    return tuple(Rating(chat_id, at, rating, tuple(ids)) for (chat_id, at, rating), ids in agents.items())
