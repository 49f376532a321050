"""The visitor's context beside a chat, as values: the page it is on, its
browser's language and time zone, the pages it saw during the chat, and
the fields the host page added (`Shiftdesk.setContext`). Plain frozen
dataclasses, no I/O. Times are timezone-aware UTC.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime

CustomValue = str | int | float | bool


@dataclasses.dataclass(frozen=True, slots=True)
class PageView:
    """A page the visitor was on during the chat, from `at` (when it was
    first reported). The same URL reported again keeps its entry."""

    url: str
    title: str
    at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class VisitUpdate:
    """What one `chat:context` reported; None leaves a field as it was.
    `custom` replaces the host page's fields whole."""

    url: str | None = None
    title: str | None = None
    referrer: str | None = None
    language: str | None = None
    time_zone: str | None = None
    utc_offset_min: int | None = None  # minutes ahead of UTC at the visitor (-60 in New York's winter: -300)
    user_agent: str | None = None
    custom: Mapping[str, CustomValue] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Visit:
    """The chat's context as stored: the latest of each field, and the
    pages seen during the chat (oldest first, the last `keep_pages`)."""

    chat_id: str
    updated_at: datetime
    url: str | None = None
    title: str | None = None
    referrer: str | None = None
    language: str | None = None
    time_zone: str | None = None
    utc_offset_min: int | None = None
    user_agent: str | None = None
    custom: Mapping[str, CustomValue] = dataclasses.field(default_factory=dict)
    pages: tuple[PageView, ...] = ()
