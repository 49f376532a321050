"""The LiveState contract, on both implementations: in memory and in Redis
(a key prefix of its own per test, deleted after). Then what only Redis
can show: several nodes sharing one state, and Redis going away."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from server.live.memory import MemoryLiveState
from server.live.redis import RedisLiveState
from server.services.errors import Unavailable
from server.services.model import AgentStatus, Priority
from server.services.ports import LiveState, QueueEntry
from tests import redisutil

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A fresh Redis key prefix (skips or fails without Redis); its keys go after the test."""
    fresh = await redisutil.scratch_prefix()
    yield fresh
    await redisutil.drop_prefix(fresh)


@pytest.fixture
async def nodes(prefix: str) -> AsyncIterator[Callable[..., RedisLiveState]]:
    """Makes RedisLiveStates on one prefix, as nodes of one desk: `nodes("a")`."""
    made: list[RedisLiveState] = []

    def node(name: str, url: str | None = None) -> RedisLiveState:
        made.append(RedisLiveState(url or redisutil.url(), node=name, prefix=prefix))
        return made[-1]

    yield node
    for state in made:
        await state.close()


@pytest.fixture(params=["memory", "redis"])
async def live(request: pytest.FixtureRequest) -> AsyncIterator[LiveState]:
    if request.param == "memory":
        memory = MemoryLiveState(node="node-a")
        yield memory
        await memory.close()
        return
    fresh = await redisutil.scratch_prefix()  # as `prefix` does: an async fixture cannot ask for one by name
    redis = RedisLiveState(redisutil.url(), node="node-a", prefix=fresh)
    yield redis
    await redis.close()
    await redisutil.drop_prefix(fresh)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def test_the_queue_orders_front_then_priority_then_arrival(live):
    await live.enqueue(QueueEntry("low", Priority.LOW, at(0)))
    await live.enqueue(QueueEntry("med-late", Priority.MEDIUM, at(5)))
    await live.enqueue(QueueEntry("med-early", Priority.MEDIUM, at(1)))
    await live.enqueue(QueueEntry("same-time-1", Priority.HIGH, at(2)))
    await live.enqueue(QueueEntry("same-time-2", Priority.HIGH, at(2)))
    await live.enqueue(QueueEntry("requeued", Priority.LOW, at(9), front=True))
    await live.enqueue(QueueEntry("med-support", Priority.MEDIUM, at(7), priority_support=True))
    assert [e.chat_id for e in await live.queue()] == [
        "requeued", "same-time-1", "same-time-2", "med-support", "med-early", "med-late", "low"]
    assert await live.dequeue("med-early") and not await live.dequeue("med-early")
    assert len(await live.queue()) == 6


async def test_claims_never_exceed_capacity_even_when_raced(live):
    await live.agent_online("a", "conn-1", AgentStatus.AVAILABLE, at(0))
    results = await asyncio.gather(*(live.claim_slot("a", f"chat-{n}", 2, at(1)) for n in range(10)))
    assert results.count(True) == 2
    assert (await live.presence("a")).load == 2
    first, second = sorted(await live.chats_of("a"))  # which two won the race is not promised
    await live.release_slot("a", first)
    assert await live.claim_slot("a", "chat-x", 2, at(2))
    assert await live.chats_of("a") == {second, "chat-x"}


async def test_presence_counts_connections_and_keeps_status(live):
    await live.agent_online("a", "c1", AgentStatus.AWAY, at(0))
    await live.agent_online("a", "c2", AgentStatus.AWAY, at(0))
    await live.set_status("a", AgentStatus.AVAILABLE, at(3))
    assert (await live.agent_offline("a", "c1")).connections == 1
    presence = await live.agent_offline("a", "c2")
    assert (presence.connections, presence.status, presence.idle_since) == (0, AgentStatus.AVAILABLE, at(3))
    assert [p.agent_id for p in await live.presences()] == ["a"]
    assert await live.visitor_online("v", "x") == 1 and await live.visitor_online("v", "y") == 2
    assert await live.visitor_offline("v", "x") == 1 and await live.visitor_offline("v", "y") == 0


