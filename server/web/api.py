"""The agents' REST API under /api: tickets, a visitor's context, closures,
reports, the agents and the queue, canned replies (the supervisors' lists
are in dashboard_api.py and supervisor_api.py).

Every route takes the console's session cookie (then an unsafe method also
needs the session's CSRF token in `X-CSRF-Token`) or `Authorization: Bearer
<API token>`, which is not ambient and needs no CSRF token. Answers are JSON:
`{"ok": true, ...}`, or `{"ok": false, "error": {"code", "message", ...}}`
with the HTTP status of `http_status`.
"""
from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import msgspec
from aiohttp import hdrs, web
from aiohttp_session import get_session

from ..realtime.commands import Evidence, Id, Short, Subject, Text
from ..realtime.common import check_text
from ..services import canned, intake, roster, tags
from ..services.auth import StaffLogin
from ..services.bundle import Services
from ..services.errors import BadRequest, Conflict, DeskError, Forbidden, TooLarge, Unauthorized, outage
from ..services.closures import closure_view
from ..services.model import Agent, Priority, Role, Ticket, TicketStatus
from ..services.reports import Report
from ..services.tickets import TicketRequest
from ..services.views import attachment_view, reply_view, ticket_detail, ticket_view, visitor_view
from .keys import SERVICES
from .params import Limit, Offset, Query, path_id, query_of
from .params import Id as QueryId, Text as QueryText
from .reports import csv_text
from .security import csrf_matches

MAX_BODY = 64 * 1024  # bytes
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STATUS = {"bad_request": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404,
          "method_not_allowed": 405, "conflict": 409, "too_large": 413, "rate_limited": 429,
          "unavailable": 503}
CODES = {status: code for code, status in STATUS.items()}
# What the ticket list adds to ticket_view, from ticket_detail.
LISTED = ("response_due_at", "resolution_due_at", "email", "department", "updated_at", "assignee_id")

Handler = Callable[[web.Request, Agent], Awaitable[web.Response]]
Topic = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


def http_status(error: DeskError) -> int:
    """Conflict's subclasses (chat_active, ...) are 409; a code the table
    does not name (a Refused's unknown_site, ...) is 400."""
    return 409 if isinstance(error, Conflict) else STATUS.get(error.code, 400)


