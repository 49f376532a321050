"""Search and history routes, mounted in the /api sub-app by `setup_api`
(its authentication, CSRF check and JSON errors):

- `GET /api/search?q=&tag=&limit=&offset=`: full-text search over past chats and
  tickets; an agent's own, the whole desk for a supervisor;
- `GET /api/history/chats?agent_id=&from=&to=&topic=&rating=&outcome=&sla_breached=&tag=&limit=&offset=`:
  ended chats by a lead's filters (supervisors only);
- `GET /api/history/chats/{id}`: one past chat read-only, for a supervisor
  or an agent who handled it (404 for anyone else).

`tag` is a tag's id (archived or not); one that names no tag is a 400
`unknown_tag`. Every chat and ticket listed carries its `tags`.

Each counts against the agent's `[limits] searches_per_minute`.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from aiohttp import web

from ..services.model import Agent, EndReason, Role
from ..services.search import MAX_PAGE, MAX_QUERY_CHARS, PastChatAsk
from .api import endpoint, ok, services_of
from .params import Id, Offset, Query, Text, path_id, query_of

SearchText = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_QUERY_CHARS, pattern=r"^[^\x00-\x1f\x7f]*$")]
Page = Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE)]
Rating = Annotated[int, msgspec.Meta(ge=1, le=5)]


class SearchQueryString(Query):
    q: SearchText
    tag: Id | None = None  # a tag's id: only the chats and tickets carrying it
    limit: Page = 20
    offset: Offset = 0


class PastChatsQuery(Query):
    agent_id: Id | None = None
    first: date | None = msgspec.field(name="from", default=None)  # desk-local, included
    last: date | None = msgspec.field(name="to", default=None)  # desk-local, included
    topic: Text | None = None
    rating: Rating | None = None
    outcome: EndReason | None = None
    sla_breached: bool | None = None
    tag: Id | None = None  # a tag's id: only the chats carrying it
    limit: Page = 50
    offset: Offset = 0


async def search(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    query = query_of(request, SearchQueryString)
    await services.throttle.search(agent.id)
    return ok(**await services.search.search(agent, query.q, limit=query.limit, offset=query.offset,
                                               tag_id=query.tag))


async def past_chats(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    services.auth.require_role(agent, Role.SUPERVISOR)
    q = query_of(request, PastChatsQuery)
    await services.throttle.search(agent.id)
    ask = PastChatAsk(agent_id=q.agent_id, first=q.first, last=q.last, topic=q.topic, rating=q.rating,
                      outcome=q.outcome, sla_breached=q.sla_breached, tag=q.tag)
    return ok(**await services.search.past_chats(ask, limit=q.limit, offset=q.offset))


async def past_chat(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    chat_id = path_id(request)
    await services.throttle.search(agent.id)
    return ok(**await services.search.past_chat(agent, chat_id))


def search_routes() -> list[web.RouteDef]:
    return [
        web.get("/search", endpoint(search)),
        web.get("/history/chats", endpoint(past_chats)),
        web.get("/history/chats/{id}", endpoint(past_chat)),
    ]
