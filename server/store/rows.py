"""Model values to rows and back. The only place that knows both shapes."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from ..services.model import (
    Agent,
    AgentStatus,
    Author,
    Chat,
    ChatStatus,
    IdentityMode,
    Message,
    NewMessage,
    Priority,
    Role,
    Site,
    Visitor,
)

Row = RowMapping


def site_values(site: Site) -> dict[str, Any]:
    return {"id": site.id, "key": site.key, "secret": site.secret,
            "origins": list(site.origins), "identity": site.identity.value}


def site_of(row: Row) -> Site:
    return Site(id=row["id"], key=row["key"], secret=row["secret"],
                origins=tuple(row["origins"]), identity=IdentityMode(row["identity"]))


def agent_values(agent: Agent) -> dict[str, Any]:
    return {"id": agent.id, "email": agent.email, "name": agent.name,
            "role": agent.role.value, "tier": agent.tier, "skills": list(agent.skills),
            "capacity": agent.capacity, "shift": agent.shift,
            "password_hash": agent.password_hash, "token_hash": agent.token_hash,
            "status": agent.status.value}


def agent_of(row: Row) -> Agent:
    return Agent(id=row["id"], email=row["email"], name=row["name"], role=Role(row["role"]),
                 tier=row["tier"], skills=tuple(row["skills"]), capacity=row["capacity"],
                 shift=row["shift"], password_hash=row["password_hash"],
                 token_hash=row["token_hash"], status=AgentStatus(row["status"]))


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
            "visitor_read_seq": chat.visitor_read_seq, "agent_read_seq": chat.agent_read_seq}


def chat_of(row: Row) -> Chat:
    return Chat(id=row["id"], site_id=row["site_id"], visitor_id=row["visitor_id"],
                status=ChatStatus(row["status"]), priority=Priority(row["priority"]),
                started_at=row["started_at"], topic=row["topic"], agent_id=row["agent_id"],
                assigned_at=row["assigned_at"], ended_at=row["ended_at"],
                end_reason=row["end_reason"], last_seq=row["last_seq"],
                visitor_read_seq=row["visitor_read_seq"], agent_read_seq=row["agent_read_seq"])


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


def is_aware(when: datetime) -> bool:
    return when.tzinfo is not None and when.utcoffset() is not None