# bodies and the query string
class Body(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class TicketOpen(Body):
    visitor_id: Id
    subject: Subject
    text: Text
    priority: Priority = Priority.MEDIUM
    topic: Topic | None = None
    warranty: bool = False
    evidence: Evidence = msgspec.field(default_factory=dict)


class StatusSet(Body):
    status: TicketStatus


class AssigneeSet(Body):
    agent_id: Id | None  # null: nobody (a supervisor's choice)


class ReplyAdd(Body):
    text: Text
    attachments: Annotated[tuple[Id, ...], msgspec.Meta(max_length=20)] = ()  # uploaded into the ticket


class ClosureAdd(Body):
    day: date  # YYYY-MM-DD, in the desk's time zone
    reason: Text


class TicketQuery(Query):
    """The query string of GET /api/tickets."""

    lists = ("status",)
    status: tuple[TicketStatus, ...] = ()  # comma-separated in the query string
    priority: Priority | None = None
    topic: QueryText | None = None
    q: QueryText | None = None  # subject or number
    visitor_id: QueryId | None = None
    account: QueryText | None = None
    tag: QueryId | None = None  # a tag's id: only the tickets carrying it
    limit: Limit = 50
    offset: Offset = 0


B = TypeVar("B", bound=Body)


async def body(request: web.Request, kind: type[B]) -> B:
    """Raises TooLarge past MAX_BODY, BadRequest for anything but a JSON
    object of `kind`."""
    try:
        raw = await request.clone(client_max_size=MAX_BODY + 1).read()
    except web.HTTPRequestEntityTooLarge:
        raise TooLarge(f"the body is over {MAX_BODY} bytes", limit=MAX_BODY) from None
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.DecodeError as exc:  # also ValidationError
        raise BadRequest(f"bad body: {exc}") from None


# answers
def ok(status: int = 200, **fields: Any) -> web.Response:
    return web.json_response({"ok": True, **fields}, status=status)


def listed_view(services: Services, ticket: Ticket) -> dict[str, Any]:
    detail = ticket_detail(ticket)
    return {**ticket_view(ticket), **{key: detail[key] for key in LISTED}, "sla": services.ticket_sla.clocks(ticket)}


async def ticket_answer(services: Services, ticket: Ticket, status: int = 200) -> web.Response:
    """The ticket with its replies, and its visitor's plan quota (None
    without a visitor or a verified plan)."""
    visitor, replies, agents = await services.records.ticket_parts(ticket)
    files = await services.attachments.ticket_files(ticket.id)
    assignee = agents.get(ticket.assignee_id) if ticket.assignee_id else None
    detail = ticket_detail(ticket, replies, agents, files) | await intake.detail(services.desk, ticket, len(files)) | {
        "sla": services.ticket_sla.clocks(ticket),
        "assignee": {"id": assignee.id, "name": assignee.name} if assignee else None}
    return ok(status, ticket=detail,
              quota=await services.tickets.quota(visitor) if visitor else None)


# authentication and errors
def services_of(request: web.Request) -> Services:
    return request.config_dict[SERVICES]  # the root app's: this one is mounted under it


async def authenticate(request: web.Request) -> Agent:
    """The agent of a bearer token or of the console's session; raises
    Unauthorized, or Forbidden for a session's unsafe request without its
    CSRF token."""
    return (await staff_login(request)).agent


async def staff_login(request: web.Request) -> StaffLogin:
    """As `authenticate`, with the console session it came through (None:
    an API token)."""
    services = services_of(request)
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is not None:
        scheme, _, token = header.partition(" ")
        login = await services.auth.token_login(token.strip()) if scheme.lower() == "bearer" else None
    else:
        session = await get_session(request)
        login = await services.auth.console_login(session)
        if login and request.method in UNSAFE and not csrf_matches(session, request.headers.get("X-CSRF-Token")):
            raise Forbidden("send the console's CSRF token in the X-CSRF-Token header")
    if login is None:
        raise Unauthorized("log in to the console or send Authorization: Bearer <API token>")
    return login


def endpoint(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def authenticated(request: web.Request) -> web.Response:
        return await handler(request, await authenticate(request))
    return authenticated


def error_response(error: DeskError) -> web.Response:
    """The error's JSON answer; a refusal that says when to try again
    (`retry_after`, seconds) says it in `Retry-After` too."""
    answer = web.json_response({"ok": False, "error": error.as_dict()}, status=http_status(error))
    if "retry_after" in error.fields:
        answer.headers[hdrs.RETRY_AFTER] = str(math.ceil(error.fields["retry_after"]))  # whole seconds
    return answer


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """DeskErrors, and aiohttp's own refusals (no such path, a method the
    path does not take, a body past the app's limit), as JSON errors."""
    try:
        return await handler(request)
    except DeskError as error:
        return error_response(error)
    except (OSError, TimeoutError) as error:  # the database or Redis away
        return error_response(outage(error))
    except web.HTTPException as refused:
        if not 400 <= refused.status < 500:
            raise
        error = {"code": CODES.get(refused.status, "bad_request"), "message": refused.reason}
        headers = {key: value for key, value in refused.headers.items() if key == hdrs.ALLOW}
        return web.json_response({"ok": False, "error": error}, status=refused.status, headers=headers)


# tickets
async def list_tickets(request: web.Request, agent: Agent) -> web.Response:
    query = query_of(request, TicketQuery)
    services = services_of(request)
    tickets = await services.records.tickets(
        statuses=query.status, visitor_id=query.visitor_id, account_id=query.account, topic=query.topic,
        priority=query.priority, query=query.q, tag_id=query.tag, limit=query.limit, offset=query.offset)
    return ok(tickets=[listed_view(services, t) for t in tickets])


async def open_ticket(request: web.Request, agent: Agent) -> web.Response:
    """Opened on the visitor's behalf: pending_confirmation until the
    visitor follows the link mailed to the email on file."""
    services, cmd = services_of(request), await body(request, TicketOpen)
    asked = TicketRequest(subject=cmd.subject, text=check_text(services, cmd.text), priority=cmd.priority,
                          topic=cmd.topic, warranty=cmd.warranty, evidence=cmd.evidence)
    ticket = await services.tickets.open_on_behalf(agent, cmd.visitor_id, asked)
    return await ticket_answer(services, ticket, 201)


async def get_ticket(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    return await ticket_answer(services, await services.tickets.get(path_id(request)))


async def set_status(request: web.Request, agent: Agent) -> web.Response:
    services, cmd = services_of(request), await body(request, StatusSet)
    return await ticket_answer(services, await services.tickets.set_status(path_id(request), cmd.status, agent))


async def set_assignee(request: web.Request, agent: Agent) -> web.Response:
    """An agent takes a ticket, a supervisor gives it (or takes it back): its
    SLA clocks are then told to that agent. Each spends the agent's
    `events_per_minute` budget, as tagging does: every change is audited."""
    services, cmd = services_of(request), await body(request, AssigneeSet)
    await services.throttle.tagging(agent.id)
    return await ticket_answer(services, await services.tickets.assign(agent, path_id(request), cmd.agent_id))


async def reply(request: web.Request, agent: Agent) -> web.Response:
    services, cmd = services_of(request), await body(request, ReplyAdd)
    added = await services.tickets.reply(agent, path_id(request), check_text(services, cmd.text), cmd.attachments)
    files = [attachment_view(a) for a in await services.attachments.ticket_files(added.ticket_id)
             if a.client_id == added.id]
    return ok(201, reply=reply_view(added, {agent.id: agent}) | ({"attachments": files} if files else {}))


# visitors
async def visitor_context(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    visitor = await services.records.visitor(path_id(request))
    return ok(visitor=visitor_view(visitor),
              open_tickets=[ticket_view(t) for t in await services.tickets.open_tickets(visitor)],
              quota=await services.tickets.quota(visitor),
              previous_chats=await roster.previous_chats(services.desk, services.router, visitor.id))


# the desk: who works, who waits
async def list_agents(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    return ok(agents=await roster.roster(services.desk, services.router))


async def list_queue(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    return ok(queue=await roster.queue(services.desk, services.router))


# canned replies: every agent reads them, supervisors change them (services/canned.py)
class CannedBody(Body):
    shortcut: Annotated[str, msgspec.Meta(max_length=32)]  # the pattern is the service's to check
    title: Short
    text: Text


def canned_draft(cmd: CannedBody) -> canned.CannedDraft:
    return canned.CannedDraft(cmd.shortcut, cmd.title, cmd.text)


async def list_canned(request: web.Request, agent: Agent) -> web.Response:
    replies = await canned.list_replies(services_of(request).desk)
    return ok(replies=[canned.canned_view(r) for r in replies])


async def add_canned(request: web.Request, agent: Agent) -> web.Response:
    canned.check_supervisor(agent)  # before the body: a 403 says more than a 400 to an agent
    desk, cmd = services_of(request).desk, await body(request, CannedBody)
    return ok(201, reply=canned.canned_view(await canned.add(desk, agent, canned_draft(cmd))))


async def update_canned(request: web.Request, agent: Agent) -> web.Response:
    canned.check_supervisor(agent)  # before the body: a 403 says more than a 400 to an agent
    desk, cmd = services_of(request).desk, await body(request, CannedBody)
    reply = await canned.update(desk, agent, path_id(request), canned_draft(cmd))
    return ok(reply=canned.canned_view(reply))


async def remove_canned(request: web.Request, agent: Agent) -> web.Response:
    removed = await canned.remove(services_of(request).desk, agent, path_id(request))
    return ok(reply=canned.canned_view(removed))


# closures
async def list_closures(request: web.Request, agent: Agent) -> web.Response:
    return ok(closures=[closure_view(c) for c in await services_of(request).closures.list()])


async def add_closure(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    services.auth.require_role(agent, Role.SUPERVISOR)
    cmd = await body(request, ClosureAdd)
    return ok(201, closure=closure_view(await services.closures.add(agent, cmd.day, cmd.reason)))


async def remove_closure(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    services.auth.require_role(agent, Role.SUPERVISOR)
    return ok(closure=closure_view(await services.closures.remove(agent, path_id(request))))


# reports: figures per agent and desk-local day (services/reports.py)
class ReportQuery(Query):
    first: date = msgspec.field(name="from")  # YYYY-MM-DD, desk-local, included
    last: date = msgspec.field(name="to")
    agent_id: QueryId | None = None
    tag: QueryId | None = None  # a tag's id: only the chats carrying it


async def report_of(request: web.Request, agent: Agent) -> Report:
    services = services_of(request)
    services.auth.require_role(agent, Role.SUPERVISOR)
    query = query_of(request, ReportQuery)
    return await services.metrics.reports.report(query.first, query.last, query.agent_id, query.tag)


async def report_json(request: web.Request, agent: Agent) -> web.Response:
    """The chats' figures, and the ticket SLA figures (`tickets_sla`) of the
    tickets created in the range (assigned to `agent_id` if given)."""
    report = await report_of(request, agent)
    tickets_sla = await services_of(request).ticket_sla.figures_of_days(
        report.first, report.last, query_of(request, ReportQuery).agent_id)
    return ok(**{"from": report.first.isoformat(), "to": report.last.isoformat()},
              rows=report.rows, totals=report.totals, tag=tags.tag_view(report.tag) if report.tag else None,
              tickets_sla=tickets_sla)


async def report_csv(request: web.Request, agent: Agent) -> web.Response:
    report = await report_of(request, agent)
    name = f"shiftdesk-report-{report.first.isoformat()}-{report.last.isoformat()}.csv"
    return web.Response(text=csv_text(report.columns, report.csv_rows()), content_type="text/csv", charset="utf-8",
                        headers={hdrs.CONTENT_DISPOSITION: f'attachment; filename="{name}"'})


def setup_api(app: web.Application) -> None:
    """Mounts the API as a sub-application, so its error middleware sees
    /api only."""
    api = web.Application(middlewares=[json_errors])
    api.router.add_routes([
        web.get("/tickets", endpoint(list_tickets)),
        web.post("/tickets", endpoint(open_ticket)),
        web.get("/tickets/{id}", endpoint(get_ticket)),
        web.post("/tickets/{id}/status", endpoint(set_status)),
        web.post("/tickets/{id}/replies", endpoint(reply)),
        web.get("/visitors/{id}/context", endpoint(visitor_context)),
        web.get("/agents", endpoint(list_agents)),
        web.get("/queue", endpoint(list_queue)),
        web.get("/canned", endpoint(list_canned)),
        web.post("/canned", endpoint(add_canned)),
        web.post("/canned/{id}", endpoint(update_canned)),
        web.delete("/canned/{id}", endpoint(remove_canned)),
        web.get("/closures", endpoint(list_closures)),
        web.post("/closures", endpoint(add_closure)),
        web.delete("/closures/{id}", endpoint(remove_closure)),
        web.get("/reports", endpoint(report_json)),
        web.get("/reports.csv", endpoint(report_csv)),
        web.post("/tickets/{id}/assignee", endpoint(set_assignee)),
    ])
    from .dashboard_api import dashboard_routes  # here: these modules build on this one
    from .search_api import search_routes
    from .supervisor_api import supervisor_routes
    from .tags_api import tag_routes
    api.router.add_routes(dashboard_routes())
    api.router.add_routes(supervisor_routes())
    from .attachments import attachment_routes
    api.router.add_routes(attachment_routes())
    api.router.add_routes(tag_routes())
    api.router.add_routes(search_routes())
    from .sites_api import site_routes
    api.router.add_routes(site_routes())
    from .accounts_api import account_routes
    api.router.add_routes(account_routes())
    from .topics_api import topic_routes
    api.router.add_routes(topic_routes())
    from .intake_api import intake_routes
    api.router.add_routes(intake_routes())
    from .people_api import people_routes
    api.router.add_routes(people_routes())
    from .own_account import own_account_routes
    api.router.add_routes(own_account_routes())
    from .integrations_api import integration_routes
    api.router.add_routes(integration_routes())
    app.add_subapp("/api", api)
