"""Domain values as the wire objects of protocol.md."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import msgspec

from ..policy.files import KINDS, extension
from ..policy.sla import ClockState
from ..policy.useragent import parse_user_agent
from .model import Agent, Attachment, Author, Chat, Message, Ticket, TicketReply, Visitor
from .visit_types import Visit

Files = Mapping[tuple[str, str], list[dict[str, Any]]]  # (author, client_id) -> ATTACHMENT views


def iso(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at is not None else None


def chat_view(chat: Chat, agent: Agent | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": chat.id, "status": str(chat.status), "priority": str(chat.priority),
        "topic": chat.topic, "started_at": iso(chat.started_at), "last_seq": chat.last_seq,
    }
    if chat.assigned_at is not None:
        view["assigned_at"] = iso(chat.assigned_at)
    if agent is not None:
        view["agent"] = {"id": agent.id, "name": agent.name}
    if chat.ended_at is not None:
        view["ended_at"] = iso(chat.ended_at)
        view["end_reason"] = chat.end_reason
    return view


def clocks_view(states: Mapping[str, ClockState]) -> dict[str, Any]:
    """The SLA clocks of a chat as the console gets them: {KIND: CLOCK}."""
    return {kind: {"state": c.state, "stage": c.stage, "started_at": iso(c.started_at), "warn_at": iso(c.warn_at),
                   "deadline": iso(c.deadline), "limit_s": c.limit_s, "answered_at": iso(c.answered_at)}
            for kind, c in states.items()}


def attachment_view(attachment: Attachment) -> dict[str, Any]:
    """ATTACHMENT: what clients are told of a file (never its bytes)."""
    return {"id": attachment.id, "name": attachment.name, "type": attachment.content_type,
            "size": attachment.size, "image": is_image(attachment)}


def is_image(attachment: Attachment) -> bool:
    """A raster image browsers may show inline (policy.files)."""
    kind = KINDS.get(extension(attachment.name))
    return kind is not None and kind.image and kind.content_type == attachment.content_type


def files_by_message(found: Iterable[Attachment]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    files: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for attachment in found:
        if attachment.client_id is not None:
            files.setdefault((attachment.uploader.value, attachment.client_id), []).append(
                attachment_view(attachment))
    return files


def message_view(message: Message, agents: Mapping[str, Agent] | None = None, *,
                 visitor: bool = False, files: Files | None = None) -> dict[str, Any]:
    """MESSAGE; an agent's message names its author from `agents` (by id):
    `{"id", "name"}` for staff, only the name for the `visitor`'s view.
    `files`: the chat's sent attachments, by the message that carries them."""
    view: dict[str, Any] = {
        "chat_id": message.chat_id, "seq": message.seq, "author": str(message.author),
        "text": message.text, "at": iso(message.at),
    }
    author = agents.get(message.author_id) if agents and message.author is Author.AGENT and message.author_id else None
    if author is not None:
        view["agent"] = {"name": author.name} if visitor else {"id": author.id, "name": author.name}
    if message.client_id is not None:
        view["client_id"] = message.client_id
    if message.note:
        view["note"] = True
    if files and message.client_id is not None:
        carried = files.get((message.author.value, message.client_id))
        if carried:
            view["attachments"] = carried
    return view


HISTORY_PAGE = 500  # messages in one history answer at most (and in the transcript of chat:assigned)


def message_views(messages: list[Message], max_bytes: int, page: int, agents: Mapping[str, Agent] | None = None,
                  *, visitor: bool = False, files: Files | None = None) -> tuple[list[dict[str, Any]], bool]:
    """The messages as wire objects (`message_view`), as many as fit
    `max_bytes` of JSON (one at least, so that paging always moves on), and
    whether there may be more after the last: cut here, or a full `page`
    from the store."""
    views: list[dict[str, Any]] = []
    used = 2  # the list's brackets
    for message in messages:
        view = message_view(message, agents, visitor=visitor, files=files)
        used += len(_encoder.encode(view)) + 1  # and its comma
        if views and used > max_bytes:
            return views, True
        views.append(view)
    return views, len(messages) >= page


