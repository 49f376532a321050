"""Who takes which chat: the queue, agent slots, queue positions.

Routing runs under one lock per node. Between nodes, `LiveState.dequeue`
gives a waiting chat to one of them, and `LiveState.claim_slot` keeps two
from taking the same agent's last slot.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from ..policy.calendar import next_opening
from ..policy.routing import Candidate, Wait, pick_agent, skill_in_force, why_waiting
from . import events as ev
from . import rooms
from .bus import ChatAssigned
from .context import Desk
from .hook_events import assigned_data, rows_of, stage
from .model import Agent, AgentStatus, Assignment, AuditEntry, Author, Chat, Message, Priority, Ticket, Visitor
from .ports import Presence, QueueEntry
from .sla import SlaService
from .tickets import TicketService
from .timers import Timers
from .views import HISTORY_PAGE, chat_view, files_by_message, iso, message_views, visit_view, visitor_view

log = logging.getLogger(__name__)
AGENTS_TTL_S = 2.0  # agents added from the command line show up this fast
DEFAULT_HANDLE_S = 300  # the queue's wait estimate until today's figures exist
POSITIONS = "positions"  # the change broadcast's topic: another node told visitors their places
AGENTS = "people"  # the change broadcast's topic: an agent was added or changed (services/people.py)
SKILL_FALLBACK = "skill_fallback"  # the deadline `skill_fallback:<chat id>`: its skill is no longer asked


class Router:
    def __init__(self, desk: Desk, timers: Timers, sla: SlaService, tickets: TicketService) -> None:
        """`sla` and `tickets`: what a console gets with a chat (its clocks,
        the visitor's open tickets and plan)."""
        self._desk = desk
        self._timers = timers
        self._sla = sla
        self._tickets = tickets
        timers.on(SKILL_FALLBACK, self._skill_lapsed)
        self._lock = asyncio.Lock()
        self._agents: dict[str, Agent] = {}  # not removed
        self._everyone: dict[str, Agent] = {}  # removed ones too: history keeps their names
        self._agents_at: float | None = None
        self._loading: asyncio.Future | None = None  # the read of agents in flight, shared
        # The queue positions this node last told visitors, to tell only
        # the ones that moved. Another node's routing pass makes them
        # unknown here: forgotten, so the next pass tells everyone once.
        self._positions: dict[str, int] = {}
        desk.live.subscribe(self._changed_elsewhere)

    def _changed_elsewhere(self, topic: str, key: str) -> None:
        if topic in (POSITIONS, "*"):
            self._positions = {}
        if topic in (AGENTS, "*"):  # a supervisor changed an agent on another node: read them again
            self._agents_at = None

    async def agents(self, fresh: bool = False) -> dict[str, Agent]:
        """Every agent not removed, cached for AGENTS_TTL_S real seconds (a
        cache, not policy: the monotonic clock is right here, not the desk's).
        When the cache lapses, the callers of that moment share one read:
        under load every message in flight asks at once."""
        if fresh:
            await self._load_agents()
        elif self._agents_at is None or time.monotonic() - self._agents_at > AGENTS_TTL_S:
            if self._loading is None:
                self._loading = asyncio.ensure_future(self._load_agents())
                self._loading.add_done_callback(self._loaded)
            await asyncio.shield(self._loading)  # one caller cancelled does not cancel the others' read
        return self._agents

    async def _load_agents(self) -> None:
        started = time.monotonic()
        everyone = {a.id: a for a in await self._desk.store.list_agents()}
        if self._agents_at is not None and started < self._agents_at:
            return  # a read begun after this one (fresh=True) already landed: keep the newer
        self._everyone, self._agents = everyone, {i: a for i, a in everyone.items() if not a.removed}
        self._agents_at = started

    def _loaded(self, loading: asyncio.Future) -> None:
        self._loading = None
        if not loading.cancelled():
            loading.exception()  # its waiters got it; no "never retrieved" warning if none waits

    async def everyone(self) -> dict[str, Agent]:
        """Every agent, removed ones too: for names in history."""
        await self.agents()
        return self._everyone

    def remember(self, agent: Agent) -> None:
        self._everyone[agent.id] = agent
        if not agent.removed:
            self._agents[agent.id] = agent

    async def authors(self, messages: Iterable[Message]) -> dict[str, Agent]:
        """What `message_view` names the agents who wrote `messages` by."""
        return await self.writers(m.author_id for m in messages if m.author is Author.AGENT)

    async def writers(self, agent_ids: Iterable[str | None]) -> dict[str, Agent]:
        """Every agent, removed ones too (a removed agent still wrote what
        they wrote), read afresh when the cache misses one of `agent_ids`
        (an agent added since it was read)."""
        agents = await self.everyone()
        if any(i not in agents for i in agent_ids if i):
            await self.agents(fresh=True)
            agents = self._everyone
        return agents

    async def online(self, now: datetime, *, critical: bool = False) -> bool:
        """At least one agent who takes chats on shift now (or on call, for
        a critical chat), connected or not: a lead with capacity 0 alone
        would leave chats waiting forever."""
        await self._desk.settled()
        for fresh in (False, True):  # "nobody" is worth a second look
            if any(self._desk.takes(a, now, critical=critical) for a in (await self.agents(fresh)).values()):
                return True
        return False

    async def next_open(self, now: datetime) -> datetime | None:
        await self._desk.settled()
        closed = self._desk.closed(now)
        openings = [next_opening(self._desk.hours_of(a), self._desk.tz, now, closed)
                    for a in (await self.agents()).values() if a.capacity > 0]
        found = [o for o in openings if o is not None]
        return min(found) if found else None

    async def candidates(self, now: datetime) -> list[Candidate]:
        """The agents who have connected since the start, as routing sees them now."""
        await self._desk.settled()
        presences = await self._desk.live.presences()
        agents = await self.agents_of(presences)
        return [self._candidate(agents[p.agent_id], p, now) for p in presences if p.agent_id in agents]

    async def agents_of(self, presences: Iterable[Presence]) -> dict[str, Agent]:
        """`agents()`, read again at once when one of `presences` is of an
        agent this node has never read (added a moment ago on the command
        line, connected to another node): a chat routed here, or the lead's
        figures, need not wait for the cache to lapse and something to
        start another pass."""
        agents = await self.agents()
        if any(p.agent_id not in self._everyone for p in presences):
            agents = await self.agents(fresh=True)
        return agents

    def _candidate(self, agent: Agent, p: Presence | None, now: datetime) -> Candidate:
        """`agent` at `now`; without a presence: not connected, holding nothing."""
        return Candidate(
            agent_id=agent.id, load=p.load if p else 0, capacity=agent.capacity,
            idle_since=p.idle_since if p else now, on_shift=self._desk.on_shift(agent, now),
            available=p is not None and p.status is AgentStatus.AVAILABLE and p.connections > 0,
            tier=agent.tier, skills=frozenset(agent.skills), on_call=agent.on_call)

    async def waits(self, entries: list[QueueEntry], now: datetime) -> dict[str, Wait]:
        """Why each waiting chat waits (by chat id), every agent counted,
        connected or not: the lead's queue."""
        presences = {p.agent_id: p for p in await self._desk.live.presences()}
        everyone = [self._candidate(a, presences.get(a.id), now)
                    for a in (await self.agents_of(presences.values())).values()]
        return {e.chat_id: why_waiting(everyone, e.skill, now=now, min_tier=e.min_tier, fallback_at=e.fallback_at,
                                       critical=e.priority is Priority.CRITICAL) for e in entries}

    async def route(self, *, quiet: bool = False) -> None:
        """Assign waiting chats, in queue order, while anyone has room.

        A pass picks an agent for every waiting chat it can, then stores
        all of its assignments in one transaction: the starts that arrive
        during one pass's commit are the next pass, as messages are for
        the group commit. A burst of starts is a few passes, not one
        transaction and four reads per chat under the lock. `quiet`: the
        queue is announced only if the pass assigned a chat."""
        async with self._lock:
            assigned = False
            while True:
                now = self._desk.clock.now()
                picks, again = await self._pick(now)
                if picks:
                    await self._assign(picks, now)
                    assigned = True
                if not (picks or again):
                    break
            if assigned or not quiet:
                await self.announce_queue()

    async def take_now(self, chat: Chat, now: datetime) -> Agent | None:
        """For a chat not stored yet: the agent who takes it at once, its
        slot claimed, when nobody waits in the queue and someone has room;
        else None, and the chat is queued and routed as any other. The
        start then stores the chat with its agent in its own transaction:
        no routing pass, no second commit. The caller gives the slot back
        if the chat is not stored."""
        live = self._desk.live
        async with self._lock:
            if await live.queue():  # whoever waits goes first
                return None
            pick = pick_agent(await self.candidates(now), self._skill(chat), min_tier=chat.min_tier,
                              critical=chat.priority is Priority.CRITICAL)
            if pick is None or not await live.claim_slot(pick.agent_id, chat.id, pick.capacity, now):
                return None
            agent = (await self.agents()).get(pick.agent_id)
            if agent is None:  # removed since the candidates were read
                await live.release_slot(pick.agent_id, chat.id)
            return agent

    async def assigned_at_start(self, chat: Chat, agent: Agent, visitor: Visitor, first: Message,
                                open_tickets: list[Ticket]) -> None:
        """`take_now` gave the chat its agent and the start stored it so:
        the agent gets it with what the start has in hand (nothing is
        read: the chat has one message, no SLA event, no visit yet), the
        visitor hears who took it. The queue did not change."""
        await self._assigned(chat)
        context = await self._tickets.context_of(visitor, open_tickets)
        context["visit"] = visit_view(None)
        await self.announce_assignment(chat, agent, self._payload(
            chat, agent, visitor, [first], self._sla.state_of(chat, [first], []), context,
            await self.authors([first])))

    async def _pick(self, now: datetime) -> tuple[list[Assignment], bool]:
        """This pass's assignments, their chats off the queue and their
        slots claimed; and whether to look again though none was made
        (another node took the slot this node's view still showed)."""
        live, picks = self._desk.live, []
        candidates = await self.candidates(now)
        for entry in await live.queue():
            pick = pick_agent(candidates, skill_in_force(entry.skill, entry.fallback_at, now), min_tier=entry.min_tier,
                              critical=entry.priority is Priority.CRITICAL)
            if pick is None:
                continue
            # Taking the chat off the queue is what claims it: of several
            # nodes routing at once, one gets it. Then the agent's slot.
            if not await live.dequeue(entry.chat_id):
                continue  # another node took it meanwhile
            if not await live.claim_slot(pick.agent_id, entry.chat_id, pick.capacity, now):
                await live.enqueue(entry)  # someone else took the slot: back in its place, look again
                return picks, True
            chat = await self._desk.chats.get(entry.chat_id)  # a re-queued chat keeps its duration clock
            picks.append(Assignment(entry.chat_id, pick.agent_id, first=chat.assigned_at is None,
                                    site_id=chat.site_id))
            # the slot just claimed, as the live state now has it
            taken = dataclasses.replace(pick, load=pick.load + 1, idle_since=now)
            candidates = [taken if c is pick else c for c in candidates]
        return picks, False

    async def _assign(self, picks: list[Assignment], now: datetime) -> None:
        """A unit of its own: the agents hear of their chats now, not when
        the use case that routed (another chat's start, say) ends."""
        async with self._desk.events.unit():
            agents = await self.agents()
            picks = [await self._with_hooks(p, agents.get(p.agent_id), now) for p in picks]
            stored = await self._desk.store.assign_chats(picks, now)
            if any(p.hooks for p in picks):
                self._desk.webhooks.wake()
            for pick, found in zip(picks, stored, strict=True):
                if found.chat is None:  # ended meanwhile: give the slot back
                    await self._desk.live.release_slot(pick.agent_id, pick.chat_id)
                    continue
                chat, agent = found.chat, agents[pick.agent_id]
                self._desk.chats.put(chat)
                await self._assigned(chat)
                context = await self._tickets.context_of(found.visitor, found.open_tickets) if found.visitor else {}
                context["visit"] = visit_view(await self._desk.store.visit_of_chat(chat.id))
                await self.announce_assignment(chat, agent, self._payload(
                    chat, agent, found.visitor, found.messages[:HISTORY_PAGE],
                    self._sla.state_of(chat, found.messages, found.sla_events), context,
                    await self.authors(found.messages[:HISTORY_PAGE]), await self._files(chat)))

    async def _with_hooks(self, pick: Assignment, agent: Agent | None, now: datetime) -> Assignment:
        """The pick with its chat.assigned webhook rows, if an endpoint wants
        them. The catalog first: usually no endpoint does, and then the chat
        is not even looked up."""
        catalog = self._desk.webhooks
        if agent is None or catalog.empty or (
                pick.site_id is not None and not catalog.targets(pick.site_id, "chat.assigned")):
            return pick
        chat = await self._desk.chats.get(pick.chat_id)
        if not catalog.targets(chat.site_id, "chat.assigned"):
            return pick
        return dataclasses.replace(pick, hooks=tuple(rows_of(
            self._desk, chat.site_id, "chat.assigned", assigned_data(chat, agent, now, pick.first), chat_id=chat.id)))

    async def _assigned(self, chat: Chat) -> None:
        await self._desk.bus.publish(ChatAssigned(chat))

    async def assignment(self, chat: Chat, agent: Agent | None) -> dict:
        """What an agent's console gets with a chat: the chat with its SLA
        clocks, the visitor, the messages, the context (open tickets, plan),
        and the server's time."""
        store = self._desk.store
        visitor = await store.visitor_by_id(chat.visitor_id)
        messages = await store.messages_after(chat.id, 0, include_notes=True, limit=HISTORY_PAGE)
        context = await self._tickets.context(visitor) if visitor is not None else {}
        context["visit"] = visit_view(await store.visit_of_chat(chat.id))
        return self._payload(chat, agent, visitor, messages, await self._sla.state(chat), context,
                             await self.authors(messages), await self._files(chat))

    async def _files(self, chat: Chat) -> dict:
        """Its sent attachments; none without a message after the first (chat:start carries none)."""
        return files_by_message(await self._desk.store.chat_attachments(chat.id)) if chat.last_seq > 1 else {}

    def _payload(self, chat: Chat, agent: Agent | None, visitor: Visitor | None, messages: list[Message],
                 sla: dict, context: dict, authors: dict[str, Agent], files: dict | None = None) -> dict:
        """`assignment` from what was read: the first page of `messages`,
        the chat's SLA `state`, the visitor's ticket `context`, the chat's
        sent attachments (`files`, views.files_by_message)."""
        views, more = message_views(messages, self._desk.config.limits.history_bytes, HISTORY_PAGE, authors,
                                    files=files)
        return {"chat": chat_view(chat, agent) | sla, "visitor": visitor_view(visitor) if visitor else None,
                "messages": views, "more": more, "now": iso(self._desk.clock.now()),
                "context": {**context, "sla": self._sla.clocks_view(chat)}}

    async def announce_assignment(self, chat: Chat, agent: Agent, payload: dict | None = None) -> None:
        """`payload`: the agent's `assignment`, when already built from what was read."""
        self._positions.pop(chat.id, None)
        self._desk.events.add(
            ev.ChatAssigned(rooms.agent(agent.id), payload if payload is not None else await self.assignment(chat, agent)),
            ev.ChatAssigned(rooms.visitor(chat.visitor_id), {"chat_id": chat.id, "agent": {"name": agent.name}}))

    async def move(self, chat: Chat, to: Agent, record: AuditEntry | None = None) -> Chat | None:
        """Gives a queued or active chat to `to` (a transfer or a
        supervisor's reassignment, whose audit entry `record` is stored in
        the same transaction); None when `to` has no room or the chat has
        ended. The history stays with the chat."""
        live, now = self._desk.live, self._desk.clock.now()
        async with self._lock:
            if not await live.claim_slot(to.id, chat.id, to.capacity, now):
                return None
            queued = await live.dequeue(chat.id)
            first = chat.assigned_at is None
            with stage(self._desk, chat.site_id, "chat.assigned", assigned_data(chat, to, now, first), chat_id=chat.id):
                moved = await self._desk.store.assign_chat(chat.id, to.id, now, first=first, audit=record)
            if moved is None:
                await live.release_slot(to.id, chat.id)
                return None
            self._desk.chats.put(moved)
            if chat.agent_id and not queued:
                await live.release_slot(chat.agent_id, chat.id)
        await self._assigned(moved)
        await self.announce_assignment(moved, to)
        await self.announce_queue()
        return moved

    async def view(self, chat: Chat) -> dict:
        agent = (await self.everyone()).get(chat.agent_id) if chat.agent_id else None
        return chat_view(chat, agent)

    async def agent_view(self, chat: Chat, agent: Agent | None) -> dict:
        """CHAT as its agent sees it: with `sla`, the state of its clocks, and `sla_version`."""
        view = chat_view(chat, agent)
        view |= await self._sla.state(chat)
        return view

    async def enqueue(self, chat: Chat, *, front: bool = False, visitor: Visitor | None = None) -> None:
        """Queues a chat: agents with the skill a transfer asked for (else
        its topic's) and of the chat's `min_tier` or above take it, until
        `[policy] skill_fallback_s` after it was queued: then any agent of
        that tier does (a deadline wakes routing then). A plan with priority
        support goes first within its priority."""
        desk = self._desk
        if visitor is None:
            visitor = await desk.store.visitor_by_id(chat.visitor_id)
        plan = desk.plan(visitor.plan if visitor is not None and visitor.verified else None)
        skill = self._skill(chat)
        fallback_at = None
        if skill is not None:
            fallback_at = chat.waiting_since + timedelta(seconds=desk.config.policy.skill_fallback_s)
            await self._timers.set_at(SKILL_FALLBACK, chat.id, fallback_at)
        await desk.live.enqueue(QueueEntry(
            chat.id, chat.priority, chat.started_at, front=front, skill=skill, min_tier=chat.min_tier,
            priority_support=plan is not None and plan.priority_support, fallback_at=fallback_at))

    def _skill(self, chat: Chat) -> str | None:
        """The skill a new or re-queued chat asks for: a transfer's, else its topic's."""
        return chat.need_skill or self._desk.skill_of(chat.topic)

    async def _skill_lapsed(self, chat_id: str) -> None:
        """A waiting chat's skill is no longer asked: route again (any agent may take it now)."""
        await self.route()

    async def position(self, chat_id: str) -> int:
        for index, entry in enumerate(await self._desk.live.queue(), start=1):
            if entry.chat_id == chat_id:
                return index
        return 0

    async def open_slots(self, now: datetime) -> int:
        return sum(c.capacity for c in await self.candidates(now) if c.on_shift and c.available)

    @staticmethod
    def eta_s(position: int, slots: int) -> int:
        """A rough estimate: the chats ahead shared by the open slots on shift."""
        return math.ceil(position * DEFAULT_HANDLE_S / max(1, slots))

    async def announce_queue(self) -> None:
        queue = await self._desk.live.queue()
        now = self._desk.clock.now()
        positions = {e.chat_id: i for i, e in enumerate(queue, start=1)}
        moved = [e for e in queue if self._positions.get(e.chat_id) != positions[e.chat_id]]
        slots = await self.open_slots(now) if moved else 0
        for entry in moved:
            position = positions[entry.chat_id]
            chat = await self._desk.chats.get(entry.chat_id)  # queued chats are open: cached
            self._desk.events.add(ev.ChatQueued(rooms.visitor(chat.visitor_id), {
                "chat_id": chat.id, "position": position, "eta_s": self.eta_s(position, slots)}))
        if moved:
            await self._desk.live.publish(POSITIONS, "")
        self._positions = positions
        longest = max(((now - e.enqueued_at).total_seconds() for e in queue), default=0)
        self._desk.events.add(ev.Queue(rooms.AGENTS, {"length": len(queue), "longest_wait_s": int(longest)}))
