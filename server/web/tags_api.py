"""Tags, mounted in the /api sub-app by `setup_api` (its authentication,
CSRF check and JSON errors); the rules are services/tags.py's.

- `GET /api/tags`: the list, archived tags too (`archived: true`), for
  every agent; `POST /api/tags` `{"name", "colour"?}` adds one,
  `POST /api/tags/{id}` renames or recolours it, `POST /api/tags/{id}/archive`
  and `.../restore`: supervisors only.
- `GET|POST /api/chats/{id}/tags` (`{"tag_id"}`) and
  `DELETE /api/chats/{id}/tags/{tag_id}`: a chat's tags, for the agent who
  holds or had it, or a supervisor (the console uses `chat:tag` on /agent
  while the chat is open; these serve past chats and the dashboard).
- The same under `/api/tickets/{id}/tags`, for every agent.
Each change answers the tags after it: `{"ok": true, "tags": [TAG]}`.
"""
from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from ..services import tags
from ..services.model import Agent, TagColour
from .api import Body, body, endpoint, ok, services_of
from .params import Id, path_id

Name = Annotated[str, msgspec.Meta(max_length=200)]  # the service checks the 40 characters and the rest


class TagBody(Body):
    name: Name
    colour: TagColour | None = None


class TagRef(Body):
    tag_id: Id


def _shown(found: list) -> web.Response:
    return ok(tags=[tags.tag_view(t) for t in found])


# the list
async def list_tags(request: web.Request, agent: Agent) -> web.Response:
    return _shown(await tags.list_tags(services_of(request).desk))


async def add_tag(request: web.Request, agent: Agent) -> web.Response:
    tags.check_supervisor(agent)  # before the body: a 403 says more than a 400 to an agent
    desk, cmd = services_of(request).desk, await body(request, TagBody)
    return ok(201, tag=tags.tag_view(await tags.add(desk, agent, tags.TagDraft(cmd.name, cmd.colour))))


async def update_tag(request: web.Request, agent: Agent) -> web.Response:
    tags.check_supervisor(agent)
    desk, cmd = services_of(request).desk, await body(request, TagBody)
    changed = await tags.update(desk, agent, path_id(request), tags.TagDraft(cmd.name, cmd.colour))
    return ok(tag=tags.tag_view(changed))


async def archive_tag(request: web.Request, agent: Agent) -> web.Response:
    return ok(tag=tags.tag_view(await tags.archive(services_of(request).desk, agent, path_id(request))))


async def restore_tag(request: web.Request, agent: Agent) -> web.Response:
    return ok(tag=tags.tag_view(await tags.restore(services_of(request).desk, agent, path_id(request))))


async def _changing(request: web.Request, agent: Agent):
    """The desk, once the agent's budget of tag changes allows one more."""
    services = services_of(request)
    await services.throttle.tagging(agent.id)
    return services.desk


# chats
async def chat_tags(request: web.Request, agent: Agent) -> web.Response:
    return _shown(await tags.chat_tags(services_of(request).desk, agent, path_id(request)))


async def tag_chat(request: web.Request, agent: Agent) -> web.Response:
    cmd = await body(request, TagRef)
    return _shown(await tags.tag_chat(await _changing(request, agent), agent, path_id(request), cmd.tag_id))


async def untag_chat(request: web.Request, agent: Agent) -> web.Response:
    desk = await _changing(request, agent)
    return _shown(await tags.untag_chat(desk, agent, path_id(request), path_id(request, "tag_id")))


# tickets
async def ticket_tags(request: web.Request, agent: Agent) -> web.Response:
    return _shown(await tags.ticket_tags(services_of(request).desk, path_id(request)))


async def tag_ticket(request: web.Request, agent: Agent) -> web.Response:
    cmd = await body(request, TagRef)
    return _shown(await tags.tag_ticket(await _changing(request, agent), agent, path_id(request), cmd.tag_id))


async def untag_ticket(request: web.Request, agent: Agent) -> web.Response:
    desk = await _changing(request, agent)
    return _shown(await tags.untag_ticket(desk, agent, path_id(request), path_id(request, "tag_id")))


def tag_routes() -> list[web.RouteDef]:
    return [
        web.get("/tags", endpoint(list_tags)),
        web.post("/tags", endpoint(add_tag)),
        web.post("/tags/{id}", endpoint(update_tag)),
        web.post("/tags/{id}/archive", endpoint(archive_tag)),
        web.post("/tags/{id}/restore", endpoint(restore_tag)),
        web.get("/chats/{id}/tags", endpoint(chat_tags)),
        web.post("/chats/{id}/tags", endpoint(tag_chat)),
        web.delete("/chats/{id}/tags/{tag_id}", endpoint(untag_chat)),
        web.get("/tickets/{id}/tags", endpoint(ticket_tags)),
        web.post("/tickets/{id}/tags", endpoint(tag_ticket)),
        web.delete("/tickets/{id}/tags/{tag_id}", endpoint(untag_ticket)),
    ]
