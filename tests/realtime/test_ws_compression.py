"""permessage-deflate: every browser offers it, and aiohttp would accept it
for every websocket. Shiftdesk answers the offer only when `[server]
ws_compression` is on; either way the client talks to the desk."""
from __future__ import annotations

import json

import aiohttp
import pytest

from server.config import load
from tests.rawclients import EIO

EXTENSIONS = "Sec-WebSocket-Extensions"


@pytest.fixture(params=[None, False, True], ids=["default", "off", "on"])
def config_overrides(request) -> dict:
    return {} if request.param is None else {"server": {"ws_compression": request.param}}


async def visitor_session(ws: aiohttp.ClientWebSocketResponse, site: str) -> dict:
    """engine.io open, then /visitor's CONNECT and its `session` event."""
    assert (await ws.receive_str(timeout=5)).startswith("0")
    await ws.send_str("40/visitor," + json.dumps({"site": site}))
    while True:
        frame = await ws.receive_str(timeout=5)
        if frame.startswith('42/visitor,["session"'):
            return json.loads(frame[len("42/visitor,"):])[1]


async def test_a_browser_like_offer_of_permessage_deflate_is_answered_only_when_configured(harness):
    wanted = harness.config.server.ws_compression
    async with aiohttp.ClientSession() as http:
        # compress=15: aiohttp's client offers "permessage-deflate; client_max_window_bits", as browsers do
        async with http.ws_connect(f"{harness.url}{EIO}&transport=websocket", compress=15) as ws:
            answered = ws._response.headers.get(EXTENSIONS, "")
            session = await visitor_session(ws, harness.site.key)
            assert ("permessage-deflate" in answered) is wanted
            assert bool(ws.compress) is wanted
            assert session["visitor_id"]


def test_compression_is_off_by_default_and_set_from_the_file_or_the_environment(tmp_path):
    assert load(None, env={}).server.ws_compression is False
    assert load(None, env={"SHIFTDESK_SERVER_WS_COMPRESSION": "true"}).server.ws_compression is True
    toml = tmp_path / "desk.toml"
    toml.write_text("[server]\nws_compression = true\n")
    assert load(toml, env={}).server.ws_compression is True
