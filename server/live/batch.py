"""Commands that callers send to Redis in the same turn of the event loop,
sent in one round trip.

Each message a visitor sends asks Redis two small things (its rate window,
its connections) on its own: at a few hundred messages a second redis-py's
machinery per command (a connection from the pool, retry, a write and a
read each) costs more than Redis itself. Commands queued in one turn of
the event loop (handlers woken together by one poll, deliveries resumed
together by one group commit) leave as one pipeline in one turn of the
pool; each caller gets its own reply or error. Batches do not wait for
each other: a caller's next command is sent after its previous reply, so
its own order holds.
"""
from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..services.errors import Unavailable

OUTAGE = (RedisConnectionError, RedisTimeoutError)


class Batcher:
    def __init__(self, redis: Redis, turns: asyncio.Semaphore, *, timeout_s: float, unavailable: str) -> None:
        """`turns`: the pool's turns (one per batch); `timeout_s`: the
        longest wait for one; `unavailable`: the message of the
        `Unavailable` raised when Redis is down or slow."""
        self._redis, self._turns = redis, turns
        self._timeout_s, self._unavailable = timeout_s, unavailable
        self._queued: list[tuple[tuple[Any, ...], str | None, asyncio.Future[Any]]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def call(self, *command: Any, script: str | None = None) -> Any:
        """The reply to `command` (an EVALSHA of `script`'s sha, when given:
        the batch loads the script first, so a Redis that restarted empty
        has it). Raises Unavailable when Redis is down or slow, and what
        Redis answered for an error."""
        loop = asyncio.get_running_loop()
        reply = loop.create_future()
        self._queued.append((command, script, reply))
        if len(self._queued) == 1:
            loop.call_soon(self._send)
        return await reply

    def _send(self) -> None:
        batch, self._queued = self._queued, []
        task = asyncio.ensure_future(self._run(batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[tuple[tuple[Any, ...], str | None, asyncio.Future[Any]]]) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._turns.acquire()
        except TimeoutError as exc:
            self._fail(batch, exc)
            return
        try:
            scripts = list(dict.fromkeys(script for _, script, _ in batch if script is not None))
            async with self._redis.pipeline(transaction=False) as pipe:
                for script in scripts:
                    pipe.script_load(script)
                for command, _, _ in batch:
                    pipe.execute_command(*command)
                replies = (await pipe.execute(raise_on_error=False))[len(scripts):]
        except Exception as exc:  # the whole batch: Redis away, or a bug that each caller should see
            self._fail(batch, exc)
            return
        finally:
            self._turns.release()
        for (_, _, future), reply in zip(batch, replies):
            if future.done():  # its caller was cancelled
                continue
            if isinstance(reply, Exception):
                future.set_exception(self._error(reply))
            else:
                future.set_result(reply)

    def _fail(self, batch: list[tuple[tuple[Any, ...], str | None, asyncio.Future[Any]]], exc: Exception) -> None:
        for _, _, future in batch:
            if not future.done():
                future.set_exception(self._error(exc))

    def _error(self, exc: BaseException) -> BaseException:
        if isinstance(exc, (*OUTAGE, TimeoutError)):
            error = Unavailable(self._unavailable)
            error.__cause__ = exc
            return error
        return exc
