"""Who is connecting: visitors (site key, token, identity JWT, origin) and
agents (password, API token, session)."""
from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import argon2
import jwt

from .context import Desk
from ..policy.logins import Backoff, wait_s
from .errors import RateLimited, Refused, Unauthorized
from .model import Agent, IdentityMode, Role, Site, Visitor
from .tokens import hash_token, is_token, new_id, new_token

SESSION_AGENT = "agent_id"  # the key under which the console's session keeps who logged in
IDENTITY_LEEWAY_S = 30
LOGINS_PER_MINUTE = 10  # per client address, whichever account
LOGIN_BACKOFF = Backoff()  # per account, whichever address (policy/logins.py)
FAILURES_KEPT = 100  # per account and window: far above what the backoff lets through
WRONG_LOGIN = "Wrong email or password."
_hasher = argon2.PasswordHasher()
# Verifying against this keeps a login for an unknown email as slow as one
# for a known email, so timing does not tell which emails exist.
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


@dataclasses.dataclass(frozen=True)
class VisitorLogin:
    site: Site
    visitor: Visitor
    token: str  # the visitor's bearer token, sent back in `session` only


@dataclasses.dataclass(frozen=True)
class Identity:
    sub: str
    account: str | None
    email: str | None
    name: str | None
    plan: str | None


def _claim(claims: dict, name: str) -> str | None:
    value = claims.get(name)
    return str(value)[:200] if value is not None else None


def decode_identity(site: Site, token: str, now: datetime, max_lifetime_s: float) -> Identity:
    """The identity in a JWT signed by the site, valid at `now` (the desk's
    clock, not the machine's: PyJWT checks the signature and the claims'
    presence, `_check_times` the times) and expiring within `max_lifetime_s`
    of it. Raises Refused(bad_identity)."""
    try:
        claims = jwt.decode(token, site.secret, algorithms=["HS256"],
                            options={"require": ["exp", "sub"], "verify_exp": False, "verify_nbf": False,
                                     "verify_iat": False})
        _check_times(claims, now.timestamp(), max_lifetime_s)
    except jwt.PyJWTError as exc:
        raise Refused("bad_identity", f"identity token refused: {exc}") from None
    return Identity(str(claims["sub"])[:200], _claim(claims, "account"), _claim(claims, "email"),
                    _claim(claims, "name"), _claim(claims, "plan"))


def _check_times(claims: dict, now: float, max_lifetime_s: float) -> None:
    for name in ("exp", "nbf"):
        if name in claims and (isinstance(claims[name], bool) or not isinstance(claims[name], int | float)):
            raise jwt.InvalidTokenError(f"{name} must be a number")
    if claims["exp"] <= now - IDENTITY_LEEWAY_S:
        raise jwt.ExpiredSignatureError("Signature has expired")
    # A JWT cannot be revoked: one that leaks (a log, a cached page) speaks
    # for its user until it expires, so a far `exp` is refused outright.
    if claims["exp"] > now + max_lifetime_s + IDENTITY_LEEWAY_S:
        raise jwt.InvalidTokenError(f"exp is more than {max_lifetime_s:g} s ahead: sign identities that expire "
                                    f"sooner ([limits] identity_max_lifetime_s)")
    if "nbf" in claims and claims["nbf"] > now + IDENTITY_LEEWAY_S:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")


