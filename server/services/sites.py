"""Sites as supervisors manage them in the dashboard: add one, change its
allowed origins and identity mode, rotate its identity secret.

Stateless use cases over the desk, as canned.py: `check_*` validates and
raises coded errors, the others change the store and audit the change in
the same transaction. The secret is never in a view, a log or the audit
log: `add` and `rotate` return it once, for the lead to copy.

No node keeps a copy of a site: every visitor connect reads it from the
store (AuthService._site_by_key shares only a read under way), so a change
made on one node applies on every node from the next connect. Sockets
already connected stay.
"""
from __future__ import annotations

import dataclasses
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from . import audit, rooms
from . import events as ev
from .context import Desk
from .errors import BadRequest, Conflict, Forbidden, NotFound
from .model import Agent, IdentityMode, Site
from .roles import supervisors_only
from .throttle import settings_change
from .tokens import new_id, new_secret
from .views import iso

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# What a browser sends in Origin: scheme://host[:port], lower case, no path.
ORIGIN = re.compile(r"^(https?)://([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
                    r"|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$")
DEFAULT_PORTS = {"http": 80, "https": 443}
ORIGIN_CHARS = 200
MAX_ORIGINS = 20
MAX_SITES = 500
# The longest grace a rotation may give the secret it replaces (hours): a
# secret replaced because it leaked should not stay good for weeks.
MAX_GRACE_HOURS = 7 * 24
SECRET_BYTES = 32  # 256 bits, as `run.py site add` generates
# Changes per supervisor and minute (every node's): each is an audit row.

# audit actions, on target `site:<key>`; their data never holds a secret
SITE_ADD = "site_add"
SITE_UPDATE = "site_update"
SITE_ROTATE = "site_rotate"


@dataclasses.dataclass(frozen=True, slots=True)
class SiteDraft:
    origins: tuple[str, ...]
    identity: IdentityMode


@dataclasses.dataclass(frozen=True, slots=True)
class WithSecret:
    """A site and its new secret, which the lead sees this once."""

    site: Site
    secret: str


def rotating(site: Site, now: datetime) -> bool:
    """Whether the secret a rotation replaced is still accepted at `now`."""
    return site.previous_secret is not None and site.previous_until is not None and now < site.previous_until


def site_view(site: Site, now: datetime) -> dict[str, Any]:
    """What the dashboard shows of a site: never a secret."""
    accepted = rotating(site, now)
    return {"id": site.id, "key": site.key, "origins": list(site.origins), "identity": site.identity.value,
            "rotating": accepted, "previous_until": iso(site.previous_until) if accepted else None}


check_supervisor = supervisors_only("manage sites")


async def _spend(desk: Desk, by: Agent) -> None:
    """One of the supervisor's site changes a minute; raises RateLimited past them."""
    await settings_change(desk, by.id, "site")


