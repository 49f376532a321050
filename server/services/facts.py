"""What the store reads for the figures (`Store.report_facts`,
`Store.desk_totals`): plain values, no I/O. Times are aware UTC datetimes."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from ..policy.sla import MessageMark
from .model import Chat, SlaEvent


@dataclasses.dataclass(frozen=True, slots=True)
class Conversation:
    """A chat's start and its messages in chat order, as the SLA clocks see them."""

    chat_id: str
    started_at: datetime
    messages: tuple[MessageMark, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Handled:
    """An agent got a chat at `at` (its first assignment to that agent)."""

    chat_id: str
    agent_id: str
    at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Rating:
    """A survey not excluded, tied to every agent who handled its chat."""

    chat_id: str
    at: datetime
    rating: int
    agent_ids: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class ReportFacts:
    """What happened in a window of time [since, until)."""

    conversations: tuple[Conversation, ...]  # chats open at some time in the window, messages before `until`
    handled: tuple[Handled, ...]  # agents who got a chat in the window
    ended: tuple[Chat, ...]  # chats that ended in the window
    breaches: tuple[SlaEvent, ...]  # SLA breaches fired in the window
    ratings: tuple[Rating, ...]  # surveys submitted in the window, excluded ones left out


@dataclasses.dataclass(frozen=True, slots=True)
class DeskTotals:
    """Counts since the desk began, for counters that only grow."""

    chats_started: int
    ended_by_reason: dict[str, int]
    breaches_by_kind: dict[str, int]
    ratings: dict[int, int]  # rating -> surveys submitted
    excluded: dict[int, int]  # rating -> surveys excluded since
