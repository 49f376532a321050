"""/api/v1/tickets: the desk's tickets, and what an integration may do to
one: open it on a visitor's behalf, change its status or assignee, reply
as an agent. The rules are the console's (services/tickets.py, intake)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from ...realtime.common import check_text
from ...services import listing
from ...services.errors import Conflict, NotFound
from ...services.listing_types import TicketFilter
from ...services.model import Priority, Ticket, TicketReply, TicketStatus
from ...services.tickets import TicketRequest
from ..params import AccountId, Id, Instant, SiteKey
from .registry import Call, operation
from .scope import acting, site_filter, site_keys
from .types import NextCursor, Ok, PageQuery, after_of, page_of, time_key

StatusName = Literal["pending_confirmation", "open", "pending", "solved", "closed"]
SettableStatus = Literal["open", "pending", "solved", "closed"]
PriorityName = Literal["critical", "high", "medium", "low"]
EvidenceField = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
EvidenceValue = Annotated[str, msgspec.Meta(max_length=2000)]
Topic = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class TicketItem(msgspec.Struct, kw_only=True):
    """A ticket as agents list it."""

    id: Annotated[str, msgspec.Meta(description="The ticket's id")]
    number: Annotated[str, msgspec.Meta(description="Its receipt number, SD-000123")]
    site: Annotated[str, msgspec.Meta(description="The key of the site it belongs to")]
    subject: Annotated[str, msgspec.Meta(description="Its subject")]
    status: Annotated[StatusName, msgspec.Meta(description=(
        "pending_confirmation: opened for a visitor, waits for the link mailed to them; then open, "
        "pending (on the requester), solved, closed"))]
    priority: Annotated[PriorityName, msgspec.Meta(description="Decides its service-level clocks")]
    topic: Annotated[str | None, msgspec.Meta(description="The topic it is about")]
    department: Annotated[str | None, msgspec.Meta(description="The department it was escalated to")]
    visitor_id: Annotated[str | None, msgspec.Meta(description="The visitor it is for")]
    account_id: Annotated[str | None, msgspec.Meta(description="The verified account it is for")]
    chat_id: Annotated[str | None, msgspec.Meta(description="The chat it came from")]
    email: Annotated[str | None, msgspec.Meta(description="Where its mail goes")]
    assignee_id: Annotated[str | None, msgspec.Meta(description="The agent told of its clocks (null: every agent)")]
    created_by: Annotated[str | None, msgspec.Meta(description=(
        "Who opened it for the visitor: an agent's id, `token:<id>` for an integration token, null: the visitor"))]
    created_at: Annotated[datetime, msgspec.Meta(description="When it was opened (UTC)")]
    updated_at: Annotated[datetime, msgspec.Meta(description="When it last changed (UTC)")]
    response_due_at: Annotated[datetime, msgspec.Meta(description="When the first reply is due (UTC)")]
    resolution_due_at: Annotated[datetime, msgspec.Meta(description="When it is due solved (UTC)")]
    first_response_at: Annotated[datetime | None, msgspec.Meta(description="When an agent first replied (UTC)")]
    resolved_at: Annotated[datetime | None, msgspec.Meta(description="When it was solved or closed (UTC)")]


class ReplyItem(msgspec.Struct, kw_only=True):
    """A reply on a ticket."""

    id: Annotated[str, msgspec.Meta(description="The reply's id")]
    author: Annotated[Literal["agent", "visitor"], msgspec.Meta(description="Who wrote it")]
    agent_id: Annotated[str | None, msgspec.Meta(description="The agent who wrote it (author agent)")]
    text: Annotated[str, msgspec.Meta(description="What was written")]
    at: Annotated[datetime, msgspec.Meta(description="When (UTC)")]


class TicketDetail(TicketItem, kw_only=True):
    """A ticket with what it says and its replies, oldest first."""

    description: Annotated[str, msgspec.Meta(description="What the requester wrote first")]
    evidence: Annotated[dict[str, str], msgspec.Meta(description="The evidence its topic asks for, by field")]
    warranty: Annotated[bool, msgspec.Meta(description="Not counted against the plan's tickets")]
    replies: list[ReplyItem]


class TicketList(msgspec.Struct, kw_only=True):
    """A page of tickets, the newest first."""

    ok: Ok = True
    items: list[TicketItem]
    next_cursor: NextCursor


class TicketAnswer(msgspec.Struct, kw_only=True):
    """One ticket."""

    ok: Ok = True
    ticket: TicketDetail


class ReplyAnswer(msgspec.Struct, kw_only=True):
    """The reply written."""

    ok: Ok = True
    reply: ReplyItem


class TicketListQuery(PageQuery):
    """Filters of the ticket list; each left out is no filter."""

    lists = ("status",)
    status: Annotated[tuple[StatusName, ...], msgspec.Meta(
        max_length=5, description="Comma-separated: open,pending,...")] = ()
    priority: Annotated[PriorityName | None, msgspec.Meta(description="Only this priority")] = None
    site: Annotated[SiteKey | None, msgspec.Meta(
        description="A site's key (a site token sees its own site only)")] = None
    visitor_id: Annotated[Id | None, msgspec.Meta(description="Tickets of this visitor")] = None
    account_id: Annotated[AccountId | None, msgspec.Meta(description="Tickets of this verified account")] = None
    assignee_id: Annotated[Id | None, msgspec.Meta(description="Tickets assigned to this agent")] = None
    topic: Annotated[Topic | None, msgspec.Meta(description="Tickets about this topic")] = None
    since: Annotated[Instant | None, msgspec.Meta(description="Opened at or after (ISO 8601 with offset)")] = None
    until: Annotated[Instant | None, msgspec.Meta(description="Opened before (ISO 8601 with offset)")] = None


class TicketCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A ticket opened on a visitor's behalf: it waits (pending_confirmation)
    until the visitor follows the link mailed to the email on file."""

    visitor_id: Annotated[Id, msgspec.Meta(description="The visitor it is for (with an email on file)")]
    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="Its subject")]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=20000, description=(
        "What it is about (at most the desk's `[limits] message_chars`)"))]
    priority: Annotated[PriorityName, msgspec.Meta(description="Its priority (a plan may cap it)")] = "medium"
    topic: Annotated[Topic | None, msgspec.Meta(description="A topic of the desk")] = None
    warranty: Annotated[bool, msgspec.Meta(description="Not counted against the plan's tickets")] = False
    evidence: Annotated[dict[EvidenceField, EvidenceValue], msgspec.Meta(max_length=16, description=(
        "The text and link evidence the topic asks for, by field name (`evidence_missing` names what lacks)"))] = {}
    assignee_id: Annotated[Id | None, msgspec.Meta(description=(
        "The agent told of its service-level clocks; null: nobody (every agent is told)"))] = None


class TicketChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What changes; a field left out stays as it is."""

    status: Annotated[SettableStatus | None, msgspec.Meta(description=(
        "The new status, mailed to the requester (not while it waits for confirmation)"))] = None
    assignee_id: Annotated[Id | None, msgspec.Meta(description=(
        "The agent told of its clocks; null: nobody (every agent is told). Audited"
    ))] | msgspec.UnsetType = msgspec.UNSET


class ReplyAdd(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A reply written as an agent, mailed to the requester."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=20000, description=(
        "The reply (at most the desk's `[limits] message_chars`)"))]
    agent_id: Annotated[Id | None, msgspec.Meta(description=(
        "The agent it is written as; left out: the ticket's assignee (409 when it has none)"))] = None


def ticket_item(ticket: Ticket, keys: dict[str, str]) -> dict:
    return dict(id=ticket.id, number=ticket.label, site=keys.get(ticket.site_id, ""), subject=ticket.subject,
                status=str(ticket.status), priority=str(ticket.priority), topic=ticket.topic,
                department=ticket.department, visitor_id=ticket.visitor_id, account_id=ticket.account_id,
                chat_id=ticket.chat_id, email=ticket.email, assignee_id=ticket.assignee_id,
                created_by=ticket.created_by, created_at=ticket.created_at, updated_at=ticket.updated_at,
                response_due_at=ticket.response_due_at, resolution_due_at=ticket.resolution_due_at,
                first_response_at=ticket.first_response_at, resolved_at=ticket.resolved_at)


def reply_item(reply: TicketReply) -> ReplyItem:
    return ReplyItem(id=reply.id, author=reply.author, agent_id=reply.author_id if reply.author == "agent" else None,
                     text=reply.text, at=reply.at)


async def ticket_answer(call: Call, ticket: Ticket) -> TicketAnswer:
    _, replies, _ = await call.services.records.ticket_parts(ticket)
    return TicketAnswer(ticket=TicketDetail(
        **ticket_item(ticket, await site_keys(call)), description=ticket.description,
        evidence=dict(ticket.evidence), warranty=ticket.warranty, replies=[reply_item(r) for r in replies]))


async def ticket_of(call: Call) -> Ticket:
    """The ticket of the path, if the token's site has it (NotFound)."""
    ticket = await call.services.tickets.get(call.path["ticket_id"])
    call.check_site(ticket.site_id)
    return ticket


