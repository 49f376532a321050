"""Engine.IO under the desk: bounded, and closable whatever the client does.

python-engineio (the layer below python-socketio) gives each socket an
unbounded queue of outgoing packets, has no way to close a socket whose
client has stopped reading, and answers a long-polling POST over its size
limit by waiting, forever, for the client to poll once more. `DeskEngine`
adds, keeping to the library's hooks where it has them:

- `create_queue` (engineio's hook for the socket's queue): a `SendQueue`
  bounded in bytes; past the bound the socket is dropped.
- `drop(sid)`: closes a socket now, aborting its websocket's TCP connection
  so that a client that does not read cannot hold the writer.
- `handle_request` (the aiohttp route): a POST over the size limit, or
  without a length, is answered 413/411 and its connection closed.
- `disconnect` and `close_all` never wait for a client (engineio's wait for
  a polling client to fetch the CLOSE packet is what hung).
- `DeskSocket`: packets and payloads a client should never send are counted
  (`on_stray`, DeskServer's bad-packet budget) and dropped, where engineio
  logs a traceback for each or (a POST) hangs.
- `ws_compression`: engineio's aiohttp driver makes the `WebSocketResponse`
  itself, with aiohttp's default `compress=True`: every client that offers
  permessage-deflate (every browser) gets every frame zlib-compressed, on
  the event loop. `_TrackedWebSocket.__call__` makes it with `compress` set
  by the server (off by default: `[server] ws_compression`).
- `DeskSocket.poll` and `_websocket_handler`: engineio's, with the writer's
  wait under `asyncio.timeout` and the reader's ended by one watch per
  socket, where engineio made a task and a `wait_for` for every frame read
  and every wake-up of a socket's writer (about 5 us each on uvloop;
  measured end to end in docs/performance.md).
- `generate_id` (engineio's session ids, which python-socketio's manager
  also uses for its own sids): with `node` set, each starts `"{node}-"`, so
  a load balancer routes a long-polling session's requests (`?sid=...`) to
  the node that holds it without a cookie (docs/examples/nginx.conf).

Internals relied on, where engineio has no hook: the websocket wrapper in
`_async["websocket"]`, what its `__call__` does (make and prepare the
`WebSocketResponse`, keep it as `_sock`, set `environ`, run the handler) and its handler being the socket's bound
`_websocket_handler`; `AsyncSocket`'s `receive`, `poll`, `_websocket_handler` (its websocket loop, after the
upgrade from long-polling which stays engineio's) and `handle_post_request`
(DeskSocket is swapped in as the socket's class when it connects);
`generate_id` being where every new session's id comes from (it is public
but undocumented). They are
checked against the releases this was tested with (`check_versions`, at
start): on another release, re-read engineio's async_socket.py, async_server.py
and async_drivers/aiohttp.py, run tests/realtime/test_transport.py and
tests/realtime/test_shutdown.py, then add it to TESTED.
"""
from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import engineio
from aiohttp import web
from engineio import async_socket as eio_socket
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio import payload as eio_payload
from engineio.async_drivers import aiohttp as eio_aiohttp

log = logging.getLogger(__name__)
# major.minor of the releases whose internals this module (and dispatch.py) was tested against
TESTED = {"python-engineio": ("4.15",), "python-socketio": ("5.18",)}
PROTOCOL = "4"  # the Engine.IO protocol of python-engineio 4 (socket.io-client 3 and 4)
CLOSE_GRACE_S = 0.5  # at shutdown, how long clients get to take the CLOSE packet before their sockets are cut


def check_versions() -> None:
    """Raises RuntimeError, naming the package, on a release not tested here."""
    for name, tested in TESTED.items():
        version = importlib.metadata.version(name)
        if not version.startswith(tuple(f"{minor}." for minor in tested)):
            raise RuntimeError(f"{name} {version} is not a release Shiftdesk was tested with "
                               f"({', '.join(tested)}.x): see server/realtime/engine.py")
    if not (hasattr(eio_socket.AsyncSocket, "_websocket_handler") and "websocket" in eio_aiohttp._async
            and hasattr(eio_socket.AsyncSocket, "handle_post_request")):
        raise RuntimeError("engineio's aiohttp websocket is not where server/realtime/engine.py expects it")
    if not callable(getattr(engineio.AsyncServer, "generate_id", None)):
        raise RuntimeError("engineio no longer makes session ids in generate_id: "
                           "see server/realtime/engine.py (node-tagged sids)")


