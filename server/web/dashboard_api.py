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

import msgspec
from aiohttp import web

from ..services.bundle import Services
from ..services.errors import BadRequest
from ..services.model import Agent, ChatStatus, Role
from .api import endpoint, ok, services_of
from .params import Query, path_id, query_of

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


async def open_chats(request: web.Request, agent: Agent) -> web.Response:
    """Queued and active chats only: ended ones are the reports' business."""
    services = supervisor(request, agent)
    query = query_of(request, ChatsQuery)
    if ChatStatus.ENDED in query.status:
        raise BadRequest("status: queued and active chats only")
    return ok(chats=await services.records.open_chats(query.status))


async def chat_detail(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    return ok(**await services.records.chat(path_id(request)))


async def hourly(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    query = query_of(request, DayQuery)
    trends = services.records.trends
    return ok(**await trends.hourly(query.day or trends.today(services.desk.clock.now())))


async def daily(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    query = query_of(request, DaysQuery)
    days = await services.records.trends.daily(query.first, query.last)
    return ok(**{"from": query.first.isoformat(), "to": query.last.isoformat()}, days=days)


def dashboard_routes() -> list[web.RouteDef]:
    return [
        web.get("/chats", endpoint(open_chats)),
        web.get("/chats/{id}", endpoint(chat_detail)),
        web.get("/reports/hourly", endpoint(hourly)),
        web.get("/reports/daily", endpoint(daily)),
    ]
