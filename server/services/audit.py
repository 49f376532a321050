"""The audit log: every supervisor action and every automatic one, with
who did it (None: the system), when, to what and why.

Targets name what was acted on: `account:<site key>/<account id>`,
`visitor:<id>`, `chat:<id>`, `closure:<YYYY-MM-DD>`, `survey:<id>`, `agent:<id>`.
They are labels, not Socket.IO rooms (services.rooms), though an account's
and a visitor's look like them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from .errors import BadRequest
from .model import AuditEntry
from .tokens import new_id
from .views import iso

REASON_CHARS = 500

# actions
SUSPEND = "suspend"
BAN = "ban"
LIFT = "lift"
AUTO_LIFT = "auto_lift"  # a suspension ran out
REASSIGN = "reassign"
CONVERT = "convert"  # a chat became a ticket (by an agent, or at the duration limit)
CLOSURE_ADD = "closure_add"
CLOSURE_REMOVE = "closure_remove"
TICKET_ASSIGN = "ticket_assign"  # a ticket taken by an agent or given by a supervisor (data: from, to, ticket)


def account_target(site_key: str, account_id: str) -> str:
    return f"account:{site_key}/{account_id}"


def visitor_target(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


def reason_of(text: str) -> str:
    """The reason stripped; raises BadRequest unless it has 1 to 500 characters."""
    reason = text.strip()
    if not reason or len(reason) > REASON_CHARS:
        raise BadRequest(f"a reason of 1 to {REASON_CHARS} characters is needed")
    return reason


def entry(action: str, target: str, at: datetime, *, actor_id: str | None = None, reason: str | None = None,
          data: dict[str, Any] | None = None) -> AuditEntry:
    return AuditEntry(id=new_id(), at=at, action=action, target=target, actor_id=actor_id, reason=reason, data=data)


def audit_view(audited: AuditEntry) -> dict[str, Any]:
    return {"id": audited.id, "at": iso(audited.at), "action": audited.action, "target": audited.target,
            "actor_id": audited.actor_id, "reason": audited.reason, "data": audited.data}


def agent_target(agent_id: str) -> str:
    """An agent's account (their password, sessions, API tokens)."""
    return f"agent:{agent_id}"
