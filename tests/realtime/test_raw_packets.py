"""Hostile bytes below the Socket.IO client: malformed packets on a raw
websocket neither crash the server nor kill the connection."""
from __future__ import annotations

import json
import logging

import aiohttp


async def raw_visitor(harness, session: aiohttp.ClientSession):
    ws = await session.ws_connect(f"{harness.url}/socket.io/?EIO=4&transport=websocket")
    assert (await ws.receive_str()).startswith("0")  # engine.io open
    await ws.send_str('40/visitor,{"site":"acme"}')
    return ws


async def next_packet(ws, prefix: str) -> str:
    while True:
        text = await ws.receive_str(timeout=5)
        if text == "2":  # engine.io ping
            await ws.send_str("3")
        elif text.startswith(prefix):
            return text


async def test_malformed_packets_are_ignored_and_the_connection_lives_on(harness):
    await harness.add_agent()
    async with aiohttp.ClientSession() as session:
        ws = await raw_visitor(harness, session)
        await next_packet(ws, "40/visitor,")
        for junk in ('42/visitor,1[', '42/visitor,7{"a":', '42/visitor,9"just a string"', '42/visitor,3{}',
                     '42/visitor,4[]', '42/visitor,5[null]', '42/visitor,6[12,{"text":"x"}]', '4', '9zzz',
                     '43/visitor,1["ack for nothing"]', '41/nowhere,', '40/nowhere,'):
            await ws.send_str(junk)
        await ws.send_str('42/visitor,100["chat:start",{"text":"still here"}]')
        ack = await next_packet(ws, "43/visitor,100")
        assert json.loads(ack[len("43/visitor,100"):])[0]["ok"] is True
        await ws.close()


async def test_array_events_without_a_name_get_unknown_event(harness):
    async with aiohttp.ClientSession() as session:
        ws = await raw_visitor(harness, session)
        await next_packet(ws, "40/visitor,")
        await ws.send_str('42/visitor,5[12,{"text":"x"}]')
        ack = json.loads((await next_packet(ws, "43/visitor,5"))[len("43/visitor,5"):])
        assert ack[0]["error"]["code"] == "unknown_event"
        await ws.close()


async def test_a_lone_surrogate_in_a_string_is_stored_as_a_replacement_character(harness):
    """JSON.stringify escapes a lone surrogate (a sliced emoji: "\\ud83d"): the
    event is valid JSON and gets its ack; the text keeps U+FFFD in its place.
    Found by the fuzzer (tests/fuzz)."""
    await harness.add_agent()
    async with aiohttp.ClientSession() as session:
        ws = await raw_visitor(harness, session)
        await next_packet(ws, "40/visitor,")
        await ws.send_str('42/visitor,1["chat:start",{"text":"sliced \\ud83d emoji \\udfff"}]')
        ack = json.loads((await next_packet(ws, "43/visitor,1"))[len("43/visitor,1"):])[0]
        assert ack["ok"] is True, ack
        messages = await harness.store.messages_after(ack["chat"]["id"], 0, include_notes=False)
        assert messages[0].text == "sliced \ufffd emoji \ufffd"
        await ws.close()


async def test_binary_packets_do_not_jam_the_connection(harness):
    """python-socketio kept a binary packet waiting for its attachments; one
    whose placeholder named no attachment, or that announced none, was
    never let go, and every later packet of the connection was taken for
    an attachment: no event got an ack again. Found by the fuzzer
    (tests/fuzz); binary packets are now refused as bad packets."""
    await harness.add_agent()
    async with aiohttp.ClientSession() as session:
        ws = await raw_visitor(harness, session)
        await next_packet(ws, "40/visitor,")
        await ws.send_str('451-/visitor,1["chat:start",{"text":{"_placeholder":true,"num":7}}]')
        await ws.send_bytes(b"attached")
        await ws.send_str('450-/visitor,2["chat:start",{"text":"no attachment"}]')
        await ws.send_str('42/visitor,3["chat:start",{"text":"still heard"}]')
        ack = json.loads((await next_packet(ws, "43/visitor,3"))[len("43/visitor,3"):])
        assert ack[0]["ok"] is True, ack
        await ws.close()


async def test_frames_that_are_no_engineio_packet_and_old_protocols_log_no_traceback(harness, caplog):
    """Found by the fuzzer: a websocket frame that is no Engine.IO packet
    (empty, not starting with a digit, an unknown type) is counted and
    dropped, and a socket.io-client 2 (EIO=3) is told which protocol this
    server speaks, where engine.io logged an ERROR."""
    async with aiohttp.ClientSession() as session:
        ws = await raw_visitor(harness, session)
        await next_packet(ws, "40/visitor,")
        for junk in ("7", ":", ""):
            await ws.send_str(junk)
        async with session.get(f"{harness.url}/socket.io/?EIO=3&transport=polling") as response:
            assert response.status == 400
            assert "protocol 4" in await response.text()
        await ws.send_str('42/visitor,3["no:such:event"]')
        await next_packet(ws, "43/visitor,3")  # the connection lives on
        await ws.close()
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