class AuthService:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    async def visitor(self, site_key: object, token: object, identity: object,
                      origin: str | None) -> VisitorLogin:
        """Raises Refused(unknown_site | origin_not_allowed | bad_identity |
        identity_required)."""
        store = self._desk.store
        site = await store.site_by_key(site_key) if isinstance(site_key, str) and len(site_key) <= 100 else None
        if site is None:
            raise Refused("unknown_site", "unknown site key")
        if site.origins and origin not in site.origins:
            raise Refused("origin_not_allowed", "this page's origin may not embed the widget")
        if identity is not None:
            if not isinstance(identity, str) or len(identity) > 4096:
                raise Refused("bad_identity", "identity must be a JWT string")
            limit = self._desk.config.limits.identity_max_lifetime_s
            return await self._verified(site, decode_identity(site, identity, self._desk.clock.now(), limit), token)
        if site.identity is IdentityMode.REQUIRED:
            raise Refused("identity_required", "this site requires a verified identity")
        if isinstance(token, str) and 0 < len(token) <= 100:
            known = await store.visitor_by_token_hash(site.id, hash_token(token))
            if known is not None:
                return VisitorLogin(site, known, token)
        return self._anonymous(site, token if is_token(token) else new_token())

    def _anonymous(self, site: Site, token: str) -> VisitorLogin:
        """A visitor who has not chatted yet is not stored: most page views
        never open a chat, and a row per page view would fill the database
        (and cost a write per connection). Its id is derived from the token
        hash and the site, so the same browser is the same visitor until its
        first `chat:start` stores it (ChatService.start), and the same token
        shown to another site is another visitor there."""
        token_hash = hash_token(token)
        visitor = Visitor(id=anonymous_id(site.id, token_hash), site_id=site.id, token_hash=token_hash,
                          created_at=self._desk.clock.now())
        return VisitorLogin(site, visitor, token)

    async def _new_visitor(self, site: Site, identity: Identity) -> VisitorLogin:
        token = new_token()
        visitor = _with_identity(Visitor(id=new_id(), site_id=site.id, token_hash=hash_token(token),
                                         created_at=self._desk.clock.now()), identity)
        return VisitorLogin(site, await self._desk.store.save_visitor(visitor), token)

    async def _verified(self, site: Site, identity: Identity, token: object) -> VisitorLogin:
        store = self._desk.store
        known = await store.visitor_by_external_id(site.id, identity.sub)
        if known is None:
            return await self._new_visitor(site, identity)
        if isinstance(token, str) and hash_token(token) == known.token_hash:
            fresh = token
        else:  # a new browser of a known user: it gets its own token
            fresh = new_token()
        visitor = _with_identity(dataclasses.replace(known, token_hash=hash_token(fresh)), identity)
        return VisitorLogin(site, await store.save_visitor(visitor), fresh)

    async def login(self, email: object, password: object, address: str) -> Agent:
        """The agent whose console password this is. Two throttles, both in
        the live state's rate windows (so every node shares them): a minute's
        attempts per address, and a backoff per account (the email as typed,
        known or not, so a refusal tells nothing of which emails exist) that
        a success resets. Raises RateLimited (`retry_after`: seconds) or
        Unauthorized."""
        live, now = self._desk.live, self._desk.clock.now()
        if not await live.hit_rate(f"logins:{address}", LOGINS_PER_MINUTE, 60, now):
            raise RateLimited("Too many attempts: wait a minute.", retry_after=60)
        if not (isinstance(email, str) and isinstance(password, str) and len(email) <= 254
                and len(password) <= 1024):
            raise Unauthorized(WRONG_LOGIN)
        account = f"login_failures:{email.strip().lower()}"
        wait = wait_s(await live.recent(account, LOGIN_BACKOFF.window_s, now), now, LOGIN_BACKOFF)
        if wait > 0:  # refused unchecked, and not counted: guessing cannot push the wait further
            raise RateLimited(f"Too many failed attempts for this account: try again in {math.ceil(wait)} s.",
                              retry_after=math.ceil(wait))
        agent = await self.agent_by_password(email, password)
        if agent is None:
            await live.hit_rate(account, FAILURES_KEPT, LOGIN_BACKOFF.window_s, now)
            raise Unauthorized(WRONG_LOGIN)
        await live.forget(account)
        return agent

    async def agent_by_password(self, email: str, password: str) -> Agent | None:
        agent = await self._desk.store.agent_by_email(email.strip().lower())
        ok = verify_password(agent.password_hash if agent else None, password)
        return agent if ok else None

    async def agent_by_token(self, token: object) -> Agent | None:
        if not isinstance(token, str) or not 0 < len(token) <= 200:
            return None
        return await self._desk.store.agent_by_token_hash(hash_token(token))

    async def agent_by_id(self, agent_id: str) -> Agent | None:
        return await self._desk.store.agent_by_id(agent_id)

    async def agent_of_session(self, session: Mapping[str, Any]) -> Agent | None:
        """The agent logged in to the console in this (cookie) session, if any."""
        agent_id = session.get(SESSION_AGENT)
        return await self.agent_by_id(agent_id) if isinstance(agent_id, str) else None

    @staticmethod
    def require_role(agent: Agent, role: Role) -> None:
        if role is Role.SUPERVISOR and agent.role is not Role.SUPERVISOR:
            raise Refused("forbidden", "supervisors only")


def anonymous_id(site_id: str, token_hash: str) -> str:
    """The id of a visitor not stored yet. It names the site: with the token
    hash alone, a token of site B shown with site A's key (whose origin list
    may be open) was B's stored visitor, its chat, history and room."""
    return hashlib.sha256(f"{site_id}:{token_hash}".encode()).hexdigest()[:32]


def _with_identity(visitor: Visitor, identity: Identity) -> Visitor:
    return dataclasses.replace(visitor, verified=True, external_id=identity.sub, account_id=identity.account,
                               email=identity.email, name=identity.name, plan=identity.plan)
