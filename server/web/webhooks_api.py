"""Webhooks, mounted in the /api sub-app by `setup_api` (its authentication,
CSRF check and JSON errors); the rules are services/webhooks.py's.
Supervisors only, every route.

- `GET /api/webhooks/events`: `{"events": [NAME]}`.
- `GET /api/webhooks?site=KEY`: `{"webhooks": [WEBHOOK]}`: never a secret.
- `POST /api/webhooks` `{"site", "url", "events", "secret"?}`: 201 `{"webhook", "secret"}`.
- `DELETE /api/webhooks/{id}`; `POST /api/webhooks/{id}/enable` and `/disable`: `{"webhook"}`.
- `GET /api/webhooks/{id}/deliveries?limit=&before=`: `{"deliveries", "next"}`, newest first.
- `POST /api/webhooks/{id}/deliveries/{delivery_id}/redeliver`: `{"delivery"}`; 409 `conflict` while a
  worker is sending it.
"""
from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from ..policy.webhooks import EVENT_TYPES, URL_CHARS
from ..services import webhooks
from ..services.errors import BadRequest
from ..services.model import Agent
from .api import Body, body, endpoint, ok, services_of
from .params import Limit, Query, SiteKey, path_id, query_of

EventName = Annotated[str, msgspec.Meta(max_length=40)]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=URL_CHARS)]
Secret = Annotated[str, msgspec.Meta(max_length=webhooks.SECRET_MAX)]
DeliveryId = Annotated[int, msgspec.Meta(ge=1, le=2**62)]


class WebhookNew(Body):
    site: SiteKey
    url: Url
    events: Annotated[tuple[EventName, ...], msgspec.Meta(max_length=len(EVENT_TYPES))] = ()
    secret: Secret | None = None


class ListQuery(Query):
    site: SiteKey | None = None


class DeliveriesQuery(Query):
    limit: Limit = 50
    before: DeliveryId | None = None


def _delivery_id(request: web.Request) -> int:
    try:
        return msgspec.convert(request.match_info["delivery_id"], DeliveryId, strict=False)
    except msgspec.ValidationError:
        raise BadRequest("delivery_id: not a delivery id (a positive integer)") from None


async def list_events(request: web.Request, agent: Agent) -> web.Response:
    webhooks.check_supervisor(agent)
    return ok(events=list(EVENT_TYPES))


async def list_webhooks(request: web.Request, agent: Agent) -> web.Response:
    webhooks.check_supervisor(agent)
    query = query_of(request, ListQuery)
    return ok(webhooks=await services_of(request).webhooks.list(agent, query.site))


async def add_webhook(request: web.Request, agent: Agent) -> web.Response:
    webhooks.check_supervisor(agent)  # before the body: a 403 says more than a 400 to an agent
    cmd, service = await body(request, WebhookNew), services_of(request).webhooks
    hook, secret = await service.add(agent, cmd.site, cmd.url, cmd.events, cmd.secret)
    return ok(201, webhook=await service.view(hook), secret=secret)


async def remove_webhook(request: web.Request, agent: Agent) -> web.Response:
    webhooks.check_supervisor(agent)
    await services_of(request).webhooks.remove(agent, path_id(request))
    return ok()


async def enable_webhook(request: web.Request, agent: Agent) -> web.Response:
    return await _set_enabled(request, agent, True)


async def disable_webhook(request: web.Request, agent: Agent) -> web.Response:
    return await _set_enabled(request, agent, False)


async def _set_enabled(request: web.Request, agent: Agent, enabled: bool) -> web.Response:
    webhooks.check_supervisor(agent)
    service = services_of(request).webhooks
    return ok(webhook=await service.view(await service.set_enabled(agent, path_id(request), enabled)))


async def list_deliveries(request: web.Request, agent: Agent) -> web.Response:
    webhooks.check_supervisor(agent)
    query = query_of(request, DeliveriesQuery)
    found, after = await services_of(request).webhooks.deliveries(agent, path_id(request), query.limit, query.before)
    return ok(deliveries=[webhooks.delivery_view(d) for d in found], next=after)


async def redeliver(request: web.Request, agent: Agent) -> web.Response:
    webhooks.check_supervisor(agent)
    again = await services_of(request).webhooks.redeliver(agent, path_id(request), _delivery_id(request))
    return ok(delivery=webhooks.delivery_view(again))


def webhook_routes() -> list[web.RouteDef]:
    return [
        web.get("/webhooks/events", endpoint(list_events)),
        web.get("/webhooks", endpoint(list_webhooks)),
        web.post("/webhooks", endpoint(add_webhook)),
        web.delete("/webhooks/{id}", endpoint(remove_webhook)),
        web.post("/webhooks/{id}/enable", endpoint(enable_webhook)),
        web.post("/webhooks/{id}/disable", endpoint(disable_webhook)),
        web.get("/webhooks/{id}/deliveries", endpoint(list_deliveries)),
        web.post("/webhooks/{id}/deliveries/{delivery_id}/redeliver", endpoint(redeliver)),
    ]
