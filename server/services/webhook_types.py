"""Webhook endpoints and deliveries as values: plain frozen dataclasses, no
I/O. Times are timezone-aware UTC."""
from __future__ import annotations

import dataclasses
import enum
from datetime import datetime


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # not tried yet (or queued again by a lead)
    FAILING = "failing"  # tried and failed; tried again at next_attempt_at
    DELIVERED = "delivered"
    GIVEN_UP = "given_up"


@dataclasses.dataclass(frozen=True, slots=True)
class Webhook:
    """One endpoint of a site. `secret` signs every delivery; it leaves the
    server only in the answer that created it. `events` empty: every event."""

    id: str
    site_id: str
    url: str
    events: tuple[str, ...]
    secret: str
    enabled: bool
    created_at: datetime
    disabled_reason: str | None = None
    failures: int = 0  # consecutive failed attempts
    created_by: str | None = None
    last_delivery_at: datetime | None = None

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


@dataclasses.dataclass(frozen=True, slots=True)
class HookRow:
    """An event for one endpoint, to store in the outbox: `body` is the
    exact JSON text every attempt sends."""

    webhook_id: str
    event_id: str
    type: str
    chat_id: str | None
    body: str
    created_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    webhook_id: str
    event_id: str
    type: str
    chat_id: str | None
    body: str
    state: DeliveryState
    attempts: int
    created_at: datetime
    first_due_at: datetime
    next_attempt_at: datetime | None = None
    leased_until: datetime | None = None  # set while a worker holds it (its claim's lease)
    delivered_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    response_excerpt: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt of a delivery came to. `status` None: no HTTP answer
    (refused address, connection error, timeout)."""

    ok: bool
    status: int | None = None
    error: str | None = None
    excerpt: str | None = None
