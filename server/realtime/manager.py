"""Events across nodes, sent only where they must go, through Redis streams.

python-socketio's stock Redis manager publishes every emit on one pub/sub
channel: local or not, every node (the sender too) reads and decodes every
message, and a node whose listener is away misses what was published
meanwhile. This manager instead:

- delivers to this node's sockets itself, and sends an emit to another
  node only when that node has a socket in the room: each node records the
  rooms it has members in (`{channel}:rooms:{node}`, a set that expires
  ROOMS_TTL_S after the node stops refreshing it) before a socket's join
  completes, and one Lua script looks the room up and appends the event to
  the stream of each node that holds it, in one step (so an emit that
  starts after a join has completed on any node reaches that socket). An
  emit to one connection goes to the node its id names (`{node}-...`,
  engine.py), without a look-up; `ignore_queue` keeps an emit here;
- encodes each event once: the Socket.IO packet text is built once, sent
  to this node's sockets and carried as it is to the others, which decode
  only the stream entry's fields (no JSON, no pickle) and pass the packet on;
- appends to a stream per node (`{channel}:events:{node}`, XADD MAXLEN ~
  STREAM_MAXLEN) that the node reads from the last id it saw (XREAD BLOCK):
  what other nodes sent while its listener reconnected after Redis came
  back is delivered then, not lost. What cannot reach Redis at all (Redis
  down, or restarted empty with what it held) is lost for the live sockets:
  every message is stored, and a reload or reconnect shows it.
- closes a room's sockets on every node (a suspended visitor's tabs, a
  removed agent's consoles), which the stock manager does only per socket;
- listens again within LISTEN_RETRY_S of Redis answering (the stock
  listener waits 1, 2, 4 ... 60 s between attempts), registering this
  node's rooms again then, in case Redis restarted empty.

Concurrent emits share one round trip to Redis (one pipeline, in the order
they were made; the next batch leaves when the previous one is written),
and each emit returns once its batch is written. Acks from clients across
nodes (emit callbacks) are not supported: the server asks none.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

import socketio
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from .roomindex import RoomIndex, skipped

log = logging.getLogger(__name__)
LISTEN_RETRY_S = (0.1, 1.0)  # the listener's first and longest wait between attempts
TIMEOUT_S = 2.0  # to connect, and to wait for a reply other than the listener's
BLOCK_MS = 5000  # the listener's XREAD BLOCK: a silent Redis is noticed within it plus TIMEOUT_S
READ_COUNT = 512  # stream entries read at once
STREAM_MAXLEN = 10_000  # entries a node's stream keeps (about): what a listener away may miss past it
STREAM_TTL_S = 300  # a node's stream outlives its last entry (or its node's refresh) this long
ROOMS_TTL_S = 30  # a node's room record outlives its last refresh this long
REFRESH_S = 5.0  # each node refreshes its room record this often

# stream entry fields: k(ind), n(amespace), r(oom, or sid), s(kipped sids, comma separated), p(acket)
EMIT, CLOSE, DISCONNECT = "e", "c", "d"
# A connection's id names its node (engine.py): the node's name, "-", engine.io's id.
_SID = re.compile(r"([A-Za-z0-9_]{1,32})-[A-Za-z0-9_-]+")

# KEYS: the nodes set. ARGV: channel, this node, the room's member string
# ("" = every node), stream MAXLEN, stream TTL ms, then the entry's fields.
# Appends the entry to the stream of every other node whose room record
# holds the member; forgets nodes whose record has expired (they register
# again with their next room).
ROUTE = """
local sent = 0
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[2] then
    local rooms = ARGV[1] .. ':rooms:' .. node
    local holds = ARGV[3] == '' and redis.call('EXISTS', rooms) or redis.call('SISMEMBER', rooms, ARGV[3])
    if holds == 1 then
      local stream = ARGV[1] .. ':events:' .. node
      redis.call('XADD', stream, 'MAXLEN', '~', ARGV[4], '*', unpack(ARGV, 6))
      redis.call('PEXPIRE', stream, ARGV[5])
      sent = sent + 1
    elseif redis.call('EXISTS', rooms) == 0 then
      redis.call('SREM', KEYS[1], node)
    end
  end
