"""Webhooks as leads manage them: endpoints per site, each with the events
it wants and its own secret (services.hook_events stages the events,
services.hook_worker delivers them).

`check_*` validates and raises coded errors; the others change the store
and audit the change in the same transaction. The secret is never in a
view, a log or the audit log: `add` returns it once. It is stored as given,
not hashed, because every delivery is signed with it.

Every node keeps a catalog of the enabled endpoints (`HookCatalog`), read
again after a change (on the node that made it at once, on the others
through the change broadcast, and on every node at least each
CATALOG_MAX_AGE_S, for endpoints added on the command line): a message in
a site without an endpoint costs a dictionary look-up, nothing more.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..config import WebhooksConfig
from ..policy.webhooks import EVENT_TYPES, UnsafeUrl, allowed, check_url, literal_address
from . import audit
from .context import Desk
from .errors import BadRequest, Forbidden, NotFound, TooLarge
from .model import Agent, Site
from .ports import Store
from .roles import supervisors_only
from .throttle import settings_change
from .tokens import new_id, new_secret
from .views import iso
from .webhook_types import Delivery, Webhook

log = logging.getLogger(__name__)

TOPIC = "webhooks"  # the change broadcast's topic
MAX_PER_SITE = 20
SECRET_BYTES = 24  # 192 bits
SECRET_PREFIX = "whsec_"
SECRET_MIN, SECRET_MAX = 16, 200
RESOLVE_TIMEOUT_S = 5.0
CATALOG_MAX_AGE_S = 30.0

# audit actions, on target `webhook:<id>`; their data never holds the secret
WEBHOOK_ADD = "webhook_add"
WEBHOOK_REMOVE = "webhook_remove"
WEBHOOK_ENABLE = "webhook_enable"
WEBHOOK_DISABLE = "webhook_disable"
WEBHOOK_REDELIVER = "webhook_redeliver"


def webhook_view(hook: Webhook, site_key: str) -> dict[str, Any]:
    """WEBHOOK: never the secret."""
    return {"id": hook.id, "site": site_key, "url": hook.url, "events": list(hook.events), "enabled": hook.enabled,
            "disabled_reason": hook.disabled_reason, "failures": hook.failures, "created_at": iso(hook.created_at),
            "last_delivery_at": iso(hook.last_delivery_at)}


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    """DELIVERY: never the body."""
    return {"id": delivery.id, "event_id": delivery.event_id, "type": delivery.type, "chat_id": delivery.chat_id,
            "state": str(delivery.state), "attempts": delivery.attempts, "last_status": delivery.last_status,
            "last_error": delivery.last_error, "response_excerpt": delivery.response_excerpt,
            "created_at": iso(delivery.created_at), "next_attempt_at": iso(delivery.next_attempt_at),
            "delivered_at": iso(delivery.delivered_at)}


check_supervisor = supervisors_only("manage webhooks")


def check_events(names: Sequence[str]) -> tuple[str, ...]:
    unknown = [n for n in names if n not in EVENT_TYPES]
    if unknown:
        raise BadRequest(f"unknown event {unknown[0][:40]!r}", known=list(EVENT_TYPES))
    return tuple(dict.fromkeys(names))


def check_secret(secret: str | None) -> str:
    """The secret given (16-200 printable ASCII characters, no spaces), or a new one of 192 bits."""
    if secret is None:
        return SECRET_PREFIX + new_secret(SECRET_BYTES)
    if not SECRET_MIN <= len(secret) <= SECRET_MAX or not all(33 <= ord(c) < 127 for c in secret):
        raise BadRequest(f"a secret is {SECRET_MIN} to {SECRET_MAX} printable ASCII characters without spaces")
    return secret


async def check_destination(config: WebhooksConfig, url: str) -> str:
    """`url` if a delivery may go there: https (or http to `http_hosts`),
    an ASCII host (checked as the connection will use it), port 443 (or 80
    to `http_hosts`) unless `allow_hosts` lists the host, and every address
    its host has now public or allow-listed. A name that does not resolve
    now is taken: each connection checks again. Raises BadRequest saying
    why not, never what an internal name resolves to."""
    try:
        host, port = check_url(url, http_hosts=config.http_names, allow=config.allowed)
    except UnsafeUrl as exc:
        raise BadRequest(str(exc)) from None
    if not all(allowed(host, address, config.allowed) for address in await _addresses(host, port)):
        raise BadRequest(f"{host} does not resolve to a public address: a delivery may not go to a private, "
                         "loopback, link-local or reserved address unless [webhooks] allow_hosts lists it")
    return url


async def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    try:
        found = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(host, port), RESOLVE_TIMEOUT_S)
    except (OSError, TimeoutError, UnicodeError):
        return []
    return [a for a in (literal_address(str(info[4][0]).split("%")[0]) for info in found) if a is not None]


def shown_url(url: str) -> str:
    """The URL for the audit log: without its query, which may carry a token."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


