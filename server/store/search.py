"""Full-text search over chats and tickets, and the lead's list of past
chats (part of `SqlStore`).

The index is built by migration 0013: on SQLite the FTS5 table
`search_fts` (kept by triggers; since 0022 chat messages join it in
batches, and a search first indexes those still queued), on PostgreSQL GIN indexes on
`to_tsvector('simple', ...)`, whose expressions the conditions here repeat
word for word so that the planner uses them.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (ColumnElement, Integer, Select, String, and_, column, exists, false, func, literal_column, or_,
                        select, table, text, union_all)

from ..services.model import ChatStatus
from ..services.search_types import HitKind, PastChat, PastChatFilter, SearchHit, SearchQuery
from . import rows
from .base import SqlBase
from .batch_sqlite import index_pending
from .tags import chat_has_tag, ticket_has_tag
from .tables import chat_agents, chats, messages, sla_events, surveys, ticket_replies, tickets, visitors
from .writer import GroupWriter

# What migrations 0013 and 0022 add outside tables.py (the schema comparison
# skips these names): the FTS5 table, its shadow tables and its queue
# (`search_fts_pending`), the GIN indexes.
FTS_TABLE = "search_fts"
SEARCH_INDEXES = frozenset({"ix_messages_search", "ix_tickets_search", "ix_ticket_replies_search"})

_fts = table(FTS_TABLE, column("kind", String), column("chat_id", String), column("ticket_id", String),
             column("ref", String))
_FTS_MATCH = text(f"{FTS_TABLE} MATCH :fts_query")
_PG_MESSAGE = text("to_tsvector('simple', messages.text) @@ plainto_tsquery('simple', :search_text)")
_PG_TICKET = text("to_tsvector('simple', tickets.subject || ' ' || tickets.description) "
                  "@@ plainto_tsquery('simple', :search_text)")
_PG_REPLY = text("to_tsvector('simple', ticket_replies.text) @@ plainto_tsquery('simple', :search_text)")


def is_search_schema(name: str | None) -> bool:
    """True for a table or index migration 0013 makes outside tables.py."""
    return bool(name) and (name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_") or name in SEARCH_INDEXES)


def fts_match(terms: tuple[str, ...]) -> str:
    """An FTS5 query matching every term as a word: each quoted (a quote
    inside doubled), so `NEAR(`, `*`, `-`, `AND` are words, never syntax."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


