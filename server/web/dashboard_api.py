"""The supervisor dashboard's REST routes, mounted in the /api sub-app by
`setup_api` (so they share its authentication, CSRF check and JSON errors):

- `GET /api/chats?status=queued,active`: the open chats, with visitor and agent;
- `GET /api/chats/{id}`: one chat read-only, its messages (notes included),
  visitor, agents and survey;
- `GET /api/reports/hourly?day=YYYY-MM-DD`: chats per desk-local hour and the
  first-response spread of a day (default: today);
- `GET /api/reports/daily?from=&to=`: the desk's figures day by day.

Supervisors only: an agent gets 403 `forbidden`.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from aiohttp import web

from ..services.bundle import Services
from ..services.errors import BadRequest, NotFound
from ..services.model import Agent, Chat, ChatStatus, Role
from ..services.trends import Trends
from ..services.views import chat_view, message_view, visitor_view
from .api import endpoint, ok, services_of
from .params import Query, path_id, query_of

PAGE = 500  # messages a store read returns at most
OPEN = (ChatStatus.QUEUED, ChatStatus.ACTIVE)


class ChatsQuery(Query):
    lists = ("status",)
    status: tuple[ChatStatus, ...] = OPEN  # comma-separated in the query string


class DayQuery(Query):
    day: date | None = None  # desk-local; None: today


class DaysQuery(Query):
    first: date = msgspec.field(name="from")  # desk-local, both included
    last: date = msgspec.field(name="to")


def supervisor(request: web.Request, agent: Agent) -> Services:
    """The services, once `agent` is known to be a supervisor (else Refused: 403)."""
    services = services_of(request)
    services.auth.require_role(agent, Role.SUPERVISOR)
    return services


def trends_of(services: Services) -> Trends:
    desk = services.desk
    return Trends(desk.store, desk.tz, desk.config.policy)


async def _names(services: Services) -> dict[str, Agent]:
    return {a.id: a for a in await services.desk.store.list_agents()}


async def open_chats(request: web.Request, agent: Agent) -> web.Response:
    """Queued and active chats only: ended ones are the reports' business."""
    services = supervisor(request, agent)
    query = query_of(request, ChatsQuery)
    if ChatStatus.ENDED in query.status:
        raise BadRequest("status: queued and active chats only")
    store, agents = services.desk.store, await _names(services)
    found = []
    for chat in await store.chats_with_status(*query.status):
        visitor = await store.visitor_by_id(chat.visitor_id)
        found.append({**chat_view(chat, agents.get(chat.agent_id or "")),
                      "visitor": visitor_view(visitor) if visitor else None})
    return ok(chats=found)


async def _messages(services: Services, chat: Chat, agents: dict[str, Agent]) -> list[dict[str, Any]]:
    found, after = [], 0
    while True:
        page = await services.desk.store.messages_after(chat.id, after, include_notes=True, limit=PAGE)
        found += [message_view(m, agents) for m in page]
        if len(page) < PAGE:
            return found
        after = page[-1].seq


async def chat_detail(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    store = services.desk.store
    chat = await store.chat_by_id(path_id(request))
    if chat is None:
        raise NotFound("no such chat")
    agents = await _names(services)
    visitor = await store.visitor_by_id(chat.visitor_id)
    site = await store.site_by_id(chat.site_id)
    survey = await store.survey_of_chat(chat.id)
    handled = [{"id": a, "name": agents[a].name if a in agents else ""} for a in await store.chat_agents(chat.id)]
    return ok(chat=chat_view(chat, agents.get(chat.agent_id or "")), site=site.key if site else None,
              visitor=visitor_view(visitor) if visitor else None, agents=handled,
              messages=await _messages(services, chat, agents), survey=await services.surveys.view(survey) if survey else None)


async def hourly(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    query = query_of(request, DayQuery)
    trends = trends_of(services)
    return ok(**await trends.hourly(query.day or trends.today(services.desk.clock.now())))


async def daily(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    query = query_of(request, DaysQuery)
    days = await trends_of(services).daily(query.first, query.last)
    return ok(**{"from": query.first.isoformat(), "to": query.last.isoformat()}, days=days)


def dashboard_routes() -> list[web.RouteDef]:
    return [
        web.get("/chats", endpoint(open_chats)),
        web.get("/chats/{id}", endpoint(chat_detail)),
        web.get("/reports/hourly", endpoint(hourly)),
        web.get("/reports/daily", endpoint(daily)),
    ]
