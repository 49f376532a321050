"""Integration tokens: what a program shows the public API under /api/v1
(`Authorization: Bearer sdi_...`). A lead makes them in the dashboard, over
`/api/integration-tokens` or on the command line, read-only or read-write,
for one site or the whole desk; the token is shown once, the store keeps its
SHA-256 only. Every request reads the token from the store (no cache), so
a revocation holds at once on every node.

Audit actions (never the token itself): `integration_token_add` and
`integration_token_revoke`, on target `token:<id>`. A change made through
the API with a token is audited with actor `token:<id>` (`actor_id`).
"""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from . import audit
from .context import Desk
from .errors import BadRequest, Conflict, Forbidden, NotFound, RateLimited
from .model import Agent, IntegrationToken, Scope
from .ports import Store
from .roles import supervisors_only
from .throttle import settings_change
from .tokens import hash_token, new_id, new_secret
from .views import iso

PREFIX = "sdi_"
SECRET_BYTES = 24  # 192 bits
MAX_TOKENS = 50  # not revoked, on the whole desk
NAME_CHARS = 64
TOUCH_S = 60  # last_used_at is written at most this often per token (seconds)
ADD = "integration_token_add"
REVOKE = "integration_token_revoke"
_PLAIN = re.compile(r"^[^\x00-\x1f\x7f]+$")


@dataclasses.dataclass(frozen=True, slots=True)
class NewToken:
    token: IntegrationToken
    secret: str  # "sdi_...": shown once


def actor_of(token: IntegrationToken) -> str:
    """Who an audit entry names for a change made with the token (records.py names it back)."""
    return f"token:{token.id}"


def target(token_id: str) -> str:
    return f"token:{token_id}"


check_supervisor = supervisors_only("manage integration tokens")


def check_name(name: str) -> str:
    name = name.strip()
    if not 0 < len(name) <= NAME_CHARS or not _PLAIN.match(name):
        raise BadRequest(f"a token's name is 1 to {NAME_CHARS} characters, no control characters")
    return name


def token_view(token: IntegrationToken, site_keys: dict[str, str], names: dict[str, str]) -> dict[str, Any]:
    """What a lead sees of a token: never the token nor its hash."""
    return {"id": token.id, "name": token.name, "scope": str(token.scope),
            "site": site_keys.get(token.site_id) if token.site_id else None,
            "created_at": iso(token.created_at), "last_used_at": iso(token.last_used_at),
            "created_by": names.get(token.created_by) if token.created_by else None}


class IntegrationService:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    async def login(self, secret: object) -> IntegrationToken | None:
        """The token not revoked that `secret` is; its last use written at
        most every TOUCH_S. None for anything else."""
        if not isinstance(secret, str) or not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        desk = self._desk
        token = await desk.store.integration_token_login(hash_token(secret))
        if token is None:
            return None
        now = desk.clock.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOUCH_S:
            await desk.store.touch_integration_token(token.id, now)
        return token

    async def spend(self, token: IntegrationToken) -> None:
        """One of the token's `[limits] api_v1_per_minute` requests (every
        node's together); raises RateLimited past them."""
        desk = self._desk
        limit = desk.config.limits.api_v1_per_minute
        if not await desk.live.hit_rate(f"api_v1:{token.id}", limit, 60, desk.clock.now()):
            raise RateLimited(f"at most {limit} requests a minute with one token", retry_after=60)

    async def add(self, by: Agent, name: str, scope: Scope, site_key: str | None) -> NewToken:
        """A lead's new token. Raises Forbidden, BadRequest (name, unknown
        site), RateLimited, or Conflict past MAX_TOKENS."""
        check_supervisor(by)
        name = check_name(name)
        await settings_change(self._desk, by.id, "integration_token")
        return await make(self._desk.store, self._desk.clock.now(), by.id, name, scope, site_key)

    async def revoke(self, by: Agent, token_id: str) -> IntegrationToken:
        """Revoked at once. Raises Forbidden, RateLimited, or NotFound."""
        check_supervisor(by)
        await settings_change(self._desk, by.id, "integration_token")
        return await revoke(self._desk.store, self._desk.clock.now(), by.id, token_id)

    async def views(self, tokens: list[IntegrationToken] | None = None) -> list[dict[str, Any]]:
        """The tokens not revoked (or `tokens`), as leads see them."""
        store = self._desk.store
        return await views(store, await store.integration_tokens() if tokens is None else tokens)


# The command line's and the service's: `by_id` None is the command line.
async def make(store: Store, now: datetime, by_id: str | None, name: str, scope: Scope,
               site_key: str | None) -> NewToken:
    """A new token, stored with its audit entry. Raises BadRequest (name,
    unknown site), or Conflict past MAX_TOKENS."""
    name, site_id = check_name(name), await _site_id(store, site_key)
    secret = PREFIX + new_secret(SECRET_BYTES)
    token = IntegrationToken(id=new_id(), name=name, scope=Scope(scope), site_id=site_id, created_by=by_id,
                             token_hash=hash_token(secret), created_at=now)
    entry = audit.entry(ADD, target(token.id), now, actor_id=by_id,
                        data={"name": name, "scope": str(token.scope), "site": site_key})
    if await store.add_integration_token(token, entry, limit=MAX_TOKENS) is None:
        raise Conflict(f"this desk has {MAX_TOKENS} integration tokens, the most it keeps: revoke one first")
    return NewToken(token, secret)


async def revoke(store: Store, now: datetime, by_id: str | None, token_id: str) -> IntegrationToken:
    """Revoked at once, with its audit entry. Raises NotFound."""
    revoked = await store.revoke_integration_token(token_id, now, audit.entry(REVOKE, target(token_id), now,
                                                                              actor_id=by_id))
    if revoked is None:
        raise NotFound("no such integration token")
    return revoked


async def views(store: Store, tokens: list[IntegrationToken]) -> list[dict[str, Any]]:
    site_keys = {s.id: s.key for s in await store.list_sites()}
    makers = await store.agents_by_ids({t.created_by for t in tokens if t.created_by})
    return [token_view(t, site_keys, {a.id: a.name for a in makers}) for t in tokens]


async def _site_id(store: Store, site_key: str | None) -> str | None:
    if site_key is None:
        return None
    site = await store.site_by_key(site_key)
    if site is None:
        raise BadRequest(f"no site has the key {site_key!r}")
    return site.id
