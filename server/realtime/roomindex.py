"""Which rooms each connection is in, kept beside python-socketio's rooms.

python-socketio's managers (5.18) keep `rooms[namespace][room]` only: to
disconnect a socket, `basic_disconnect` copies every room of the namespace
and looks for the socket in each, and `get_rooms` scans them all too. With
two rooms per visitor (its own connection's and `visitor:<id>`), 10,000
visitors are 20,000 rooms, and 10,000 of them leaving at once (a network
blip, a proxy restarting) kept one process busy for about a minute
(bench/idle.py). `RoomIndex` records each connection's rooms as it enters
and leaves them, so that a disconnect leaves its own rooms and nothing
else is read. Every change still goes through the library's
`basic_enter_room` and `basic_leave_room`, so `rooms` stays the library's,
equal to what the stock manager would hold
(tests/realtime/test_room_index.py).

It also delivers an emit to this process's sockets: the packet encoded
once and queued to each recipient in turn. The stock `AsyncManager.emit`
makes an asyncio task per recipient and waits for them all, so every emit
costs a turn of the event loop before it returns. Queueing a packet to an
engine.io socket need not wait (`engine.DeskEngine.queue_packet`; a socket
whose queue grows too big is closed by `engine.SendQueue` instead).
"""
from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet


class RoomIndex:
    """A mixin for python-socketio's managers (put it first among the bases)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (namespace, sid) -> its rooms, in the order it entered them (None: the namespace's own)
        self._rooms_of: dict[tuple[str, str], dict[Any, None]] = {}

    def basic_enter_room(self, sid: str, namespace: str, room: Any, eio_sid: str | None = None) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)  # type: ignore[misc]
        self._rooms_of.setdefault((namespace, sid), {})[room] = None

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]
        rooms = self._rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.pop(room, None)
            if not rooms:
                del self._rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """The library's, with the socket's own rooms instead of a scan of all of them."""
        self_: Any = self
        if namespace not in self_.rooms:
            return
        for room in list(self._rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self_.callbacks.pop(sid, None)
        for pending in (self_.pending_connect, self_.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        return [room for room in self._rooms_of.get((namespace, sid), ()) if room is not None]

    def encode_event(self, event: str, data: Any, namespace: str) -> str:
        """The EVENT packet's text, as `AsyncManager.emit` builds it."""
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        self_: Any = self
        encoded = self_.server.packet_class(packet.EVENT, namespace=namespace, data=[event, *args]).encode()
        if not isinstance(encoded, str):
            raise TypeError("binary data is not part of the protocol")
        return encoded

    def deliver(self, namespace: str, room: str | None, skip: list[str], encoded: str) -> None:
        """The packet to this process's sockets in the room (None: the
        namespace), queued to each (`engine.DeskEngine.queue_packet`)."""
        self_: Any = self
        if namespace not in self_.rooms:
            return
        eio_pkt = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        engine = self_.server.eio
        for sid, eio_sid in self_.get_participants(namespace, room):
            if sid not in skip:
                engine.queue_packet(eio_sid, eio_pkt)


def skipped(skip_sid: Any) -> list[str]:
    """`emit`'s `skip_sid` (None, one id or a list) as a list."""
    return skip_sid if isinstance(skip_sid, list) else [] if skip_sid is None else [skip_sid]


class DeskManager(RoomIndex, socketio.AsyncManager):
    """One process's manager: python-socketio's, with the room index and
    its delivery (an emit asking an ack goes the library's way)."""

    async def emit(self, event: str, data: Any, namespace: str | None = None, room: str | None = None,
                   skip_sid: Any = None, callback: Any = None, to: str | None = None, **kwargs: Any) -> None:
        namespace = namespace or "/"
        if callback is not None:
            await super().emit(event, data, namespace, room=to or room, skip_sid=skip_sid, callback=callback)
            return
        self.deliver(namespace, to or room, skipped(skip_sid), self.encode_event(event, data, namespace))
