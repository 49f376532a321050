"""LiveState in Redis: what several nodes of one desk share.

Every key starts with `{prefix}:`, so several desks (and parallel tests)
share one Redis. Read-then-write steps are Lua scripts (`lua.py`), atomic
across nodes. Times are stored as integer microseconds since the epoch and
come back timezone-aware UTC.

Redis down or slower than `TIMEOUT_S`: every method raises
`services.errors.Unavailable`; the pool reconnects once Redis is back.

The pool, as measured by `.venv/bin/python bench/redis_pool.py` (200
concurrent callers each claiming and releasing a slot, 5 s x 3 rounds,
median; redis-py 8.1.0, Redis 7.0.15 on loopback, uvloop, 2 CPUs). Pairs
per second, failed attempts per second, latency of an attempt (p50, p99,
max; a failed one's wait counts), connections open:

    ConnectionPool()                  3,532/s 21,239 err/s      5    36    46 ms   100 conns
    ConnectionPool(1000)              5,608/s      0 err/s     34    60    72 ms   200 conns
    BlockingConnectionPool(8)         3,611/s     55 err/s      2  2001  2004 ms     8 conns
    BlockingConnectionPool(32)        4,802/s     34 err/s      7  1988  2012 ms    32 conns
    BlockingConnectionPool(200)       4,283/s      0 err/s     44    61    64 ms   200 conns
    8 turns, ConnectionPool(9)        4,343/s      0 err/s     45    75    78 ms     8 conns
    32 turns, ConnectionPool(33)      5,302/s      0 err/s     36    76    89 ms    32 conns
    64 turns, ConnectionPool(65)      6,133/s      0 err/s     33    51    59 ms    64 conns
    RedisLiveState (32 turns)         6,132/s      0 err/s     32    50    54 ms    32 conns

redis-py's own pool (100 connections unless told) fails a caller at once
when every connection is busy; larger, it holds one connection per caller
in flight. A `BlockingConnectionPool` smaller than the crowd starves some
callers: a woken waiter loses the freed connection to a newcomer who
barges in (both pools also take a lock on every get and release since
redis-py 5.3, issue #3692), so about 1% wait the whole TIMEOUT_S and fail.
So: POOL_SIZE turns (an `asyncio.Semaphore`, which serves waiters in
order of arrival) in front of a `ConnectionPool` that cannot run short.
No caller fails, none waits long, and a node holds POOL_SIZE + 1
connections however busy it is. (Throughput varies by about 20% from run
to run here; the failures and the waits do not.)

The two questions each visitor message asks (its rate window, its
connections) do not take a turn each: those asked in one turn of the event
loop share one pipeline and one turn (`batch.Batcher`).
"""
from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..services.errors import Unavailable
from ..services.model import AgentStatus
from ..services.ports import Presence, QueueEntry
from . import lua
from .batch import Batcher
from .order import queue_order

log = logging.getLogger(__name__)

TIMEOUT_S = 2.0  # to connect, to read a reply, to wait for a turn at the pool
POOL_SIZE = 32  # commands in flight at once; one more connection is the change listener's
LISTEN_BACKOFF_S = (0.1, 5.0)  # the change listener's first and longest wait
# A broken connection is retried once (a pooled one Redis closed), a timeout
# never: the command may have run.
CONNECTION_OPTIONS: dict[str, Any] = dict(
    socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S, decode_responses=True,
    retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 1, supported_errors=(RedisConnectionError,)))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OUTAGE = (RedisConnectionError, RedisTimeoutError)
UNAVAILABLE = "the desk cannot do that right now; try again shortly"
ChangeHandler = Callable[[str, str], None]
# The topic handed to the handlers once the listener is back after losing
# Redis: changes published meanwhile were lost, so anything may have changed.
EVERYTHING = "*"

_encode_entry = msgspec.json.Encoder().encode
_decode_entry = msgspec.json.Decoder(tuple[QueueEntry, int]).decode  # (entry, arrival)

F = TypeVar("F", bound=Callable[..., Coroutine[Any, Any, Any]])


def _micros(at: datetime) -> int:
    return (at - EPOCH) // timedelta(microseconds=1)


def _time(micros: float | str) -> datetime:
    return EPOCH + timedelta(microseconds=int(float(micros)))


