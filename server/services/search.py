"""Search and history: full-text search over past chats and tickets for
agents (what they took part in) and supervisors (the whole desk), the
lead's list of past chats with filters, and a past chat read in full by
an agent who had it. Read only: nothing here changes state or emits.

The snippet of a hit is a list of segments `{"text", "hit"}` rather than
marked-up text, so that a client highlights with DOM nodes and never parses
what a visitor typed as HTML.
"""
from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

from ..policy.figures import day_start
from .context import Desk
from .errors import BadRequest, NotFound, UnknownTag
from .model import Agent, EndReason, Role, Tag
from .records import Records
from .search_types import HitKind, PastChatFilter, SearchHit, SearchQuery
from .tags import tag_view
from .views import chat_view, iso, ticket_view

MAX_QUERY_CHARS = 200
MAX_TERMS = 8  # words of one query; more are dropped (each must match, so more only narrows)
MAX_TERM_CHARS = 64
SNIPPET_CHARS = 160  # around the first match
MAX_PAGE = 50
_WORD = re.compile(r"\w+")


def words(text: str) -> tuple[str, ...]:
    """The words of a query, lowercased, each once, in order: letters and
    digits only, so quotes, `*`, `-`, `(`, `NEAR`'s parenthesis and every
    other operator of a search syntax are separators, never syntax."""
    found: list[str] = []
    for word in _WORD.findall(text.casefold()):
        word = word.strip("_")[:MAX_TERM_CHARS]
        if word and word not in found:
            found.append(word)
    return tuple(found[:MAX_TERMS])


