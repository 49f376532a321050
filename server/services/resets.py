"""One-time password links: a supervisor makes one for an agent who forgot
their password (or the desk makes one for an agent just added, to set
their first); the agent opens it and sets a new password.

The link's token has 192 random bits and is stored only as its hash; it
works once, until `[limits] reset_link_hours` after it was made, on the
desk's clock; a newer link for the same agent voids the older ones, and so
does disabling the agent (re-enabling brings no link back). With
mail configured (`[mail] smtp_host`) the link is mailed to the agent and
never shown; without, it is shown once to the supervisor, who passes it
on. Setting the password ends the agent's other sessions and sockets.
Nothing here logs or audits a token or a password.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from . import audit, dates
from .access import end_agent_access
from .auth import password_hash_of
from .bus import MailQueued
from .context import Desk
from .errors import NotFound, RateLimited
from .letters import SIGNATURE, recipient
from .model import Agent, OutgoingMail, PasswordReset
from .passwords import check_new_password
from .presence import PresenceService
from .tokens import hash_token, is_token, new_token

RESET_PATH = "/console/reset/"
# audit actions, on target agent:<id>
RESET_LINK = "password_link"  # a supervisor made a link (data: how it went out)
PASSWORD_RESET = "password_reset"  # the agent set a new password with one (the actor is the agent)
LINKS_PER_HOUR = 10  # links made for one agent an hour: each may mail them
TRIES_PER_MINUTE = 10  # link pages posted from one address a minute (each hashes a password: argon2 is slow)
INVALID = "This link does not work: it was used already, it expired, or it never existed. Ask your lead for a new one."


@dataclasses.dataclass(frozen=True, slots=True)
class ResetLink:
    """How a link went out: mailed (`mailed_to`), or to be shown once (`url`)."""

    expires_at: datetime
    url: str | None = None
    mailed_to: str | None = None


def _letter(agent: Agent, url: str, expires_at: datetime, desk: Desk, now: datetime, first: bool) -> OutgoingMail:
    why = "to set the password of your new Shiftdesk account" if first else "to set a new Shiftdesk password"
    text = (f"Hello,\n\nA lead of your support desk made this link for you {why}"
            f" (the agent console, {agent.email}):\n\n{url}\n\nIt works once, until "
            f"{dates.spoken(expires_at, desk.tz)}. If you did not expect it, tell your lead.\n")
    return OutgoingMail(to=recipient(agent.email, agent.name), subject="Your Shiftdesk password link",
                        text=text + SIGNATURE, created_at=now)


class ResetLinks:
    def __init__(self, desk: Desk, presence: PresenceService) -> None:
        self._desk = desk
        self._presence = presence

    async def make(self, by: Agent, agent: Agent, *, first: bool = False) -> ResetLink:
        """A new link for `agent` (voiding the older ones), audited as made
        by `by`; mailed when mail is configured. `first`: for an agent just
        added (the letter says so). Raises RateLimited past LINKS_PER_HOUR."""
        desk, now = self._desk, self._desk.clock.now()
        if not await desk.live.hit_rate(f"reset_links:{agent.id}", LINKS_PER_HOUR, 3600, now):
            raise RateLimited(f"at most {LINKS_PER_HOUR} links for one agent an hour: try again later",
                              retry_after=3600)
        token = new_token()
        expires_at = now + timedelta(hours=desk.config.limits.reset_link_hours)
        url = f"{desk.config.base_url}{RESET_PATH}{token}"
        mailed = bool(desk.config.mail.smtp_host)
        reset = PasswordReset(id=hash_token(token), agent_id=agent.id, created_at=now, expires_at=expires_at,
                              created_by=by.id)
        entry = audit.entry(RESET_LINK, audit.agent_target(agent.id), now, actor_id=by.id,
                            data={"mailed": mailed, "first": first, "expires_at": expires_at.isoformat()})
        mails = [_letter(agent, url, expires_at, desk, now, first)] if mailed else []
        await desk.store.add_password_reset(reset, entry, mails)
        if mailed:
            await desk.bus.publish(MailQueued())  # the worker may look now
            return ResetLink(expires_at, mailed_to=agent.email)
        return ResetLink(expires_at, url=url)

    async def check(self, token: object) -> PasswordReset:
        """The link's record if it works now; raises NotFound (one message
        for used, expired and unknown: the page tells nothing more)."""
        reset = None
        if is_token(token):
            reset = await self._desk.store.password_reset(hash_token(token))
        if reset is None or reset.used_at is not None or reset.expires_at <= self._desk.clock.now():
            raise NotFound(INVALID)
        return reset

    async def use(self, token: object, password: str, confirm: str, address: str) -> Agent:
        """Sets the agent's password (argon2) and spends the link, then ends
        the agent's sessions and sockets and re-queues their chats. Raises
        RateLimited, NotFound (the link does not work, or its agent was
        disabled) or BadRequest (the password: services/passwords.py)."""
        desk, now = self._desk, self._desk.clock.now()
        if not await desk.live.hit_rate(f"reset_tries:{address}", TRIES_PER_MINUTE, 60, now):
            raise RateLimited("Too many attempts: wait a minute.", retry_after=60)
        reset = await self.check(token)
        check_new_password(password, confirm)
        entry = audit.entry(PASSWORD_RESET, audit.agent_target(reset.agent_id), now, actor_id=reset.agent_id)
        agent = await desk.store.use_password_reset(reset, now, await password_hash_of(password), entry)
        if agent is None:
            raise NotFound(INVALID)
        await end_agent_access(desk, self._presence, agent.id)
        return agent
