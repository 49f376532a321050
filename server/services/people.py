"""People: supervisors list, add, change, disable and re-enable agents from
the dashboard (the command line's `agent add` and `agent remove` do the
same from a shell). Every change is audited in its own transaction, on
target `agent:<id>`, with what changed (never a password or token).

A disabled agent is a removed one (`Agent.removed_at`): no login, no API
token, no chats; history keeps the name; re-enabling lets them log in
again with the password they had. Disabling an agent or changing their
role gives them a new epoch: their console sessions end, their sockets
close on every node and their chats go back to the front of the queue at
once (services/access.py). Every change is told to the other nodes, whose
routing reads the agents again.

A new agent has no password: the desk makes them a one-time link to set
their first (services/resets.py), mailed or shown once to the supervisor.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from ..config import is_name
from ..policy.calendar import parse_hours
from . import audit, rooms
from . import events as ev
from .access import end_agent_access
from .context import Desk
from .errors import BadRequest, Conflict, NotFound, RateLimited
from .model import Agent, AgentStatus, Role
from .ports import Presence
from .presence import PresenceService
from .resets import ResetLink, ResetLinks
from .roster import roster_entry
from .routing import AGENTS, Router
from .throttle import settings_change
from .tokens import new_id
from .views import iso

# audit actions, on target agent:<id>
AGENT_ADD = "agent_add"
AGENT_EDIT = "agent_edit"
AGENT_DISABLE = "agent_disable"
AGENT_ENABLE = "agent_enable"

NAME_CHARS = 100
EMAIL_CHARS = 254
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
MAX_SKILLS = 30
MAX_CAPACITY = 20  # concurrent chats; 0: takes none (a lead who only watches)
TIERS = (1, 2, 3)
ADDS_PER_HOUR = 30  # agents one supervisor adds an hour
SHIFT_CHARS = 255
PROFILE = ("name", "role", "tier", "skills", "capacity", "shift", "on_call")  # what an edit may change


@dataclasses.dataclass(frozen=True, slots=True)
class Profile:
    """What a supervisor sets of an agent; None: left as it is."""

    name: str | None = None
    role: Role | None = None
    tier: int | None = None
    skills: tuple[str, ...] | None = None
    capacity: int | None = None
    shift: str | None = None  # "" works the desk hours
    on_call: bool | None = None


def check_email(email: str) -> str:
    """Lower-cased and stripped; raises BadRequest unless one bare address."""
    address = email.strip().lower()
    if len(address) > EMAIL_CHARS or not EMAIL.match(address):
        raise BadRequest("an email address such as name@example.com is needed")
    return address


def _check_shift(shift: str) -> str:
    """Parsed as the config's hours are; "" is the desk hours."""
    shift = shift.strip()
    if len(shift) > SHIFT_CHARS:
        raise BadRequest(f"a shift has at most {SHIFT_CHARS} characters")
    if shift:
        try:
            parse_hours(shift)
        except ValueError as exc:
            raise BadRequest(f"shift: {exc} (e.g. \"mon-fri 09:00-17:00\", \"always\", or empty for the "
                             f"desk hours)") from None
    return shift


def _check_skills(skills: tuple[str, ...]) -> tuple[str, ...]:
    found = tuple(dict.fromkeys(s.strip() for s in skills if s.strip()))  # in order, once each
    bad = [s for s in found if not is_name(s)]  # as the config's skills
    if bad:
        raise BadRequest(f"skill {bad[0][:64]!r}: a skill is 1 to 64 of a-z, 0-9, _ and -, starting with a "
                         f"letter or digit")
    if len(found) > MAX_SKILLS:
        raise BadRequest(f"at most {MAX_SKILLS} skills")
    return found


