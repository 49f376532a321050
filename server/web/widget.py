"""The widget's HTTP side: `POST /widget/tickets`, the ticket form of the
widget on a customer's page, which is another origin (hence CORS).

It is public: the site key, the visitor's token or identity JWT, and the
Origin say who asks, checked as on the /visitor socket. It stays open to
suspended and banned visitors: tickets are their channel.
"""
from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import hdrs, web

from ..realtime.commands import Email, Short, SiteKey, Subject, Text
from ..realtime.common import check_text
from ..services.errors import DeskError
from ..services.model import Priority
from ..services.tickets import TicketRequest
from ..services.views import ticket_view
from .api import Body, Topic, body, http_status
from .keys import SERVICES

PATH = "/widget/tickets"
PREFLIGHT_MAX_AGE_S = 600
REFUSED_STATUS = {"unknown_site": 404, "origin_not_allowed": 403, "bad_identity": 401, "identity_required": 401}


class WidgetTicket(Body):
    site: SiteKey
    email: Email
    subject: Subject
    text: Text
    token: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    identity: Annotated[str, msgspec.Meta(max_length=4096)] | None = None
    priority: Priority = Priority.MEDIUM
    topic: Topic | None = None
    name: Short | None = None


def setup_widget(app: web.Application) -> None:
    app.router.add_post(PATH, open_ticket)
    app.router.add_route(hdrs.METH_OPTIONS, PATH, preflight)
    app.router.add_route(hdrs.METH_ANY, PATH, wrong_method)  # last: what the two above do not take


async def wrong_method(request: web.Request) -> web.Response:
    """A JSON error, as every other answer of this route (aiohttp's own 405 is plain text)."""
    error = {"code": "method_not_allowed", "message": f"{request.method} is not allowed here: POST a ticket"}
    return web.json_response({"ok": False, "error": error}, status=405,
                             headers={hdrs.ALLOW: "OPTIONS, POST"})


def _cors(origin: str | None) -> dict[str, str]:
    return {hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: origin, hdrs.VARY: hdrs.ORIGIN} if origin else {}


async def preflight(request: web.Request) -> web.Response:
    """Answered for any Origin: the preflight names no site, and permits
    nothing by itself. The POST is where the site's origins are checked,
    and only an allowed origin may read its answer."""
    headers = {hdrs.ACCESS_CONTROL_ALLOW_METHODS: "POST", hdrs.ACCESS_CONTROL_ALLOW_HEADERS: "Content-Type",
               hdrs.ACCESS_CONTROL_MAX_AGE: str(PREFLIGHT_MAX_AGE_S)}
    return web.Response(status=204, headers=headers | _cors(request.headers.get(hdrs.ORIGIN)))


async def open_ticket(request: web.Request) -> web.Response:
    """`{"ok": true, "ticket": TICKET}` (201), with a receipt mailed to `email`."""
    services, origin = request.app[SERVICES], request.headers.get(hdrs.ORIGIN)
    cors: dict[str, str] = {}
    try:
        cmd = await body(request, WidgetTicket)
        login = await services.auth.visitor(cmd.site, cmd.token, cmd.identity, origin)
        cors = _cors(origin)  # the site allows this origin
        asked = TicketRequest(cmd.subject, check_text(services, cmd.text), cmd.email, cmd.priority, cmd.topic)
        # Rate limits (per client address too) are the service's, as on the socket.
        ticket = await services.tickets.open(login.visitor, asked, client=request.remote or "unknown",
                                             name=cmd.name)
    except DeskError as error:
        status = REFUSED_STATUS.get(error.code) or http_status(error)
        return web.json_response({"ok": False, "error": error.as_dict()}, status=status, headers=cors)
    return web.json_response({"ok": True, "ticket": ticket_view(ticket)}, status=201, headers=cors)