def snippet(text: str, terms: tuple[str, ...], width: int = SNIPPET_CHARS) -> list[dict[str, Any]]:
    """Up to `width` characters of `text` around its first match, as
    segments `{"text", "hit"}` (hit: a query word, matched whole and
    case-insensitively); "…" marks text cut off at either end."""
    pattern = _terms_pattern(terms)
    first = pattern.search(text) if pattern else None
    start = 0 if first is None else max(0, min(first.start() - width // 3, len(text) - width))
    end = min(len(text), start + width)
    window = text[start:end]
    segments: list[dict[str, Any]] = [{"text": "…", "hit": False}] if start > 0 else []
    at = 0
    for match in (pattern.finditer(window) if pattern else ()):
        if match.start() > at:
            segments.append({"text": window[at:match.start()], "hit": False})
        segments.append({"text": match.group(), "hit": True})
        at = match.end()
    if at < len(window):
        segments.append({"text": window[at:], "hit": False})
    if end < len(text):
        segments.append({"text": "…", "hit": False})
    return _joined(segments)


def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)


def _joined(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in segments:
        if out and out[-1]["hit"] is s["hit"] is False:
            out[-1] = {"text": out[-1]["text"] + s["text"], "hit": False}
        else:
            out.append(s)
    return out


@dataclasses.dataclass(frozen=True, slots=True)
class PastChatAsk:
    """A lead's filters as asked: desk-local days (both included)."""

    agent_id: str | None = None
    first: date | None = None
    last: date | None = None
    topic: str | None = None
    rating: int | None = None
    outcome: EndReason | None = None
    sla_breached: bool | None = None
    tag: str | None = None  # a tag's id (archived or not): the chats carrying it


class SearchService:
    def __init__(self, desk: Desk, records: Records) -> None:
        self._desk = desk
        self._records = records

    async def search(self, agent: Agent, text: str, *, limit: int = 20, offset: int = 0,
                     tag_id: str | None = None) -> dict[str, Any]:
        """What `agent` may see holding every word of `text`: a supervisor
        the whole desk, an agent their own chats and tickets; with `tag_id`,
        only the chats and tickets carrying that tag (archived or not).
        Each result carries its tags. Raises BadRequest for a query past
        MAX_QUERY_CHARS or a page past MAX_PAGE, UnknownTag for a tag id
        that names no tag."""
        if len(text) > MAX_QUERY_CHARS:
            raise BadRequest(f"q: at most {MAX_QUERY_CHARS} characters")
        if not 1 <= limit <= MAX_PAGE:
            raise BadRequest(f"limit: 1 to {MAX_PAGE}")
        tag = await self._known_tag(tag_id)
        terms = words(text)
        scope = None if agent.role is Role.SUPERVISOR else agent.id
        asked = SearchQuery(text, terms, scope, limit + 1, offset, tag_id)
        hits = await self._desk.store.search(asked) if terms else []
        people = _People(self._desk)
        chat_tags = await self._tags("chat", [h.chat.id for h in hits[:limit] if h.chat])
        ticket_tags = await self._tags("ticket", [h.ticket.id for h in hits[:limit] if h.ticket])
        results = []
        for hit in hits[:limit]:
            found = await self._result(hit, terms, people, agent)
            carried = chat_tags if hit.kind is HitKind.CHAT else ticket_tags
            results.append(found | {"tags": carried.get(found.get("id", ""), [])})
        return {"terms": list(terms), "results": results, "more": len(hits) > limit,
                "scope": "desk" if scope is None else "own", "tag": tag_view(tag) if tag else None}

    async def _known_tag(self, tag_id: str | None) -> Tag | None:
        """The tag a filter names; raises UnknownTag (400) for an id that
        names no tag, so a stale or mistyped link says so rather than
        showing an empty list that reads as "no such chats"."""
        if tag_id is None:
            return None
        tag = await self._desk.store.tag_by_id(tag_id)
        if tag is None:
            raise UnknownTag("tag: no such tag")
        return tag

    async def _tags(self, kind: str, owner_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The tags on each chat or ticket (TAG views, by name)."""
        found = await self._desk.store.tags_of(kind, owner_ids)
        return {owner: [tag_view(t) for t in carried] for owner, carried in found.items()}

    async def _result(self, hit: SearchHit, terms: tuple[str, ...], people: _People, agent: Agent) -> dict[str, Any]:
        found: dict[str, Any] = {"kind": str(hit.kind), "at": iso(hit.at), "snippet": snippet(hit.text, terms),
                                 "note": hit.note}
        if hit.kind is HitKind.CHAT and hit.chat is not None:
            chat = hit.chat
            lead = agent.role is Role.SUPERVISOR
            found |= {"id": chat.id, "seq": hit.seq, "chat": chat_view(chat, await people.agent(chat.agent_id)),
                      "visitor": await people.visitor(chat.visitor_id),
                      "link": f"/console/dashboard/chats/{chat.id}" if lead else f"/console#history/{chat.id}"}
        elif hit.ticket is not None:
            ticket = hit.ticket
            found |= {"id": ticket.id, "ticket": ticket_view(ticket),
                      "visitor": await people.visitor(ticket.visitor_id) if ticket.visitor_id else None,
                      "agent": _named(await people.agent(ticket.created_by)),
                      "link": f"/console#tickets/{ticket.id}"}
        return found

    async def past_chats(self, ask: PastChatAsk, *, limit: int, offset: int) -> dict[str, Any]:
        """Ended chats by the lead's filters, the latest started first; days
        are the desk's (its time zone), `last` included; each with its tags.
        Raises BadRequest for `first` after `last`, UnknownTag for a tag id
        that names no tag."""
        if ask.first and ask.last and ask.first > ask.last:
            raise BadRequest("from: after to")
        tag = await self._known_tag(ask.tag)
        tz = self._desk.tz
        filters = PastChatFilter(
            agent_id=ask.agent_id, topic=ask.topic, rating=ask.rating,
            outcome=str(ask.outcome) if ask.outcome else None, sla_breached=ask.sla_breached, tag=ask.tag,
            since=day_start(ask.first, tz) if ask.first else None,
            until=day_start(date.fromordinal(ask.last.toordinal() + 1), tz) if ask.last else None)
        found = await self._desk.store.past_chats(filters, limit=limit + 1, offset=offset)
        people = _People(self._desk)
        carried = await self._tags("chat", [p.chat.id for p in found[:limit]])
        chats = [{**chat_view(p.chat, await people.agent(p.chat.agent_id)),
                  "visitor": {"id": p.chat.visitor_id, "name": p.visitor_name},
                  "rating": p.rating, "sla_breached": p.sla_breached, "tags": carried.get(p.chat.id, []),
                  "link": f"/console/dashboard/chats/{p.chat.id}"} for p in found[:limit]]
        return {"chats": chats, "more": len(found) > limit, "tag": tag_view(tag) if tag else None}

    async def past_chat(self, agent: Agent, chat_id: str) -> dict[str, Any]:
        """A chat whole, read-only (as the dashboard shows it), for a
        supervisor or an agent who handled it; NotFound for anyone else, so
        that another agent's chat ids tell nothing."""
        if agent.role is not Role.SUPERVISOR and agent.id not in await self._desk.store.chat_agents(chat_id):
            raise NotFound("no such chat among yours")
        whole = await self._records.chat(chat_id)
        return whole | {"tags": (await self._tags("chat", [chat_id])).get(chat_id, [])}


def _named(agent: Agent | None) -> dict[str, str] | None:
    return {"id": agent.id, "name": agent.name} if agent else None


class _People:
    """The agents and visitors one page of results names, each read once."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        self._agents: dict[str, Agent] | None = None
        self._visitors: dict[str, dict[str, Any] | None] = {}

    async def agent(self, agent_id: str | None) -> Agent | None:
        if self._agents is None:
            self._agents = {a.id: a for a in await self._desk.store.list_agents()}
        return self._agents.get(agent_id or "")

    async def visitor(self, visitor_id: str) -> dict[str, Any] | None:
        if visitor_id not in self._visitors:
            found = await self._desk.store.visitor_by_id(visitor_id)
            self._visitors[visitor_id] = ({"id": found.id, "name": found.name, "verified": found.verified}
                                          if found else None)
        return self._visitors[visitor_id]