def packet_bytes(pkt: Any) -> int:
    """About what an engine.io packet weighs on the wire (and more or less in
    memory): its text's UTF-8 length; the end marker (None) weighs nothing."""
    data = getattr(pkt, "data", None)
    if isinstance(data, str):
        return len(data) if data.isascii() else len(data.encode("utf-8"))
    if isinstance(data, bytes | bytearray):
        return len(data)
    return 0 if pkt is None else 64


class SendQueue(asyncio.Queue):
    """A socket's outgoing packets, at most `limit` bytes of them once the
    event loop has turned (a packet always fits an empty queue). Puts past
    the limit are checked a turn later, so that a writer which reads
    takes what one use case queued back to back (events are queued without
    a turn of the loop between them: realtime/roomindex.py); if more than
    one packet and more than `limit` bytes still wait then, the queue is
    emptied but for the end marker (None: the poll or the websocket writer
    stops) and `overflowed` is called once; from then on puts are dropped."""

    def __init__(self, limit: int, overflowed: Callable[[SendQueue], None]) -> None:
        super().__init__()
        self.limit, self.size, self.spilled = limit, 0, False
        self._overflowed = overflowed
        self._checking = False

    def _put(self, item: Any) -> None:
        if self.spilled:
            return
        self.size += packet_bytes(item)
        super()._put(item)
        if self.size > self.limit and not self._checking:
            self._checking = True
            asyncio.get_running_loop().call_soon(self._check)

    def _check(self) -> None:
        self._checking = False
        if not self.spilled and self.size > self.limit and len(self._queue) > 1:
            self.discard()
            self._overflowed(self)

    def _get(self) -> Any:
        item = super()._get()
        self.size -= packet_bytes(item)
        return item

    def discard(self) -> None:
        """Forgets what waits, for good, leaving the end marker."""
        self.spilled, self.size = True, 0
        self._queue.clear()  # asyncio.Queue's items; the count of unfinished ones goes with them
        self._queue.append(None)
        self._unfinished_tasks = 1
        self._finished.clear()
        self._wakeup_next(self._getters)

    def task_done(self) -> None:
        if self._unfinished_tasks:  # puts dropped after the spill were counted, their gets never come
            super().task_done()


class _IdleWatch:
    """Cancels the task that made it once `quiet` seconds have passed since
    it began or since the last frame was handled, never while a frame is
    being handled (`handling`). Its timer, set once per `quiet` at most,
    checks when it fires and sets itself again if a frame came meanwhile."""

    __slots__ = ("_loop", "_task", "_quiet", "_last", "_timer", "handling")

    def __init__(self, loop: asyncio.AbstractEventLoop, quiet: float) -> None:
        self._loop, self._task, self._quiet = loop, asyncio.current_task(), quiet
        self._last = loop.time()
        self.handling = False
        self._timer: asyncio.TimerHandle | None = loop.call_at(self._last + quiet, self._check)

    def handled(self, now: float) -> None:
        self._last, self.handling = now, False

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check(self) -> None:
        now = self._loop.time()
        if self.handling:  # the deadline counts from the end of the handling
            self._timer = self._loop.call_at(now + self._quiet, self._check)
        elif now - self._last < self._quiet:
            self._timer = self._loop.call_at(self._last + self._quiet, self._check)
        else:
            self._timer = None
            if self._task is not None:
                self._task.cancel()


