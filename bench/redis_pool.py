"""Micro-benchmark: how `RedisLiveState` should share its Redis connections.
CALLERS tasks each claim and release a slot (the real Lua script, then
SREM) as fast as they can, through redis-py's `ConnectionPool` (its default
size, and one too large to fill), `BlockingConnectionPool`s, and FIFO turns
(an `asyncio.Semaphore`) in front of a `ConnectionPool` one larger; then
through `RedisLiveState` itself. A call that fails (no connection free, none
within TIMEOUT_S) counts as an error, as a user would see it, and its
wait counts in the latencies: every attempt begun in the measured seconds. The figures
go in `server/live/redis.py`'s docstring.

    .venv/bin/python bench/redis_pool.py [--seconds 5] [--rounds 3] [--url redis://127.0.0.1:6379/0]

Each way runs `rounds` times, the ways taking turns (so a busy moment of
the machine does not land on one); the median round by throughput is printed.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import secrets
import statistics
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import redis
from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis
from redis.exceptions import RedisError

from server.live import lua
from server.live.redis import CONNECTION_OPTIONS, POOL_SIZE, TIMEOUT_S, RedisLiveState
from server.services.errors import Unavailable
from server.services.model import AgentStatus

CALLERS = 200
WARM_UP_S = 1.0  # connections are opened here, not measured
NOW = datetime(2026, 1, 1, tzinfo=UTC)
Pair = Callable[[int], Awaitable[None]]  # one caller's claim + release


@dataclasses.dataclass(frozen=True)
class Way:
    name: str
    pool: Callable[[str], ConnectionPool] | None  # None: RedisLiveState as built
    turns: int | None = None  # FIFO turns in front of the pool


WAYS = (
    Way("ConnectionPool()", lambda url: ConnectionPool.from_url(url, **CONNECTION_OPTIONS)),
    Way("ConnectionPool(1000)", lambda url: ConnectionPool.from_url(url, max_connections=1000, **CONNECTION_OPTIONS)),
    *(Way(f"BlockingConnectionPool({n})", lambda url, n=n: BlockingConnectionPool.from_url(
        url, max_connections=n, timeout=TIMEOUT_S, **CONNECTION_OPTIONS)) for n in (8, 32, 200)),
    *(Way(f"{n} turns, ConnectionPool({n + 1})", lambda url, n=n: ConnectionPool.from_url(
        url, max_connections=n + 1, **CONNECTION_OPTIONS), turns=n) for n in (8, 32, 64)),
    Way(f"RedisLiveState ({POOL_SIZE} turns)", None),
)


@dataclasses.dataclass(frozen=True)
class Row:
    pairs_per_s: float
    errors_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    connections: int


async def raw_pairs(way: Way, url: str, prefix: str) -> tuple[Pair, ConnectionPool, Callable[[], Awaitable[None]]]:
    """Claim + release on a bare client of the way's pool, in a turn if it has turns."""
    pool = way.pool(url)  # type: ignore[misc]
    client = Redis.from_pool(pool)
    claim = client.register_script(lua.CLAIM_SLOT)
    turns = asyncio.Semaphore(way.turns) if way.turns else None

    async def turn(command: Awaitable) -> None:
        if turns is None:
            await command
            return
        async with asyncio.timeout(TIMEOUT_S):
            await turns.acquire()
        try:
            await command
        finally:
            turns.release()

    async def pair(n: int) -> None:
        agent, chats = f"{prefix}:agent:{n}", f"{prefix}:agent:{n}:chats"
        await turn(claim(keys=[agent, chats], args=[f"chat-{n}", 1, 0]))
        await turn(client.srem(chats, f"chat-{n}"))

    for n in range(CALLERS):
        await client.hset(f"{prefix}:agent:{n}", "status", "available")
    return pair, pool, client.aclose


async def live_pairs(url: str, prefix: str) -> tuple[Pair, ConnectionPool, Callable[[], Awaitable[None]]]:
    live = RedisLiveState(url, node="bench", prefix=prefix)
    for n in range(CALLERS):
        await live.agent_online(f"agent-{n}", "conn", AgentStatus.AVAILABLE, NOW)

    async def pair(n: int) -> None:
        await live.claim_slot(f"agent-{n}", f"chat-{n}", 1, NOW)
        await live.release_slot(f"agent-{n}", f"chat-{n}")

    return pair, live._redis.connection_pool, live.close  # a benchmark may look inside


async def run(way: Way, url: str, seconds: float) -> Row:
    prefix = f"bench-pool-{secrets.token_hex(4)}"
    pair, pool, close = await (raw_pairs(way, url, prefix) if way.pool else live_pairs(url, prefix))
    loop = asyncio.get_running_loop()
    measure_from = loop.time() + WARM_UP_S
    stop_at = measure_from + seconds
    took: list[float] = []
    errors = 0

    async def caller(n: int) -> None:
        nonlocal errors
        while (started := loop.time()) < stop_at:
            try:
                await pair(n)
                done = True
            except (RedisError, TimeoutError, Unavailable):
                done = False
                await asyncio.sleep(0)  # a pool that fails, fails at once: let the others run
            if started >= measure_from:  # a failure's wait counts too: a user waited that long
                took.append(loop.time() - started)
                errors += not done

    await asyncio.gather(*(caller(n) for n in range(CALLERS)))
    connections = len(pool._available_connections) + len(pool._in_use_connections)
    await close()
    await drop(url, prefix)
    ms = sorted(1000 * t for t in took) or [float("nan")]
    return Row((len(took) - errors) / seconds, errors / seconds, statistics.median(ms), ms[int(0.99 * (len(ms) - 1))],
               ms[-1], connections)


async def drop(url: str, prefix: str) -> None:
    client = Redis.from_url(url)
    with contextlib.suppress(RedisError):
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=500)]
        if keys:
            await client.delete(*keys)
    await client.aclose()


async def main(url: str, seconds: float, rounds: int) -> None:
    results: dict[str, list[Row]] = {way.name: [] for way in WAYS}
    for round_ in range(rounds):
        shift = round_ % len(WAYS)
        for way in WAYS[shift:] + WAYS[:shift]:
            results[way.name].append(await run(way, url, seconds))
    print(f"redis-py {redis.__version__}, {CALLERS} callers, {seconds:g} s x {rounds} rounds, median round;"
          " claim+release pairs/s, errors/s, latency of a pair in ms (p50 p99 max), connections open")
    for name, rows in results.items():
        row = sorted(rows, key=lambda r: r.pairs_per_s)[len(rows) // 2]
        print(f"  {name:<32} {row.pairs_per_s:>6,.0f}/s {row.errors_per_s:>6,.0f} err/s"
              f"  {row.p50_ms:5.0f} {row.p99_ms:5.0f} {row.max_ms:5.0f} ms  {row.connections:>4} conns")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    try:
        import uvloop  # as the server runs
        run_loop = uvloop.run
    except ImportError:
        run_loop = asyncio.run
    run_loop(main(args.url, args.seconds, args.rounds))
