"""The values of services/listing.py, shared with the Store port: the
filters of a page of chats or tickets, and where the page starts."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from .model import ChatStatus, Priority, TicketStatus


@dataclasses.dataclass(frozen=True, slots=True)
class After:
    """A list's sort key: the item's time (a chat's start, a ticket's
    creation) and then its id, both descending."""

    at: datetime
    id: str


@dataclasses.dataclass(frozen=True, slots=True)
class ChatFilter:
    """Each None or empty is no filter; `since` and `until` bound the start, `until` excluded."""

    statuses: Sequence[ChatStatus] = ()
    site_id: str | None = None
    agent_id: str | None = None  # handled by this agent at any point
    visitor_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: After | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class TicketFilter:
    """Each None or empty is no filter; `since` and `until` bound the creation, `until` excluded."""

    statuses: Sequence[TicketStatus] = ()
    priority: Priority | None = None
    site_id: str | None = None
    visitor_id: str | None = None
    account_id: str | None = None
    assignee_id: str | None = None
    topic: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: After | None = None
