"""An emit to this process's sockets queues its packet to each of them
before it returns, without a turn of the event loop (python-socketio's own
emit makes a task per recipient and waits for them), and a socket that is
closing, or whose client stopped answering pings, neither stops the others'
delivery nor gets closed inside the sender's use case."""
from __future__ import annotations

import asyncio
import time

from server.app import SIO
from server.services import rooms


async def _consoles(harness, count: int):
    agent, token = await harness.add_agent()
    consoles = [await harness.agent(token) for _ in range(count)]
    sio = harness.server.app[SIO]
    sockets = [sio.eio.sockets[eio_sid] for _, eio_sid in sio.manager.get_participants("/agent", rooms.agent(agent.id))]
    assert len(sockets) == count
    return sio, agent, consoles, sockets


def _queued(socket) -> list[str]:
    return [p.data for p in socket.queue._queue if p is not None and isinstance(p.data, str)]


async def test_an_emit_has_queued_its_packet_to_every_socket_when_it_returns_without_yielding(harness):
    sio, agent, consoles, sockets = await _consoles(harness, 3)
    loop_turned = []
    asyncio.get_running_loop().call_soon(loop_turned.append, True)
    await sio.emit("queue", {"probe": 1}, room=rooms.agent(agent.id), namespace="/agent")
    assert not loop_turned, "the emit gave the event loop a turn"
    for socket in sockets:
        assert any('"probe":1' in text for text in _queued(socket)), _queued(socket)
    for console in consoles:
        assert (await console.next("queue", lambda data: data.get("probe") == 1)) == {"probe": 1}


async def test_a_closing_socket_in_the_room_is_skipped_and_the_others_still_get_the_event(harness):
    sio, agent, consoles, sockets = await _consoles(harness, 2)
    sockets[0].closing = True  # as engineio marks it while its disconnect runs
    try:
        await sio.emit("queue", {"probe": 2}, room=rooms.agent(agent.id), namespace="/agent")
        assert not any('"probe":2' in text for text in _queued(sockets[0]))
        assert any('"probe":2' in text for text in _queued(sockets[1]))
    finally:
        sockets[0].closing = False


async def test_a_socket_whose_pings_stopped_is_not_closed_by_an_emit(harness):
    """engineio's own send would close it there and then, running the
    desk's disconnect handlers inside the use case that emitted."""
    sio, agent, consoles, sockets = await _consoles(harness, 2)
    disconnects = []
    namespace = sio.desk_namespaces["/agent"]
    original = namespace.disconnect

    async def recorded(sid: str) -> None:
        disconnects.append(sid)
        await original(sid)

    namespace.disconnect = recorded
    stale = sockets[0]
    last_ping, stale.last_ping = stale.last_ping, time.time() - 10 * sio.eio.ping_timeout
    try:
        await sio.emit("queue", {"probe": 3}, room=rooms.agent(agent.id), namespace="/agent")
        assert not stale.closed and not stale.closing and disconnects == []
        assert await consoles[1].next("queue", lambda data: data.get("probe") == 3)
    finally:
        stale.last_ping = last_ping
        namespace.disconnect = original


async def test_events_queued_back_to_back_past_the_send_queue_bound_reach_a_console_that_reads(harness):
    """Three events of 0.9 MB in one go (three long chats assigned at once,
    say) are more than `send_queue_bytes` (2 MB) together: the console
    reads them all and stays connected (engine.SendQueue checks a turn later)."""
    sio, agent, consoles, sockets = await _consoles(harness, 1)
    assert 2 * 900_000 < sio.eio.send_queue_bytes < 3 * 900_000
    pad = "x" * 900_000
    for n in range(3):
        await sio.emit("queue", {"probe": 10 + n, "pad": pad}, room=rooms.agent(agent.id), namespace="/agent")
    for n in range(3):
        got = await consoles[0].next("queue", lambda data, n=n: data.get("probe") == 10 + n)
        assert len(got["pad"]) == 900_000
    assert not sockets[0].closed and (await consoles[0].call("agent:status", {"status": "available"}))["ok"]
