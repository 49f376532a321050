"""What the REST API and the dashboard look up in the record, read only:
tickets, a visitor, the open chats and one chat whole, surveys, alerts,
visitors by what a supervisor knows, and the audit log with the names of
whom it is about. The web layer calls these and never the store."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .context import Desk
from .errors import NotFound
from .model import (Agent, AuditEntry, Chat, ChatStatus, Priority, Site, SlaEvent, Ticket, TicketReply, TicketStatus,
                    Visitor)
from .ports import Store
from .routing import Router
from .surveys import SurveyService
from .trends import Trends
from .audit import audit_view
from .moderation import suspension_view
from .signals import alert_view
from .sla import breach_alert
from .ticket_sla import ALERT as TICKET_SLA_ALERT
from .ticket_sla import TicketSlaService
from .views import chat_view, files_by_message, iso, message_view, visit_view, visitor_view

PAGE = 500  # messages read at a time for a whole transcript


class Records:
    def __init__(self, desk: Desk, router: Router, surveys: SurveyService, ticket_sla: TicketSlaService) -> None:
        self._desk = desk
        self._router = router
        self._surveys = surveys
        self._ticket_sla = ticket_sla
        self.trends = Trends(desk.store, desk.tz, desk.config.policy)

    # tickets and visitors (agents)
    async def tickets(self, *, statuses: Sequence[TicketStatus], visitor_id: str | None, account_id: str | None,
                      topic: str | None, priority: Priority | None, query: str | None, limit: int,
                      offset: int, tag_id: str | None = None) -> list[Ticket]:
        return await self._desk.store.list_tickets(
            statuses=statuses, visitor_id=visitor_id, account_id=account_id, topic=topic, priority=priority,
            query=query, tag_id=tag_id, limit=limit, offset=offset)

    async def ticket_parts(self, ticket: Ticket) -> tuple[Visitor | None, list[TicketReply], dict[str, Agent]]:
        """The ticket's visitor, its replies, and the agents (who wrote them, its assignee)."""
        store = self._desk.store
        visitor = await store.visitor_by_id(ticket.visitor_id) if ticket.visitor_id else None
        replies = await store.ticket_replies(ticket.id)
        agents = await self._router.writers([*(r.author_id for r in replies if r.author == "agent"),
                                             ticket.assignee_id])
        return visitor, replies, agents

    async def visitor(self, visitor_id: str) -> Visitor:
        visitor = await self._desk.store.visitor_by_id(visitor_id)
        if visitor is None:
            raise NotFound("no such visitor")
        return visitor

    # chats (supervisors)
    async def open_chats(self, statuses: list[ChatStatus]) -> list[dict[str, Any]]:
        store, agents = self._desk.store, await self._everyone()
        found = []
        for chat in await store.chats_with_status(*statuses):
            visitor = await store.visitor_by_id(chat.visitor_id)
            found.append({**chat_view(chat, agents.get(chat.agent_id or "")),
                          "visitor": visitor_view(visitor) if visitor else None})
        return found

    async def chat(self, chat_id: str) -> dict[str, Any]:
        """One chat whole: its site, visitor, every agent who had it, every
        message (notes too) and its survey."""
        store = self._desk.store
        chat = await store.chat_by_id(chat_id)
        if chat is None:
            raise NotFound("no such chat")
        agents = await self._everyone()
        visitor = await store.visitor_by_id(chat.visitor_id)
        site = await store.site_by_id(chat.site_id)
        survey = await store.survey_of_chat(chat.id)
        handled = [{"id": a, "name": agents[a].name if a in agents else ""} for a in await store.chat_agents(chat.id)]
        messages = await self._messages(chat, agents)
        return {"chat": chat_view(chat, agents.get(chat.agent_id or "")), "site": site.key if site else None,
                "visitor": visitor_view(visitor) if visitor else None, "agents": handled,
                "messages": messages,
                "survey": await self._surveys.view(survey) if survey else None,
                "visit": visit_view(await store.visit_of_chat(chat.id)),
                "sla": sla_record(chat, messages, await store.sla_events(chat_id=chat.id))}

    async def _messages(self, chat: Chat, agents: dict[str, Agent]) -> list[dict[str, Any]]:
        found, after = [], 0
        files = files_by_message(await self._desk.store.chat_attachments(chat.id))
        while True:
            page = await self._desk.store.messages_after(chat.id, after, include_notes=True, limit=PAGE)
            found += [message_view(m, agents, files=files) for m in page]
            if len(page) < PAGE:
                return found
            after = page[-1].seq

    async def _everyone(self) -> dict[str, Agent]:
        return {a.id: a for a in await self._desk.store.list_agents()}

    # surveys, alerts, visitors and the audit log (supervisors)
    async def surveys(self, *, limit: int, offset: int) -> list[dict[str, Any]]:
        return [await self._surveys.view(s) for s in await self._desk.store.list_surveys(limit=limit, offset=offset)]

    async def alerts(self, *, kind: str | None, sla: bool, limit: int, offset: int) -> list[dict[str, Any]]:
        """Abuse alerts are stored as such; SLA breaches (chats' and
        tickets') are the SLA clocks' record, shown as the live `alert`
        shows them (no `id`)."""
        store, wanted = self._desk.store, offset + limit
        found: list[dict[str, Any]] = []
        if kind not in ("sla_breach", TICKET_SLA_ALERT):
            found += [alert_view(a) for a in await store.list_alerts(kind=kind, limit=wanted)]
        if kind == "sla_breach" or (sla and kind is None):
            found += [breach_alert(e) for e in await store.latest_sla_events(stage="breach", limit=wanted)]
        if kind == TICKET_SLA_ALERT or (sla and kind is None):
            found += await self._ticket_sla.alerts(wanted)
        found.sort(key=lambda a: a["at"], reverse=True)  # ISO-8601 UTC strings sort as times
        return found[offset:wanted]

    async def visitors(self, query: str, limit: int) -> list[dict[str, Any]]:
        """For the suspend and lift forms: who, by what a supervisor knows,
        and what keeps each out of chat now."""
        desk = self._desk
        sites: dict[str, Site | None] = {}
        found = []
        for visitor in await desk.store.search_visitors(query, limit):
            if visitor.site_id not in sites:
                sites[visitor.site_id] = await desk.store.site_by_id(visitor.site_id)
            site = sites[visitor.site_id]
            held = await desk.store.active_suspension(visitor.site_id, account_id=visitor.account,
                                                      visitor_id=visitor.id, now=desk.clock.now())
            found.append({**visitor_view(visitor), "site": site.key if site else None,
                          "suspension": suspension_view(held) if held else None})
        return found

    async def audit(self, *, action: str | None, actor_id: str | None, target: str | None,
                    since: datetime | None, until: datetime | None, limit: int, offset: int) -> list[dict[str, Any]]:
        store = self._desk.store
        entries = await store.audit_log(action=action, actor_id=actor_id, target=target, since=since, until=until,
                                        limit=limit, offset=offset)
        names = _Names(store)
        return [await names.entry(e) for e in entries]