async def test_deadlines_fire_once_in_order_and_can_move_or_be_cancelled(live):
    await live.set_deadline("b", at(20))
    await live.set_deadline("a", at(10))
    await live.set_deadline("c", at(30))
    await live.set_deadline("b", at(40))  # moved later
    await live.cancel_deadline("c")
    assert (await live.deadline("b"), await live.deadline("c")) == (at(40), None)
    assert await live.next_deadline() == at(10)
    assert await live.pop_due(at(9)) == []
    assert await live.pop_due(at(25)) == ["a"]
    assert await live.pop_due(at(25)) == []
    assert await live.pop_due(at(40)) == ["b"]
    assert await live.next_deadline() is None and await live.deadline("b") is None


async def test_rate_windows_slide(live):
    assert all([await live.hit_rate("k", 3, 60, at(s)) for s in (0, 1, 2)])
    assert not await live.hit_rate("k", 3, 60, at(30))
    assert await live.hit_rate("k", 3, 60, at(60.5))  # the first hit has left the window
    assert await live.hit_rate("other", 1, 60, at(61))


async def test_rate_windows_and_counts_asked_at_once_each_get_their_own_answer(live):
    """Asked together (in Redis: one batch, server/live/batch.py), as many
    visitors' messages are."""
    await live.visitor_online("v", "a")
    answers = await asyncio.gather(*(live.hit_rate("k", 3, 60, at(0)) for _ in range(5)),
                                   live.visitor_connections("v"), live.hit_rate("other", 1, 60, at(0)),
                                   live.visitor_connections("nobody"))
    assert sorted(answers[:5]) == [False, False, True, True, True]
    assert answers[5:] == [1, True, 0]


async def test_an_hour_window_holds_past_the_forgetting_of_idle_keys(live):
    """Ticket limits count over an hour: a key quiet for minutes is still
    within its window, however the state tidies idle keys."""
    assert all([await live.hit_rate("tickets", 2, 3600, at(s)) for s in (0, 1)])
    for minute in range(1, 59, 7):  # other keys' traffic, long after
        await live.hit_rate(f"other:{minute}", 1, 60, at(minute * 60))
    assert not await live.hit_rate("tickets", 2, 3600, at(58 * 60))
    assert await live.hit_rate("tickets", 2, 3600, at(3600.5))


async def test_recent_events_are_read_without_counting_and_can_be_forgotten(live):
    for s in (0, 10, 20):
        await live.hit_rate("failures", 100, 600, at(s))
    assert await live.recent("failures", 600, at(30)) == [at(0), at(10), at(20)]
    assert await live.recent("failures", 600, at(30)) == [at(0), at(10), at(20)]  # reading counts nothing
    assert await live.recent("failures", 600, at(605)) == [at(10), at(20)]
    assert await live.recent("nothing", 600, at(30)) == []
    await live.forget("failures")
    assert await live.recent("failures", 600, at(31)) == []


async def test_visitor_connections_are_counted(live):
    assert await live.visitor_connections("v") == 0
    await live.visitor_online("v", "a")
    await live.visitor_online("v", "b")
    assert await live.visitor_connections("v") == 2


async def test_datetimes_come_back_exactly(live):
    exact = T0 + timedelta(microseconds=123457)
    await live.set_deadline("k", exact)
    await live.agent_online("a", "c", AgentStatus.AVAILABLE, exact)
    await live.enqueue(QueueEntry("chat", Priority.LOW, exact))
    assert await live.deadline("k") == exact and await live.next_deadline() == exact
    assert (await live.presence("a")).idle_since == exact
    assert (await live.queue())[0].enqueued_at == exact


async def test_a_claim_needs_a_known_agent_and_restarts_its_idle_clock(live):
    assert not await live.claim_slot("nobody", "chat", 2, at(0))
    assert await live.presence("nobody") is None
    await live.agent_online("a", "c", AgentStatus.AVAILABLE, at(0))
    assert await live.claim_slot("a", "chat", 2, at(7))
    assert (await live.presence("a")).idle_since == at(7)
    assert (await live.agent_offline("ghost", "c")).connections == 0


