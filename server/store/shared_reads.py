"""Reads of one kind, by key, asked at the same moment, made as one query.

When many connections leave at once (a proxy restarting, 10,000 visitors
on one node), each visitor's last connection asks the store for its open
chat; one by one, those reads queued on the database's thread for about
25 s after 10,000 left (bench/idle.py). `KeyedReads` gathers the keys asked
during one turn of the event loop and reads them together, so a caller
gets the result of a read that began after it asked, as if it had made it
itself, and nothing is kept once the read lands.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MAX_KEYS = 500  # keys per query: well inside SQLite's and PostgreSQL's limits on bound parameters


class KeyedReads(Generic[K, V]):
    def __init__(self, read_many: Callable[[Sequence[K]], Awaitable[dict[K, V]]]) -> None:
        """`read_many(keys)`: the found values by key (a key not found is left out)."""
        self._read_many = read_many
        self._asked: dict[K, list[asyncio.Future[V | None]]] | None = None
        self._reads: set[asyncio.Task[None]] = set()

    async def get(self, key: K) -> V | None:
        loop = asyncio.get_running_loop()
        if self._asked is None:
            self._asked = {}
            loop.call_soon(self._read)
        future: asyncio.Future[V | None] = loop.create_future()
        self._asked.setdefault(key, []).append(future)
        return await future

    def _read(self) -> None:
        asked, self._asked = self._asked or {}, None
        keys = list(asked)
        for start in range(0, len(keys), MAX_KEYS):
            part = {k: asked[k] for k in keys[start:start + MAX_KEYS]}
            task = asyncio.ensure_future(self._answer(part))
            self._reads.add(task)
            task.add_done_callback(self._reads.discard)

    async def _answer(self, asked: dict[K, list[asyncio.Future[V | None]]]) -> None:
        try:
            found = await self._read_many(list(asked))
        except Exception as error:  # each caller gets it, as from its own read
            for futures in asked.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(error)
            return
        except asyncio.CancelledError:
            for futures in asked.values():
                for future in futures:
                    future.cancel()
            raise
        for key, futures in asked.items():
            for future in futures:
                if not future.done():  # its caller may have given up
                    future.set_result(found.get(key))
