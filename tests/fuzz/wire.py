"""A raw Engine.IO v4 / Socket.IO v5 client over aiohttp's websocket, below
any client library: it sends whatever frame it is given and records every
packet the server sends, so a test can count acks (a library client drops a
second ack silently) and see exactly when the server closes the socket.

Frames are the text the wire carries: `40/visitor,{"site":"acme"}` (an
Engine.IO message, `4`, holding a Socket.IO CONNECT, `0`),
`42/visitor,7["chat:send",{...}]` (EVENT with ack id 7), `43...` (ACK),
`41/visitor,` (DISCONNECT); binary attachments follow a `45N-` frame as
binary websocket frames.
"""
from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
from typing import Any

import aiohttp

WAIT_S = 5.0  # real seconds for a network delivery
CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK = range(7)


def encode(data: Any, *, ascii_only: bool = True) -> str:
    """JSON as a Socket.IO client writes it; a lone surrogate (which UTF-8
    cannot carry) is always escaped."""
    text = json.dumps(data, ensure_ascii=ascii_only, allow_nan=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text


def event_frame(namespace: str, event: Any, payload: Any = None, ack_id: int | None = None, *,
                with_payload: bool = True, ascii_only: bool = True) -> str:
    args = [event, payload] if with_payload else [event]
    return f"42{namespace},{'' if ack_id is None else ack_id}{encode(args, ascii_only=ascii_only)}"


@dataclasses.dataclass(frozen=True)
class Packet:
    """A Socket.IO packet the server sent; `data` is None when it carried
    no JSON (or JSON this client could not read: then `raw` says what)."""

    type: int
    namespace: str
    id: int | None
    data: Any
    raw: str


def parse(text: str) -> Packet | None:
    """A server's Engine.IO message frame (`4...`) as a Socket.IO packet;
    None for any other Engine.IO frame."""
    if not text.startswith("4") or len(text) < 2 or not text[1].isdigit():
        return None
    kind, rest = int(text[1]), text[2:]
    if kind in (BINARY_EVENT, BINARY_ACK):
        _, _, rest = rest.partition("-")
    namespace = "/"
    if rest.startswith("/"):
        namespace, _, rest = rest.partition(",")
    digits = "".join(itertools.takewhile(str.isdigit, rest))
    rest = rest[len(digits):]
    try:
        data = json.loads(rest) if rest else None
    except ValueError:
        data = None
    return Packet(kind, namespace, int(digits) if digits else None, data, text)


class RawSocket:
    """One Engine.IO websocket session. A reader task answers the server's
    pings and records every packet; `closed` turns true when the server
    (or the network) ends the session."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session: aiohttp.ClientSession) -> None:
        self._ws, self._session = ws, session
        self.packets: list[Packet] = []
        self.closed = False
        self.close_code: int | None = None
        self._changed = asyncio.Event()
        self._ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read(), name="raw-socket-reader")

    @classmethod
    async def open(cls, url: str, headers: dict[str, str] | None = None) -> RawSocket:
        session = aiohttp.ClientSession()
        try:
            ws = await session.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket", headers=headers,
                                          max_msg_size=0, autoping=True)
            opening = await ws.receive_str(timeout=WAIT_S)
        except BaseException:
            await session.close()
            raise
        if not opening.startswith("0"):
            await session.close()
            raise AssertionError(f"no Engine.IO open packet: {opening[:100]!r}")
        return cls(ws, session)

    def next_id(self) -> int:
        return next(self._ids)

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                if message.type is aiohttp.WSMsgType.TEXT:
                    await self._take(message.data)
        except (aiohttp.ClientError, ConnectionError):
            pass
        finally:
            self.closed = True
            self.close_code = self._ws.close_code
            self._changed.set()

    async def _take(self, text: str) -> None:
        if text == "2":  # Engine.IO ping
            await self.send("3")
            return
        packet = parse(text)
        if packet is not None:
            self.packets.append(packet)
            self._changed.set()

    async def send(self, frame: str | bytes) -> None:
        """Raises ConnectionError once the session is closed."""
        if self.closed or self._ws.closed:
            raise ConnectionError("the websocket is closed")
        if isinstance(frame, bytes):
            await self._ws.send_bytes(frame)
        else:
            await self._ws.send_str(frame)

    async def wait_for(self, found, timeout: float = WAIT_S) -> Any:
        """The first truthy `found()`; raises TimeoutError, or ConnectionError
        if the socket closes first."""
        async def poll() -> Any:
            while True:
                self._changed.clear()
                result = found()
                if result:
                    return result
                if self.closed:
                    raise ConnectionError(f"the server closed the socket (code {self.close_code})")
                await self._changed.wait()
        return await asyncio.wait_for(poll(), timeout)

    def acks(self, namespace: str, ack_id: int) -> list[Packet]:
        return [p for p in self.packets if p.type in (ACK, BINARY_ACK) and p.namespace == namespace
                and p.id == ack_id]

    async def connect(self, namespace: str, auth: Any = None, timeout: float = WAIT_S) -> Packet:
        """Sends CONNECT; the server's CONNECT or CONNECT_ERROR packet."""
        start = len(self.packets)
        await self.send(f"40{namespace}," + ("" if auth is None else encode(auth)))

        def answer() -> Packet | None:
            return next((p for p in self.packets[start:] if p.namespace == namespace
                         and p.type in (CONNECT, CONNECT_ERROR)), None)
        return await self.wait_for(answer, timeout)

    async def call(self, namespace: str, event: str, payload: Any = None, timeout: float = WAIT_S) -> Any:
        """Emits with an ack id and returns the ack's first argument."""
        ack_id = self.next_id()
        await self.send(event_frame(namespace, event, payload, ack_id))
        packets = await self.wait_for(lambda: self.acks(namespace, ack_id), timeout)
        return packets[0].data[0] if isinstance(packets[0].data, list) and packets[0].data else None

    def events(self, namespace: str, name: str) -> list[Any]:
        return [p.data[1] if len(p.data) > 1 else None for p in self.packets
                if p.type == EVENT and p.namespace == namespace and isinstance(p.data, list)
                and p.data and p.data[0] == name]

    def forget(self) -> None:
        """Drops the packets recorded so far (a long fuzz run would hold them all)."""
        self.packets.clear()

    async def close(self) -> None:
        if not self._ws.closed:
            await self._ws.close()
        self._reader.cancel()
        try:
            await self._reader
        except asyncio.CancelledError:
            pass
        await self._session.close()