def guarded(method: F) -> F:
    """Runs a method in its turn at the pool (first come, first served:
    see the module's docstring), and turns Redis being down or slow, or no
    turn within TIMEOUT_S, into `Unavailable`, the desk error the adapters
    already answer with. Anything else (a bug) goes through."""
    @functools.wraps(method)
    async def call(self: RedisLiveState, *args: Any, **kwargs: Any) -> Any:
        try:
            async with asyncio.timeout(TIMEOUT_S):
                await self._turns.acquire()
        except TimeoutError as exc:
            raise Unavailable(UNAVAILABLE) from exc
        try:
            return await method(self, *args, **kwargs)
        except OUTAGE as exc:
            raise Unavailable(UNAVAILABLE) from exc
        finally:
            self._turns.release()
    return call  # type: ignore[return-value]


class _Keys:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.queue = f"{prefix}:queue"
        self.arrivals = f"{prefix}:arrivals"
        self.agents = f"{prefix}:agents"
        self.deadlines = f"{prefix}:deadlines"
        self.nodes = f"{prefix}:nodes"
        self.changes = f"{prefix}:changes"
        self.rebuilt = f"{prefix}:rebuilt"  # set by the node that rebuilt the state from the store

    def agent(self, agent_id: str) -> str:
        return f"{self.prefix}:agent:{agent_id}"

    def agent_conns(self, agent_id: str) -> str:
        return f"{self.prefix}:agent:{agent_id}:conns"

    def agent_chats(self, agent_id: str) -> str:
        return f"{self.prefix}:agent:{agent_id}:chats"

    def visitor_conns(self, visitor_id: str) -> str:
        return f"{self.prefix}:visitor:{visitor_id}:conns"

    def rate(self, key: str) -> str:
        return f"{self.prefix}:rate:{key}"

    def heartbeat(self, node: str) -> str:
        return f"{self.prefix}:node:{node}:alive"

    def node_conns(self, node: str) -> str:
        return f"{self.prefix}:node:{node}:conns"


def _held(kind: str, subject_id: str, conn: str) -> str:
    """A node's record of one connection it holds (ids hold no "|")."""
    return f"{kind}|{subject_id}|{conn}"


