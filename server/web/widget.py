"""The widget's HTTP side, for a page on a customer's site, which is
another origin (hence CORS):

- `POST /widget/tickets`, the ticket form. It is public: the site key, the
  visitor's token or identity JWT, and the Origin say who asks, checked as
  on the /visitor socket. It stays open to suspended and banned visitors:
  tickets are their channel.
- `GET /widget/status?site=KEY`, what the launcher shows (online, or the
  next opening) on a page that has not connected: the widget connects only
  when the visitor opens it or has a chat or a survey waiting, so a page
  view costs the desk this answer, which browsers (and any shared cache in
  front of the desk) keep for STATUS_MAX_AGE_S, and no socket.
"""
from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import hdrs, web

from ..realtime.commands import Email, Evidence, Id, Short, SiteKey, Subject, Text
from ..realtime.common import check_text
from ..services.errors import DeskError
from ..services.model import Priority
from ..services.tickets import TicketRequest
from ..services.views import iso, ticket_view
from .api import Body, Topic, body, http_status
from .keys import SERVICES
from .params import Query, query_of

PATH = "/widget/tickets"
STATUS_PATH = "/widget/status"
PREFLIGHT_MAX_AGE_S = 600
# How long a launcher may show a desk's status after it changed: shifts
# change a few times a day, and an open panel connects and hears the truth.
STATUS_MAX_AGE_S = 30
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
    attachments: Annotated[tuple[Id, ...], msgspec.Meta(max_length=20)] = ()  # uploaded without a chat_id
    evidence: Evidence = msgspec.field(default_factory=dict)


class StatusQuery(Query):
    """The query string of GET /widget/status."""

    site: SiteKey


def setup_widget(app: web.Application) -> None:
    app.router.add_post(PATH, open_ticket)
    app.router.add_route(hdrs.METH_OPTIONS, PATH, preflight)
    app.router.add_route(hdrs.METH_ANY, PATH, wrong_method)  # last: what the two above do not take
    app.router.add_get(STATUS_PATH, desk_status)  # and HEAD
    app.router.add_route(hdrs.METH_ANY, STATUS_PATH, wrong_method)


async def wrong_method(request: web.Request) -> web.Response:
    """A JSON error, as every other answer of these routes (aiohttp's own 405 is plain text)."""
    allow, what = ("GET, HEAD", "GET the status") if request.path == STATUS_PATH else ("OPTIONS, POST", "POST a ticket")
    error = {"code": "method_not_allowed", "message": f"{request.method} is not allowed here: {what}"}
    return web.json_response({"ok": False, "error": error}, status=405, headers={hdrs.ALLOW: allow})


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
        asked = TicketRequest(cmd.subject, check_text(services, cmd.text), cmd.email, cmd.priority, cmd.topic,
                              evidence=cmd.evidence)
        # Rate limits (per client address too) are the service's, as on the socket.
        ticket = await services.tickets.open(login.visitor, asked, client=request.remote or "unknown",
                                             name=cmd.name, files=cmd.attachments)
    except DeskError as error:
        status = REFUSED_STATUS.get(error.code) or http_status(error)
        return web.json_response({"ok": False, "error": error.as_dict()}, status=status, headers=cors)
    return web.json_response({"ok": True, "ticket": ticket_view(ticket)}, status=201, headers=cors)


async def desk_status(request: web.Request) -> web.Response:
    """`{"ok": true, "online", "next_open", "topics"}` (`next_open` null
    while online; `topics` the names of the topics in effect), cacheable by anyone for STATUS_MAX_AGE_S. Every answer, a
    refusal too, names the Origin in `Access-Control-Allow-Origin`: a
    simple GET needs no preflight, an Origin the site does not list is
    refused here (403) and the refusals say no more than the socket's do,
    so the widget can show why. Errors are not cached."""
    services, origin = request.app[SERVICES], request.headers.get(hdrs.ORIGIN)
    # Vary even without an Origin: a shared cache must not hand an answer
    # without Access-Control-Allow-Origin to a page on another origin.
    cors = _cors(origin) or {hdrs.VARY: hdrs.ORIGIN}
    try:
        query = query_of(request, StatusQuery)
        await services.throttle.status(request.remote or "unknown")
        await services.auth.embedding_site(query.site, origin)
        status = await services.hours.status()
    except DeskError as error:
        code = REFUSED_STATUS.get(error.code) or http_status(error)
        return web.json_response({"ok": False, "error": error.as_dict()}, status=code,
                                 headers=cors | {hdrs.CACHE_CONTROL: "no-store"})
    # The topics in effect: a page with data-topics="*" offers them all, so
    # that one a lead adds in the dashboard reaches it without an edit.
    answer = {"ok": True, "online": status.online, "next_open": iso(status.next_open),
              "topics": list(services.desk.topics)}
    return web.json_response(answer, headers=cors | {hdrs.CACHE_CONTROL: f"public, max-age={STATUS_MAX_AGE_S}"})
