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
"""
from __future__ import annotations

from typing import Any

import socketio


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


class DeskManager(RoomIndex, socketio.AsyncManager):
    """One process's manager: python-socketio's, with the room index."""
