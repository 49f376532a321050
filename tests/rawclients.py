"""Hostile clients below Socket.IO, on plain asyncio streams: a websocket
that may never read what the server sends, and long-polling requests written
byte by byte. Used by the transport tests and by bench/slow_readers.py."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
from typing import Any
from urllib.parse import urlsplit

EIO = "/socket.io/?EIO=4"


def _endpoint(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


async def _open(url: str, small_buffers: bool) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = _endpoint(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if small_buffers:  # a client that does not read must fill up fast: keep the kernel's share small
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    return await asyncio.open_connection(sock=sock, limit=4096 if small_buffers else 2 ** 20)


async def _response_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status = int((await reader.readline()).split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


class RawWebSocket:
    """One engine.io websocket. `receive` reads a frame; a test that wants a
    client that never reads simply never calls it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str, *, small_buffers: bool = False, sid: str | None = None) -> RawWebSocket:
        reader, writer = await _open(url, small_buffers)
        key = base64.b64encode(os.urandom(16)).decode()
        query = f"{EIO}&transport=websocket" + (f"&sid={sid}" if sid else "")
        writer.write((f"GET {query} HTTP/1.1\r\nHost: {_endpoint(url)[0]}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                      ).encode())
        status, _ = await _response_head(reader)
        if status != 101:
            raise ConnectionError(f"websocket upgrade answered {status}")
        return cls(reader, writer)

    async def send(self, text: str) -> None:
        payload = text.encode()
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x81, 0x80 | length)
        elif length < 65536:
            head = struct.pack("!BBH", 0x81, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x81, 0x80 | 127, length)
        self.writer.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        await self.writer.drain()

    async def receive(self, timeout: float = 5.0) -> str | None:
        """The next text frame; None once the server closed or reset the connection."""
        try:
            return await asyncio.wait_for(self._frame(), timeout)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None

    async def _frame(self) -> str | None:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", await self.reader.readexactly(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
        payload = await self.reader.readexactly(length)
        if first & 0x0F == 0x8:  # close
            return None
        return payload.decode()

    async def next(self, prefix: str, timeout: float = 5.0) -> str:
        """The next text frame starting with `prefix`, answering pings on the way."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            text = await self.receive(max(deadline - loop.time(), 0.01))
            if text is None:
                raise ConnectionError("closed")
            if text == "2":
                await self.send("3")
            elif text.startswith(prefix):
                return text

    async def closed_by_server(self, timeout: float = 5.0) -> bool:
        """Reads and drops frames until the server closes; False if it has not within `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            try:
                if await self.receive(deadline - loop.time()) is None:
                    return True
            except asyncio.TimeoutError:
                return False
        return False

    def abort(self) -> None:
        self.writer.transport.abort()


async def visitor_socket(url: str, site: str, *, small_buffers: bool = False,
                         auth: dict[str, Any] | None = None) -> RawWebSocket:
    """A raw websocket connected to /visitor (its `session` is left unread)."""
    ws = await RawWebSocket.open(url, small_buffers=small_buffers)
    await ws.next("0")  # engine.io open
    await ws.send("40/visitor," + json.dumps({"site": site, **(auth or {})}))
    await ws.next("40/visitor,")
    return ws


async def http(url: str, method: str, target: str, body: bytes = b"", *, length: int | None = None,
               timeout: float = 5.0) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a fresh connection. `length` may claim more
    bytes than `body` holds (a client that stops sending midway)."""
    reader, writer = await _open(url, small_buffers=False)
    try:
        head = f"{method} {target} HTTP/1.1\r\nHost: {_endpoint(url)[0]}\r\n"
        if method == "POST":
            head += f"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {len(body) if length is None else length}\r\n"
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        status, headers = await asyncio.wait_for(_response_head(reader), timeout)
        size = int(headers.get("content-length", "0"))
        return status, await asyncio.wait_for(reader.readexactly(size), timeout)
    finally:
        writer.transport.abort()


async def polling_session(url: str) -> str:
    """Opens a long-polling engine.io session; returns its sid."""
    status, body = await http(url, "GET", f"{EIO}&transport=polling")
    if status != 200:
        raise ConnectionError(f"polling open answered {status}")
    return json.loads(body.decode()[1:])["sid"]


def ack_of(frame: str, namespace: str, ack_id: int) -> Any:
    """The data of an ACK frame (`43/visitor,7[...]`)."""
    return json.loads(frame[len(f"43{namespace},{ack_id}"):])[0]


async def fill_chat(ws: RawWebSocket, messages: int, text: str = "x" * 4000) -> str:
    """Starts a chat on a raw /visitor socket and sends `messages` in all
    (the first with chat:start), reading each ack; returns the chat's id."""
    await ws.send('42/visitor,1["chat:start",' + json.dumps({"text": text}) + "]")
    ack = ack_of(await ws.next("43/visitor,1["), "/visitor", 1)
    if not ack["ok"]:
        raise RuntimeError(f"chat:start: {ack}")
    chat_id = ack["chat"]["id"]
    for n in range(2, messages + 1):
        await ws.send(f'42/visitor,{n}["chat:send",' + json.dumps(
            {"chat_id": chat_id, "client_id": f"c{n}", "text": text}) + "]")
        if not ack_of(await ws.next(f"43/visitor,{n}["), "/visitor", n)["ok"]:
            raise RuntimeError(f"chat:send {n} refused")
    return chat_id


async def ask_history(ws: RawWebSocket, chat_id: str, requests: int, first_id: int = 1000) -> None:
    """Sends `requests` chat:history requests for the whole chat, reading nothing."""
    for n in range(requests):
        await ws.send(f'42/visitor,{first_id + n}["chat:history",' + json.dumps(
            {"chat_id": chat_id, "after_seq": 0}) + "]")