def sla_record(chat: Chat, messages: list[dict[str, Any]], fired: list[SlaEvent]) -> dict[str, Any]:
    """A chat's SLA clocks as they ran: seconds to the first agent reply
    (from the start), the chat's length once ended (from its assignment),
    and every stage its clocks fired (warning, breach, convert)."""
    first_reply = next((m["at"] for m in messages if m["author"] == "agent" and not m.get("note")), None)
    return {
        "first_response_s": _seconds(chat.started_at, first_reply),
        "duration_s": _seconds(chat.assigned_at, iso(chat.ended_at)) if chat.ended_at else None,
        "events": [{"kind": e.kind, "stage": e.stage, "at": iso(e.at), "elapsed_s": e.elapsed_s,
                    "limit_s": e.limit_s} for e in fired],
    }


def _seconds(start: datetime | None, end_iso: str | None) -> int | None:
    if start is None or end_iso is None:
        return None
    end = datetime.fromisoformat(end_iso.replace("Z", "+00:00"))
    return max(0, round((end - start).total_seconds()))


TOKEN_ACTOR = "token:"  # services/integrations.py's actor_of


class _Names:
    """The people an audit page names, each looked up once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._agents: dict[str, str] | None = None
        self._visitors: dict[str, Visitor | None] = {}

    async def agent(self, agent_id: str | None) -> str | None:
        """An agent's name, or an integration token's (`token:<id>`) with what it is."""
        if agent_id is None:
            return None
        if agent_id.startswith(TOKEN_ACTOR):
            token = await self._store.integration_token_by_id(agent_id.removeprefix(TOKEN_ACTOR))
            return f"{token.name} (integration token)" if token else None
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
        if audited.action in ("reassign", "ticket_assign"):
            named["agent_names"] = {key: await self.agent(data.get(key)) for key in ("from", "to")}
        return named
