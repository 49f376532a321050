"""Model values to rows and back. The only place that knows both shapes."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from ..services.model import (
    Agent,
    AgentStatus,
    Author,
    Chat,
    ChatStatus,
    Closure,
    IdentityMode,
    Message,
    NewMessage,
    Priority,
    Role,
    Site,
    SlaEvent,
    TicketSlaEvent,
    Ticket,
    TicketReply,
    TicketStatus,
    Visitor,
)

Row = RowMapping


def site_values(site: Site) -> dict[str, Any]:
    return {"id": site.id, "key": site.key, "secret": site.secret,
            "origins": list(site.origins), "identity": site.identity.value,
            "previous_secret": site.previous_secret, "previous_until": site.previous_until}


def site_of(row: Row) -> Site:
    return Site(id=row["id"], key=row["key"], secret=row["secret"],
                origins=tuple(row["origins"]), identity=IdentityMode(row["identity"]),
                previous_secret=row["previous_secret"], previous_until=row["previous_until"])


def agent_values(agent: Agent) -> dict[str, Any]:
    return {"id": agent.id, "email": agent.email, "name": agent.name,
            "role": agent.role.value, "tier": agent.tier, "skills": list(agent.skills),
            "capacity": agent.capacity, "shift": agent.shift, "on_call": agent.on_call,
            "password_hash": agent.password_hash, "token_hash": agent.token_hash,
            "status": agent.status.value, "epoch": agent.epoch, "removed_at": agent.removed_at}


def agent_of(row: Row) -> Agent:
    return Agent(id=row["id"], email=row["email"], name=row["name"], role=Role(row["role"]),
                 tier=row["tier"], skills=tuple(row["skills"]), capacity=row["capacity"],
                 shift=row["shift"], on_call=bool(row["on_call"]),
                 password_hash=row["password_hash"],
                 token_hash=row["token_hash"], status=AgentStatus(row["status"]),
                 epoch=row["epoch"], removed_at=row["removed_at"])


def visitor_values(visitor: Visitor) -> dict[str, Any]:
    return {"id": visitor.id, "site_id": visitor.site_id, "token_hash": visitor.token_hash,
            "created_at": visitor.created_at, "verified": visitor.verified,
            "external_id": visitor.external_id, "account_id": visitor.account_id,
            "name": visitor.name, "email": visitor.email, "plan": visitor.plan}


def visitor_of(row: Row) -> Visitor:
    return Visitor(id=row["id"], site_id=row["site_id"], token_hash=row["token_hash"],
                   created_at=row["created_at"], verified=bool(row["verified"]),
                   external_id=row["external_id"], account_id=row["account_id"],
                   name=row["name"], email=row["email"], plan=row["plan"])


def chat_values(chat: Chat) -> dict[str, Any]:
    return {"id": chat.id, "site_id": chat.site_id, "visitor_id": chat.visitor_id,
            "status": chat.status.value, "priority": chat.priority.value, "topic": chat.topic,
            "agent_id": chat.agent_id, "started_at": chat.started_at,
            "assigned_at": chat.assigned_at, "ended_at": chat.ended_at,
            "end_reason": chat.end_reason, "last_seq": chat.last_seq,
            "visitor_read_seq": chat.visitor_read_seq, "agent_read_seq": chat.agent_read_seq,
            "need_skill": chat.need_skill, "min_tier": chat.min_tier, "queued_at": chat.queued_at}


def chat_of(row: Row) -> Chat:
    return Chat(id=row["id"], site_id=row["site_id"], visitor_id=row["visitor_id"],
                status=ChatStatus(row["status"]), priority=Priority(row["priority"]),
                started_at=row["started_at"], topic=row["topic"], agent_id=row["agent_id"],
                assigned_at=row["assigned_at"], ended_at=row["ended_at"],
                end_reason=row["end_reason"], last_seq=row["last_seq"],
                visitor_read_seq=row["visitor_read_seq"], agent_read_seq=row["agent_read_seq"],
                need_skill=row["need_skill"], min_tier=row["min_tier"], queued_at=row["queued_at"])


def stored_message(new: NewMessage, seq: int) -> Message:
    """The message as a later read will return it (its time in UTC)."""
    return Message(chat_id=new.chat_id, seq=seq, author=new.author, text=new.text,
                   at=new.at.astimezone(UTC), author_id=new.author_id,
                   client_id=new.client_id, note=new.note)


def message_values(message: Message) -> dict[str, Any]:
    return {"chat_id": message.chat_id, "seq": message.seq, "author": message.author.value,
            "author_id": message.author_id, "text": message.text, "at": message.at,
            "client_id": message.client_id, "note": message.note}


def message_of(row: Row) -> Message:
    return Message(chat_id=row["chat_id"], seq=row["seq"], author=Author(row["author"]),
                   text=row["text"], at=row["at"], author_id=row["author_id"],
                   client_id=row["client_id"], note=bool(row["note"]))


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    return {"id": ticket.id, "number": ticket.number, "site_id": ticket.site_id,
            "visitor_id": ticket.visitor_id, "account_id": ticket.account_id,
            "chat_id": ticket.chat_id, "subject": ticket.subject,
            "description": ticket.description, "email": ticket.email,
            "priority": ticket.priority.value, "status": ticket.status.value,
            "topic": ticket.topic, "department": ticket.department,
            "transcript": ticket.transcript, "warranty": ticket.warranty,
            "created_by": ticket.created_by, "confirm_hash": ticket.confirm_hash,
            "response_due_at": ticket.response_due_at,
            "resolution_due_at": ticket.resolution_due_at,
            "created_at": ticket.created_at, "updated_at": ticket.updated_at,
            "evidence": json.dumps(dict(ticket.evidence)) if ticket.evidence else None,
            "split_from": ticket.split_from,
            "assignee_id": ticket.assignee_id, "first_response_at": ticket.first_response_at,
            "resolved_at": ticket.resolved_at, "last_update_at": ticket.last_update_at}


def ticket_of(row: Row) -> Ticket:
    return Ticket(id=row["id"], number=row["number"], site_id=row["site_id"],
                  visitor_id=row["visitor_id"], account_id=row["account_id"],
                  chat_id=row["chat_id"], subject=row["subject"],
                  description=row["description"], email=row["email"],
                  priority=Priority(row["priority"]), status=TicketStatus(row["status"]),
                  topic=row["topic"], department=row["department"],
                  transcript=row["transcript"], warranty=bool(row["warranty"]),
                  created_by=row["created_by"], confirm_hash=row["confirm_hash"],
                  response_due_at=row["response_due_at"],
                  resolution_due_at=row["resolution_due_at"],
                  created_at=row["created_at"], updated_at=row["updated_at"],
                  evidence=json.loads(row["evidence"]) if row["evidence"] else {},
                  split_from=row["split_from"],
                  assignee_id=row["assignee_id"], first_response_at=row["first_response_at"],
                  resolved_at=row["resolved_at"], last_update_at=row["last_update_at"])


def reply_values(reply: TicketReply) -> dict[str, Any]:
    return {"id": reply.id, "ticket_id": reply.ticket_id, "author": reply.author,
            "author_id": reply.author_id, "text": reply.text, "at": reply.at}


def reply_of(row: Row) -> TicketReply:
    return TicketReply(id=row["id"], ticket_id=row["ticket_id"], author=row["author"],
                       author_id=row["author_id"], text=row["text"], at=row["at"])


def closure_values(closure: Closure) -> dict[str, Any]:
    return {"id": closure.id, "day": closure.day, "reason": closure.reason,
            "created_at": closure.created_at, "created_by": closure.created_by}


def closure_of(row: Row) -> Closure:
    return Closure(id=row["id"], day=row["day"], reason=row["reason"],
                   created_at=row["created_at"], created_by=row["created_by"])


def sla_event_values(event: SlaEvent) -> dict[str, Any]:
    """A new row: an `SlaEvent` has no id of its own, so one is made here."""
    return {"id": uuid.uuid4().hex, "chat_id": event.chat_id, "kind": event.kind,
            "stage": event.stage, "anchor_at": event.anchor_at, "at": event.at,
            "limit_s": event.limit_s, "elapsed_s": event.elapsed_s, "agent_id": event.agent_id}


def sla_event_of(row: Row) -> SlaEvent:
    return SlaEvent(chat_id=row["chat_id"], kind=row["kind"], stage=row["stage"],
                    anchor_at=row["anchor_at"], at=row["at"], limit_s=row["limit_s"],
                    elapsed_s=row["elapsed_s"], agent_id=row["agent_id"])


def ticket_sla_event_values(event: TicketSlaEvent) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "ticket_id": event.ticket_id, "kind": event.kind, "stage": event.stage,
            "anchor_at": event.anchor_at, "at": event.at, "due_at": event.due_at, "priority": event.priority,
            "agent_id": event.agent_id}


def ticket_sla_event_of(row: Row) -> TicketSlaEvent:
    return TicketSlaEvent(ticket_id=row["ticket_id"], kind=row["kind"], stage=row["stage"],
                          anchor_at=row["anchor_at"], at=row["at"], due_at=row["due_at"],
                          priority=row["priority"], agent_id=row["agent_id"])


def is_aware(when: datetime) -> bool:
    return when.tzinfo is not None and when.utcoffset() is not None
