"""The LiveState contract. One implementation today (memory); the Redis one
of the several-nodes release joins the `live` fixture's params."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from server.live.memory import MemoryLiveState
from server.services.model import AgentStatus, Priority
from server.services.ports import QueueEntry

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture(params=["memory"])
async def live(request):
    state = MemoryLiveState()
    yield state
    await state.close()


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
    await live.release_slot("a", "chat-0")
    assert await live.claim_slot("a", "chat-x", 2, at(2))
    assert await live.chats_of("a") == {"chat-1", "chat-x"}


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


async def test_an_hour_window_holds_past_the_forgetting_of_idle_keys(live):
    """Ticket limits count over an hour: a key quiet for minutes is still
    within its window, however the state tidies idle keys."""
    assert all([await live.hit_rate("tickets", 2, 3600, at(s)) for s in (0, 1)])
    for minute in range(1, 59, 7):  # other keys' traffic, long after
        await live.hit_rate(f"other:{minute}", 1, 60, at(minute * 60))
    assert not await live.hit_rate("tickets", 2, 3600, at(58 * 60))
    assert await live.hit_rate("tickets", 2, 3600, at(3600.5))


async def test_visitor_connections_are_counted(live):
    assert await live.visitor_connections("v") == 0
    await live.visitor_online("v", "a")
    await live.visitor_online("v", "b")
    assert await live.visitor_connections("v") == 2
