"""The supervisors' lists and look-ups, mounted in the /api sub-app by
`setup_api` (its authentication, CSRF check and JSON errors):

- `GET /api/alerts?kind=&sla=&limit=&offset=`: abuse alerts and, asked
  for, SLA breaches, newest first;
- `GET /api/surveys?limit=&offset=`: the surveys, newest first;
- `GET /api/visitors?q=&limit=`: visitors by name, email, account or id,
  each with its site and what keeps it out of chat now;
- `GET /api/audit?...`: the audit log, each entry with the names of who
  acted and on whom.

Supervisors only: an agent gets 403 `forbidden`.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from aiohttp import web

from ..services.audit import audit_view
from ..services.model import Agent, AuditEntry, Site, Visitor
from ..services.moderation import suspension_view
from ..services.signals import alert_view
from ..services.sla import breach_alert
from ..services.views import visitor_view
from ..services.ports import Store
from .api import endpoint, ok
from .dashboard_api import supervisor
from .params import Id, Instant, Limit, LongText, Offset, Query, Text, query_of

# Deep pages of a merged list (alerts and breaches) cost both lists.
MergedOffset = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
SEARCH_LIMIT = 20


class AlertQuery(Query):
    kind: Literal["repeat_chats", "negative_surveys", "flag", "sla_breach"] | None = None
    sla: bool = False  # SLA breaches too, among the abuse alerts
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
    """Abuse alerts are stored as such; SLA breaches are the SLA clocks'
    record, shown as the live `alert` shows them (no `id`)."""
    store = supervisor(request, agent).desk.store
    query = query_of(request, AlertQuery)
    wanted = query.offset + query.limit
    found: list[dict[str, Any]] = []
    if query.kind != "sla_breach":
        found += [alert_view(a) for a in await store.list_alerts(kind=query.kind, limit=wanted)]
    if query.kind == "sla_breach" or (query.sla and query.kind is None):
        found += [breach_alert(e) for e in await store.latest_sla_events(stage="breach", limit=wanted)]
    found.sort(key=lambda a: a["at"], reverse=True)  # ISO-8601 UTC strings sort as times
    return ok(alerts=found[query.offset:wanted])


async def list_surveys(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    query = query_of(request, PageQuery)
    found = await services.desk.store.list_surveys(limit=query.limit, offset=query.offset)
    return ok(surveys=[await services.surveys.view(s) for s in found])


async def search_visitors(request: web.Request, agent: Agent) -> web.Response:
    """For the suspend and lift forms: who, by what a supervisor knows."""
    desk = supervisor(request, agent).desk
    query = query_of(request, VisitorQuery)
    sites: dict[str, Site | None] = {}
    found = []
    for visitor in await desk.store.search_visitors(query.q.strip(), query.limit):
        if visitor.site_id not in sites:
            sites[visitor.site_id] = await desk.store.site_by_id(visitor.site_id)
        site = sites[visitor.site_id]
        held = await desk.store.active_suspension(visitor.site_id, account_id=visitor.account,
                                                  visitor_id=visitor.id, now=desk.clock.now())
        found.append({**visitor_view(visitor), "site": site.key if site else None,
                      "suspension": suspension_view(held) if held else None})
    return ok(visitors=found)


class _Names:
    """The people an audit page names, each looked up once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._agents: dict[str, str] | None = None
        self._visitors: dict[str, Visitor | None] = {}

    async def agent(self, agent_id: str | None) -> str | None:
        if agent_id is None:
            return None
        if self._agents is None:
            self._agents = {a.id: a.name for a in await self._store.list_agents()}
        return self._agents.get(agent_id)

    async def visitor(self, visitor_id: str) -> dict[str, Any] | None:
        if visitor_id not in self._visitors:
            self._visitors[visitor_id] = await self._store.visitor_by_id(visitor_id)
        found = self._visitors[visitor_id]
        return visitor_view(found) if found else None

    async def visitor_of(self, target: str) -> dict[str, Any] | None:
        """The visitor a target is about: `visitor:<id>`, the visitor of
        `chat:<id>` or of `survey:<id>`'s chat."""
        kind, _, key = target.partition(":")
        if kind == "visitor":
            return await self.visitor(key)
        if kind == "survey":
            survey = await self._store.survey_by_id(key)
            kind, key = ("chat", survey.chat_id) if survey else ("", "")
        if kind == "chat":
            chat = await self._store.chat_by_id(key)
            return await self.visitor(chat.visitor_id) if chat else None
        return None

    async def entry(self, audited: AuditEntry) -> dict[str, Any]:
        named = {**audit_view(audited), "actor_name": await self.agent(audited.actor_id),
                 "visitor": await self.visitor_of(audited.target)}
        data = audited.data or {}
        if audited.action == "reassign":
            named["agent_names"] = {key: await self.agent(data.get(key)) for key in ("from", "to")}
        return named


async def audit_log(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    query = query_of(request, AuditQuery)
    entries = await services.desk.store.audit_log(
        action=query.action, actor_id=query.actor, target=query.target, since=query.since, until=query.until,
        limit=query.limit, offset=query.offset)
    names = _Names(services.desk.store)
    return ok(entries=[await names.entry(e) for e in entries])


def supervisor_routes() -> list[web.RouteDef]:
    return [
        web.get("/alerts", endpoint(list_alerts)),
        web.get("/surveys", endpoint(list_surveys)),
        web.get("/visitors", endpoint(search_visitors)),
        web.get("/audit", endpoint(audit_log)),
    ]
