"""An agent's own account, whatever their role: their password, their
console sessions, their named API tokens (docs/protocol.md, "Your account").

Stateless use cases over the desk, as canned.py. Each acts on the agent
who asks and on nothing of another agent's: an id of another agent's
session or token is NotFound, as an id that never was. Each change is
audited on target `agent:<id>` in the change's transaction, never with the
password or the token; what it ends is closed on every node after the
commit (the notifier's rooms), and the session watch (services/sessions.py)
finds anything a lost close left open within seconds.
"""
from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime
from typing import Any

from . import audit
from .auth import StaffLogin, legacy_token_key, password_hash_of, password_matches, session_rooms, token_rooms
from .context import Desk
from .errors import BadRequest, Conflict, Forbidden, NotFound, RateLimited
from .model import Agent, ApiToken, ConsoleSession
from .passwords import MAX_CHARS, MIN_CHARS, check_new_password
from .tokens import hash_token, new_id, new_token
from .views import iso

PASSWORD_CHARS = (MIN_CHARS, MAX_CHARS)  # the fewest and the most characters of a new password
PASSWORD_TRIES = (5, 900)  # password changes tried per agent, per this many seconds (argon2 is costly)
TOKEN_NAME_CHARS = 64
TOKENS_PER_AGENT = 20  # not revoked, at once
TOKENS_MADE = (10, 3600)  # tokens made per agent, per this many seconds

# audit actions, on target `agent:<id>`
PASSWORD_CHANGE = "password_change"
SESSION_END = "session_end"
TOKEN_CREATE = "token_create"
TOKEN_REVOKE = "token_revoke"


def me_view(agent: Agent) -> dict[str, Any]:
    return {"id": agent.id, "email": agent.email, "name": agent.name, "role": agent.role.value, "tier": agent.tier,
            "skills": list(agent.skills), "capacity": agent.capacity, "shift": agent.shift, "on_call": agent.on_call}


def session_public_id(session_id: str) -> str:
    """The id a session is shown and ended by. Not its stored id, which is
    the SHA-256 of the cookie's token: that hash is a key to nothing, but
    it stays on the server all the same."""
    return hashlib.sha256(f"session-view:{session_id}".encode()).hexdigest()[:32]


def session_view(session: ConsoleSession, current: str | None) -> dict[str, Any]:
    return {"id": session_public_id(session.id), "client": session.client, "created_at": iso(session.created_at),
            "last_seen_at": iso(session.last_seen_at), "current": session.id == current}


def token_view(token: ApiToken) -> dict[str, Any]:
    """Never the token, nor its hash."""
    return {"id": token.id, "name": token.name, "created_at": iso(token.created_at),
            "last_used_at": iso(token.last_used_at)}


def check_console(login: StaffLogin) -> str:
    """The console session of `login`; raises Forbidden for an API token:
    an agent's password, sessions and tokens are theirs to manage from a
    logged-in console, so a leaked token cannot mint more tokens, end the
    agent's sessions or lock them out."""
    if login.session_id is None:
        raise Forbidden("manage your account from a console login, not with an API token")
    return login.session_id


# the password: the desk's one rule for a new password (services/passwords.py), and not the current one
def _check_change(current: str, new: str) -> None:
    check_new_password(new)
    if new == current:
        raise BadRequest("the new password is the current one")


async def change_password(desk: Desk, login: StaffLogin, current: str, new: str) -> int:
    """The agent's new password; every other console session of theirs ends,
    and every socket opened with an API token closes (the tokens stay
    valid: they are credentials of their own), on every node; the session
    asking stays. How many sessions ended. Raises Forbidden (an API token,
    or a wrong current password), BadRequest, RateLimited."""
    keep, agent, now = check_console(login), login.agent, desk.clock.now()
    _check_change(current, new)
    window = PASSWORD_TRIES[1]
    if not await desk.live.hit_rate(f"password_change:{agent.id}", PASSWORD_TRIES[0], window, now):
        raise RateLimited("Too many password changes tried: wait a few minutes.", retry_after=window)
    if not await password_matches(agent.password_hash, current):
        raise Forbidden("the current password is wrong")
    password_hash = await password_hash_of(new)
    ended = await desk.store.change_password(agent.id, password_hash, keep_session=keep, at=now, audit=audit.entry(
        PASSWORD_CHANGE, audit.agent_target(agent.id), now, actor_id=agent.id))
    for session_id in ended:
        _close(desk, session_rooms(session_id))
    for key in [legacy_token_key(agent.id), *(t.id for t in await desk.store.api_tokens_of(agent.id))]:
        _close(desk, token_rooms(key))
    return len(ended)