class DeskSocket(eio_socket.AsyncSocket):
    """engineio's socket, with what a client sends below Socket.IO vetted:
    packet types a client has no business sending and long-polling payloads
    that do not decode go to `DeskEngine.stray` (counted, dropped) instead
    of a logged traceback, or (a POST) a wait that never ends. A client's
    CLOSE releases its waiting long-poll at once."""

    async def receive(self, pkt: Any) -> None:
        if pkt.packet_type in _FROM_CLIENTS:
            await super().receive(pkt)
            if pkt.packet_type == eio_packet.CLOSE:
                # engineio closes without a word (abort=True): a long-poll of
                # this client still waiting would hold its HTTP request, and
                # the client's disconnect, for the ping timeout (45 s)
                self.queue.put_nowait(None)
        else:
            await self.server.stray(self.sid, f"engine.io packet of type {pkt.packet_type}")

    async def poll(self) -> list:
        """engineio's (python-engineio 4.15), waiting for the first packet
        under `asyncio.timeout` instead of `wait_for`, which made a task and
        a waiter future for every wake-up of every socket's writer."""
        try:
            async with asyncio.timeout(self.server.ping_interval + self.server.ping_timeout):
                first = await self.queue.get()
            self.queue.task_done()
        except (TimeoutError, asyncio.CancelledError):
            raise eio_exceptions.QueueEmpty() from None
        if first is None:
            return []
        packets = [first]
        while True:
            try:
                pkt = self.queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            self.queue.task_done()
            if pkt is None:
                self.queue.put_nowait(None)
                break
            packets.append(pkt)
        return packets

    async def _websocket_handler(self, ws: Any) -> None:
        """engineio's (python-engineio 4.15) once the socket is on the
        websocket; an upgrade from long-polling is left to engineio's. Each
        frame is awaited in the handler's own task, and the wait for it is
        ended after `ping_interval + ping_timeout` without one by a watch
        (`_IdleWatch`: one timer per socket, set again when it fires) where
        engineio made a task, a `wait_for` and its timer per frame. As with
        engineio, the time a frame's handlers take does not count: they run
        inline (DeskServer's `async_handlers=False`) and are never cut."""
        if self.connected:
            await super()._websocket_handler(ws)
            return
        self.connected = True
        self.upgraded = True
        writer_task = asyncio.ensure_future(self._websocket_writer(ws))
        self.server.logger.info("%s: Upgrade to websocket successful", self.sid)
        loop = asyncio.get_running_loop()
        idle = _IdleWatch(loop, self.server.ping_interval + self.server.ping_timeout)
        try:
            while True:
                data = await ws.wait()
                if data is None:  # connection closed by the client
                    break
                if len(data) > self.server.max_http_buffer_size:
                    break  # engineio: ValueError('packet is too large'), which ended the loop
                idle.handling = True
                try:
                    await self.receive(eio_packet.Packet(encoded_packet=data))
                except eio_exceptions.UnknownPacketError:
                    pass
                except eio_exceptions.SocketIsClosedError:
                    self.server.logger.info("Receive error -- socket is closed")
                    break
                except Exception:
                    self.server.logger.exception("Unknown receive error")
                finally:
                    idle.handled(loop.time())
        except asyncio.CancelledError:
            pass  # the watch's (no frame for too long), or shutdown's: as engineio, the socket is closed below
        except Exception:  # the connection failed under ws.wait(), as engineio's bare except
            pass
        finally:
            idle.stop()
            await self.queue.put(None)  # unlock the writer task so it can exit
        await writer_task
        await self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)

    async def _websocket_writer(self, ws: Any) -> None:
        """engineio's writer closure: what the queue holds, one frame each."""
        while True:
            try:
                packets = await self.poll()
            except eio_exceptions.QueueEmpty:
                break
            if not packets:  # the end marker: the connection is closing
                break
            try:
                for pkt in packets:
                    await ws.send(pkt.encode())
            except Exception:
                break
        await ws.close()

    async def handle_post_request(self, environ: dict) -> None:
        """The body (its length checked by `DeskEngine.handle_request`), read whole."""
        try:
            body = await environ["wsgi.input"].readexactly(int(environ.get("CONTENT_LENGTH") or 0))
        except (asyncio.IncompleteReadError, ConnectionError):  # the client left midway, or was cut
            return
        try:
            packets = eio_payload.Payload(encoded_payload=body.decode("utf-8")).packets
        except Exception as error:  # bytes from the network: whatever fails to decode is the client's
            await self.server.stray(self.sid, f"undecodable long-polling payload ({type(error).__name__})")
            return
        for pkt in packets:
            await self.receive(pkt)


