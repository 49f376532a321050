"""Webhook deliveries that are never lost: the outbox worker.

Use cases store deliveries in the transaction of the change that causes
them (services.hook_events); `HookWorker`, one owned task per node, claims
the due ones (a lease: one delivery per event whichever node claims it),
POSTs each signed body (`Post`, the HTTP adapter: server/web/hook_client.py)
and records the outcome. Success is any 2xx; anything else is tried again
after a capped exponential backoff (policy.webhooks.backoff), on the
injected clock, for `[webhooks] give_up_hours`; then the delivery is given
up, its endpoint disabled and the leads alerted. Deliveries of one chat to
one endpoint go one at a time, in order (the claim sees to it). Delivery is
at least once: a node that dies between the receiver's answer and the
record sends that event again, with the same id, which receivers dedupe on.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from ..policy.webhooks import next_attempt, sign
from . import events as ev
from . import rooms
from .context import Desk
from .model import Alert
from .outbox_loop import idle, run_passes
from .signals import alert_view
from .tokens import new_id
from .webhook_types import Attempt, Delivery, Webhook
from .webhooks import WebhookService, shown_url

log = logging.getLogger(__name__)

# The HTTP adapter: POST `body` with `headers` to `url`, at most `timeout_s`;
# never raises for the receiver's or the network's fault (an Attempt says it).
Post = Callable[[str, Mapping[str, str], bytes], Awaitable[Attempt]]

BATCH = 20  # deliveries claimed at once
PARALLEL = 10  # attempts under way at once
LEASE_MARGIN_S = 60.0  # beyond the longest a batch can take
POLL_S = 10.0  # clock seconds between looks at the outbox when not woken
MAX_ROUNDS = 50  # claims in one pass (each delivered one may free the next of its chat)
SWEEP_EVERY = timedelta(hours=1)  # clock time between retention sweeps of the delivery log
ALERT = "webhook_disabled"  # the alert kind
USER_AGENT = "Shiftdesk-Webhooks/1"


def headers_of(delivery: Delivery, secret: str, at: int) -> dict[str, str]:
    """The headers of one attempt, signed at `at` (Unix seconds)."""
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT,
            "Shiftdesk-Event": delivery.type, "Shiftdesk-Delivery": str(delivery.id),
            "Shiftdesk-Signature": sign(secret, delivery.body.encode("utf-8"), at)}


class HookWorker:
    """Sends the webhook outbox. `run()` is the owned background task;
    `desk.webhooks.wake()` makes it look at once; `deliver_due()` is one
    pass, for tests."""

    def __init__(self, desk: Desk, webhooks: WebhookService, post: Post) -> None:
        self._desk = desk
        self._webhooks = webhooks
        self._post = post
        self._retries: set[datetime] = set()  # retries this node set, not yet looked at
        self._slots = asyncio.Semaphore(PARALLEL)
        self._swept_at: datetime | None = None

    @property
    def lease_s(self) -> float:
        """How long a claimed batch is kept from other workers: as long as
        its attempts can take (each bounded by `[webhooks] timeout_s`, the
        name's resolution included, PARALLEL at a time) and a margin. It is
        also how long a node killed during a batch holds those deliveries,
        and their chats' later ones, before another node sends them: 80 s
        at the default timeout, not the quarter of an hour a fixed lease
        long enough for any timeout would hold them."""
        rounds = -(-BATCH // PARALLEL)
        return rounds * self._desk.config.webhooks.timeout_s + LEASE_MARGIN_S

    async def run(self) -> None:
        """Deliver until cancelled; survives any store or network error."""
        await run_passes(self.deliver_due, self._desk.webhooks.queued, self._idle, "webhook outbox")

    async def deliver_due(self) -> int:
        """Every delivery due now, round after round; the number delivered."""
        await self._webhooks.fresh()
        delivered, store = 0, self._desk.store
        started = self._desk.clock.now()
        self._retries = {r for r in self._retries if r > started}
        await self._sweep(started)
        if self._desk.webhooks.empty:  # no enabled endpoint: no claim (the catalog is at most
            return 0                   # CATALOG_MAX_AGE_S old, and read again at once on a change)
        for _ in range(MAX_ROUNDS):
            batch = await store.due_deliveries(self._desk.clock.now(), BATCH, lease_s=self.lease_s)
            if not batch:
                return delivered
            hooks = {h.id: h for h in await store.list_webhooks(enabled_only=True)}
            done = await asyncio.gather(*(self._deliver(d, hooks.get(d.webhook_id)) for d in batch))
            delivered += sum(done)
        self._desk.webhooks.wake()  # more may be due (a long backlog of one chat): the next pass at once
        return delivered

    async def _sweep(self, now: datetime) -> None:
        """At most once per SWEEP_EVERY: the delivery log keeps the rows
        (and bodies: a lead may redeliver them) of `[webhooks] keep_days`,
        and none of a removed endpoint."""
        if self._swept_at is not None and self._swept_at <= now < self._swept_at + SWEEP_EVERY:
            return
        self._swept_at = now
        gone = await self._desk.store.prune_deliveries(now - timedelta(days=self._desk.config.webhooks.keep_days))
        if gone:
            log.info("webhook delivery log: %d old deliveries deleted", gone)

    async def _deliver(self, delivery: Delivery, hook: Webhook | None) -> int:
        if hook is None:  # disabled or removed since the claim: left for its lease
            return 0
        async with self._slots:
            now = self._desk.clock.now()  # signed as sent: after the wait for a slot, which may be long
            attempt = await self._post(hook.url, headers_of(delivery, hook.secret, int(now.timestamp())),
                                       delivery.body.encode("utf-8"))
        if attempt.ok:  # not recorded if its lease was lost (sent again later: at least once)
            return int(await self._desk.store.delivery_done(delivery, self._desk.clock.now(), attempt))
        await self._failed(delivery, hook, attempt)
        return 0

    async def _failed(self, delivery: Delivery, hook: Webhook, attempt: Attempt) -> None:
        desk, now = self._desk, self._desk.clock.now()
        hours = desk.config.webhooks.give_up_hours
        retry = next_attempt(delivery.first_due_at, now, delivery.attempts + 1, timedelta(hours=hours),
                             desk.config.webhooks.first_retry_s)
        reason = None
        if retry is None:
            reason = f"a delivery failed for {hours} h and was given up: {attempt.error or attempt.status}"
        log.warning("webhook %s delivery %s failed (attempt %d)%s: %s", hook.id, delivery.id, delivery.attempts + 1,
                    f", next at {retry.isoformat()}" if retry else ", given up", attempt.error or attempt.status)
        after = await desk.store.delivery_failed(delivery, attempt, retry, disable=reason)
        if retry is not None:
            self._retries.add(retry)
        elif after is not None and reason is not None:
            await self._disabled(after, reason)

    async def _disabled(self, hook: Webhook, reason: str) -> None:
        """The endpoint is off: the leads are alerted (stored, and live on the
        dashboard), and every node's catalog stops staging its events."""
        desk = self._desk
        async with desk.events.unit():
            alert = await desk.store.add_alert(Alert(
                id=new_id(), at=desk.clock.now(), kind=ALERT, site_id=hook.site_id, chat_ids=(),
                reason=reason, evidence={"webhook_id": hook.id, "url": shown_url(hook.url)}))
            desk.events.add(ev.Alert(rooms.SUPERVISORS, alert_view(alert)))
        await self._webhooks.changed(hook)

    async def _idle(self) -> None:
        """Until woken, a retry this node set comes due, or POLL_S clock
        seconds pass (deliveries queued by another node)."""
        await idle(self._desk.webhooks.queued, self._desk.clock, self._retries, POLL_S)
