"""The transport holds what it lets in: a client that never reads, sends
a long-polling POST over the limit, floods malformed packets or connects
twice costs the server a bounded amount and is closed; clients that behave
are not."""
from __future__ import annotations

import asyncio
import json
import logging

import psutil
import pytest
import socketio

from server.app import SIO
from server.realtime import engine
from server.realtime.engine import SendQueue
from tests.rawclients import EIO, ack_of, ask_history, fill_chat, http, polling_session, visitor_socket


CHAT_MESSAGES = 30  # 4000 characters each: ~120 kB of history


@pytest.fixture
def config_overrides() -> dict:
    return {"limits": {"messages_per_minute": 1000}}  # long chats, made fast


async def session_of(ws) -> dict:
    frame = await ws.next('42/visitor,["session"')
    return json.loads(frame[len("42/visitor,"):])[1]


async def raw_visitor(harness, **kwargs):
    ws = await visitor_socket(harness.url, harness.site.key, **kwargs)
    return ws, await session_of(ws)


# --- bounded memory per connection --------------------------------------------

async def test_a_visitor_who_never_reads_is_closed_once_its_backlog_passes_the_bound(harness):
    await harness.add_agent()
    ws, session = await raw_visitor(harness, small_buffers=True)
    chat_id = await fill_chat(ws, CHAT_MESSAGES)
    await ask_history(ws, chat_id, harness.config.limits.events_per_minute)  # ~29 MB of answers, never read
    live = harness.services.desk.live

    async def dropped() -> bool:
        return await live.visitor_connections(session["visitor_id"]) == 0
    await harness.eventually(dropped, timeout=20)
    assert await ws.closed_by_server()


async def test_a_visitor_who_reads_gets_every_history_answer(harness):
    await harness.add_agent()
    ws, _ = await raw_visitor(harness)
    chat_id = await fill_chat(ws, CHAT_MESSAGES)
    await ask_history(ws, chat_id, 40, first_id=1000)
    for n in range(40):  # 40 answers of ~120 kB: more than send_queue_bytes in all, read as they come
        answer = ack_of(await ws.next(f"43/visitor,{1000 + n}["), "/visitor", 1000 + n)
        assert answer["ok"] and len(answer["messages"]) == CHAT_MESSAGES


async def test_a_send_queue_past_its_bound_a_turn_later_keeps_only_the_end_marker():
    spilled: list[SendQueue] = []
    queue = SendQueue(100, spilled.append)
    big = type("Packet", (), {"data": "x" * 150})()  # a packet always fits an empty queue
    small = type("Packet", (), {"data": "é" * 30})()  # 60 bytes of UTF-8
    queue.put_nowait(big)
    await asyncio.sleep(0)
    assert (queue.size, spilled) == (150, [])
    assert queue.get_nowait() is big and queue.size == 0
    queue.put_nowait(small)
    queue.put_nowait(small)
    await asyncio.sleep(0)
    assert spilled == [queue] and queue.spilled
    queue.put_nowait(small)  # dropped from now on
    assert queue.get_nowait() is None and queue.empty() and spilled == [queue]


async def test_a_send_queue_past_its_bound_emptied_within_the_turn_is_kept():
    """What one use case queues back to back, a reading writer takes before the check."""
    spilled: list[SendQueue] = []
    queue = SendQueue(100, spilled.append)
    small = type("Packet", (), {"data": "é" * 30})()
    for _ in range(3):
        queue.put_nowait(small)
    assert queue.size == 180
    while not queue.empty():
        queue.get_nowait()
    await asyncio.sleep(0)
    assert (spilled, queue.spilled, queue.size) == ([], False, 0)