end
return sent
"""


def _member(namespace: str, room: str) -> str:
    """A room in a node's record ("|" is in no namespace's name)."""
    return f"{namespace}|{room}"


def node_of(sid: str) -> str | None:
    """The node a connection id names, None for any other room name (room
    names from services.rooms hold a ":" or no "-")."""
    match = _SID.fullmatch(sid)
    return match.group(1) if match else None


class _Batches:
    """Runs queued pipeline steps in order, as few round trips as the
    callers' concurrency allows: one batch in flight at a time."""

    def __init__(self, run: Callable[[list[Callable[[Any], None]]], Any]) -> None:
        self._run = run
        self._steps: list[Callable[[Any], None]] = []
        self._written: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    def add(self, step: Callable[[Any], None]) -> asyncio.Future[None]:
        """The future is done once a batch with the step has been written
        (or has failed: the writer logged it)."""
        self._steps.append(step)
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        written = self._written
        if self._task is None:
            self._task = asyncio.ensure_future(self._write())
        return written

    async def _write(self) -> None:
        try:
            while self._steps:
                steps, self._steps = self._steps, []
                written, self._written = self._written, None
                try:
                    await self._run(steps)
                finally:
                    if written is not None and not written.done():
                        written.set_result(None)
        finally:
            self._task = None


