"""The supervisors' lists and look-ups, mounted in the /api sub-app by
`setup_api` (its authentication, CSRF check and JSON errors):

- `GET /api/alerts?kind=&sla=&limit=&offset=`: abuse alerts and, asked
  for, SLA breaches of chats and tickets, newest first;
- `GET /api/surveys?limit=&offset=`: the surveys, newest first;
- `GET /api/visitors?q=&limit=`: visitors by name, email, account or id,
  each with its site and what keeps it out of chat now;
- `GET /api/audit?...`: the audit log, each entry with the names of who
  acted and on whom.

Supervisors only: an agent gets 403 `forbidden`.
"""
from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from aiohttp import web

from ..services.model import Agent
from .api import endpoint, ok
from .dashboard_api import supervisor
from .params import Id, Instant, Limit, LongText, Offset, Query, Text, query_of

# Deep pages of a merged list (alerts and breaches) cost both lists.
MergedOffset = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
SEARCH_LIMIT = 20


class AlertQuery(Query):
    kind: Literal["repeat_chats", "negative_surveys", "flag", "sla_breach", "ticket_sla"] | None = None
    sla: bool = False  # SLA breaches (chats' and tickets') too, among the abuse alerts
    limit: Limit = 50
    offset: MergedOffset = 0


class PageQuery(Query):
    limit: Limit = 50
    offset: Offset = 0


class VisitorQuery(Query):
    q: Annotated[str, msgspec.Meta(min_length=2, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]
    limit: Annotated[int, msgspec.Meta(ge=1, le=SEARCH_LIMIT)] = 10


class AuditQuery(Query):
    action: Text | None = None
    actor: Id | None = None  # an agent id
    target: LongText | None = None  # account:<site key>/<id>, chat:<id>, ...
    since: Instant | None = None
    until: Instant | None = None
    limit: Limit = 50
    offset: Offset = 0


async def list_alerts(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    query = query_of(request, AlertQuery)
    return ok(alerts=await services.records.alerts(kind=query.kind, sla=query.sla, limit=query.limit,
                                                   offset=query.offset))


async def list_surveys(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    query = query_of(request, PageQuery)
    return ok(surveys=await services.records.surveys(limit=query.limit, offset=query.offset))


async def search_visitors(request: web.Request, agent: Agent) -> web.Response:
    """For the suspend and lift forms: who, by what a supervisor knows."""
    services = supervisor(request, agent)
    query = query_of(request, VisitorQuery)
    return ok(visitors=await services.records.visitors(query.q.strip(), query.limit))


async def audit_log(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    query = query_of(request, AuditQuery)
    return ok(entries=await services.records.audit(
        action=query.action, actor_id=query.actor, target=query.target, since=query.since, until=query.until,
        limit=query.limit, offset=query.offset))


def supervisor_routes() -> list[web.RouteDef]:
    return [
        web.get("/alerts", endpoint(list_alerts)),
        web.get("/surveys", endpoint(list_surveys)),
        web.get("/visitors", endpoint(search_visitors)),
        web.get("/audit", endpoint(audit_log)),
    ]
