"""Who is on the desk and who is waiting, as the console and the dashboard
list them: every agent with its live presence, and the queue in order."""
from __future__ import annotations

from typing import Any

from ..policy.routing import Wait
from .context import Desk
from .model import Agent, Chat
from .ports import Presence
from .routing import Router
from .views import agent_view, iso

PREVIOUS_CHATS = 10


def roster_entry(agent: Agent, presence: Presence | None, on_shift: bool) -> dict[str, Any]:
    """An agent with its shift spec ("" = desk hours) and live presence; a
    never-connected agent shows its stored status, unconnected, no load."""
    view = agent_view(agent)
    del view["email"]  # not needed to pick a colleague
    return {**view, "on_call": agent.on_call, "shift": agent.shift, "on_shift": on_shift,
            "status": str(presence.status if presence else agent.status),
            "connected": bool(presence and presence.connections > 0), "load": presence.load if presence else 0}


async def roster(desk: Desk, router: Router) -> list[dict[str, Any]]:
    """Every agent, by name (read afresh: one just added shows at once)."""
    now = desk.clock.now()
    presences = {p.agent_id: p for p in await desk.live.presences()}
    agents = sorted((await router.agents(fresh=True)).values(), key=lambda a: (a.name.casefold(), a.id))
    return [roster_entry(a, presences.get(a.id), desk.on_shift(a, now)) for a in agents]


async def queue(desk: Desk, router: Router) -> list[dict[str, Any]]:
    """The waiting chats in queue order (position 1 goes next), with their
    visitors and why each waits; `waiting_s` is whole seconds since the chat
    was queued."""
    now, found = desk.clock.now(), []
    entries = await desk.live.queue()
    waits = await router.waits(entries, now)
    for position, entry in enumerate(entries, start=1):
        chat = await desk.chats.get(entry.chat_id)
        visitor = await desk.store.visitor_by_id(chat.visitor_id)
        found.append({
            "chat_id": chat.id, "priority": str(entry.priority), "topic": chat.topic, "position": position,
            "waiting_s": max(0, int((now - entry.enqueued_at).total_seconds())),
            "started_at": iso(chat.started_at), "priority_support": entry.priority_support,
            "visitor": {"id": chat.visitor_id, "name": visitor.name if visitor else None,
                        "verified": bool(visitor and visitor.verified)},
            "waiting": wait_view(waits[entry.chat_id])})
    return found


def wait_view(wait: Wait) -> dict[str, Any]:
    return {"reason": wait.reason, "skill": wait.skill, "min_tier": wait.min_tier,
            "fallback_at": iso(wait.fallback_at)}


async def previous_chats(desk: Desk, router: Router, visitor_id: str) -> list[dict[str, Any]]:
    """The visitor's latest ended chats, latest first, with the agent who
    had each last (None: it never reached one)."""
    agents = await router.everyone()  # a removed agent's name stays in the history
    return [_previous(chat, agents.get(chat.agent_id) if chat.agent_id else None)
            for chat in await desk.store.ended_chats_of_visitor(visitor_id, PREVIOUS_CHATS)]


def _previous(chat: Chat, agent: Agent | None) -> dict[str, Any]:
    return {"id": chat.id, "topic": chat.topic, "started_at": iso(chat.started_at), "ended_at": iso(chat.ended_at),
            "end_reason": chat.end_reason, "agent": {"id": agent.id, "name": agent.name} if agent else None}