async def new_webhook(store: Store, config: WebhooksConfig, now: datetime, by_id: str | None, site: Site, url: str,
                      events: Sequence[str], secret: str | None) -> tuple[Webhook, str]:
    """The endpoint stored at `now`, with its secret (the dashboard's and
    the command line's). Raises BadRequest or TooLarge."""
    events = check_events(events)
    secret = check_secret(secret)
    url = await check_destination(config, url)
    if len(await store.list_webhooks(site.id)) >= MAX_PER_SITE:
        raise TooLarge(f"a site has at most {MAX_PER_SITE} webhooks")
    hook = Webhook(id=new_id(), site_id=site.id, url=url, events=events, secret=secret, enabled=True,
                   created_at=now, created_by=by_id)
    hook = await store.add_webhook(hook, audit.entry(
        WEBHOOK_ADD, _target(hook), now, actor_id=by_id,
        data={"site": site.key, "url": shown_url(url), "events": list(events)}))
    return hook, secret


class WebhookService:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        desk.reload_on(TOPIC, self.load, "the webhooks")

    async def load(self) -> None:
        """The catalog reads the enabled endpoints again."""
        desk = self._desk
        sites = {s.id: s for s in await desk.store.list_sites()}
        desk.webhooks.replace(await desk.store.list_webhooks(enabled_only=True), sites, desk.clock.now())

    async def fresh(self) -> None:
        """Reads the catalog again if it is older than CATALOG_MAX_AGE_S."""
        loaded, now = self._desk.webhooks.loaded_at, self._desk.clock.now()
        if loaded is None or now - loaded >= timedelta(seconds=CATALOG_MAX_AGE_S) or now < loaded:
            await self.load()

    async def changed(self, hook: Webhook) -> None:
        """After a change of `hook` committed: this node reads the catalog again, the others are told."""
        await self.load()
        await self._desk.live.publish(TOPIC, hook.id)

    async def _site_keys(self) -> dict[str, str]:
        return {s.id: s.key for s in await self._desk.store.list_sites()}

    async def view(self, hook: Webhook) -> dict[str, Any]:
        return webhook_view(hook, (await self._site_keys()).get(hook.site_id, ""))

    async def list(self, by: Agent, site_key: str | None) -> list[dict[str, Any]]:
        check_supervisor(by)
        keys = await self._site_keys()
        site_id = None
        if site_key is not None:
            site_id = next((i for i, k in keys.items() if k == site_key), None)
            if site_id is None:
                raise NotFound("no such site")
        return [webhook_view(h, keys.get(h.site_id, "")) for h in await self._desk.store.list_webhooks(site_id)]

    async def add(self, by: Agent, site_key: str, url: str, events: Sequence[str],
                  secret: str | None) -> tuple[Webhook, str]:
        """A new endpoint and its secret (shown once). Raises Forbidden,
        NotFound (site), BadRequest, TooLarge or RateLimited."""
        check_supervisor(by)
        site = await self._desk.store.site_by_key(site_key)
        if site is None:
            raise NotFound("no such site")
        await settings_change(self._desk, by.id, "webhook")
        desk = self._desk
        hook, secret = await new_webhook(desk.store, desk.config.webhooks, desk.clock.now(), by.id, site, url,
                                         events, secret)
        await self.changed(hook)
        return hook, secret

    async def remove(self, by: Agent, webhook_id: str) -> None:
        check_supervisor(by)
        await settings_change(self._desk, by.id, "webhook")
        hook = await self._hook(webhook_id)
        removed = await self._desk.store.remove_webhook(hook.id, audit.entry(
            WEBHOOK_REMOVE, _target(hook), self._desk.clock.now(), actor_id=by.id,
            data={"url": shown_url(hook.url)}))
        if removed is None:
            raise NotFound("no such webhook")
        await self.changed(removed)

    async def set_enabled(self, by: Agent, webhook_id: str, enabled: bool) -> Webhook:
        """Enables (failures reset) or disables an endpoint."""
        check_supervisor(by)
        await settings_change(self._desk, by.id, "webhook")
        hook = await self._hook(webhook_id)
        action = WEBHOOK_ENABLE if enabled else WEBHOOK_DISABLE
        now = self._desk.clock.now()
        changed = await self._desk.store.set_webhook_enabled(
            hook.id, enabled, None if enabled else "disabled by a lead",
            audit.entry(action, _target(hook), now, actor_id=by.id), at=now)
        if changed is None:
            raise NotFound("no such webhook")
        await self.changed(changed)
        return changed

    async def deliveries(self, by: Agent, webhook_id: str, limit: int,
                         before: int | None) -> tuple[list[Delivery], int | None]:
        """Newest first, and the id to ask `before` for the next page (None: no more)."""
        check_supervisor(by)
        hook = await self._hook(webhook_id)
        found = await self._desk.store.webhook_deliveries(hook.id, limit + 1, before)
        more = len(found) > limit
        found = found[:limit]
        return found, found[-1].id if more else None

    async def redeliver(self, by: Agent, webhook_id: str, delivery_id: int) -> Delivery:
        """Queues a delivery again, now, with the same event id and body."""
        check_supervisor(by)
        await settings_change(self._desk, by.id, "webhook")
        hook = await self._hook(webhook_id)
        now = self._desk.clock.now()
        again = await self._desk.store.redeliver(hook.id, delivery_id, now, audit.entry(
            WEBHOOK_REDELIVER, _target(hook), now, actor_id=by.id, data={"delivery_id": delivery_id}))
        if again is None:
            raise NotFound("no such delivery")
        self._desk.webhooks.wake()
        return again

    async def _hook(self, webhook_id: str) -> Webhook:
        hook = await self._desk.store.webhook_by_id(webhook_id)
        if hook is None:
            raise NotFound("no such webhook")
        return hook


def _target(hook: Webhook) -> str:
    return f"webhook:{hook.id}"