def check_profile(profile: Profile) -> dict[str, Any]:
    """The fields given, checked and cleaned, as Agent fields; raises
    BadRequest naming the first bad one."""
    fields: dict[str, Any] = {}
    if profile.name is not None:
        name = " ".join(profile.name.split())
        if not name or len(name) > NAME_CHARS:
            raise BadRequest(f"a name of 1 to {NAME_CHARS} characters is needed")
        fields["name"] = name
    if profile.tier is not None:
        if profile.tier not in TIERS:
            raise BadRequest("tier must be 1, 2 or 3")
        fields["tier"] = profile.tier
    if profile.capacity is not None:
        if not 0 <= profile.capacity <= MAX_CAPACITY:
            raise BadRequest(f"capacity must be 0 to {MAX_CAPACITY} (0: takes no chats)")
        fields["capacity"] = profile.capacity
    if profile.skills is not None:
        fields["skills"] = _check_skills(profile.skills)
    if profile.shift is not None:
        fields["shift"] = _check_shift(profile.shift)
    if profile.role is not None:
        fields["role"] = profile.role
    if profile.on_call is not None:
        fields["on_call"] = profile.on_call
    return fields


def _as_news(before: Agent, profile: Profile) -> Profile:
    """Only what differs from `before`: a value the command line set past
    what the dashboard allows (a bot's capacity of 200, a skill in
    capitals) is not refused when a lead edits something else."""
    unchanged = {key: None for key in PROFILE
                 if getattr(profile, key) is not None and _same(getattr(profile, key), getattr(before, key))}
    return dataclasses.replace(profile, **unchanged)


def _same(given: Any, stored: Any) -> bool:
    return tuple(given) == stored if isinstance(stored, tuple) else given == stored


def _changes(before: Agent, after: Agent, keys: tuple[str, ...]) -> dict[str, Any]:
    """What the audit keeps of an edit: each changed field's new value."""
    return {key: _plain(getattr(after, key)) for key in keys if getattr(after, key) != getattr(before, key)}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else str(value) if isinstance(value, Role) else value


