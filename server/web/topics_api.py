"""Topics, mounted in the /api sub-app by `setup_api` (its authentication,
CSRF check and JSON errors); the rules are services/topics.py's.

- `GET /api/topics`: the topics in effect (the file's and the dashboard's);
- `POST /api/topics` `{"name", "skill"?, "priority"?, "chat"?, "reason"?,
  "department"?, "verified_only"?}`: a dashboard topic, new or over the
  file's of that name;
- `PATCH /api/topics/{name}` (some of those fields): changes a topic in effect;
- `DELETE /api/topics/{name}`: removes a dashboard topic (the file's of that
  name, if any, is in effect again).
Supervisors only, reading too: an agent gets 403.
"""
from __future__ import annotations

from typing import Annotated, Any

import msgspec
from aiohttp import web

from ..services import topics
from ..services.model import Agent
from .api import Body, body, endpoint, ok, services_of
from .params import path_id

_PLAIN = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL in text)
# Bounds at the door; what a name is, and the priorities, are the service's to check.
Name = Annotated[str, msgspec.Meta(max_length=64, pattern=_PLAIN)]
Reason = Annotated[str, msgspec.Meta(max_length=topics.REASON_CHARS, pattern=_PLAIN)]
Level = Annotated[str, msgspec.Meta(max_length=16, pattern=_PLAIN)]
UNSET = msgspec.UNSET


class TopicAdd(Body):
    name: Name
    skill: Name = ""
    priority: Level = "medium"
    chat: bool = True
    reason: Reason = ""
    department: Name = ""
    verified_only: bool = False


class TopicChange(Body):
    skill: Name | msgspec.UnsetType = UNSET
    priority: Level | msgspec.UnsetType = UNSET
    chat: bool | msgspec.UnsetType = UNSET
    reason: Reason | msgspec.UnsetType = UNSET
    department: Name | msgspec.UnsetType = UNSET
    verified_only: bool | msgspec.UnsetType = UNSET


def _service(request: web.Request, agent: Agent) -> topics.TopicService:
    topics.check_supervisor(agent)  # before the body: a 403 says more than a 400 to an agent
    return services_of(request).topics


def _name(request: web.Request) -> str:
    """400 for a path that could name no topic (a NUL, ...); a well-shaped unknown name is 404."""
    return path_id(request, "name")


async def list_topics(request: web.Request, agent: Agent) -> web.Response:
    return ok(topics=_service(request, agent).listed())


async def add_topic(request: web.Request, agent: Agent) -> web.Response:
    service = _service(request, agent)
    cmd = await body(request, TopicAdd)
    draft = topics.TopicDraft(**{f: getattr(cmd, f) for f in topics.EDITED})
    return ok(201, topic=await service.add(agent, cmd.name, draft))


async def change_topic(request: web.Request, agent: Agent) -> web.Response:
    service = _service(request, agent)
    cmd = await body(request, TopicChange)
    changes: dict[str, Any] = {f: getattr(cmd, f) for f in topics.EDITED if getattr(cmd, f) is not UNSET}
    return ok(topic=await service.update(agent, _name(request), changes))


async def remove_topic(request: web.Request, agent: Agent) -> web.Response:
    return ok(topic=await _service(request, agent).remove(agent, _name(request)))


def topic_routes() -> list[web.RouteDef]:
    return [
        web.get("/topics", endpoint(list_topics)),
        web.post("/topics", endpoint(add_topic)),
        web.patch("/topics/{name}", endpoint(change_topic)),
        web.delete("/topics/{name}", endpoint(remove_topic)),
    ]