async def test_a_node_names_itself_and_is_alive_once_it_beats(live):
    assert live.node == "node-a"
    await live.node_alive(5, at(0))
    assert await live.nodes() == ["node-a"]
    assert await live.take_dead_node() is None  # never itself


async def test_a_node_does_not_hear_its_own_changes(live):
    heard: list[tuple[str, str]] = []
    live.subscribe(lambda topic, key: heard.append((topic, key)))
    for _ in range(10):  # over 0.3 s: Redis's listener has long subscribed by the last
        await live.publish("chat", "c1")
        await asyncio.sleep(0.03)
    assert heard == []


# several nodes on one Redis

async def test_two_nodes_racing_for_the_last_slot_give_it_to_one(nodes):
    a, b = nodes("node-a"), nodes("node-b")
    await a.agent_online("agent", "conn", AgentStatus.AVAILABLE, at(0))
    for round_ in range(20):
        await a.claim_slot("agent", f"held-{round_}", round_ + 1, at(0))  # all but the last slot taken
        claims = [node.claim_slot("agent", f"race-{round_}-{n}", round_ + 2, at(1))
                  for n in range(10) for node in (a, b)]
        assert (await asyncio.gather(*claims)).count(True) == 1
        await a.release_slot("agent", next(c for c in await b.chats_of("agent") if c.startswith("race-")))
    assert len(await b.chats_of("agent")) == 20


async def test_each_due_deadline_fires_on_exactly_one_of_the_polling_nodes(nodes):
    a, b = nodes("node-a"), nodes("node-b")
    keys = [f"deadline-{n}" for n in range(200)]
    for n, key in enumerate(keys):
        await a.set_deadline(key, at(n / 10))
    fired: list[str] = []
    for second in range(1, 22):  # both nodes poll, many times at once, as the clock runs
        for batch in await asyncio.gather(*(node.pop_due(at(second)) for node in (a, b) for _ in range(5))):
            fired += batch
    assert sorted(fired) == sorted(keys)
    assert await b.next_deadline() is None


async def test_a_change_reaches_the_other_nodes_not_its_publisher(nodes, prefix):
    a, b = nodes("node-a"), nodes("node-b")
    heard_by_a: list[tuple[str, str]] = []
    heard_by_b: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    a.subscribe(lambda topic, key: heard_by_a.append((topic, key)))
    b.subscribe(lambda topic, key: heard_by_b.put_nowait((topic, key)))
    await listening(prefix, 2)
    started = time.monotonic()
    await a.publish("chat", "c1")
    assert await asyncio.wait_for(heard_by_b.get(), 1.0) == ("chat", "c1")
    assert time.monotonic() - started < 1.0
    await b.publish("chat", "c2")  # a hears b's: so a would have heard its own by now
    await eventually(lambda: heard_by_a == [("chat", "c2")])
    assert heard_by_b.empty()


async def test_a_dead_node_is_taken_by_one_node_with_the_connections_it_held(nodes):
    dying, b, c = nodes("node-dying"), nodes("node-b"), nodes("node-c")
    await dying.agent_online("agent-1", "conn-1", AgentStatus.AVAILABLE, at(0))
    await dying.agent_online("agent-1", "conn-2", AgentStatus.AVAILABLE, at(0))
    await dying.agent_offline("agent-1", "conn-2")  # closed before the node died: not held
    await dying.visitor_online("visitor-1", "conn-3")
    await b.node_alive(10, at(0))
    await c.node_alive(10, at(0))
    await dying.node_alive(0.3, at(0))  # its last beat
    assert await b.take_dead_node() is None  # not dead yet
    assert await c.nodes() == ["node-b", "node-c", "node-dying"]
    await asyncio.sleep(0.5)
    assert await c.nodes() == ["node-b", "node-c"]
    taken = await asyncio.gather(*(node.take_dead_node() for node in (b, c) for _ in range(5)))
    assert [t for t in taken if t is not None] == [
        ("node-dying", [("agent", "agent-1", "conn-1"), ("visitor", "visitor-1", "conn-3")])]
    assert await b.take_dead_node() is None
    # the caller runs the disconnect path: presence still counts them until then
    assert (await b.presence("agent-1")).connections == 1 and await b.visitor_connections("visitor-1") == 1


