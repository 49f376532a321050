"""The values of search and history (services/search.py), shared with the
Store port: what is asked and what the store finds."""
from __future__ import annotations

import dataclasses
import enum
from datetime import datetime

from .model import Chat, Ticket


class HitKind(enum.StrEnum):
    CHAT = "chat"
    TICKET = "ticket"


@dataclasses.dataclass(frozen=True, slots=True)
class SearchQuery:
    """A full-text search. `terms` are the words of `text` (services.search.words),
    never empty; SQLite matches every one of them (FTS5, each quoted, so no
    operator of the query language reaches it), PostgreSQL parses `text`
    with `plainto_tsquery('simple', ...)`, which takes every word and no
    operator. `agent_id`: only what that agent took part in (None: the
    whole desk, for supervisors). `tag`: only chats and tickets carrying
    that tag (a tag's id; a ticket's own tags, not its chat's)."""

    text: str
    terms: tuple[str, ...]
    agent_id: str | None = None
    limit: int = 20
    offset: int = 0
    tag: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SearchHit:
    """One chat or ticket found: its newest matching message (a ticket's
    subject and description, or a reply), and when that was written."""

    kind: HitKind
    at: datetime
    text: str
    chat: Chat | None = None  # for kind CHAT
    ticket: Ticket | None = None  # for kind TICKET
    seq: int | None = None  # the matching message's, for kind CHAT
    note: bool = False  # the matching message is an agents-only note


@dataclasses.dataclass(frozen=True, slots=True)
class PastChatFilter:
    """A lead's filters over ended chats; each None is no filter. `since`
    and `until` bound the chat's start, `until` excluded (UTC instants, the
    desk-local days turned into them by the service)."""

    agent_id: str | None = None  # handled by this agent (at any point)
    since: datetime | None = None
    until: datetime | None = None
    topic: str | None = None
    rating: int | None = None  # the survey's 1-5
    outcome: str | None = None  # how it ended: EndReason's value
    sla_breached: bool | None = None  # any SLA clock reached its breach
    tag: str | None = None  # a tag's id: the chat carries it


@dataclasses.dataclass(frozen=True, slots=True)
class PastChat:
    """An ended chat as the lead's list shows it."""

    chat: Chat
    visitor_name: str | None
    rating: int | None
    sla_breached: bool