@operation("GET", "/tickets", operation_id="listTickets", summary="List tickets", tag="tickets", scope="read",
           response=TicketList, query=TicketListQuery)
async def list_tickets(call: Call) -> TicketList:
    """Tickets matching every filter given, the newest first, a page at a time."""
    q: TicketListQuery = call.query
    filters = TicketFilter(
        statuses=tuple(TicketStatus(s) for s in q.status), priority=Priority(q.priority) if q.priority else None,
        site_id=await site_filter(call, q.site), visitor_id=q.visitor_id, account_id=q.account_id,
        assignee_id=q.assignee_id, topic=q.topic, since=q.since, until=q.until,
        after=after_of(q.cursor))
    page, cursor = page_of(await listing.tickets(call.services.desk, filters, q.limit + 1), q.limit, time_key)
    keys = await site_keys(call)
    return TicketList(items=[TicketItem(**ticket_item(t, keys)) for t in page], next_cursor=cursor)


@operation("GET", "/tickets/{ticket_id}", operation_id="getTicket", summary="Get a ticket", tag="tickets",
           scope="read", response=TicketAnswer)
async def get_ticket(call: Call) -> TicketAnswer:
    """One ticket with its replies."""
    return await ticket_answer(call, await ticket_of(call))


@operation("POST", "/tickets", operation_id="createTicket", summary="Open a ticket for a visitor", tag="tickets",
           scope="write", response=TicketAnswer, status=201, body=TicketCreate)
async def create_ticket(call: Call) -> TicketAnswer:
    """Opens a ticket on a visitor's behalf, as an agent does from the
    console: it waits (pending_confirmation) until the visitor follows the
    link mailed to the email on file (409 without one). The topic's evidence
    must be given (400 `evidence_missing`). `created_by` is `token:<id>`."""
    cmd: TicketCreate = call.body
    services = call.services
    visitor = await services.records.visitor(cmd.visitor_id)
    call.check_site(visitor.site_id)
    asked = TicketRequest(subject=cmd.subject, text=check_text(services, cmd.text), priority=Priority(cmd.priority),
                          topic=cmd.topic, warranty=cmd.warranty, evidence=cmd.evidence)
    ticket = await services.tickets.open_on_behalf(acting(call), visitor.id, asked, assignee_id=cmd.assignee_id)
    return await ticket_answer(call, ticket)


@operation("PATCH", "/tickets/{ticket_id}", operation_id="updateTicket", summary="Change a ticket's status or assignee",
           tag="tickets", scope="write", response=TicketAnswer, body=TicketChange)
async def update_ticket(call: Call) -> TicketAnswer:
    """Changes the status (mailed to the requester) and the assignee (audited,
    actor `token:<id>`; spends the desk's `events_per_minute` budget of such
    changes), as a lead in the console. A priority is not changed after a
    ticket is opened: its service-level clocks were set from it."""
    cmd: TicketChange = call.body
    services, ticket, actor = call.services, await ticket_of(call), acting(call)
    if cmd.assignee_id is not msgspec.UNSET:
        await services.throttle.tagging(actor.id)
        ticket = await services.tickets.assign(actor, ticket.id, cmd.assignee_id)
    if cmd.status is not None:
        ticket = await services.tickets.set_status(ticket.id, TicketStatus(cmd.status), actor)
    return await ticket_answer(call, ticket)


@operation("POST", "/tickets/{ticket_id}/replies", operation_id="replyToTicket", summary="Reply on a ticket",
           tag="tickets", scope="write", response=ReplyAnswer, status=201, body=ReplyAdd)
async def reply(call: Call) -> ReplyAnswer:
    """Replies as an agent (the ticket's assignee unless `agent_id` names
    another); mailed to the requester, shown in every console."""
    cmd: ReplyAdd = call.body
    services, ticket = call.services, await ticket_of(call)
    agent_id = cmd.agent_id or ticket.assignee_id
    if agent_id is None:
        raise Conflict("the ticket has no assignee: name the agent who replies (agent_id)")
    agent = (await services.router.agents(fresh=True)).get(agent_id)
    if agent is None:
        raise NotFound("no such agent")
    added = await services.tickets.reply(agent, ticket.id, check_text(services, cmd.text))
    return ReplyAnswer(reply=reply_item(added))