class RedisLiveState:
    def __init__(self, url: str, *, node: str, prefix: str = "shiftdesk") -> None:
        """Opens nothing yet: the pool connects on first use."""
        self.node = node
        self._keys = _Keys(prefix)
        # Each method holds one turn and uses one connection at a time, so
        # the pool is never short: no caller fails for want of a connection.
        self._turns = asyncio.Semaphore(POOL_SIZE)
        pool = ConnectionPool.from_url(url, max_connections=POOL_SIZE + 1, **CONNECTION_OPTIONS)
        self._redis = Redis.from_pool(pool)
        self._batch = Batcher(self._redis, self._turns, timeout_s=TIMEOUT_S, unavailable=UNAVAILABLE)
        self._events = itertools.count()  # tells apart a rate window's events of one instant
        self._set_status = self._redis.register_script(lua.SET_STATUS)
        self._claim_slot = self._redis.register_script(lua.CLAIM_SLOT)
        self._hit_rate = self._redis.register_script(lua.HIT_RATE)
        self._pop_due = self._redis.register_script(lua.POP_DUE)
        self._take_dead_node = self._redis.register_script(lua.TAKE_DEAD_NODE)
        # The connections this node holds, as it last registered them
        # (agent id -> status and connections; visitor id -> connections):
        # registered again if Redis loses them (restarted empty, or this
        # node was taken for dead after a long pause).
        self._agents_held: dict[str, tuple[AgentStatus, set[str]]] = {}
        self._visitors_held: dict[str, set[str]] = {}
        self._registered = False  # this node has told Redis it is alive before
        self._handlers: list[ChangeHandler] = []
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = False  # once: any later subscription follows a loss

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.wait([self._listener])
            self._listener = None
        await self._redis.aclose()

    # queue: a hash of chat id -> (entry, arrival), sorted here (queues are short)
    @guarded
    async def enqueue(self, entry: QueueEntry) -> None:
        arrival = await self._redis.incr(self._keys.arrivals)
        await self._redis.hset(self._keys.queue, entry.chat_id, _encode_entry((entry, arrival)))

    @guarded
    async def dequeue(self, chat_id: str) -> bool:
        return bool(await self._redis.hdel(self._keys.queue, chat_id))

    @guarded
    async def queue(self) -> list[QueueEntry]:
        stored = [_decode_entry(value) for value in (await self._redis.hgetall(self._keys.queue)).values()]
        return [entry for entry, _ in sorted(stored, key=queue_order)]

    # agents: a hash (status, idle_since) and sets of connections and chats
    def _view(self, pipe: Any, agent_id: str) -> None:
        """Queues the three reads `_presence` turns into a Presence."""
        pipe.hmget(self._keys.agent(agent_id), "status", "idle_since")
        pipe.scard(self._keys.agent_conns(agent_id))
        pipe.scard(self._keys.agent_chats(agent_id))

    @staticmethod
    def _presence(agent_id: str, replies: list[Any]) -> Presence | None:
        (status, idle_since), connections, load = replies
        if status is None:
            return None
        return Presence(agent_id, AgentStatus(status), connections, load, _time(idle_since))

    @guarded
    async def agent_online(self, agent_id: str, conn: str, status: AgentStatus, now: datetime) -> Presence:
        held = self._agents_held.setdefault(agent_id, (status, set()))
        held[1].add(conn)
        async with self._redis.pipeline(transaction=True) as pipe:
            self._agent_here(pipe, agent_id, status, now, [conn])
            self._view(pipe, agent_id)
            replies = await pipe.execute()
        return self._presence(agent_id, replies[-3:])  # type: ignore[return-value]

    @guarded
    async def agent_offline(self, agent_id: str, conn: str) -> Presence:
        held = self._agents_held.get(agent_id)
        if held is not None:
            held[1].discard(conn)
            if not held[1]:
                del self._agents_held[agent_id]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(self._keys.agent_conns(agent_id), conn)
            pipe.srem(self._keys.node_conns(self.node), _held("agent", agent_id, conn))
            self._view(pipe, agent_id)
            replies = await pipe.execute()
        presence = self._presence(agent_id, replies[-3:])
        return presence or Presence(agent_id, AgentStatus.AWAY, 0, 0, datetime.min)

    @guarded
    async def set_status(self, agent_id: str, status: AgentStatus, now: datetime) -> Presence:
        if agent_id in self._agents_held:
            self._agents_held[agent_id] = (status, self._agents_held[agent_id][1])
        async with self._redis.pipeline(transaction=True) as pipe:
            await self._set_status(keys=[self._keys.agent(agent_id)],
                                   args=[status.value, _micros(now), AgentStatus.AVAILABLE.value], client=pipe)
            pipe.sadd(self._keys.agents, agent_id)
            self._view(pipe, agent_id)
            replies = await pipe.execute()
        return self._presence(agent_id, replies[-3:])  # type: ignore[return-value]

    @guarded
    async def presence(self, agent_id: str) -> Presence | None:
        async with self._redis.pipeline(transaction=False) as pipe:
            self._view(pipe, agent_id)
            return self._presence(agent_id, await pipe.execute())

    @guarded
    async def presences(self) -> list[Presence]:
        """Ordered by agent id."""
        agent_ids = sorted(await self._redis.smembers(self._keys.agents))
        async with self._redis.pipeline(transaction=False) as pipe:
            for agent_id in agent_ids:
                self._view(pipe, agent_id)
            replies = await pipe.execute()
        views = (self._presence(agent_id, replies[3 * n:3 * n + 3]) for n, agent_id in enumerate(agent_ids))
        return [view for view in views if view is not None]

    @guarded
    async def claim_slot(self, agent_id: str, chat_id: str, capacity: int, now: datetime) -> bool:
        keys = [self._keys.agent(agent_id), self._keys.agent_chats(agent_id)]
        return bool(await self._claim_slot(keys=keys, args=[chat_id, capacity, _micros(now)]))

    @guarded
    async def release_slot(self, agent_id: str, chat_id: str) -> None:
        await self._redis.srem(self._keys.agent_chats(agent_id), chat_id)

    @guarded
    async def chats_of(self, agent_id: str) -> set[str]:
        return set(await self._redis.smembers(self._keys.agent_chats(agent_id)))

    # visitors: a set of connections each
    @guarded
    async def visitor_online(self, visitor_id: str, conn: str) -> int:
        self._visitors_held.setdefault(visitor_id, set()).add(conn)
        async with self._redis.pipeline(transaction=True) as pipe:
            self._visitor_here(pipe, visitor_id, [conn])
            pipe.scard(self._keys.visitor_conns(visitor_id))
            return (await pipe.execute())[-1]

    @guarded
    async def visitor_offline(self, visitor_id: str, conn: str) -> int:
        held = self._visitors_held.get(visitor_id)
        if held is not None:
            held.discard(conn)
            if not held:
                del self._visitors_held[visitor_id]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(self._keys.visitor_conns(visitor_id), conn)
            pipe.srem(self._keys.node_conns(self.node), _held("visitor", visitor_id, conn))
            pipe.scard(self._keys.visitor_conns(visitor_id))
            return (await pipe.execute())[-1]

    async def visitor_connections(self, visitor_id: str) -> int:
        # asked for each message a visitor sends: in a batch with others' (batch.py)
        return await self._batch.call("SCARD", self._keys.visitor_conns(visitor_id))

    # rate windows: a sorted set of event times per key
    async def hit_rate(self, key: str, limit: int, window_s: float, now: datetime) -> bool:
        # asked for each message a visitor sends: in a batch with others' (batch.py)
        at = _micros(now)
        member = f"{at}:{self.node}:{next(self._events)}"  # two events at one instant are two events
        args = [at - round(window_s * 1e6), at, limit, member, max(1, round(window_s * 1000))]
        return bool(await self._batch.call("EVALSHA", self._hit_rate.sha, 1, self._keys.rate(key), *args,
                                           script=lua.HIT_RATE))

    @guarded
    async def recent(self, key: str, window_s: float, now: datetime) -> list[datetime]:
        horizon = _micros(now) - round(window_s * 1e6)
        events = await self._redis.zrangebyscore(self._keys.rate(key), f"({horizon}", "+inf", withscores=True)
        return [_time(score) for _, score in events]

    @guarded
    async def forget(self, key: str) -> None:
        await self._redis.delete(self._keys.rate(key))

    # deadlines: one sorted set, key -> due time
    @guarded
    async def set_deadline(self, key: str, at: datetime) -> None:
        await self._redis.zadd(self._keys.deadlines, {key: _micros(at)})

    @guarded
    async def cancel_deadline(self, key: str) -> None:
        await self._redis.zrem(self._keys.deadlines, key)

    @guarded
    async def deadline(self, key: str) -> datetime | None:
        score = await self._redis.zscore(self._keys.deadlines, key)
        return None if score is None else _time(score)

    @guarded
    async def pop_due(self, now: datetime) -> list[str]:
        return await self._pop_due(keys=[self._keys.deadlines], args=[_micros(now)])

    @guarded
    async def next_deadline(self) -> datetime | None:
        first = await self._redis.zrange(self._keys.deadlines, 0, 0, withscores=True)
        return _time(first[0][1]) if first else None

    # nodes: a set of those registered, a heartbeat key each, the connections each holds
    @guarded
    async def node_alive(self, ttl_s: float, now: datetime) -> list[tuple[str, str, str]]:
        """Also registers this node's connections again when Redis no longer
        knows the node (restarted empty, or the node was taken for dead),
        and returns those Redis still counts for this node that it no longer
        holds (closed while Redis was away: the caller runs their disconnect
        path)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self._keys.nodes, self.node)
            pipe.set(self._keys.heartbeat(self.node), 1, px=max(1, round(ttl_s * 1000)))
            pipe.smembers(self._keys.node_conns(self.node))
            added, _, recorded = await pipe.execute()
        if added and self._registered:
            log.warning("Redis had lost node %s: registering its %d agents' and %d visitors' connections again",
                        self.node, len(self._agents_held), len(self._visitors_held))
            await self._register_held(now)
        self._registered = True
        held = {_held("agent", agent_id, conn) for agent_id, (_, conns) in self._agents_held.items()
                for conn in conns}
        held |= {_held("visitor", visitor_id, conn) for visitor_id, conns in self._visitors_held.items()
                 for conn in conns}
        return [tuple(entry.split("|", 2)) for entry in sorted(recorded - held)]  # type: ignore[misc]

    async def _register_held(self, now: datetime) -> None:
        """An agent Redis forgot is idle from `now`: as if it had just connected."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for agent_id, (status, conns) in list(self._agents_held.items()):
                self._agent_here(pipe, agent_id, status, now, conns)
            for visitor_id, conns in list(self._visitors_held.items()):
                self._visitor_here(pipe, visitor_id, conns)
            await pipe.execute()

    def _agent_here(self, pipe: Any, agent_id: str, status: AgentStatus, now: datetime,
                    conns: Iterable[str]) -> None:
        """Queues the writes that count `conns` as the agent's, held by this
        node; a status and idle time already there stay."""
        pipe.hsetnx(self._keys.agent(agent_id), "status", status.value)
        pipe.hsetnx(self._keys.agent(agent_id), "idle_since", _micros(now))
        pipe.sadd(self._keys.agents, agent_id)
        for conn in conns:
            pipe.sadd(self._keys.agent_conns(agent_id), conn)
            pipe.sadd(self._keys.node_conns(self.node), _held("agent", agent_id, conn))

    def _visitor_here(self, pipe: Any, visitor_id: str, conns: Iterable[str]) -> None:
        for conn in conns:
            pipe.sadd(self._keys.visitor_conns(visitor_id), conn)
            pipe.sadd(self._keys.node_conns(self.node), _held("visitor", visitor_id, conn))

    @guarded
    async def claim_recovery(self) -> bool:
        return bool(await self._redis.set(self._keys.rebuilt, self.node, nx=True))

    @guarded
    async def nodes(self) -> list[str]:
        registered = sorted(await self._redis.smembers(self._keys.nodes))
        async with self._redis.pipeline(transaction=False) as pipe:
            for node in registered:
                pipe.exists(self._keys.heartbeat(node))
            beating = await pipe.execute()
        return [node for node, alive in zip(registered, beating) if alive]

    @guarded
    async def take_dead_node(self) -> tuple[str, list[tuple[str, str, str]]] | None:
        """Never this node: it is alive, since it asks."""
        for node in sorted(await self._redis.smembers(self._keys.nodes) - {self.node}):
            keys = [self._keys.nodes, self._keys.heartbeat(node), self._keys.node_conns(node)]
            held = await self._take_dead_node(keys=keys, args=[node])
            if held is not None:
                return node, [tuple(entry.split("|", 2)) for entry in sorted(held)]  # type: ignore[misc]
        return None

    # changes: one channel; each message names the node that sent it
    @guarded
    async def publish(self, topic: str, key: str) -> None:
        await self._redis.publish(self._keys.changes, json.dumps([self.node, topic, key]))

    def subscribe(self, handler: ChangeHandler) -> None:
        self._handlers.append(handler)
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name=f"live changes {self.node}")

    async def _listen(self) -> None:
        """Hands other nodes' changes to the handlers until `close()`,
        subscribing again (with a capped backoff) whenever Redis goes away."""
        wait, longest = LISTEN_BACKOFF_S
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._keys.changes)
                    wait = LISTEN_BACKOFF_S[0]
                    while True:
                        self._heard(await pubsub.get_message(timeout=None))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis gone, or a bug: never the end of the listener
                log.warning("change listener lost Redis (%r); again in %.1f s", exc, wait)
            await asyncio.sleep(wait)
            wait = min(2 * wait, longest)

    def _heard(self, message: dict[str, Any] | None) -> None:
        if message is None:
            return
        if message["type"] == "message":
            node, topic, key = json.loads(message["data"])
            if node != self.node:
                self._call_handlers(topic, key)
        elif message["type"] == "subscribe":  # again after a loss too (redis-py resubscribes by itself)
            if self._subscribed:
                self._call_handlers(EVERYTHING, "")
            self._subscribed = True

    def _call_handlers(self, topic: str, key: str) -> None:
        for handler in list(self._handlers):
            try:
                handler(topic, key)
            except Exception:  # one broken handler must not deafen the others
                log.exception("change handler failed on %s %s", topic, key)