async def test_history_answers_stop_at_history_bytes_and_say_there_is_more(harness):
    _, token = await harness.add_agent()
    visitor = await harness.visitor()
    text = "é" * 2000  # 4000 bytes of UTF-8 each
    chat = (await visitor.call("chat:start", {"text": text}))["chat"]
    for n in range(299):
        assert (await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": f"m{n}", "text": text}))["ok"]
    limit = harness.config.limits.history_bytes
    first = await visitor.call("chat:history", {"chat_id": chat["id"], "after_seq": 0})
    assert first["ok"] and first["more"] is True
    assert len(json.dumps(first["messages"], ensure_ascii=False).encode()) <= limit
    rest = await visitor.call("chat:history", {"chat_id": chat["id"], "after_seq": first["messages"][-1]["seq"]})
    assert rest["ok"] and rest["more"] is False
    assert [m["seq"] for m in first["messages"] + rest["messages"]] == list(range(1, 301))
    agent = await harness.agent(token)  # the chat waited in the queue: its transcript comes the same way
    assigned = await agent.next("chat:assigned")
    assert assigned["more"] is True and assigned["messages"] == first["messages"]


# --- idle websockets (engine.DeskSocket._websocket_handler) --------------------------

@pytest.fixture
def short_pings(harness):
    """Pings every 0.2 s, answered within 0.2 s: a websocket with no frame
    for 0.4 s is idle. Transport timing on the wall clock, not a policy's."""
    eio = harness.server.app[SIO].eio
    saved = eio.ping_interval, eio.ping_timeout
    eio.ping_interval, eio.ping_timeout = 0.2, 0.2
    yield 0.4
    eio.ping_interval, eio.ping_timeout = saved


async def test_a_websocket_that_keeps_sending_outlives_its_idle_deadline_many_times(harness, short_pings):
    ws, _ = await raw_visitor(harness)
    loop = asyncio.get_running_loop()
    until, ack_id = loop.time() + 4 * short_pings, 1
    while loop.time() < until:  # a frame every 0.05 s, pings answered: never idle
        await ws.send(f'42/visitor,{ack_id}["no-such-event"]')
        answer = ack_of(await ws.next(f"43/visitor,{ack_id}["), "/visitor", ack_id)
        assert answer["error"]["code"] == "unknown_event"
        ack_id += 1
        await asyncio.sleep(0.05)
    await ws.send(f'42/visitor,{ack_id}["no-such-event"]')
    assert ack_of(await ws.next(f"43/visitor,{ack_id}["), "/visitor", ack_id)["ok"] is False  # still open


async def test_a_websocket_that_goes_silent_is_closed(harness, short_pings):
    ws, _ = await raw_visitor(harness)
    started = asyncio.get_running_loop().time()
    assert await ws.closed_by_server(timeout=10 * short_pings)  # reads, never answers a ping
    assert asyncio.get_running_loop().time() - started >= short_pings / 2


# --- long-polling POSTs ---------------------------------------------------------

def close_wait_sockets(port: int) -> list:
    return [c for c in psutil.Process().net_connections(kind="tcp")
            if c.laddr and c.laddr.port == port and c.status == psutil.CONN_CLOSE_WAIT]


async def test_an_oversized_long_polling_post_is_refused_and_its_session_ended(harness):
    sid = await polling_session(harness.url)
    status, body = await http(harness.url, "POST", f"{EIO}&transport=polling&sid={sid}", b"x" * 65536,
                              length=2_000_000)
    assert status == 413 and b"at most 1048576 bytes" in body
    status, _ = await http(harness.url, "GET", f"{EIO}&transport=polling&sid={sid}")
    assert status == 400  # the session is gone
    port = int(harness.url.rsplit(":", 1)[1])

    async def none_left() -> bool:
        return not close_wait_sockets(port)
    await harness.eventually(none_left)


async def test_a_long_polling_post_without_a_length_is_refused(harness):
    sid = await polling_session(harness.url)
    reader, writer = await asyncio.open_connection("127.0.0.1", int(harness.url.rsplit(":", 1)[1]))
    writer.write(f"POST {EIO}&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n"
                 f"Transfer-Encoding: chunked\r\n\r\n5\r\n40/vi\r\n".encode())
    status = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    assert status.split()[1] == b"411"


async def test_stray_engineio_packets_in_posts_are_answered_at_once_and_counted(harness):
    sid = await polling_session(harness.url)
    target = f"{EIO}&transport=polling&sid={sid}"
    for _ in range(harness.config.limits.bad_packets_per_minute):  # NOOP: the server sends those, clients never
        assert (await http(harness.url, "POST", target, b"6"))[0] == 200
    assert (await http(harness.url, "POST", target, b"\xff\xfe"))[0] in (200, 400)  # not UTF-8: one too many
    assert (await http(harness.url, "GET", target))[0] == 400  # closed


# --- every packet is metered ------------------------------------------------------

def lines_about(caplog, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and text in r.getMessage()]


async def test_a_flood_of_malformed_packets_logs_one_line_per_connection_and_closes_it(harness, caplog):
    caplog.set_level(logging.INFO)
    sockets = [(await raw_visitor(harness))[0] for _ in range(3)]
    for ws in sockets:
        for _ in range(200):
            await ws.send('42/visitor,1["chat:history",{"chat_id":')
    for ws in sockets:
        assert await ws.closed_by_server()
    await asyncio.sleep(0.1)
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    lines = lines_about(caplog, "malformed")
    assert len(lines) == 3
    assert all("closed: more than 10 malformed packets a minute" in r.getMessage() for r in lines)


async def test_a_connection_past_its_packet_budget_is_closed(harness):
    ws, _ = await raw_visitor(harness)
    for _ in range(harness.config.limits.packets_per_minute + 1):  # well-formed, unacked: cheap to send
        await ws.send('42/visitor,["chat:typing",{"chat_id":"none","typing":true}]')
    assert await ws.closed_by_server()


async def test_a_few_malformed_packets_cost_nothing_but_a_line(harness, caplog):
    ws, _ = await raw_visitor(harness)
    for _ in range(harness.config.limits.bad_packets_per_minute):
        await ws.send('42/visitor,1[')
    await ws.send('42/visitor,5["nothing"]')
    assert ack_of(await ws.next("43/visitor,5"), "/visitor", 5)["error"]["code"] == "unknown_event"
    await harness.advance(60)  # a new minute: the count starts again
    for _ in range(harness.config.limits.bad_packets_per_minute):
        await ws.send('42/visitor,1[')
    await ws.send('42/visitor,6["nothing"]')
    assert ack_of(await ws.next("43/visitor,6"), "/visitor", 6)["error"]["code"] == "unknown_event"


async def test_a_second_connect_to_a_connected_namespace_is_refused_without_a_new_session(harness):
    ws, _ = await raw_visitor(harness)
    await ws.send('40/visitor,{"site":"acme"}')
    await ws.send('42/visitor,5["nothing"]')
    frames = []
    while not (frame := await ws.next("4")).startswith("43/visitor,5"):
        frames.append(frame)
    assert [f for f in frames if f.startswith("44/visitor,")] and not [f for f in frames if '"session"' in f]
    refusal = json.loads(frames[0][len("44/visitor,"):])
    assert refusal["data"]["code"] == "bad_request"
    for _ in range(harness.config.limits.bad_packets_per_minute):
        await ws.send('40/visitor,{"site":"acme"}')
    assert await ws.closed_by_server()


# --- event budgets per visitor -------------------------------------------------------

async def test_a_visitors_windows_share_one_event_budget(harness):
    await harness.add_agent()
    first = await harness.visitor()
    token = (await first.next("session"))["visitor_token"]
    chat = (await first.call("chat:start", {"text": "hello"}))["chat"]
    tabs = [first, await harness.visitor(token=token), await harness.visitor(token=token)]
    limits = harness.config.limits
    typing = {"chat_id": chat["id"], "typing": True}
    spent = 0
    for tab in tabs[:2]:  # each window within its own budget...
        for _ in range(limits.events_per_minute):
            if spent == limits.visitor_events_per_minute:
                break
            assert (await tab.call("chat:typing", typing))["ok"]
            spent += 1
    over = await tabs[2].call("chat:typing", typing)  # ...but the visitor's is spent
    assert over["error"]["code"] == "rate_limited"
    await harness.advance(61)
    assert (await tabs[2].call("chat:typing", typing))["ok"]


async def test_an_agents_chat_events_have_a_budget_per_connection(harness):
    _, token = await harness.add_agent()
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    chat = (await visitor.call("chat:start", {"text": "hello"}))["chat"]
    await agent.next("chat:assigned")
    for _ in range(harness.config.limits.events_per_minute):
        assert (await agent.call("chat:typing", {"chat_id": chat["id"], "typing": True}))["ok"]
    over = await agent.call("chat:history", {"chat_id": chat["id"], "after_seq": 0})
    assert over["error"]["code"] == "rate_limited"


def test_an_untested_engineio_release_is_refused_at_start(monkeypatch):
    monkeypatch.setitem(engine.TESTED, "python-engineio", ("3.0",))
    with pytest.raises(RuntimeError, match="python-engineio .* is not a release"):
        engine.check_versions()


async def test_a_long_polling_client_that_leaves_is_let_go_at_once(harness):
    """Its CLOSE ends the poll it left waiting: engineio alone held that
    request (and python-socketio's `disconnect()`) for the ping timeout."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(harness.url, namespaces=["/visitor"], auth={"site": harness.site.key},
                         transports=["polling"], wait_timeout=5)
    await asyncio.sleep(0.3)  # its next poll is waiting on the server
    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(client.disconnect(), 10)
    assert asyncio.get_running_loop().time() - started < 2
