"""engine.DeskSocket's websocket loop ends a socket with no frame for
`ping_interval + ping_timeout`, as engineio's does, but never cuts the
handling of a frame short: DeskServer runs handlers inline
(`async_handlers=False`), and a handler slower than the idle window (a
database that stalls) must finish. Driven on DeskEngine itself with a
stand-in handler whose only job is to take its time."""
from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from server.realtime.engine import DeskEngine

PING = 0.2  # ping_interval and ping_timeout: a socket is idle after 0.4 s without a frame


async def test_a_handler_slower_than_the_idle_window_is_not_cut_short() -> None:
    eio = DeskEngine(send_queue_bytes=1 << 20, async_mode="aiohttp", ping_interval=PING, ping_timeout=PING,
                     async_handlers=False)
    events: list[str] = []

    @eio.on("message")
    async def slow(sid: str, data: str) -> None:
        events.append("started")
        try:
            await asyncio.sleep(float(data))
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        events.append("finished")

    app = web.Application()
    eio.attach(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 (the port the OS gave)
    try:
        async with aiohttp.ClientSession() as http, \
                http.ws_connect(f"http://127.0.0.1:{port}/engine.io/?EIO=4&transport=websocket") as ws:
            assert (await ws.receive_str()).startswith("0")  # open
            await asyncio.sleep(PING / 2)  # a share of the idle window gone before the frame
            await ws.send_str(f"4{3 * PING}")  # a handler of 0.6 s, past the 0.4 s window
            for _ in range(40):
                if "finished" in events or "cancelled" in events:
                    break
                await asyncio.sleep(0.05)
    finally:
        await runner.cleanup()
    assert events == ["started", "finished"]