_NODE = re.compile(r"[A-Za-z0-9_]{1,32}")  # as `[server] node` (config.py): no "-"
_FROM_CLIENTS = {eio_packet.PONG, eio_packet.MESSAGE, eio_packet.UPGRADE, eio_packet.CLOSE}
_TEXT_PACKETS = tuple("123456")  # what a websocket text frame may start with (binary goes in binary frames)


class _TrackedWebSocket(eio_aiohttp.WebSocket):
    """engineio's aiohttp websocket, with its TCP transport known to the
    engine for as long as the socket runs on it (`DeskEngine.drop` aborts it),
    and permessage-deflate accepted only when the engine says so."""

    def __init__(self, handler: Callable, server: DeskEngine) -> None:
        super().__init__(self._tracked, server)
        self._handle = handler

    async def __call__(self, environ: dict) -> web.WebSocketResponse:
        """engineio's (python-engineio 4.15), with `compress` chosen: the
        extension is answered in the handshake only when it is on."""
        self._sock = web.WebSocketResponse(max_msg_size=self.server.max_http_buffer_size,
                                           compress=self.server.ws_compression)
        await self._sock.prepare(environ["aiohttp.request"])
        self.environ = environ
        await self.handler(self)
        return self._sock

    async def _tracked(self, ws: Any) -> None:
        sid = self._handle.__self__.sid  # the socket's bound _websocket_handler (checked in DeskEngine)
        transport = self.environ["aiohttp.request"].transport
        self.server.tcp[sid] = transport
        try:
            await self._handle(ws)
        finally:
            if self.server.tcp.get(sid) is transport:
                del self.server.tcp[sid]

    async def wait(self) -> Any:
        """The next frame engineio can decode; the others are strays."""
        while True:
            data = await super().wait()
            if not isinstance(data, str) or data.startswith(_TEXT_PACKETS):
                return data
            await self.server.stray(self._handle.__self__.sid, "undecodable websocket frame")