async def test_one_node_rebuilds_the_state_from_the_store_once(nodes):
    a, b = nodes("node-a"), nodes("node-b")
    claims = await asyncio.gather(*(node.claim_recovery() for node in (a, b) for _ in range(5)))
    assert claims.count(True) == 1
    assert not await a.claim_recovery()


async def test_a_node_the_state_lost_registers_its_connections_again(nodes):
    """Taken for dead after a long pause (or Redis restarted empty): at its
    next beat the node's agents and visitors count again, with the status
    it last set."""
    slow, b = nodes("node-slow"), nodes("node-b")
    await slow.node_alive(0.2, at(0))
    await slow.agent_online("agent-1", "conn-1", AgentStatus.AWAY, at(0))
    await slow.set_status("agent-1", AgentStatus.AVAILABLE, at(1))
    await slow.visitor_online("visitor-1", "conn-2")
    await asyncio.sleep(0.4)
    node, held = await b.take_dead_node()
    for kind, subject, conn in held:  # what a survivor's services do
        await (b.agent_offline(subject, conn) if kind == "agent" else b.visitor_offline(subject, conn))
    assert (await b.presence("agent-1")).connections == 0 and await b.visitor_connections("visitor-1") == 0
    await slow.node_alive(10, at(5))
    presence = await b.presence("agent-1")
    assert (presence.connections, presence.status) == (1, AgentStatus.AVAILABLE)
    assert await b.visitor_connections("visitor-1") == 1
    await slow.visitor_offline("visitor-1", "conn-2")
    await asyncio.sleep(0.3)
    assert await b.take_dead_node() is None  # alive again


# Redis away

async def test_redis_unreachable_raises_unavailable_quickly():
    nowhere = RedisLiveState(f"redis://127.0.0.1:{redisutil.free_port()}/0", node="node-a")
    nowhere.subscribe(lambda topic, key: None)  # its listener waits, and does not crash the test
    calls = [nowhere.queue(), nowhere.claim_slot("a", "c", 1, at(0)), nowhere.pop_due(at(0)),
             nowhere.hit_rate("k", 1, 60, at(0)), nowhere.publish("chat", "c"), nowhere.take_dead_node()]
    started = time.monotonic()
    for call in calls:
        with pytest.raises(Unavailable) as raised:
            await asyncio.wait_for(call, 5)
        assert raised.value.code == "unavailable"
    assert time.monotonic() - started < 5
    await nowhere.close()


async def test_a_redis_that_does_not_answer_raises_unavailable_after_the_read_timeout():
    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts, reads, never answers
    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    silent = RedisLiveState(f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0", node="node-a")
    started = time.monotonic()
    with pytest.raises(Unavailable):
        await asyncio.wait_for(silent.pop_due(at(0)), 5)
    assert time.monotonic() - started < 3  # the 2 s timeout, not retried
    await silent.close()
    server.close()


async def test_a_node_works_again_once_redis_is_back_and_tells_its_handlers(nodes, prefix):
    proxy = redisutil.Proxy()
    await proxy.start()
    a, b = nodes("node-a", proxy.url), nodes("node-b")
    heard: list[tuple[str, str]] = []
    a.subscribe(lambda topic, key: heard.append((topic, key)))
    await a.set_deadline("k", at(1))
    await listening(prefix, 1)
    await proxy.stop()
    with pytest.raises(Unavailable):
        await asyncio.wait_for(a.deadline("k"), 5)
    await proxy.start()
    assert await a.deadline("k") == at(1)
    await eventually(lambda: heard == [("*", "")])  # changes may have been lost meanwhile
    await b.publish("chat", "c1")
    await eventually(lambda: heard == [("*", ""), ("chat", "c1")])
    await proxy.stop()


async def listening(prefix: str, count: int) -> None:
    """Waits until `count` nodes listen to the prefix's changes."""
    redis = redisutil.client()
    try:
        channel = f"{prefix}:changes"
        for _ in range(100):
            if dict(await redis.pubsub_numsub(channel))[channel] >= count:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{count} listeners never subscribed to {channel}")
    finally:
        await redis.aclose()


async def eventually(check: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "never came true"
        await asyncio.sleep(0.02)