class PeopleService:
    def __init__(self, desk: Desk, router: Router, presence: PresenceService,
                 on_change: Callable[[], Awaitable[None]] | None = None) -> None:
        """`on_change`: after each change (DeskHours.check: a new shift or
        capacity can open or close the desk, and the agent hears whether
        they are on shift now)."""
        self._desk = desk
        self._router = router
        self._presence = presence
        self._on_change = on_change
        self.links = ResetLinks(desk, presence)

    async def list(self) -> list[dict[str, Any]]:
        """Every agent, disabled ones too, by name (person_view)."""
        now = self._desk.clock.now()
        presences = {p.agent_id: p for p in await self._desk.live.presences()}
        agents = sorted(await self._desk.store.list_agents(), key=lambda a: (a.name.casefold(), a.id))
        return [self.view(a, presences.get(a.id), now) for a in agents]

    def view(self, agent: Agent, presence: Presence | None = None, now: datetime | None = None) -> dict[str, Any]:
        """PERSON of docs/protocol.md: the roster's entry with the email and
        whether the agent is disabled (and since when)."""
        now = now or self._desk.clock.now()
        entry = roster_entry(agent, presence, self._desk.on_shift(agent, now))
        return {**entry, "email": agent.email, "disabled": agent.removed, "disabled_at": iso(agent.removed_at)}

    async def get(self, agent_id: str) -> Agent:
        agent = await self._desk.store.agent_by_id(agent_id)
        if agent is None:
            raise NotFound("no such agent")
        return agent

    async def add(self, by: Agent, email: str, profile: Profile) -> tuple[Agent, ResetLink]:
        """A new agent, and the link that sets their first password. Raises
        BadRequest, Conflict (the email is taken, disabled agents' too),
        RateLimited (past ADDS_PER_HOUR)."""
        email = check_email(email)
        fields = check_profile(profile)
        if "name" not in fields:
            raise BadRequest("a name is needed")
        now = self._desk.clock.now()
        # each new agent may be mailed a link: a lead's session is no mail relay to any address
        if not await self._desk.live.hit_rate(f"people_adds:{by.id}", ADDS_PER_HOUR, 3600, now):
            raise RateLimited(f"at most {ADDS_PER_HOUR} agents added an hour by one supervisor: try again later",
                              retry_after=3600)
        if await self._desk.store.agent_by_email(email) is not None:
            raise Conflict(f"an agent with the email {email} exists already (a disabled one can be re-enabled)")
        agent = Agent(id=new_id(), email=email, **fields)
        data = {"email": email, **{key: _plain(getattr(agent, key)) for key in PROFILE}}
        agent = await self._desk.store.add_agent(agent, audit.entry(AGENT_ADD, audit.agent_target(agent.id), now,
                                                                    actor_id=by.id, data=data))
        await self._changed(agent, "add")
        return agent, await self.links.make(by, agent, first=True)

    async def edit(self, by: Agent, agent_id: str, profile: Profile) -> Agent:
        """Raises NotFound, BadRequest (a supervisor cannot change their own
        role: the desk would lose its last lead by a slip)."""
        await settings_change(self._desk, by.id, "people")
        before = await self.get(agent_id)
        fields = check_profile(_as_news(before, profile))
        if before.id == by.id and fields.get("role", by.role) is not by.role:
            raise BadRequest("you cannot change your own role: ask another supervisor")
        after = dataclasses.replace(before, **fields)
        changed = _changes(before, after, PROFILE)
        if not changed:
            return before
        new_role = "role" in changed
        if new_role:
            after = dataclasses.replace(after, status=AgentStatus.AWAY)
        return await self._save(by, after, AGENT_EDIT, changed, new_epoch=new_role, told="edit")

    async def disable(self, by: Agent, agent_id: str) -> Agent:
        """Raises NotFound, BadRequest (oneself), Conflict (disabled already), RateLimited."""
        await settings_change(self._desk, by.id, "people")
        agent = await self.get(agent_id)
        if agent.id == by.id:
            raise BadRequest("you cannot disable yourself: ask another supervisor")
        if agent.removed:
            raise Conflict("this agent is disabled already")
        after = dataclasses.replace(agent, removed_at=self._desk.clock.now(), status=AgentStatus.AWAY)
        return await self._save(by, after, AGENT_DISABLE, None, new_epoch=True, told="disable")

    async def enable(self, by: Agent, agent_id: str) -> Agent:
        """Raises NotFound, Conflict (not disabled), RateLimited."""
        await settings_change(self._desk, by.id, "people")
        agent = await self.get(agent_id)
        if not agent.removed:
            raise Conflict("this agent is not disabled")
        return await self._save(by, dataclasses.replace(agent, removed_at=None), AGENT_ENABLE, None, told="enable")

    async def reset(self, by: Agent, agent_id: str) -> ResetLink:
        """A password link for the agent (services/resets.py). Raises NotFound,
        Conflict (a disabled agent: re-enable first), RateLimited."""
        agent = await self.get(agent_id)
        if agent.removed:
            raise Conflict("this agent is disabled: enable them first")
        return await self.links.make(by, agent)

    async def _save(self, by: Agent, after: Agent, action: str, data: dict[str, Any] | None, *,
                    told: str, new_epoch: bool = False) -> Agent:
        entry = audit.entry(action, audit.agent_target(after.id), self._desk.clock.now(), actor_id=by.id, data=data)
        saved = await self._desk.store.change_agent(after, entry, new_epoch=new_epoch)
        if saved is None:
            raise NotFound("no such agent")
        if new_epoch:
            await end_agent_access(self._desk, self._presence, saved.id)
        await self._changed(saved, told)
        return saved

    async def _changed(self, agent: Agent, action: str) -> None:
        """Routing here and on every node reads the agents again; a queued
        chat the change lets someone take (a skill, more capacity) goes now;
        every dashboard hears of it (`people`)."""
        await self._desk.live.publish(AGENTS, agent.id)
        self._desk.events.add(ev.PeopleChanged(rooms.SUPERVISORS, {"action": action, "agent": self.view(agent)}))
        await self._router.agents(fresh=True)
        await self._router.route()
        if self._on_change is not None:
            await self._on_change()