class DeskRedisManager(RoomIndex, socketio.AsyncRedisManager):
    def __init__(self, url: str, channel: str, **kwargs: Any) -> None:
        super().__init__(url, channel=channel, **kwargs)
        self._out: Redis | None = None
        self._route: Any = None
        self._batches = _Batches(self._write_batch)
        # rooms with members here: what Redis holds as of the last write, and those changed since
        self._recorded: set[tuple[str, str]] = set()
        self._changed: set[tuple[str, str]] = set()
        self._records = _Batches(self._write_rooms)
        self._last_id: str | None = None  # the last stream entry seen; None until the listener has begun
        self._begin_lock = asyncio.Lock()
        self._lost = False  # Redis could not be written to: one warning per loss
        self._tasks: set[asyncio.Task[None]] = set()

    # names
    @property
    def node(self) -> str:
        prefix = getattr(self.server.eio, "sid_prefix", "")
        return prefix[:-1] if prefix else self.host_id

    def _rooms_key(self, node: str) -> str:
        return f"{self.channel}:rooms:{node}"

    def _stream(self, node: str) -> str:
        return f"{self.channel}:events:{node}"

    @property
    def _nodes_key(self) -> str:
        return f"{self.channel}:nodes"

    def _client(self) -> Redis:
        if self._out is None:
            self._out = Redis.from_url(
                self.redis_url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S, decode_responses=True,
                retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 1, supported_errors=(RedisConnectionError,)),
                **self.redis_options)
            self._route = self._out.register_script(ROUTE)  # for its sha
        return self._out

    # sending
    async def emit(self, event: str, data: Any, namespace: str | None = None, room: str | None = None,
                   skip_sid: Any = None, callback: Any = None, to: str | None = None, **kwargs: Any) -> None:
        """To the room's sockets on this node, and to the nodes that hold
        the room (none with `ignore_queue`)."""
        room, namespace = to or room, namespace or "/"
        if callback is not None:  # acks come back to this node only
            if not (isinstance(room, str) and self.is_sid_room(namespace, room)):
                raise NotImplementedError("an ack asked of connections on other nodes")
            await socketio.AsyncManager.emit(self, event, data, namespace, room=room, skip_sid=skip_sid,
                                             callback=callback)
            return
        encoded = self.encode_event(event, data, namespace)
        skip = skipped(skip_sid)
        self.deliver(namespace, room, skip, encoded)
        if not kwargs.get("ignore_queue"):
            await self._send(EMIT, namespace, room, ",".join(skip), encoded)

    async def close_room_sockets(self, namespace: str, room: str) -> None:
        """Closes every socket in `room`, on this node and the others."""
        await self._close_here(namespace, room)
        await self._send(CLOSE, namespace, room)

    async def can_disconnect(self, sid: str, namespace: str) -> bool:
        if self.is_connected(sid, namespace) or self.is_pre_connected(sid, namespace):
            return await socketio.AsyncManager.can_disconnect(self, sid, namespace)
        await self._send(DISCONNECT, namespace or "/", sid)
        return False

    async def disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        await socketio.AsyncManager.disconnect(self, sid, namespace)

    async def enter_room(self, sid: str, namespace: str, room: str, eio_sid: str | None = None) -> None:
        """Returns once Redis records that this node holds the room (or
        could not: the listener records it again when Redis is back)."""
        if not (self.is_connected(sid, namespace) or self.is_pre_connected(sid, namespace)):
            raise NotImplementedError("entering a room for a connection on another node")
        self.basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        key = (namespace, room)
        if room != sid and (key in self._changed or key not in self._recorded):
            self._changed.add(key)
            await asyncio.shield(self._records.add(lambda _: None))

    async def leave_room(self, sid: str, namespace: str, room: str) -> None:
        if not (self.is_connected(sid, namespace) or self.is_pre_connected(sid, namespace)):
            raise NotImplementedError("leaving a room for a connection on another node")
        self.basic_leave_room(sid, namespace, room)

    async def close_room(self, room: str, namespace: str) -> None:
        raise NotImplementedError("close_room_sockets closes a room on every node")

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)
        key = (namespace, room)
        if room is not None and room != sid and room not in self.rooms.get(namespace, {}) \
                and key in self._recorded:  # the last member left: the record loses it (no one waits)
            self._changed.add(key)
            self._records.add(lambda _: None)

    async def _send(self, kind: str, namespace: str, room: str | None, skip: str = "", encoded: str = "") -> None:
        if room is not None and self.is_sid_room(namespace, room):
            return  # a connection of this node: delivered already
        fields = {"k": kind, "n": namespace, "r": room or "", "s": skip, "p": encoded}
        target = node_of(room) if room is not None else None
        if target == self.node:
            return  # a connection of this node that has gone
        if target is not None:
            def step(pipe: Any) -> None:
                pipe.xadd(self._stream(target), fields, maxlen=STREAM_MAXLEN, approximate=True)
                pipe.pexpire(self._stream(target), STREAM_TTL_S * 1000)
        else:
            args = [self.channel, self.node, "" if room is None else _member(namespace, room), STREAM_MAXLEN,
                    STREAM_TTL_S * 1000, *(item for pair in fields.items() for item in pair)]

            def step(pipe: Any) -> None:
                pipe.evalsha(self._route.sha, 1, self._nodes_key, *args)
        self._client()
        await asyncio.shield(self._batches.add(step))

    async def _write_batch(self, steps: list[Callable[[Any], None]]) -> None:
        try:
            async with self._client().pipeline(transaction=False) as pipe:
                # first, so that Redis has it (once restarted, say): cheaper than redis-py's
                # way for a script in a pipeline, one more round trip (SCRIPT EXISTS) per batch
                pipe.script_load(ROUTE)
                for step in steps:
                    step(pipe)
                await pipe.execute()
        except Exception as exc:  # Redis away: the events are stored; reload or reconnect shows them
            self._warn_lost(f"{len(steps)} events for other nodes not sent", exc)
        else:
            self._lost = False

    def _warn_lost(self, what: str, exc: Exception) -> None:
        if not self._lost:
            log.warning("%s: %r", what, exc)
        self._lost = True

    # this node's room record
    async def _write_rooms(self, _: object) -> None:
        changed, self._changed = self._changed, set()
        try:
            await self._begin()
            await self._record(changed)
        except Exception as exc:
            self._warn_lost("this node's rooms not recorded (again when Redis is back)", exc)

    async def _record(self, changed: Iterable[tuple[str, str]]) -> None:
        """Writes what `changed` holds now; the record's TTL starts again."""
        held = {key for key in changed if key[1] in self.rooms.get(key[0], {})}
        gone = set(changed) - held
        rooms = self._rooms_key(self.node)
        async with self._client().pipeline(transaction=True) as pipe:
            if held:
                pipe.sadd(rooms, *(_member(*key) for key in held))
            if gone:
                pipe.srem(rooms, *(_member(*key) for key in gone))
            pipe.pexpire(rooms, ROOMS_TTL_S * 1000)
            pipe.sadd(self._nodes_key, self.node)
            await pipe.execute()
        self._recorded = (self._recorded | held) - gone

    def _rooms_here(self) -> set[tuple[str, str]]:
        return {(namespace, room) for namespace, rooms in list(self.rooms.items()) for room in rooms
                if room is not None and not self.is_sid_room(namespace, room)}

    async def _record_all(self) -> None:
        """The whole record again: Redis may have lost it."""
        self._recorded = set()
        await self._record(self._rooms_here())

    async def _begin(self) -> None:
        """Once, before this node records any room: reads from the end of its
        stream (what a previous process of the same name was sent is not for
        this one) and drops that process's room record."""
        async with self._begin_lock:
            if self._last_id is not None:
                return
            async with self._client().pipeline(transaction=True) as pipe:
                pipe.xrevrange(self._stream(self.node), count=1)
                pipe.delete(self._rooms_key(self.node))
                last, _ = await pipe.execute()
            self._last_id = last[0][0] if last else "0-0"

    async def _refresh(self) -> None:
        """Keeps this node's record (and stream) alive; writes the record
        again if Redis lost it (restarted empty, or this node paused past
        ROOMS_TTL_S)."""
        while True:
            await asyncio.sleep(REFRESH_S)
            try:
                if self._last_id is None:
                    continue
                async with self._client().pipeline(transaction=False) as pipe:
                    pipe.pexpire(self._rooms_key(self.node), ROOMS_TTL_S * 1000)
                    pipe.pexpire(self._stream(self.node), STREAM_TTL_S * 1000)
                    kept, _ = await pipe.execute()
                if not kept and self._rooms_here():
                    log.warning("Redis had lost the rooms of node %s: recording them again", self.node)
                    await self._record_all()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._warn_lost("this node's rooms not refreshed", exc)

    # receiving
    def initialize(self) -> None:
        socketio.AsyncManager.initialize(self)
        if not self.write_only:
            for work in (self._thread(), self._refresh()):
                task = asyncio.ensure_future(work)
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _thread(self) -> None:
        """Reads this node's stream from the last entry seen until cancelled;
        after losing Redis, tries again within LISTEN_RETRY_S and records
        this node's rooms again."""
        wait, longest = LISTEN_RETRY_S
        lost = False
        listener = Redis.from_url(self.redis_url, socket_connect_timeout=TIMEOUT_S,
                                  socket_timeout=BLOCK_MS / 1000 + TIMEOUT_S, decode_responses=True,
                                  retry=Retry(NoBackoff(), 0), **self.redis_options)
        try:
            while True:
                try:
                    await self._begin()
                    if lost:
                        await self._record_all()
                        log.warning("events from other nodes reach this node again")
                    wait, lost = LISTEN_RETRY_S[0], False
                    while True:
                        for _, entries in await listener.xread({self._stream(self.node): self._last_id},
                                                               count=READ_COUNT, block=BLOCK_MS) or ():
                            for entry_id, fields in entries:
                                self._last_id = entry_id
                                await self._handle(fields)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if not lost:
                        log.warning("events from other nodes cannot reach this node (%r); trying again", exc)
                    lost = True
                    await asyncio.sleep(wait)
                    wait = min(2 * wait, longest)
        finally:
            await listener.aclose()

    async def _handle(self, fields: dict[str, str]) -> None:
        try:
            kind, namespace, room = fields["k"], fields["n"], fields["r"] or None
            if kind == EMIT:
                skip = fields["s"].split(",") if fields["s"] else []
                self.deliver(namespace, room, skip, fields["p"])
            elif kind == CLOSE:
                await self._close_here(namespace, room)
            elif kind == DISCONNECT and room is not None and self.is_connected(room, namespace):
                await self.server.disconnect(room, namespace=namespace, ignore_queue=True)
        except Exception:  # one bad entry must not deafen the node
            log.exception("event from another node not delivered: %r", fields)

    async def _close_here(self, namespace: str, room: str | None) -> None:
        for sid, _ in list(self.get_participants(namespace, room)):
            await self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
