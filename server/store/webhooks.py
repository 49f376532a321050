"""Webhook endpoints and their outbox of deliveries (part of `SqlStore`).

Rows of the outbox are written by base.insert_hooks (in a transaction of
`SqlBase`), base.insert_hooks_sync (a job of the group commit) or the
message batch (batch.py), always in the transaction of the change that
caused the event. Workers
claim due deliveries with a lease, as `due_mail` does: one delivery per
event and endpoint whichever node takes it, and never one of a chat while
an earlier one of the same chat to the same endpoint is still open.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import aliased

from ..services import errors
from ..services.model import AuditEntry
from ..services.webhook_types import Attempt, Delivery, DeliveryState, HookRow, Webhook
from .base import SqlBase, insert_audit, insert_hooks, maybe
from .tables import webhook_deliveries as deliveries
from .tables import webhooks

OPEN = (DeliveryState.PENDING.value, DeliveryState.FAILING.value)
ERROR_CHARS = 500
EXCERPT_CHARS = 256
# How long a claimed delivery is kept from other workers (seconds) unless the
# caller says (the worker's lease follows [webhooks] timeout_s): longer than a
# batch of attempts, each bounded by that timeout (at most 60).
LEASE_S = 900.0


def webhook_values(hook: Webhook) -> dict[str, Any]:
    values = dataclasses.asdict(hook)
    values["events"] = list(hook.events)
    return values


def webhook_of(row: RowMapping) -> Webhook:
    values = dict(row)
    values["events"] = tuple(values["events"])
    return Webhook(**values)


def delivery_of(row: RowMapping) -> Delivery:
    values = dict(row)
    values["state"] = DeliveryState(values["state"])
    return Delivery(**values)


class WebhookRecords(SqlBase):
    async def queue_hooks(self, rows: Sequence[HookRow]) -> None:
        """Queue deliveries in a transaction of their own: not for an event
        of a change (those go in its transaction), but for rows made
        otherwise (the tests' own)."""
        async with self._engine.begin() as conn:
            await insert_hooks(conn, rows)

    async def add_webhook(self, hook: Webhook, audit: AuditEntry | None = None) -> Webhook:
        stmt = insert(webhooks).values(webhook_values(hook)).returning(*webhooks.c)
        return webhook_of(await self._write(stmt, audit))

    async def list_webhooks(self, site_id: str | None = None, *, enabled_only: bool = False) -> list[Webhook]:
        stmt = select(webhooks).order_by(webhooks.c.created_at, webhooks.c.id)
        if site_id is not None:
            stmt = stmt.where(webhooks.c.site_id == site_id)
        if enabled_only:
            stmt = stmt.where(webhooks.c.enabled.is_(True))
        return [webhook_of(r) for r in await self._all(stmt)]

    async def webhook_by_id(self, webhook_id: str) -> Webhook | None:
        return maybe(webhook_of, await self._first(select(webhooks).where(webhooks.c.id == webhook_id)))

    async def remove_webhook(self, webhook_id: str, audit: AuditEntry | None = None) -> Webhook | None:
        """Removes the endpoint and its delivery log; None if it was not there."""
        async with self._transaction() as conn:
            await conn.execute(delete(deliveries).where(deliveries.c.webhook_id == webhook_id))
            row = (await conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id)
                                      .returning(*webhooks.c))).mappings().first()
            if row is not None and audit is not None:
                await insert_audit(conn, audit)
        return maybe(webhook_of, row)

    async def set_webhook_enabled(self, webhook_id: str, enabled: bool, reason: str | None,
                                  audit: AuditEntry | None = None, *, at: datetime | None = None) -> Webhook | None:
        """Enables (failures back to 0, no reason) or disables with `reason`.
        Enabled at `at`, its open deliveries are due then, with their
        give-up clock started again (they waited while it was off), and
        leased to no worker (one that still holds one records nothing)."""
        changes: dict[str, Any] = {"enabled": enabled, "disabled_reason": None if enabled else reason}
        if enabled:
            changes["failures"] = 0
        stmt = update(webhooks).where(webhooks.c.id == webhook_id).values(changes).returning(*webhooks.c)
        async with self._transaction(hooks=False) as conn:
            row = (await conn.execute(stmt)).mappings().first()
            if row is not None and audit is not None:
                await insert_audit(conn, audit)
            if row is not None and enabled and at is not None:
                await conn.execute(update(deliveries).where(deliveries.c.webhook_id == webhook_id,
                                                            deliveries.c.state.in_(OPEN))
                                   .values(first_due_at=at, next_attempt_at=at, leased_until=None))
        return maybe(webhook_of, row)

    async def webhook_deliveries(self, webhook_id: str, limit: int, before: int | None = None) -> list[Delivery]:
        """Newest first; `before`: only those with a smaller id."""
        stmt = select(deliveries).where(deliveries.c.webhook_id == webhook_id)
        if before is not None:
            stmt = stmt.where(deliveries.c.id < before)
        stmt = stmt.order_by(deliveries.c.id.desc()).limit(limit)
        return [delivery_of(r) for r in await self._all(stmt)]

    async def redeliver(self, webhook_id: str, delivery_id: int, now: datetime,
                        audit: AuditEntry | None = None) -> Delivery | None:
        """Due again now, as pending, with the same event id and body; its
        give-up clock starts again. None if the endpoint has no such delivery;
        raises Conflict while a worker holds it (its attempt would overwrite
        this, or another node could send it beside that attempt)."""
        d = deliveries.c
        stmt = (update(deliveries)
                .where(d.id == delivery_id, d.webhook_id == webhook_id,
                       or_(d.leased_until.is_(None), d.leased_until <= now))
                .values(state=DeliveryState.PENDING.value, next_attempt_at=now, first_due_at=now,
                        leased_until=None, delivered_at=None)
                .returning(*deliveries.c))
        async with self._transaction(hooks=False) as conn:
            row = (await conn.execute(stmt)).mappings().first()
            if row is None:
                held = await conn.scalar(select(d.id).where(d.id == delivery_id, d.webhook_id == webhook_id))
                if held is not None:
                    raise errors.Conflict("this delivery is being delivered now; try again when it is done")
                return None
            if audit is not None:
                await insert_audit(conn, audit)
        return delivery_of(row)

    async def prune_deliveries(self, before: datetime) -> int:
        """The retention sweep: deletes the deliveries delivered before
        `before`, the given-up ones last queued before it, and those of an
        endpoint that no longer exists (never claimed: see tables.py). The
        number deleted."""
        d = deliveries.c
        old = or_(and_(d.state == DeliveryState.DELIVERED.value, d.delivered_at < before),
                  and_(d.state == DeliveryState.GIVEN_UP.value, d.first_due_at < before))
        orphan = ~exists().where(webhooks.c.id == d.webhook_id)
        async with self._engine.begin() as conn:
            return (await conn.execute(delete(deliveries).where(or_(old, orphan)))).rowcount

    async def due_deliveries(self, now: datetime, limit: int, *, lease_s: float = LEASE_S) -> list[Delivery]:
        """Claim up to `limit` open deliveries due at `now` to enabled
        endpoints, none behind an open earlier delivery of the same chat to
        the same endpoint; each is leased to `now + lease_s`, as `due_mail`.
        Oldest first."""
        d, earlier = deliveries.c, aliased(deliveries)
        behind = exists().where(earlier.c.webhook_id == d.webhook_id, earlier.c.chat_id == d.chat_id,
                                earlier.c.id < d.id, earlier.c.state.in_(OPEN))
        due = (select(d.id).join(webhooks, webhooks.c.id == d.webhook_id)
               .where(webhooks.c.enabled.is_(True), d.state.in_(OPEN), d.next_attempt_at <= now, ~behind)
               .order_by(d.id).limit(limit).with_for_update(skip_locked=True, of=deliveries).cte("due"))
        claim = (update(deliveries)
                 .where(d.id.in_(select(due.c.id)), d.state.in_(OPEN), d.next_attempt_at <= now)
                 .values(next_attempt_at=now + timedelta(seconds=lease_s),
                         leased_until=now + timedelta(seconds=lease_s))
                 .returning(*deliveries.c))
        async with self._engine.begin() as conn:
            claimed = [delivery_of(r) for r in (await conn.execute(claim)).mappings()]
        return sorted(claimed, key=lambda c: c.id)

    async def delivery_done(self, delivery: Delivery, at: datetime, attempt: Attempt) -> bool:
        """Delivered at `at`: the endpoint's failures go back to 0. False
        (nothing written) if `delivery`'s claim no longer holds it."""
        async with self._transaction() as conn:
            done = await conn.execute(update(deliveries).where(*_still_held(delivery)).values(
                state=DeliveryState.DELIVERED.value, attempts=deliveries.c.attempts + 1, delivered_at=at,
                next_attempt_at=None, leased_until=None, last_status=attempt.status, last_error=None,
                response_excerpt=_excerpt(attempt.excerpt)))
            if done.rowcount != 1:
                return False
            await conn.execute(update(webhooks).where(webhooks.c.id == delivery.webhook_id)
                               .values(failures=0, last_delivery_at=at))
        return True

    async def delivery_failed(self, delivery: Delivery, attempt: Attempt, retry_at: datetime | None,
                              disable: str | None = None) -> Webhook | None:
        """A failed attempt, due again at `retry_at` (None: given up). With
        `disable`, the endpoint is disabled with that reason in the same
        transaction. The endpoint as it is now; None (nothing written) if it
        is gone or `delivery`'s claim no longer holds it."""
        state = DeliveryState.FAILING if retry_at is not None else DeliveryState.GIVEN_UP
        hook = webhooks.c
        changes: dict[str, Any] = {"failures": hook.failures + 1}
        if disable is not None:
            changes |= {"enabled": False, "disabled_reason": disable[:ERROR_CHARS]}
        async with self._transaction() as conn:
            failed = await conn.execute(update(deliveries).where(*_still_held(delivery)).values(
                state=state.value, attempts=deliveries.c.attempts + 1, next_attempt_at=retry_at,
                leased_until=None, last_status=attempt.status,
                last_error=(attempt.error or "")[:ERROR_CHARS] or None, response_excerpt=_excerpt(attempt.excerpt)))
            if failed.rowcount != 1:
                return None
            row = (await conn.execute(update(webhooks).where(hook.id == delivery.webhook_id).values(changes)
                                      .returning(*webhooks.c))).mappings().first()
        return maybe(webhook_of, row)


def _still_held(delivery: Delivery) -> tuple[ColumnElement[bool], ...]:
    """The row as `delivery`'s claim left it: an outcome is written only
    under that lease, never over a redelivery or a later worker's claim."""
    d = deliveries.c
    return d.id == delivery.id, d.state.in_(OPEN), d.leased_until == delivery.leased_until


def _excerpt(text: str | None) -> str | None:
    return None if text is None else text[:EXCERPT_CHARS]

