"""Who is connecting: visitors (site key, token, identity JWT, origin) and
agents (password, API token, session)."""
from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import argon2
import jwt

from ..policy.logins import Backoff, wait_s
from ..policy.useragent import parse_user_agent
from . import rooms
from .context import Desk
from .errors import RateLimited, Refused, Unauthorized
from .model import Agent, ConsoleSession, IdentityMode, Role, Site, Visitor
from .tokens import hash_token, is_token, new_id, new_token

SESSION_KEY = "console"  # the key under which the console's cookie keeps its session token
SESSION_MAX_AGE_S = 12 * 3600  # a console login lasts this long (the cookie too), then log in again
SESSION_TOUCH_S = 300  # last_seen_at is written at most this often per session
TOKEN_TOUCH_S = 60  # a named API token's last_used_at is written at most this often
IDENTITY_LEEWAY_S = 30
LOGINS_PER_MINUTE = 10  # per client address, whichever account
LOGIN_BACKOFF = Backoff()  # per account, whichever address (policy/logins.py)
FAILURES_KEPT = 100  # per account and window: far above what the backoff lets through
WRONG_LOGIN = "Wrong email or password."
_hasher = argon2.PasswordHasher()


@functools.cache
def dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown email as slow as
    one for a known email, so timing does not tell which emails exist. Made
    on first use, not at import (a hash is about 0.3 s of CPU, which every
    command-line call paid); the server makes it as it starts."""
    return _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or dummy_hash(), password) and bool(password_hash)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


# argon2 costs about 0.1 s of CPU by design; on the event loop it would stall
# every chat of the node for that long per login attempt. argon2-cffi
# releases the GIL, so a worker thread keeps the loop serving meanwhile.
async def password_hash_of(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def password_matches(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


@dataclasses.dataclass(frozen=True)
class VisitorLogin:
    site: Site
    visitor: Visitor
    token: str  # the visitor's bearer token, sent back in `session` only
    # The token was made for this login (the client brought none usable):
    # no stored row can name this visitor yet (no chat, survey or
    # suspension), so the connect need not look any up.
    unseen: bool = False


@dataclasses.dataclass(frozen=True)
class StaffLogin:
    """Who a staff connection or request is: the agent, and the console
    session it came through (None: an API token)."""

    agent: Agent
    session_id: str | None = None
    token_id: str | None = None  # a named API token's (store: api_tokens); None: a session or the legacy token

    @property
    def token_key(self) -> str | None:
        """What the API token's sockets are grouped by (`token_rooms`); None for a session."""
        if self.session_id is not None:
            return None
        return self.token_id or legacy_token_key(self.agent.id)


class StaffRooms(NamedTuple):
    agent: str  # on /agent
    supervisor: str  # on /supervisor


def agent_rooms(agent_id: str) -> StaffRooms:
    """The rooms of every staff socket of an agent."""
    return StaffRooms(rooms.agent(agent_id), rooms.supervisor(agent_id))


def session_rooms(session_id: str) -> StaffRooms:
    """The rooms of the staff sockets opened with one console session."""
    return StaffRooms(rooms.agent_session(session_id), rooms.supervisor_session(session_id))


def token_rooms(key: str) -> StaffRooms:
    """The rooms of the staff sockets opened with one API token (`StaffLogin.token_key`)."""
    return StaffRooms(rooms.agent_token(key), rooms.supervisor_token(key))


def legacy_token_key(agent_id: str) -> str:
    """The key of the agent's single token set from the command line (`agents.token_hash`)."""
    return f"legacy-{agent_id}"


@dataclasses.dataclass(frozen=True)
class Identity:
    sub: str
    account: str | None
    email: str | None
    name: str | None
    plan: str | None


def _claim(claims: dict, name: str) -> str | None:
    """A claim as text of at most 200 characters, without NUL (which the
    store refuses: a user of the site named so must still get in)."""
    value = claims.get(name)
    return str(value).replace("\x00", "")[:200] if value is not None else None


