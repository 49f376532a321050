"""People over REST, for the dashboard's People page, mounted in the /api
sub-app by `setup_api` (its authentication, CSRF check and JSON errors):

- `GET /api/people`: every agent, disabled ones too, with email and status;
- `POST /api/people`: add one; answers the agent and its first password link;
- `PATCH /api/people/{id}`: change name, role, tier, skills, capacity, shift, on_call;
- `POST /api/people/{id}/disable`, `/enable`: end or give back their access;
- `POST /api/people/{id}/reset`: a one-time password link (mailed, or shown once).

Supervisors only: an agent gets 403 `forbidden` (before the body is read).
`GET /api/agents`, which every agent reads to pick a colleague, is api.py's.
"""
from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from ..services.model import Agent, Role
from ..services.people import Profile
from ..services.resets import ResetLink
from ..services.views import iso
from .api import Body, body, endpoint, ok
from .dashboard_api import supervisor
from .params import path_id

Name = Annotated[str, msgspec.Meta(max_length=200)]
Email = Annotated[str, msgspec.Meta(max_length=254)]
Skill = Annotated[str, msgspec.Meta(max_length=64)]
Skills = Annotated[tuple[Skill, ...], msgspec.Meta(max_length=50)]
Tier = Annotated[int, msgspec.Meta(ge=1, le=3)]
Capacity = Annotated[int, msgspec.Meta(ge=-1, le=1_000_000)]  # the service's bounds are narrower and say so
Shift = Annotated[str, msgspec.Meta(max_length=255)]


class PersonAdd(Body):
    email: Email
    name: Name
    role: Role = Role.AGENT
    tier: Tier = 1
    skills: Skills = ()
    capacity: Capacity = 3
    shift: Shift = ""  # "": the desk hours
    on_call: bool = False


class PersonEdit(Body):
    """Each field left out stays as it is."""

    name: Name | None = None
    role: Role | None = None
    tier: Tier | None = None
    skills: Skills | None = None
    capacity: Capacity | None = None
    shift: Shift | None = None
    on_call: bool | None = None


class Nothing(Body):
    """The body of an action that takes none: `{}` or no body at all."""


def link_view(link: ResetLink) -> dict:
    """`url` only when it was not mailed: the one time it is shown."""
    return {"url": link.url, "mailed_to": link.mailed_to, "expires_at": iso(link.expires_at)}


def _profile(cmd: PersonAdd | PersonEdit) -> Profile:
    return Profile(name=cmd.name, role=cmd.role, tier=cmd.tier, skills=cmd.skills, capacity=cmd.capacity,
                   shift=cmd.shift, on_call=cmd.on_call)


async def _no_body(request: web.Request) -> None:
    if request.can_read_body:
        await body(request, Nothing)


async def list_people(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    return ok(people=await services.people.list())


async def add_person(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    cmd = await body(request, PersonAdd)
    added, link = await services.people.add(agent, cmd.email, _profile(cmd))
    return ok(201, agent=services.people.view(added), link=link_view(link))


async def edit_person(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    cmd = await body(request, PersonEdit)
    changed = await services.people.edit(agent, path_id(request), _profile(cmd))
    return ok(agent=services.people.view(changed))


async def disable_person(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    await _no_body(request)
    return ok(agent=services.people.view(await services.people.disable(agent, path_id(request))))


async def enable_person(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    await _no_body(request)
    return ok(agent=services.people.view(await services.people.enable(agent, path_id(request))))


async def reset_link(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    await _no_body(request)
    return ok(201, link=link_view(await services.people.reset(agent, path_id(request))))


def people_routes() -> list[web.RouteDef]:
    return [
        web.get("/people", endpoint(list_people)),
        web.post("/people", endpoint(add_person)),
        web.patch("/people/{id}", endpoint(edit_person)),
        web.post("/people/{id}/disable", endpoint(disable_person)),
        web.post("/people/{id}/enable", endpoint(enable_person)),
        web.post("/people/{id}/reset", endpoint(reset_link)),
    ]
