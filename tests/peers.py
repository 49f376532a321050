"""Test clients: python-socketio's real AsyncClient over loopback, with a
record of every event received."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import socketio

from . import stalls

# Real seconds for a network delivery, a call's answer or a connect; never a
# policy timer. A bound on a wait, never a measure of speed: on a loaded CI
# machine (three workers, their servers and Chromium on two cores) a
# connect and a `chat:start` each once took over 5 s, the bound before.
WAIT_S = 10.0


class Refused(Exception):
    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.data = data


class Peer:
    def __init__(self, url: str, namespace: str, auth: dict | None = None,
                 headers: dict | None = None, transports: tuple[str, ...] = ("websocket",)) -> None:
        self.url, self.namespace, self.auth, self.headers = url, namespace, auth, headers or {}
        self.transports = list(transports)
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self._taken: set[int] = set()
        self._changed = asyncio.Event()
        self.refusal: Any = None
        self.sio.on("*", self._record, namespace=namespace)
        self.sio.on("connect_error", self._refused, namespace=namespace)

    async def _record(self, event: str, *args: Any) -> None:
        self.events.append((event, args[0] if args else None))
        self._changed.set()

    async def _refused(self, data: Any) -> None:
        self.refusal = data

    async def connect(self) -> Peer:
        """Raises Refused with the server's refusal (None when there was
        none: the connection failed or nothing answered in WAIT_S,
        which the exception's notes say)."""
        started = asyncio.get_running_loop().time()
        try:
            await self.sio.connect(self.url, namespaces=[self.namespace], auth=self.auth, headers=self.headers,
                                   transports=self.transports, wait_timeout=WAIT_S)
        except socketio.exceptions.ConnectionError as failure:
            refused = Refused(self.refusal)
            if self.refusal is None:
                elapsed = asyncio.get_running_loop().time() - started
                refused.add_note(f"no refusal: {failure!r} after {elapsed:.2f} s")
            raise refused from None
        return self

    async def call(self, event: str, data: Any = None, timeout: float = WAIT_S) -> Any:
        """The answer; past half the timeout, the test's log gets what the
        process was doing (tests/stalls.py), for a failure to explain."""
        loop = asyncio.get_running_loop()
        late = loop.call_later(timeout / 2, stalls.report, f"{self.namespace} {event!r}", timeout / 2)
        try:
            return await self.sio.call(event, data, namespace=self.namespace, timeout=timeout)
        finally:
            late.cancel()

    async def emit(self, event: str, data: Any = None, callback: Callable | None = None) -> None:
        await self.sio.emit(event, data, namespace=self.namespace, callback=callback)

    async def next(self, event: str, where: Callable[[Any], bool] = lambda _: True,
                   timeout: float = WAIT_S) -> Any:
        """The first event of that name not taken yet that matches `where`."""
        async def found() -> Any:
            while True:
                for index, (name, data) in enumerate(self.events):
                    if index not in self._taken and name == event and where(data):
                        self._taken.add(index)
                        return data
                self._changed.clear()
                await self._changed.wait()
        return await asyncio.wait_for(found(), timeout)

    def received(self, event: str) -> list[Any]:
        return [data for name, data in self.events if name == event]

    async def close(self) -> None:
        """Disconnects, waiting at most WAIT_S: a peer whose server was
        killed or cut off has nobody to say goodbye to."""
        if self.sio.connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.sio.disconnect(), WAIT_S)
