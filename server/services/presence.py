"""Who is here: visitor and agent connections, agent status, the grace
periods after a connection drops, and re-arming all of it after a restart."""
from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from . import events as ev
from . import rooms
from .chats import VISITOR_GONE, ChatService
from .closures import ClosureService
from .context import Desk
from .model import Agent, AgentStatus, ChatStatus, Visitor
from .routing import Router
from .sla import SlaService
from .surveys import SURVEYED
from .tickets import TicketService
from .timers import Timers
from .evidence import topics_evidence
from .views import agent_view, chat_view, iso, ticket_view

AGENT_GONE = "agent_gone"


class PresenceService:
    def __init__(self, desk: Desk, router: Router, chats: ChatService, timers: Timers, sla: SlaService,
                 tickets: TicketService, closures: ClosureService,
                 agent_seen: Callable[[Agent], Awaitable[None]]) -> None:
        """`agent_seen`: told of each console that connects (the desk hours
        time its agent's shift changes from then on)."""
        self._desk = desk
        self._router = router
        self._chats = chats
        self._timers = timers
        self._sla = sla
        self._tickets = tickets
        self._closures = closures
        timers.on(VISITOR_GONE, chats.abandon)
        timers.on(AGENT_GONE, self._agent_gone)
        self._agent_seen = agent_seen

    # visitors
    async def visitor_connected(self, visitor: Visitor, conn: str, token: str, *,
                                kept_out: dict[str, Any] | None = None, unseen: bool = False) -> None:
        """Sends the connection its `session`; `kept_out`: the `{"until",
        "ban"}` of a connection on standby while chat is closed to it;
        `unseen`: the visitor's token was made for this connection, so no
        chat or survey of it is stored (none is looked up)."""
        desk, now = self._desk, self._desk.clock.now()
        await desk.live.visitor_online(visitor.id, conn)
        chat = None if unseen else await desk.store.open_chat_of_visitor(visitor.id)
        session: dict[str, Any] = {"visitor_token": token, "visitor_id": visitor.id,
                                   "verified": visitor.verified, "online": await self._router.online(now),
                                   "open_tickets": []}
        if visitor.verified:  # tickets and account details only to whom the site vouched for
            session["open_tickets"] = [ticket_view(t) for t in await self._tickets.open_tickets(visitor)]
            session["account"] = {"id": visitor.account_id, "name": visitor.name, "email": visitor.email,
                                  "plan": visitor.plan, "tickets": await self._tickets.quota(visitor)}
        if evidence := topics_evidence(desk.topics):  # the ticket form asks for it before it is sent
            session["evidence"] = evidence
        if not session["online"]:
            session["next_open"] = iso(await self._router.next_open(now))
        if chat is None and not unseen:
            await self._offer_survey(visitor, session)
        if chat is not None:
            await self._timers.cancel(VISITOR_GONE, chat.id)
            agent = (await self._router.agents()).get(chat.agent_id) if chat.agent_id else None
            session["chat"] = chat_view(chat, agent)
            if chat.status is ChatStatus.QUEUED:
                session["position"] = await self._router.position(chat.id)
            warning = await self._sla.visitor_warning(chat)
            if warning is not None:  # a reloaded widget warns again
                session["warning"] = warning
        if kept_out is not None:
            session["suspended"] = kept_out
        desk.events.add(ev.Session(rooms.connection(ev.VISITOR, conn), session))

    async def _offer_survey(self, visitor: Visitor, session: dict[str, Any]) -> None:
        """A reloaded page still offers the survey of the chat just ended."""
        since = self._desk.clock.now() - timedelta(seconds=self._desk.config.policy.survey_window_s)
        chat_id = await self._desk.store.unrated_chat(visitor.id, reasons=[str(r) for r in SURVEYED], since=since)
        if chat_id is not None:
            session["survey"] = {"chat_id": chat_id}

    async def visitor_disconnected(self, visitor_id: str, conn: str) -> None:
        desk = self._desk
        if await desk.live.visitor_offline(visitor_id, conn) > 0:
            return
        chat = await desk.store.open_chat_of_visitor(visitor_id)
        if chat is not None:
            await self._timers.set(VISITOR_GONE, chat.id, desk.config.policy.visitor_grace_s)

    # agents
    async def agent_connected(self, agent: Agent, conn: str) -> None:
        """Sends the console its `session`, then each of its open chats."""
        desk, now = self._desk, self._desk.clock.now()
        self._router.remember(agent)
        presence = await desk.live.agent_online(agent.id, conn, agent.status, now)
        await self._timers.cancel(AGENT_GONE, agent.id)
        # from the store: the cached chat is not told of every message (its last_seq)
        chats = [await desk.store.chat_by_id(chat_id) for chat_id in await desk.live.chats_of(agent.id)]
        if presence.status is AgentStatus.AVAILABLE:
            await self._router.route()
        await self._agent_seen(agent)  # its shift's changes are timed from now on
        limits = self._sla.limits  # the console runs the clocks a visitor's message starts
        held = [c for c in chats if c is not None and c.agent_id == agent.id]
        to = rooms.connection(ev.AGENT, conn)
        desk.events.add(ev.Session(to, {
            "agent": {**agent_view(agent), "status": str(presence.status)},
            "on_shift": desk.on_shift(agent, now), "now": iso(now),
            "sla_limits": {"first_response": limits.first_response_s, "response_gap": limits.response_gap_s,
                           "duration": limits.duration_convert_s},
            "chats": [await self._router.agent_view(c, agent) for c in held]}))
        for chat in held:  # this console reopens its chats
            desk.events.add(ev.ChatAssigned(to, await self._router.assignment(chat, agent)))

    async def agent_disconnected(self, agent_id: str, conn: str) -> None:
        presence = await self._desk.live.agent_offline(agent_id, conn)
        if presence.connections == 0:
            await self._timers.set(AGENT_GONE, agent_id, self._desk.config.policy.agent_grace_s)

    async def set_status(self, agent: Agent, status: AgentStatus) -> None:
        """Stored, live, and told to every console of the agent (another tab
        must not keep showing the old status)."""
        desk = self._desk
        await desk.store.set_agent_status(agent.id, status)
        await desk.live.set_status(agent.id, status, desk.clock.now())
        desk.events.add(ev.AgentStatus(rooms.agent(agent.id), {"status": str(status)}))
        if status is AgentStatus.AVAILABLE:
            await self._router.route()

    async def agent_removed(self, agent_id: str) -> None:
        """A removed agent's chats go back to the front of the queue now, by
        the path of an agent gone past its grace period (a deadline: it
        fires on one node however many saw the removal)."""
        await self._timers.set(AGENT_GONE, agent_id, 0)

    async def agent_cut_off(self, agent_id: str) -> None:
        """A supervisor ended the agent's access (disabled them, changed
        their role) or their password changed: their chats go back to the
        front of the queue now, without the grace period of a dropped
        connection (their sockets are closing, on whichever node holds
        them), and they are away until they connect and say otherwise."""
        desk = self._desk
        await desk.live.set_status(agent_id, AgentStatus.AWAY, desk.clock.now())
        for chat_id in await desk.live.chats_of(agent_id):
            chat = await self._chats.chat(chat_id)
            await desk.live.release_slot(agent_id, chat_id)
            await self._chats.requeue(chat)
        await self._router.agents(fresh=True)  # a removed agent is no candidate, here at once
        await self._router.route()

    async def _agent_gone(self, agent_id: str) -> None:
        """Past the grace period: the agent's chats go back to the front."""
        presence = await self._desk.live.presence(agent_id)
        if presence is not None and presence.connections > 0:
            return
        for chat_id in await self._desk.live.chats_of(agent_id):
            chat = await self._chats.chat(chat_id)
            await self._desk.live.release_slot(agent_id, chat_id)
            await self._chats.requeue(chat)
        await self._router.route()

    # restart
    async def recover(self) -> None:
        """Rebuilds the live state from the store: the queue, agent loads and
        the grace deadlines of everyone who is not connected yet."""
        desk, now = self._desk, self._desk.clock.now()
        policy = desk.config.policy
        await self._closures.load()
        agents = await self._router.agents(fresh=True)
        waiting = []
        for chat in await desk.store.chats_with_status(ChatStatus.QUEUED, ChatStatus.ACTIVE):
            await self._timers.set(VISITOR_GONE, chat.id, policy.visitor_grace_s, now)
            await self._sla.recover(chat)
            if chat.status is ChatStatus.QUEUED or chat.agent_id not in agents:
                waiting.append(chat)
                continue
            agent = agents[chat.agent_id]
            await desk.live.set_status(agent.id, agent.status, now)
            await desk.live.claim_slot(agent.id, chat.id, sys.maxsize, now)
            await self._timers.set(AGENT_GONE, agent.id, policy.agent_grace_s, now)
        # Queued only once every agent's load is counted again: another node's
        # routing pass (its heartbeat's, a start's) would take a slot not counted yet.
        for chat in waiting:
            # a chat that had an agent before (transferred, or its agent lost) keeps its place in front
            await self._router.enqueue(chat, front=chat.assigned_at is not None)
