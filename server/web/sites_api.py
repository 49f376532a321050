"""Sites, mounted in the /api sub-app by `setup_api` (its authentication,
CSRF check and JSON errors); the rules are services/sites.py's. Supervisors
only, every route.

- `GET /api/sites`: `{"sites": [SITE]}`, SITE being `{"id", "key",
  "origins", "identity", "rotating", "previous_until"}`: never a secret.
- `POST /api/sites` `{"key"?, "origins", "identity"}`: 201 `{"site", "secret"}`.
- `PATCH /api/sites/{id}` `{"origins", "identity"}`: `{"site"}`.
- `POST /api/sites/{id}/rotate` `{"grace_hours"}`: `{"site", "secret"}`; the
  secret replaced is accepted for `grace_hours` more (0 to 168).
The secret in an answer is shown to the lead once; nothing keeps it but
the store.
"""
from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from ..services import sites
from ..services.model import Agent, IdentityMode
from .api import Body, body, endpoint, ok, services_of
from .params import path_id

Key = Annotated[str, msgspec.Meta(max_length=64)]  # the pattern is the service's to check
Origin = Annotated[str, msgspec.Meta(max_length=sites.ORIGIN_CHARS)]
Origins = Annotated[tuple[Origin, ...], msgspec.Meta(max_length=sites.MAX_ORIGINS)]
Hours = Annotated[int, msgspec.Meta(ge=0, le=sites.MAX_GRACE_HOURS)]


class SiteBody(Body):
    origins: Origins
    identity: IdentityMode


class SiteNew(SiteBody):
    key: Key | None = None  # generated when left out


class Rotation(Body):
    grace_hours: Hours


def _draft(cmd: SiteBody) -> sites.SiteDraft:
    return sites.SiteDraft(cmd.origins, cmd.identity)


def _shown(request: web.Request, site, status: int = 200, secret: str | None = None) -> web.Response:
    now = services_of(request).desk.clock.now()
    return ok(status, site=sites.site_view(site, now), **({"secret": secret} if secret is not None else {}))


async def list_sites(request: web.Request, agent: Agent) -> web.Response:
    sites.check_supervisor(agent)
    desk = services_of(request).desk
    now = desk.clock.now()
    return ok(sites=[sites.site_view(s, now) for s in await sites.list_sites(desk)])


async def add_site(request: web.Request, agent: Agent) -> web.Response:
    sites.check_supervisor(agent)  # before the body: a 403 says more than a 400 to an agent
    desk, cmd = services_of(request).desk, await body(request, SiteNew)
    added = await sites.add(desk, agent, cmd.key, _draft(cmd))
    return _shown(request, added.site, 201, added.secret)


async def update_site(request: web.Request, agent: Agent) -> web.Response:
    sites.check_supervisor(agent)
    desk, cmd = services_of(request).desk, await body(request, SiteBody)
    return _shown(request, await sites.update(desk, agent, path_id(request), _draft(cmd)))


async def rotate_secret(request: web.Request, agent: Agent) -> web.Response:
    sites.check_supervisor(agent)
    desk, cmd = services_of(request).desk, await body(request, Rotation)
    rotated = await sites.rotate(desk, agent, path_id(request), cmd.grace_hours)
    return _shown(request, rotated.site, secret=rotated.secret)


def site_routes() -> list[web.RouteDef]:
    return [
        web.get("/sites", endpoint(list_sites)),
        web.post("/sites", endpoint(add_site)),
        web.patch("/sites/{id}", endpoint(update_site)),
        web.post("/sites/{id}/rotate", endpoint(rotate_secret)),
    ]