# console sessions
async def sessions(desk: Desk, login: StaffLogin, since: datetime) -> list[dict[str, Any]]:
    """The agent's valid console sessions, the newest first; `since`: the
    oldest creation time still valid (AuthService.valid_since)."""
    check_console(login)
    found = await desk.store.console_sessions_of(login.agent.id, since=since)
    return [session_view(s, login.session_id) for s in found]


async def end_session(desk: Desk, login: StaffLogin, public_id: str, since: datetime) -> bool:
    """Ends one of the agent's console sessions and closes its sockets on
    every node; whether it was the asking one. Raises NotFound."""
    check_console(login)
    agent, now = login.agent, desk.clock.now()
    mine = await desk.store.console_sessions_of(agent.id, since=since)
    session = next((s for s in mine if session_public_id(s.id) == public_id), None)
    if session is None:  # another agent's, ended already, or none at all
        raise NotFound("no such session of yours")
    entry = audit.entry(SESSION_END, audit.agent_target(agent.id), now, actor_id=agent.id,
                        data={"current": session.id == login.session_id})
    if not await desk.store.end_console_session(agent.id, session.id, now, entry):  # ended meanwhile
        raise NotFound("no such session of yours")
    _close(desk, session_rooms(session.id))
    return session.id == login.session_id


# named API tokens
def check_token_name(name: str) -> str:
    """The name stripped; raises BadRequest unless it has 1 to 64
    characters and none is a control character."""
    name = name.strip()
    if not 0 < len(name) <= TOKEN_NAME_CHARS:
        raise BadRequest(f"a token's name has 1 to {TOKEN_NAME_CHARS} characters")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        raise BadRequest("a token's name has no control characters")
    return name


async def tokens(desk: Desk, login: StaffLogin) -> list[ApiToken]:
    check_console(login)
    return await desk.store.api_tokens_of(login.agent.id)


async def create_token(desk: Desk, login: StaffLogin, name: str) -> tuple[ApiToken, str]:
    """A new named token of the agent, and the token itself (192 random
    bits), which is never shown again. Raises Forbidden, BadRequest,
    RateLimited, or Conflict at TOKENS_PER_AGENT tokens."""
    check_console(login)
    name, agent, now = check_token_name(name), login.agent, desk.clock.now()
    made, window = TOKENS_MADE
    if not await desk.live.hit_rate(f"tokens_made:{agent.id}", made, window, now):
        raise RateLimited(f"At most {made} tokens an hour: wait before making another.", retry_after=window)
    secret = new_token()
    token = ApiToken(id=new_id(), agent_id=agent.id, name=name, token_hash=hash_token(secret), created_at=now)
    stored = await desk.store.add_api_token(token, audit.entry(
        TOKEN_CREATE, audit.agent_target(agent.id), now, actor_id=agent.id, data={"token": token.id, "name": name}),
        limit=TOKENS_PER_AGENT)
    if stored is None:
        raise Conflict(f"you hold {TOKENS_PER_AGENT} tokens: revoke one before making another",
                       limit=TOKENS_PER_AGENT)
    return stored, secret


async def revoke_token(desk: Desk, login: StaffLogin, token_id: str) -> ApiToken:
    """Revokes one of the agent's tokens: it opens nothing from now on, and
    its sockets close on every node. Raises Forbidden or NotFound."""
    check_console(login)
    agent, now = login.agent, desk.clock.now()
    token = next((t for t in await desk.store.api_tokens_of(agent.id) if t.id == token_id), None)
    if token is None:  # another agent's, revoked already, or none at all
        raise NotFound("no such token of yours")
    entry = audit.entry(TOKEN_REVOKE, audit.agent_target(agent.id), now, actor_id=agent.id,
                        data={"token": token_id, "name": token.name})
    revoked = await desk.store.revoke_api_token(agent.id, token_id, now, entry)
    if revoked is None:  # revoked meanwhile, from another browser
        raise NotFound("no such token of yours")
    _close(desk, token_rooms(token_id))
    return revoked


def _close(desk: Desk, rooms: tuple[str, ...]) -> None:
    for room in rooms:
        desk.events.close(room)