_encoder = msgspec.json.Encoder()


def visitor_view(visitor: Visitor) -> dict[str, Any]:
    """What an agent sees of a visitor. Unverified claims are marked so."""
    return {"id": visitor.id, "verified": visitor.verified, "name": visitor.name,
            "email": visitor.email, "account": visitor.account_id, "plan": visitor.plan}


def agent_view(agent: Agent) -> dict[str, Any]:
    return {"id": agent.id, "name": agent.name, "email": agent.email, "role": str(agent.role),
            "tier": agent.tier, "skills": list(agent.skills), "capacity": agent.capacity}


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    """TICKET of protocol.md: what its visitor may see."""
    view: dict[str, Any] = {
        "id": ticket.id, "number": ticket.label, "subject": ticket.subject, "status": str(ticket.status),
        "priority": str(ticket.priority), "created_at": iso(ticket.created_at),
    }
    if ticket.chat_id is not None:
        view["chat_id"] = ticket.chat_id
    if ticket.topic is not None:
        view["topic"] = ticket.topic
    return view


def ticket_detail(ticket: Ticket, replies: list[TicketReply] = (),
                  agents: Mapping[str, Agent] | None = None, files: Iterable[Attachment] = ()) -> dict[str, Any]:
    """A ticket as agents see it (`agents`, by id: who wrote its replies).
    `files`, its sent attachments: the ticket's own (`attachments`: its
    form's and, converted, its chat's), each reply's on the reply."""
    own: list[dict[str, Any]] = []
    by_reply: dict[str, list[dict[str, Any]]] = {}
    for attachment in files:
        if attachment.chat_id is not None or attachment.client_id == ticket.id:
            own.append(attachment_view(attachment))
        elif attachment.client_id is not None:
            by_reply.setdefault(attachment.client_id, []).append(attachment_view(attachment))
    return {**ticket_view(ticket), "description": ticket.description, "email": ticket.email,
            "visitor_id": ticket.visitor_id, "account": ticket.account_id, "department": ticket.department,
            "transcript": ticket.transcript, "warranty": ticket.warranty, "created_by": ticket.created_by,
            "updated_at": iso(ticket.updated_at), "response_due_at": iso(ticket.response_due_at),
            "resolution_due_at": iso(ticket.resolution_due_at),
            "assignee_id": ticket.assignee_id, "first_response_at": iso(ticket.first_response_at),
            "resolved_at": iso(ticket.resolved_at), "last_update_at": iso(ticket.last_update_at),
            "attachments": own,
            "replies": [reply_view(r, agents) | ({"attachments": by_reply[r.id]} if r.id in by_reply else {})
                        for r in replies]}


def reply_view(reply: TicketReply, agents: Mapping[str, Agent] | None = None) -> dict[str, Any]:
    """A ticket's reply; an agent's names its author (`agent`, as on MESSAGE)
    when `agents` knows it."""
    view = {"id": reply.id, "ticket_id": reply.ticket_id, "author": reply.author, "author_id": reply.author_id,
            "text": reply.text, "at": iso(reply.at)}
    agent = agents.get(reply.author_id) if agents and reply.author_id else None
    if agent is not None:
        view["agent"] = {"id": agent.id, "name": agent.name}
    return view


def visit_view(visit: Visit | None) -> dict[str, Any] | None:
    """VISIT of docs/protocol.md: the facts as reported, with the browser
    and system read from the user agent."""
    if visit is None:
        return None
    agent = parse_user_agent(visit.user_agent or "")
    return {"url": visit.url, "title": visit.title, "referrer": visit.referrer, "language": visit.language,
            "time_zone": visit.time_zone, "utc_offset_min": visit.utc_offset_min, "user_agent": visit.user_agent,
            "browser": agent.browser, "os": agent.os, "mobile": agent.mobile, "custom": dict(visit.custom),
            "pages": [{"url": p.url, "title": p.title, "at": iso(p.at)} for p in visit.pages],
            "updated_at": iso(visit.updated_at)}