def decode_identity(site: Site, token: str, now: datetime, max_lifetime_s: float) -> Identity:
    """The identity in a JWT signed by the site, valid at `now` (the desk's
    clock, not the machine's: PyJWT checks the signature and the claims'
    presence, `_check_times` the times) and expiring within `max_lifetime_s`
    of it. Raises Refused(bad_identity)."""
    try:
        claims = _signed_claims(site, token, now)
        _check_times(claims, now.timestamp(), max_lifetime_s)
    except jwt.PyJWTError as exc:
        raise Refused("bad_identity", f"identity token refused: {exc}") from None
    return Identity(_claim(claims, "sub") or "", _claim(claims, "account"), _claim(claims, "email"),
                    _claim(claims, "name"), _claim(claims, "plan"))


def _signed_claims(site: Site, token: str, now: datetime) -> dict:
    """The claims of a JWT signed with the site's secret, or with the one a
    rotation replaced while its grace lasts (until `previous_until`,
    excluded, on the desk's clock)."""
    options = {"require": ["exp", "sub"], "verify_exp": False, "verify_nbf": False, "verify_iat": False}
    try:
        return jwt.decode(token, site.secret, algorithms=["HS256"], options=options)
    except jwt.InvalidSignatureError:
        previous, until = site.previous_secret, site.previous_until
        if previous is None or until is None or now >= until:
            raise
        return jwt.decode(token, previous, algorithms=["HS256"], options=options)


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


def _check_origin(site: Site, origin: str | None) -> None:
    if site.origins and origin not in site.origins:
        raise Refused("origin_not_allowed", "this page's origin may not embed the widget")