def check_key(key: str) -> str:
    if not KEY.match(key):
        raise BadRequest("a site key is 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
    return key


def check_origin(text: str) -> str:
    """`text` as a browser sends it in Origin (lower case, without the
    scheme's default port); raises BadRequest unless it is
    http(s)://host[:port] with nothing after."""
    origin = text.strip().lower().removesuffix("/")
    found = ORIGIN.match(origin) if len(origin) <= ORIGIN_CHARS else None
    if found is None:
        raise BadRequest(f"not an origin: {text[:ORIGIN_CHARS]!r} (write scheme://host[:port], "
                         "e.g. https://www.example.com, without a path; an international domain name "
                         "in its xn-- form)")
    port = found.group(6)
    if port is not None:
        number = int(port[1:])
        if not 0 < number < 65536:
            raise BadRequest(f"not a port: {port[1:]}")
        if number == DEFAULT_PORTS[found.group(1)]:
            origin = origin.removesuffix(port)
    return origin


def check_draft(draft: SiteDraft) -> SiteDraft:
    """The origins checked, normalised and without repeats."""
    if len(draft.origins) > MAX_ORIGINS:
        raise BadRequest(f"at most {MAX_ORIGINS} origins")
    origins = tuple(dict.fromkeys(check_origin(o) for o in draft.origins))
    return SiteDraft(origins, draft.identity)


def check_grace(hours: int) -> timedelta:
    if not 0 <= hours <= MAX_GRACE_HOURS:
        raise BadRequest(f"a grace period is 0 to {MAX_GRACE_HOURS} hours")
    return timedelta(hours=hours)


async def list_sites(desk: Desk) -> list[Site]:
    return await desk.store.list_sites()


async def add(desk: Desk, by: Agent, key: str | None, draft: SiteDraft) -> WithSecret:
    """A new site with a new secret; a key left out is generated. Raises
    Forbidden, BadRequest, or Conflict for a key taken or past MAX_SITES."""
    check_supervisor(by)
    key = secrets.token_hex(6) if key is None else check_key(key)  # public: it is in every embedding page
    draft = check_draft(draft)
    await _spend(desk, by)
    if await desk.store.count_sites() >= MAX_SITES:
        raise Conflict(f"this desk has {MAX_SITES} sites, the most it keeps")
    secret = new_secret(SECRET_BYTES)
    site = Site(id=new_id(), key=key, secret=secret, origins=draft.origins, identity=draft.identity)
    site = await desk.store.add_site(site, audit.entry(SITE_ADD, _target(site), desk.clock.now(), actor_id=by.id,
                                                       data=_settings(site)))
    _tell(desk, "add", site)
    return WithSecret(site, secret)


async def update(desk: Desk, by: Agent, site_id: str, draft: SiteDraft) -> Site:
    """Its origins and identity mode replaced. Raises Forbidden,
    BadRequest or NotFound."""
    check_supervisor(by)
    draft = check_draft(draft)
    await _spend(desk, by)
    before = await _site(desk, site_id)
    changed = dataclasses.replace(before, origins=draft.origins, identity=draft.identity)
    after = await desk.store.update_site(changed, audit.entry(
        SITE_UPDATE, _target(changed), desk.clock.now(), actor_id=by.id,
        data={**_settings(changed), "was": _settings(before)}))
    if after is None:
        raise NotFound("no such site")
    _tell(desk, "update", after)
    return after


async def rotate(desk: Desk, by: Agent, site_id: str, grace_hours: int) -> WithSecret:
    """A new secret; the one it replaces is still accepted for
    `grace_hours` (0: not at all). A secret an earlier rotation replaced is
    no longer accepted: only the last two secrets are. Raises Forbidden,
    BadRequest, NotFound, or Conflict if another rotation came first."""
    check_supervisor(by)
    grace, now = check_grace(grace_hours), desk.clock.now()
    await _spend(desk, by)
    before = await _site(desk, site_id)
    secret = new_secret(SECRET_BYTES)
    kept = grace > timedelta(0)
    changed = dataclasses.replace(before, secret=secret, previous_secret=before.secret if kept else None,
                                  previous_until=now + grace if kept else None)
    entry = audit.entry(SITE_ROTATE, _target(changed), now, actor_id=by.id,
                        data={"key": changed.key, "grace_hours": grace_hours,
                              "previous_until": iso(changed.previous_until)})
    after = await desk.store.update_site(changed, entry, secret_was=before.secret)
    if after is None:
        if await desk.store.site_by_id(site_id) is None:
            raise NotFound("no such site")
        raise Conflict("the secret was rotated meanwhile: reload and look again")
    _tell(desk, "rotate", after)
    return WithSecret(after, secret)


async def _site(desk: Desk, site_id: str) -> Site:
    site = await desk.store.site_by_id(site_id)
    if site is None:
        raise NotFound("no such site")
    return site


def _tell(desk: Desk, action: str, site: Site) -> None:
    """Every lead's open Sites page follows (sent once the change is committed)."""
    desk.events.add(ev.SitesChanged(rooms.SUPERVISORS, {"action": action,
                                                       "site": site_view(site, desk.clock.now())}))


def _settings(site: Site) -> dict[str, Any]:
    return {"key": site.key, "origins": list(site.origins), "identity": site.identity.value}


def _target(site: Site) -> str:
    return f"site:{site.key}"
