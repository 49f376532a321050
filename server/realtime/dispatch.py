"""The Socket.IO server, made strict.

python-socketio dispatches any event name a client sends, `connect` and
`disconnect` included, and runs each handler as its own task, so a client's
pipelined events can overtake each other. `DeskServer` takes over event
dispatch: each connection's events are staged one after another in the order
they arrived (engine.io hands them over in order); a handler may return an
awaitable for the slow part (the durable commit), which completes in the
background and acks then, so a pipelining client is not held up. Names a
namespace does not define change nothing and ack `unknown_event`.

Every packet a connection sends is metered (`[limits] packets_per_minute`);
packets that cannot be decoded or have no place here (a second CONNECT to a
namespace, an ACK for nothing asked, binary packets) are counted against
`bad_packets_per_minute` and dropped, and the connection's log line says
how many there were when it ends. Past either budget the connection is
closed. Below Socket.IO, `engine.DeskEngine` bounds what waits for each
connection.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from socketio import packet

from ..config import LimitsConfig
from ..policy.budget import Window
from ..services.errors import BadRequest, DeskError, Unavailable, UnknownEvent, outage
from ..services.ports import Clock
from ..services.rooms import Connection, Room, namespace_of
from .common import client_address
from .engine import DeskEngine
from .manager import DeskRedisManager

log = logging.getLogger(__name__)
Handler = Callable[[str, Any], Awaitable[Any]]


def error_ack(error: DeskError) -> dict[str, Any]:
    return {"ok": False, "error": error.as_dict()}


INTERNAL = {"ok": False, "error": {"code": "internal", "message": "the server could not do that"}}


class Namespace:
    """One of /visitor, /agent, /supervisor: its events and its lifecycle."""

    path = "/"

    def __init__(self) -> None:
        self.events: dict[str, Handler] = {}

    async def connect(self, sid: str, environ: dict, auth: Any) -> None:
        """Raises services.errors.Refused to refuse the connection."""

    async def connected(self, sid: str) -> None:
        """Runs once the client has been told it is connected."""

    async def disconnect(self, sid: str) -> None:
        pass


def _refusal(refused: DeskError) -> socketio.exceptions.ConnectionRefusedError:
    """The CONNECT_ERROR packet's data: socket.io-client shows `message` as
    `err.message` and `data` as `err.data`; `code` (and `until`) also sit at
    the top for clients that read the packet as it is."""
    error = socketio.exceptions.ConnectionRefusedError(refused.message)
    details = refused.as_dict()
    error.error_args = {**details, "data": details}
    return error


@dataclasses.dataclass(slots=True)
class _Meter:
    """One connection's packet budgets and what it did wrong. Lives as long
    as the connection, on the node that holds it: no other node needs it."""

    packets: Window
    bad: Window
    bad_count: int = 0
    first_bad: str = ""
    closed_for: str = ""


class DeskServer(socketio.AsyncServer):
    def __init__(self, *, limits: LimitsConfig, clock: Clock, node: str = "", ws_compression: bool = False,
                 **kwargs: Any) -> None:
        """`node`: this node's name, which starts every engine.io (and
        Socket.IO) session id (`DeskEngine`); "" = no prefix.
        `ws_compression`: accept permessage-deflate when a client offers it."""
        super().__init__(async_handlers=False, send_queue_bytes=limits.send_queue_bytes, node=node,
                         ws_compression=ws_compression, **kwargs)
        self.desk_namespaces: dict[str, Namespace] = {}
        self._tasks: set[asyncio.Task] = set()
        self._limits, self._clock = limits, clock
        self._meters: dict[str, _Meter] = {}
        self.eio.on_stray = self._bad_packet
        # Each event, connect and disconnect runs in a unit of work
        # (services.events): what it tells clients leaves when it ends.
        self.unit: Callable[[], contextlib.AbstractAsyncContextManager] = contextlib.nullcontext

    def _engineio_server_class(self) -> type:
        return DeskEngine

    def mount(self, ns: Namespace) -> None:
        self.desk_namespaces[ns.path] = ns
        self.on("connect", self._connect_handler(ns), namespace=ns.path)
        self.on("disconnect", self._disconnect_handler(ns), namespace=ns.path)

    def _connect_handler(self, ns: Namespace) -> Callable:
        async def on_connect(sid: str, environ: dict, auth: Any = None) -> None:
            try:
                async with self.unit():
                    await ns.connect(sid, environ, auth)
            except DeskError as refused:
                raise _refusal(refused) from None
        return on_connect

    def _disconnect_handler(self, ns: Namespace) -> Callable:
        async def on_disconnect(sid: str, reason: Any = None) -> None:
            try:
                async with self.unit():
                    await ns.disconnect(sid)
            except Unavailable as exc:  # Redis away: it registers this node's sockets afresh when back
                log.warning("disconnect of %s on %s not recorded: %s", sid, ns.path, exc)
            except Exception:  # a failed cleanup must not break the socket layer
                log.exception("disconnect of %s on %s failed", sid, ns.path)
        return on_disconnect

    async def _handle_eio_connect(self, eio_sid: str, environ: dict) -> None:
        self._meters[eio_sid] = _Meter(Window(self._limits.packets_per_minute, 60),
                                       Window(self._limits.bad_packets_per_minute, 60))
        await super()._handle_eio_connect(eio_sid, environ)

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any) -> None:
        meter = self._meters.pop(eio_sid, None)
        if meter is not None and (meter.bad_count or meter.closed_for):
            address = client_address(self.environ.get(eio_sid, {}))
            bad = (f"{meter.bad_count} malformed or out-of-place packets (the first: {meter.first_bad})"
                   if meter.bad_count else "")
            log.warning("connection %s from %s: %s%s", eio_sid, address, bad,
                        f"{'; ' if bad else ''}closed: {meter.closed_for}" if meter.closed_for else "")
        await super()._handle_eio_disconnect(eio_sid, reason)

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        """Meters, decodes and dispatches one Socket.IO packet. Replaces
        python-socketio's, which logs a traceback for every undecodable
        packet and takes binary packets this protocol does not use."""
        meter = self._meters.get(eio_sid)
        if meter is None:  # closed meanwhile (the rest of a long-polling POST)
            return
        if not meter.packets.spend(self._clock.now()):
            await self._close(eio_sid, meter, f"more than {meter.packets.limit} packets a minute")
            return
        try:
            pkt = self.packet_class(encoded_packet=data)
        except Exception as error:  # bytes from the network: whatever fails to decode is the client's
            await self._bad_packet(eio_sid, f"undecodable ({type(error).__name__}: {str(error)[:80]})")
            return
        await self._dispatch(eio_sid, pkt)

    async def _dispatch(self, eio_sid: str, pkt: Any) -> None:
        kind = pkt.packet_type
        if kind == packet.CONNECT:
            await self._handle_connect(eio_sid, pkt.namespace, pkt.data)
        elif kind == packet.DISCONNECT:
            await self._handle_disconnect(eio_sid, pkt.namespace, self.reason.CLIENT_DISCONNECT)
        elif kind == packet.EVENT:
            await self._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        else:  # the server asks no acks; binary packets are not part of the protocol
            names = packet.packet_names
            await self._bad_packet(eio_sid, f"{names[kind] if 0 <= kind < len(names) else kind} packet")

    async def _bad_packet(self, eio_sid: str, what: str) -> None:
        meter = self._meters.get(eio_sid)
        if meter is None:
            return
        meter.bad_count += 1
        meter.first_bad = meter.first_bad or what
        if not meter.bad.spend(self._clock.now()):
            await self._close(eio_sid, meter, f"more than {meter.bad.limit} malformed packets a minute")

    async def _close(self, eio_sid: str, meter: _Meter, why: str) -> None:
        meter.closed_for = why
        await self.eio.drop(eio_sid)

    async def _handle_connect(self, eio_sid: str, namespace: str, data: Any) -> None:
        namespace = namespace or "/"
        if namespace not in self.desk_namespaces or self.manager.sid_from_eio_sid(eio_sid, namespace):
            # socket.io refuses these too, but the connected hook below would
            # run a second session for a namespace connected already
            await self._refuse_connect(eio_sid, namespace)
            return
        await super()._handle_connect(eio_sid, namespace, data)
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        ns = self.desk_namespaces.get(namespace)
        if ns is not None and sid is not None and self.manager.is_connected(sid, namespace):
            try:
                async with self.unit():
                    await ns.connected(sid)
            except Exception:
                log.exception("after-connect of %s on %s failed", sid, namespace)

    async def _refuse_connect(self, eio_sid: str, namespace: str) -> None:
        name = repr(namespace[:64])
        refused = (BadRequest(f"connected to {name} already") if namespace in self.desk_namespaces
                   else BadRequest(f"no namespace {name}"))
        await self._bad_packet(eio_sid, f"CONNECT: {refused.message}")
        if eio_sid in self._meters:  # not closed for it
            await self._send_packet(eio_sid, self.packet_class(
                packet.CONNECT_ERROR, data=_refusal(refused).error_args, namespace=namespace))

    async def _handle_event(self, eio_sid: str, namespace: str, id: int | None, data: Any) -> None:
        namespace = namespace or "/"
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        if sid is None or not self.manager.is_connected(sid, namespace):
            return
        ns = self.desk_namespaces.get(namespace)
        name = data[0] if isinstance(data, list) and data and isinstance(data[0], str) else None
        handler = ns.events.get(name) if ns is not None and name is not None else None
        if handler is None:
            result: Any = error_ack(UnknownEvent(f"no event {str(name)[:64]!r} on {namespace}"))
        else:
            result = await self._guard(handler(sid, data[1] if len(data) > 1 else None))
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(self._finish(eio_sid, namespace, id, result))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif id is not None:
            await self._ack(eio_sid, namespace, id, result)

    async def _guard(self, work: Awaitable) -> Any:
        """The result of `work`, run as a unit of work, or the error ack that
        stands for it (and then its events are not sent)."""
        try:
            async with self.unit():
                return await work
        except DeskError as error:
            return error_ack(error)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if (away := outage(error)) is not None:
                log.warning("handler: %r", error)
                return error_ack(away)
            log.exception("handler failed")
            return INTERNAL

    async def _finish(self, eio_sid: str, namespace: str, id: int | None, pending: Awaitable) -> None:
        result = await self._guard(pending)
        if id is not None:
            await self._ack(eio_sid, namespace, id, result)

    async def _ack(self, eio_sid: str, namespace: str, id: int, result: Any) -> None:
        try:
            await self._send_packet(eio_sid, self.packet_class(
                packet.ACK, namespace=namespace, id=id, data=[result]))
        except Exception:  # the client went away meanwhile
            log.debug("ack to %s lost", eio_sid)

    async def shutdown_tasks(self) -> None:
        for task in list(self._tasks):
            await asyncio.gather(task, return_exceptions=True)


class SocketNotifier:
    """services.ports.Notifier over Socket.IO rooms, each in the namespace
    services.rooms.namespace_of names."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio

    async def emit(self, event: str, data: dict, room: Room, skip: str | None = None, *,
                   here: bool = False) -> None:
        """`here`: only to this node's sockets in the room (each node pushes
        its own supervisors their figures)."""
        namespace, to = namespace_of(room), _name(room)
        await self._sio.emit(event, data, room=to, skip_sid=skip, namespace=namespace, ignore_queue=here)

    async def disconnect(self, room: Room) -> None:
        """Closes the room's connections, on every node."""
        namespace, room = namespace_of(room), _name(room)
        manager = self._sio.manager
        if isinstance(manager, DeskRedisManager):
            await manager.close_room_sockets(namespace, room)
            return
        for sid, _ in list(manager.get_participants(namespace, room)):
            await self._sio.disconnect(sid, namespace=namespace)


def _name(room: Room) -> str:
    """The Socket.IO room: a connection's is its id."""
    return room.id if isinstance(room, Connection) else room