class DeskEngine(engineio.AsyncServer):
    """engineio.AsyncServer with bounded queues and sockets closed on demand.
    `send_queue_bytes` bounds each socket's queue; `node` ("" = none) starts
    every session id, as `"{node}-"`; `ws_compression` accepts permessage-deflate
    from clients that offer it. Raises ValueError for a node name that
    is not 1-32 letters, digits or _ (a "-" in it would blur where it ends)."""

    def __init__(self, *, send_queue_bytes: int, node: str = "", ws_compression: bool = False,
                 **kwargs: Any) -> None:
        check_versions()
        if node and not _NODE.fullmatch(node):
            raise ValueError(f"node name {node!r}: expected 1-32 letters, digits or _")
        super().__init__(**kwargs)
        self.send_queue_bytes = send_queue_bytes
        self.ws_compression = ws_compression
        self.sid_prefix = f"{node}-" if node else ""
        self._async = {**self._async, "websocket": _TrackedWebSocket}  # this server's copy, not the module's
        self.tcp: dict[str, asyncio.BaseTransport] = {}  # websocket sockets' TCP transports
        self.posting: set[asyncio.BaseTransport] = set()  # long-polling POSTs being read
        self._drops: set[asyncio.Task] = set()
        # what a stray packet (sid, what) costs; DeskServer counts it against the connection
        self.on_stray: Callable[[str, str], Awaitable[None]] | None = None

    def generate_id(self) -> str:
        """engineio's random id (URL-safe base64, which may hold "-" and "_"),
        after this node's prefix: the first "-" ends the node's name."""
        return self.sid_prefix + super().generate_id()

    async def stray(self, sid: str, what: str) -> None:
        if self.on_stray is not None:
            await self.on_stray(sid, what)

    def queue_packet(self, sid: str, pkt: eio_packet.Packet) -> None:
        """`send_packet` without waiting: `pkt` joins the socket's queue,
        unless the socket is gone, closed or closing. Unlike engineio's
        `AsyncSocket.send`, it never closes a socket whose client stopped
        answering pings (that would run the disconnect handlers inside the
        sender's use case); engineio's service task closes those."""
        socket = self.sockets.get(sid)
        if socket is not None and not (socket.closed or socket.closing):
            socket.queue.put_nowait(pkt)

    async def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "connect":  # the socket exists, no packet of its client has been read yet
            socket = self.sockets.get(args[0])
            if type(socket) is eio_socket.AsyncSocket:
                socket.__class__ = DeskSocket  # engineio makes AsyncSocket itself; DeskSocket adds no state
        return await super()._trigger_event(event, *args, **kwargs)

    def create_queue(self, *args: Any, **kwargs: Any) -> asyncio.Queue:
        return SendQueue(self.send_queue_bytes, self._overflowed)

    def _overflowed(self, queue: SendQueue) -> None:
        sid = next((sid for sid, s in self.sockets.items() if s.queue is queue), None)
        if sid is None:
            return
        log.warning("closing connection %s: more than %d bytes waiting for a client that does not read",
                    sid, self.send_queue_bytes)
        task = asyncio.ensure_future(self.drop(sid))
        self._drops.add(task)
        task.add_done_callback(self._drops.discard)

    async def drop(self, sid: str) -> None:
        """Closes the socket now: what waits for it is forgotten, its
        websocket's connection aborted, its disconnect handlers run."""
        socket = self.sockets.pop(sid, None)
        transport = self.tcp.pop(sid, None)
        if transport is not None:
            transport.abort()
        if socket is not None:
            socket.queue.discard()
            await socket.close(wait=False, abort=True, reason=self.reason.SERVER_DISCONNECT)

    async def disconnect(self, sid: str | None = None) -> None:
        """engineio's, without waiting for a polling client to fetch the CLOSE packet."""
        if sid is None:
            await self.close_all()
            return
        socket = self.sockets.get(sid)
        if socket is not None:
            await socket.close(wait=False, reason=self.reason.SERVER_DISCONNECT)
            self.sockets.pop(sid, None)

    async def close_all(self, grace_s: float = CLOSE_GRACE_S) -> None:
        """Every socket gets the CLOSE packet (a waiting long-poll returns it,
        a websocket's writer sends it); `grace_s` later, the websockets still
        open are cut, and so are POSTs whose body is still on its way."""
        for sid, socket in list(self.sockets.items()):
            await socket.close(wait=False, reason=self.reason.SERVER_DISCONNECT)
            socket.queue.put_nowait(None)  # after the CLOSE packet: the writer stops
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while (self.tcp or self.posting) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for sid in list(self.tcp):
            await self.drop(sid)
        for transport in list(self.posting):  # a body that has not come by now will not
            transport.abort()
        self.sockets.clear()

    async def handle_request(self, request: web.Request) -> web.StreamResponse:
        """A long-polling POST is read whole by engineio: one over the size
        limit is refused before a byte of it is read, and its session ends.
        A client of another Engine.IO protocol (socket.io-client 2 sends
        EIO=3) is refused with a 400 that says which one this server speaks,
        where engineio would log an ERROR for the first one."""
        if request.query.get("EIO") != PROTOCOL:
            return web.Response(status=400, text=f"this server speaks Engine.IO protocol {PROTOCOL} "
                                                 "(socket.io-client 3 or newer)\n")
        if request.method == "POST":
            refusal = self._refuse_post(request)
            if refusal is not None:
                sid = request.query.get("sid")
                if sid is not None:
                    await self.drop(sid)
                refusal.force_close()
                return refusal
            self.posting.add(request.transport)
            try:
                return await super().handle_request(request)
            finally:
                self.posting.discard(request.transport)
        return await super().handle_request(request)

    def _refuse_post(self, request: web.Request) -> web.Response | None:
        if request.content_length is None:
            return web.Response(status=411, text="a long-polling POST needs a Content-Length\n")
        if request.content_length > self.max_http_buffer_size:
            return web.Response(status=413, text=f"a long-polling POST takes at most "
                                                 f"{self.max_http_buffer_size} bytes\n")
        return None

