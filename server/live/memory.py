"""LiveState in this process's memory: one node, no other service, so no
node ever dies under it and no change is ever heard from elsewhere.

Every method runs without awaiting anything, so each is atomic on the event
loop; that is what makes `claim_slot` safe here (the Redis version uses a
script for the same guarantee).
"""
from __future__ import annotations

import collections
import dataclasses
import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

from ..services.model import AgentStatus
from ..services.ports import Presence, QueueEntry
from .order import queue_order


@dataclasses.dataclass
class _Agent:
    status: AgentStatus
    idle_since: datetime
    conns: set[str] = dataclasses.field(default_factory=set)
    chats: set[str] = dataclasses.field(default_factory=set)

    def view(self, agent_id: str) -> Presence:
        return Presence(agent_id, self.status, len(self.conns), len(self.chats), self.idle_since)


RATE_SWEEP = timedelta(minutes=5)  # how often idle rate keys are looked for
# Stale heap entries (deadlines moved since) allowed beyond twice the live
# ones before the heap is rebuilt: SLA clocks move a deadline per message.
HEAP_SLACK = 1000


class MemoryLiveState:
    def __init__(self, node: str = "local") -> None:
        self.node = node
        self._recovered = False
        self._queue: dict[str, tuple[QueueEntry, int]] = {}
        self._arrivals = itertools.count()
        self._agents: dict[str, _Agent] = {}
        self._visitors: dict[str, set[str]] = {}
        self._deadlines: dict[str, datetime] = {}
        self._heap: list[tuple[datetime, str]] = []
        self._rates: dict[str, collections.deque[datetime]] = {}
        self._windows: dict[str, timedelta] = {}  # each rate key's longest window
        self._swept_at: datetime | None = None
        self._handlers: list[Callable[[str, str], None]] = []  # kept, never called: no other node

    async def close(self) -> None:
        return None

    # queue
    async def enqueue(self, entry: QueueEntry) -> None:
        self._queue[entry.chat_id] = (entry, next(self._arrivals))

    async def dequeue(self, chat_id: str) -> bool:
        return self._queue.pop(chat_id, None) is not None

    async def queue(self) -> list[QueueEntry]:
        return [entry for entry, _ in sorted(self._queue.values(), key=queue_order)]

    # agents
    def _agent(self, agent_id: str, status: AgentStatus, now: datetime) -> _Agent:
        return self._agents.setdefault(agent_id, _Agent(status, now))

    async def agent_online(self, agent_id: str, conn: str, status: AgentStatus, now: datetime) -> Presence:
        agent = self._agent(agent_id, status, now)
        agent.conns.add(conn)
        return agent.view(agent_id)

    async def agent_offline(self, agent_id: str, conn: str) -> Presence:
        agent = self._agents.get(agent_id)
        if agent is None:
            return Presence(agent_id, AgentStatus.AWAY, 0, 0, datetime.min)
        agent.conns.discard(conn)
        return agent.view(agent_id)

    async def set_status(self, agent_id: str, status: AgentStatus, now: datetime) -> Presence:
        agent = self._agent(agent_id, status, now)
        if status is AgentStatus.AVAILABLE and agent.status is not AgentStatus.AVAILABLE:
            agent.idle_since = now
        agent.status = status
        return agent.view(agent_id)

    async def presence(self, agent_id: str) -> Presence | None:
        agent = self._agents.get(agent_id)
        return agent.view(agent_id) if agent else None

    async def presences(self) -> list[Presence]:
        return [a.view(agent_id) for agent_id, a in self._agents.items()]

    async def claim_slot(self, agent_id: str, chat_id: str, capacity: int, now: datetime) -> bool:
        agent = self._agents.get(agent_id)
        if agent is None or len(agent.chats) >= capacity:
            return False
        agent.chats.add(chat_id)
        agent.idle_since = now
        return True

    async def release_slot(self, agent_id: str, chat_id: str) -> None:
        agent = self._agents.get(agent_id)
        if agent is not None:
            agent.chats.discard(chat_id)

    async def chats_of(self, agent_id: str) -> set[str]:
        agent = self._agents.get(agent_id)
        return set(agent.chats) if agent else set()

    # visitors
    async def visitor_online(self, visitor_id: str, conn: str) -> int:
        conns = self._visitors.setdefault(visitor_id, set())
        conns.add(conn)
        return len(conns)

    async def visitor_offline(self, visitor_id: str, conn: str) -> int:
        conns = self._visitors.get(visitor_id, set())
        conns.discard(conn)
        if not conns:
            self._visitors.pop(visitor_id, None)
        return len(conns)

    async def hit_rate(self, key: str, limit: int, window_s: float, now: datetime) -> bool:
        self._sweep(now)
        window = timedelta(seconds=window_s)
        self._windows[key] = max(window, self._windows.get(key, window))
        stamps = self._rates.setdefault(key, collections.deque())
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        if len(stamps) >= limit:
            return False
        stamps.append(now)
        return True

    async def recent(self, key: str, window_s: float, now: datetime) -> list[datetime]:
        horizon = now - timedelta(seconds=window_s)
        return [stamp for stamp in self._rates.get(key, ()) if stamp > horizon]

    async def forget(self, key: str) -> None:
        self._rates.pop(key, None)
        self._windows.pop(key, None)

    def _sweep(self, now: datetime) -> None:
        """Forgets keys whose every event has left their window (one per
        connection, address or account would otherwise pile up forever).
        A key's window is its own: an hour-long one outlives a quiet spell."""
        if self._swept_at is not None and now - self._swept_at < RATE_SWEEP:
            return
        self._swept_at = now
        idle = [key for key, stamps in self._rates.items()
                if not stamps or now - stamps[-1] > self._windows.get(key, RATE_SWEEP)]
        for key in idle:
            del self._rates[key]
            self._windows.pop(key, None)

    async def visitor_connections(self, visitor_id: str) -> int:
        return len(self._visitors.get(visitor_id, ()))

    # deadlines: a dict of the truth plus a heap with stale entries skipped
    async def set_deadline(self, key: str, at: datetime) -> None:
        self._deadlines[key] = at
        heapq.heappush(self._heap, (at, key))
        if len(self._heap) > 2 * len(self._deadlines) + HEAP_SLACK:  # moved deadlines leave stale entries
            self._heap = [(when, name) for name, when in self._deadlines.items()]
            heapq.heapify(self._heap)

    async def cancel_deadline(self, key: str) -> None:
        self._deadlines.pop(key, None)

    async def pop_due(self, now: datetime) -> list[str]:
        due: list[str] = []
        while self._heap and self._heap[0][0] <= now:
            at, key = heapq.heappop(self._heap)
            if self._deadlines.get(key) == at:
                del self._deadlines[key]
                due.append(key)
        return due

    async def deadline(self, key: str) -> datetime | None:
        return self._deadlines.get(key)

    async def next_deadline(self) -> datetime | None:
        while self._heap and self._deadlines.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    # nodes and changes: this one node
    async def node_alive(self, ttl_s: float, now: datetime) -> list[tuple[str, str, str]]:
        return []

    async def nodes(self) -> list[str]:
        return [self.node]

    async def claim_recovery(self) -> bool:
        first, self._recovered = not self._recovered, True
        return first

    async def take_dead_node(self) -> tuple[str, list[tuple[str, str, str]]] | None:
        return None

    async def publish(self, topic: str, key: str) -> None:
        return None

    def subscribe(self, handler: Callable[[str, str], None]) -> None:
        self._handlers.append(handler)