class AuthService:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        self._site_reads: dict[str, asyncio.Future[Site | None]] = {}  # key -> the read under way

    async def visitor(self, site_key: object, token: object, identity: object,
                      origin: str | None) -> VisitorLogin:
        """Raises Refused(unknown_site | origin_not_allowed | bad_identity |
        identity_required)."""
        store = self._desk.store
        site = await self._site(site_key)
        _check_origin(site, origin)
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
        if is_token(token):
            return self._anonymous(site, token)
        return self._anonymous(site, new_token(), unseen=True)

    async def embedding_site(self, site_key: object, origin: str | None) -> Site:
        """The site a page embeds the widget for, asking without a visitor
        (the launcher's `GET /widget/status`). An `origin` given must be
        one of the site's; None (a same-origin request, which browsers send
        without one, or a client that is no browser) is not checked: what
        is asked is public, and a browser on another origin always sends
        its own. Raises Refused(unknown_site | origin_not_allowed)."""
        site = await self._site(site_key)
        if origin is not None:
            _check_origin(site, origin)
        return site

    async def _site(self, site_key: object) -> Site:
        site = await self._site_by_key(site_key) if isinstance(site_key, str) and len(site_key) <= 100 else None
        if site is None:
            raise Refused("unknown_site", "unknown site key")
        return site

    async def _site_by_key(self, key: str) -> Site | None:
        """The store's read of a site, shared by the callers that ask for
        the same key while it is under way: a burst of connects to one site
        would otherwise queue as many identical reads on the database's
        thread (bench/idle.py). Nothing is kept once it lands: a caller
        gets a read that began at most one read's time before it asked."""
        reading = self._site_reads.get(key)
        if reading is None:
            reading = asyncio.ensure_future(self._desk.store.site_by_key(key))
            self._site_reads[key] = reading
            reading.add_done_callback(lambda done: self._site_read(key, done))
        return await asyncio.shield(reading)  # one caller cancelled does not cancel the others' read

    def _site_read(self, key: str, done: asyncio.Future) -> None:
        if self._site_reads.get(key) is done:
            del self._site_reads[key]
        if not done.cancelled():
            done.exception()  # its waiters got it; no "never retrieved" warning if none waits

    def _anonymous(self, site: Site, token: str, *, unseen: bool = False) -> VisitorLogin:
        """A visitor who has not chatted yet is not stored: most page views
        never open a chat, and a row per page view would fill the database
        (and cost a write per connection). Its id is derived from the token
        hash and the site, so the same browser is the same visitor until its
        first `chat:start` stores it (ChatService.start), and the same token
        shown to another site is another visitor there."""
        token_hash = hash_token(token)
        visitor = Visitor(id=anonymous_id(site.id, token_hash), site_id=site.id, token_hash=token_hash,
                          created_at=self._desk.clock.now())
        return VisitorLogin(site, visitor, token, unseen)

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
        ok = await password_matches(agent.password_hash if agent else None, password)
        return agent if ok and agent is not None and not agent.removed else None

    async def agent_by_token(self, token: object) -> Agent | None:
        login = await self.token_login(token)
        return login.agent if login is not None else None

    async def token_login(self, token: object) -> StaffLogin | None:
        """The agent of an API token: the single one set from the command
        line (`agents.token_hash`), else a named one not revoked (whose
        last use is written at most every TOKEN_TOUCH_S). None for a
        removed agent."""
        if not isinstance(token, str) or not 0 < len(token) <= 200:
            return None
        store, token_hash = self._desk.store, hash_token(token)
        agent = await store.agent_by_token_hash(token_hash)
        if agent is not None:
            return StaffLogin(agent) if not agent.removed else None
        found = await store.api_token_login(token_hash)
        if found is None:
            return None
        named, agent = found
        now = self._desk.clock.now()
        if named.last_used_at is None or (now - named.last_used_at).total_seconds() >= TOKEN_TOUCH_S:
            await store.touch_api_token(named.id, now)
        return StaffLogin(agent, token_id=named.id)

    # console sessions: the cookie holds a random token, the store its hash
    async def open_session(self, agent: Agent, user_agent: str | None = None) -> str:
        """A new console session for `agent`, opened by the browser whose
        User-Agent header is `user_agent`; the token for its cookie."""
        token, now = new_token(), self._desk.clock.now()
        session = ConsoleSession(id=hash_token(token), agent_id=agent.id, epoch=agent.epoch, created_at=now,
                                 last_seen_at=now, client=client_of(user_agent))
        await self._desk.store.add_console_session(session, expired_before=self._oldest_valid(now))
        return token

    async def console_login(self, cookie: Mapping[str, Any]) -> StaffLogin | None:
        """The agent and session of a console cookie, if its session is still
        valid: one store read (plus, every SESSION_TOUCH_S, its last_seen_at)."""
        token = cookie.get(SESSION_KEY)
        if not is_token(token):
            return None
        now = self._desk.clock.now()
        found = await self._desk.store.console_login(hash_token(token), since=self._oldest_valid(now))
        if found is None:
            return None
        session, agent = found
        if (now - session.last_seen_at).total_seconds() >= SESSION_TOUCH_S:
            await self._desk.store.touch_console_session(session.id, now)
        return StaffLogin(agent, session.id)

    async def agent_of_session(self, cookie: Mapping[str, Any]) -> Agent | None:
        """The agent logged in to the console with this cookie, if its session is valid."""
        login = await self.console_login(cookie)
        return login.agent if login is not None else None

    async def logout(self, cookie: Mapping[str, Any]) -> None:
        """Ends the cookie's session in the store, then closes the sockets
        opened with it (the agent's other sessions and API token stay)."""
        token = cookie.get(SESSION_KEY)
        if not is_token(token):
            return
        session_id = hash_token(token)
        await self._desk.store.revoke_console_session(session_id, self._desk.clock.now())
        for room in session_rooms(session_id):
            self._desk.events.close(room)

    def valid_since(self) -> datetime:
        """The oldest creation time of a console session still valid now."""
        return self._oldest_valid(self._desk.clock.now())

    @staticmethod
    def _oldest_valid(now: datetime) -> datetime:
        return now - timedelta(seconds=SESSION_MAX_AGE_S)

    @staticmethod
    def require_role(agent: Agent, role: Role) -> None:
        if role is Role.SUPERVISOR and agent.role is not Role.SUPERVISOR:
            raise Refused("forbidden", "supervisors only")


def client_of(user_agent: str | None) -> str | None:
    """"Firefox 128 on Linux" (or what of it the header tells), at most 100
    characters; None without a header that names either."""
    parsed = parse_user_agent(user_agent or "")
    label = " on ".join(part for part in (parsed.browser, parsed.os) if part)
    return label[:100] or None


def anonymous_id(site_id: str, token_hash: str) -> str:
    """The id of a visitor not stored yet. It names the site: with the token
    hash alone, a token of site B shown with site A's key (whose origin list
    may be open) was B's stored visitor, its chat, history and room."""
    return hashlib.sha256(f"{site_id}:{token_hash}".encode()).hexdigest()[:32]


def _with_identity(visitor: Visitor, identity: Identity) -> Visitor:
    return dataclasses.replace(visitor, verified=True, external_id=identity.sub, account_id=identity.account,
                               email=identity.email, name=identity.name, plan=identity.plan)
