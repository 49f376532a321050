"""Events across nodes: python-socketio's Redis manager, plus closing a
room's sockets on every node (a suspended visitor's tabs, a removed
agent's consoles), which the stock manager does only per socket id, and
a listener that is back within a second of Redis.

Redis pub/sub keeps nothing for a subscriber that is away: what other
nodes publish while this node's listener reconnects does not reach this
node's sockets (it is stored; a reload or reconnect shows it). The stock
listener waits 1, 2, 4 ... 60 s between attempts, so after an outage a
node could stay deaf for a minute; this one waits at most LISTEN_RETRY_S.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import socketio

log = logging.getLogger(__name__)
LISTEN_RETRY_S = (0.1, 1.0)  # the listener's first and longest wait between attempts

CLOSE = "close_room"  # a message field: close the room's sockets instead of emitting to them


class DeskRedisManager(socketio.AsyncRedisManager):
    async def close_room_sockets(self, namespace: str, room: str) -> None:
        """Closes every socket in `room`, on this node and the others."""
        message = {"method": "emit", CLOSE: True, "event": CLOSE, "data": [], "namespace": namespace,
                   "room": room, "host_id": self.host_id}
        await self._handle_emit(message)
        await self._publish(message)

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get(CLOSE) is True:
            namespace, room = message.get("namespace"), message.get("room")
            for sid, _ in list(self.get_participants(namespace, room)):
                await self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
            return
        await super()._handle_emit(message)

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        """The stock loop (python-socketio 5.18), with a short backoff and
        one warning per loss instead of an error per attempt."""
        wait, longest = LISTEN_RETRY_S
        lost = False
        while True:
            try:
                self._redis_connect()
                await self.pubsub.subscribe(self.channel)
                if lost:
                    log.warning("events from other nodes reach this node again")
                wait, lost = LISTEN_RETRY_S[0], False
                async for message in self.pubsub.listen():
                    yield message
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not lost:
                    log.warning("events from other nodes cannot reach this node (%r); trying again", exc)
                lost = True
                await asyncio.sleep(wait)
                wait = min(2 * wait, longest)