class SearchRecords(SqlBase):
    _writer: GroupWriter  # SqlStore's

    async def search(self, query: SearchQuery) -> list[SearchHit]:
        """Chats and tickets with every word of the query, one hit each
        (its newest match), newest first; `limit` from `offset`. Scoped to
        `query.agent_id`'s chats and tickets when given: chats they handled
        (assigned at any point, transfers included), tickets they opened,
        replied to, or that came from one of those chats. Notes are
        searched (staff read them); the hit says so. With `query.tag`, only
        chats and tickets carrying that tag (a ticket's own tags)."""
        if not query.terms:
            return []
        sqlite = self._engine.dialect.name == "sqlite"
        if sqlite:  # what was stored before the search is found by it
            await self._writer.job(lambda conn: index_pending(conn.connection.driver_connection))
        parts = union_all(self._message_hits(query, sqlite), self._ticket_hits(query, sqlite),
                          self._reply_hits(query, sqlite)).subquery("hits")
        ranked = select(parts, func.row_number().over(
            partition_by=(parts.c.kind, parts.c.id),
            order_by=(parts.c.at.desc(), parts.c.seq.desc())).label("rank")).subquery("ranked")
        stmt = (select(ranked).where(ranked.c.rank == 1)
                .order_by(ranked.c.at.desc(), ranked.c.id).limit(query.limit).offset(query.offset))
        params = {"fts_query": fts_match(query.terms)} if sqlite else {"search_text": query.text}
        async with self._engine.connect() as conn:
            found = list((await conn.execute(stmt, params)).mappings())
            chat_ids = [r["id"] for r in found if r["kind"] == HitKind.CHAT.value]
            ticket_ids = [r["id"] for r in found if r["kind"] == HitKind.TICKET.value]
            chat_rows = (await conn.execute(select(chats).where(chats.c.id.in_(chat_ids)))).mappings()
            ticket_rows = (await conn.execute(select(tickets).where(tickets.c.id.in_(ticket_ids)))).mappings()
            by_chat = {r["id"]: rows.chat_of(r) for r in chat_rows}
            by_ticket = {r["id"]: rows.ticket_of(r) for r in ticket_rows}
        return [_hit_of(r, by_chat, by_ticket) for r in found]

    def _message_hits(self, query: SearchQuery, sqlite: bool) -> Select[Any]:
        m = messages.c
        stmt = select(literal_column("'chat'", String).label("kind"), m.chat_id.label("id"), m.at.label("at"),
                      m.text.label("text"), m.seq.label("seq"), m.note.label("note"))
        if sqlite:
            found = (select(_fts.c.chat_id, _fts.c.ref)
                     .where(_FTS_MATCH, _fts.c.kind == "message").subquery("found"))
            stmt = stmt.join_from(messages, found, and_(m.chat_id == found.c.chat_id, m.seq == found.c.ref))
        else:
            stmt = stmt.where(_PG_MESSAGE)
        if query.agent_id is not None:
            stmt = stmt.where(m.chat_id.in_(_chats_of(query.agent_id)))
        if query.tag is not None:
            stmt = stmt.where(chat_has_tag(m.chat_id, query.tag))
        return stmt

    def _ticket_hits(self, query: SearchQuery, sqlite: bool) -> Select[Any]:
        t = tickets.c
        stmt = select(literal_column("'ticket'", String).label("kind"), t.id.label("id"), t.created_at.label("at"),
                      (t.subject + "\n" + t.description).label("text"), literal_column("0", Integer).label("seq"),
                      false().label("note"))
        if sqlite:
            stmt = stmt.where(t.id.in_(self._fts_keys("ticket", query)))
        else:
            stmt = stmt.where(_PG_TICKET)
        if query.agent_id is not None:
            stmt = stmt.where(t.id.in_(_tickets_of(query.agent_id)))
        if query.tag is not None:
            stmt = stmt.where(ticket_has_tag(t.id, query.tag))
        return stmt

    def _reply_hits(self, query: SearchQuery, sqlite: bool) -> Select[Any]:
        r = ticket_replies.c
        stmt = select(literal_column("'ticket'", String).label("kind"), r.ticket_id.label("id"), r.at.label("at"),
                      r.text.label("text"), r.seq.label("seq"), false().label("note"))
        if sqlite:
            stmt = stmt.where(r.id.in_(self._fts_keys("reply", query)))
        else:
            stmt = stmt.where(_PG_REPLY)
        if query.agent_id is not None:
            stmt = stmt.where(r.ticket_id.in_(_tickets_of(query.agent_id)))
        if query.tag is not None:
            stmt = stmt.where(ticket_has_tag(r.ticket_id, query.tag))
        return stmt

    @staticmethod
    def _fts_keys(kind: str, query: SearchQuery) -> Select[Any]:
        key = _fts.c.ticket_id if kind == "ticket" else _fts.c.ref
        return select(key).where(_FTS_MATCH, _fts.c.kind == kind)

    # the lead's list of past chats
    async def past_chats(self, filters: PastChatFilter, *, limit: int = 50, offset: int = 0) -> list[PastChat]:
        """Ended chats matching every filter given, the latest started first."""
        c = chats.c
        breached = exists(select(sla_events.c.id).where(sla_events.c.chat_id == c.id,
                                                          sla_events.c.stage == "breach"))
        stmt = (select(chats, visitors.c.name.label("visitor_name"), surveys.c.rating.label("rating"),
                       breached.label("sla_breached"))
                .join_from(chats, visitors, visitors.c.id == c.visitor_id, isouter=True)
                .join(surveys, surveys.c.chat_id == c.id, isouter=True)
                .where(c.status == ChatStatus.ENDED.value, *_past_chat_conditions(filters, breached))
                .order_by(c.started_at.desc(), c.id).limit(limit).offset(offset))
        return [PastChat(rows.chat_of(r), r["visitor_name"], r["rating"], bool(r["sla_breached"]))
                for r in await self._all(stmt)]


def _past_chat_conditions(f: PastChatFilter, breached: ColumnElement[bool]) -> Iterator[ColumnElement[bool]]:
    """One condition per filter given: a new filter is one more `if` here
    (and a field of PastChatFilter)."""
    c = chats.c
    if f.agent_id is not None:
        yield c.id.in_(_chats_of(f.agent_id))
    if f.since is not None:
        yield c.started_at >= f.since
    if f.until is not None:
        yield c.started_at < f.until
    if f.topic is not None:
        yield c.topic == f.topic
    if f.rating is not None:
        yield surveys.c.rating == f.rating
    if f.outcome is not None:
        yield c.end_reason == f.outcome
    if f.sla_breached is not None:
        yield breached if f.sla_breached else ~breached
    if f.tag is not None:
        yield chat_has_tag(c.id, f.tag)


def _chats_of(agent_id: str) -> Select[Any]:
    """The chats an agent handled at any point (chat_agents: every assignment and transfer)."""
    return select(chat_agents.c.chat_id).where(chat_agents.c.agent_id == agent_id)


def _tickets_of(agent_id: str) -> Select[Any]:
    """The tickets an agent opened, replied to, or that came from a chat they handled."""
    t, r = tickets.c, ticket_replies.c
    replied = select(r.ticket_id).where(r.author == "agent", r.author_id == agent_id)
    return select(t.id).where(or_(t.created_by == agent_id, t.chat_id.in_(_chats_of(agent_id)),
                                  t.id.in_(replied)))


def _hit_of(row: Any, by_chat: dict[str, Any], by_ticket: dict[str, Any]) -> SearchHit:
    kind = HitKind(row["kind"])
    if kind is HitKind.CHAT:
        return SearchHit(kind, row["at"], row["text"], chat=by_chat.get(row["id"]), seq=row["seq"],
                         note=bool(row["note"]))
    return SearchHit(kind, row["at"], row["text"], ticket=by_ticket.get(row["id"]))
