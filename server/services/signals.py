"""Abuse signals: patterns of misuse raised to supervisors as an `alert`,
stored with their evidence and the chats behind them, and never acted on
automatically (the seeds leave that to a person).

- repeat_chats: an account keeps opening chats about an issue that has an
  open ticket (`[policy] repeat_chat_run` chats within 30 days, counted
  from the ticket's opening).
- negative_surveys: `[policy] negative_survey_run` ratings of 1-2 in a row
  from one account.
- flag: an agent flags a chat, with a reason.

Each fires when its run reaches the threshold, once per run: the next
repeat chat or bad rating does not raise it again.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from . import events as ev
from . import rooms
from .context import Desk
from .model import Agent, Alert, Chat, Survey, Ticket, Visitor
from .tokens import new_id
from .views import iso

REPEAT_WINDOW = timedelta(days=30)
NEGATIVE = frozenset({1, 2})


def alert_view(alert: Alert) -> dict[str, Any]:
    return {"id": alert.id, "kind": alert.kind, "at": iso(alert.at), "chat_ids": list(alert.chat_ids),
            "account_id": alert.account_id, "visitor_id": alert.visitor_id, "agent_id": alert.agent_id,
            "reason": alert.reason, "evidence": alert.evidence}



class Signals:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    async def chat_despite_ticket(self, visitor: Visitor, chat: Chat, ticket: Ticket) -> None:
        """A chat was opened on a topic that has an open ticket."""
        desk, run = self._desk, self._desk.config.policy.repeat_chat_run
        since = max(ticket.created_at, desk.clock.now() - REPEAT_WINDOW)
        count = await desk.store.count_chats_on_topic(chat.site_id, account_id=visitor.account,
                                                      visitor_id=visitor.id, topic=chat.topic, since=since)
        if count == run:
            await self._raise("repeat_chats", visitor, [chat.id], evidence={
                "topic": chat.topic, "ticket": ticket.label, "ticket_id": ticket.id, "chats": count,
                "since": iso(since)})

    async def rated(self, visitor: Visitor, survey: Survey) -> None:
        """A survey came in: a run of `negative_survey_run` bad ratings?"""
        run = self._desk.config.policy.negative_survey_run
        recent = await self._desk.store.recent_surveys(survey.site_id, account_id=visitor.account,
                                                       visitor_id=visitor.id, limit=run + 1)
        streak = 0
        for past in recent:
            if past.rating not in NEGATIVE:
                break
            streak += 1
        if streak == run:
            bad = recent[:run]
            await self._raise("negative_surveys", visitor, [s.chat_id for s in reversed(bad)], evidence={
                "ratings": [s.rating for s in reversed(bad)], "survey_ids": [s.id for s in reversed(bad)]})

    async def flagged(self, agent: Agent, chat: Chat, visitor: Visitor | None, reason: str) -> Alert:
        return await self._raise("flag", visitor, [chat.id], agent=agent, reason=reason, site_id=chat.site_id)

    async def _raise(self, kind: str, visitor: Visitor | None, chat_ids: list[str], *, agent: Agent | None = None,
                     reason: str | None = None, evidence: dict | None = None,
                     site_id: str | None = None) -> Alert:
        desk = self._desk
        alert = await desk.store.add_alert(Alert(
            id=new_id(), at=desk.clock.now(), kind=kind, site_id=site_id or visitor.site_id,
            chat_ids=tuple(chat_ids), account_id=visitor.account if visitor else None,
            visitor_id=visitor.id if visitor else None, agent_id=agent.id if agent else None,
            reason=reason, evidence=evidence))
        desk.events.add(ev.Alert(rooms.SUPERVISORS, alert_view(alert)))
        return alert
