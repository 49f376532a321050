"""Known issues that other branches fix, reproduced: each test fails today
and is marked so (strict). When a fix lands the test passes, strict xfail
turns that into a failure, and the known issue's entry in known.py goes
together with the mark: the fuzzer then checks that property again."""
from __future__ import annotations

import logging

import aiohttp
import pytest

from server.services.model import Role

from tests.fuzz.known import ENGINEIO_BAD_PACKET, QUERY_BOUNDS
from tests.realtime.test_raw_packets import next_packet, raw_visitor


def tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.xfail(strict=True, reason=f"{ENGINEIO_BAD_PACKET.name}: {ENGINEIO_BAD_PACKET.fixed_by}")
async def test_known_a_frame_that_is_no_engineio_packet_neither_logs_a_traceback_nor_drops_the_connection(
        harness, caplog):
    async with aiohttp.ClientSession() as session:
        ws = await raw_visitor(harness, session)
        await next_packet(ws, "40/visitor,")
        for junk in ("7", ":", ""):
            await ws.send_str(junk)
        async with session.get(f"{harness.url}/socket.io/?EIO=3&transport=polling") as response:
            assert response.status == 400
        await ws.send_str('42/visitor,3["no:such:event"]')
        await next_packet(ws, "43/visitor,3")
        await ws.close()
    assert tracebacks(caplog) == []


@pytest.mark.xfail(strict=True, reason=f"{QUERY_BOUNDS.name}: {QUERY_BOUNDS.fixed_by}")
@pytest.mark.parametrize("path", ["/api/tickets", "/api/audit"])
async def test_known_an_offset_past_the_databases_integers_is_a_bad_request(harness, path):
    _, token = await harness.add_agent(role=Role.SUPERVISOR)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        async with session.get(f"{harness.url}{path}", params={"offset": str(10**20)}) as response:
            assert response.status == 400
