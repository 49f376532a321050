"""What every HTTP answer carries, errors and the socket's own included: a
`Server` header that names no versions, and the security headers."""
from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

import aiohttp
import pytest

VERSION = re.compile(r"\d")


def assert_anonymous(headers) -> None:
    assert headers.get("Server") == "Shiftdesk", headers.get("Server")


@pytest.mark.parametrize("path", ["/healthz", "/nope", "/console", "/console/login", "/console/dashboard",
                                  "/api/tickets", "/api/nope", "/metrics", "/widget/tickets",
                                  "/widget/status?site=acme",
                                  "/socket.io/?EIO=4&transport=polling", "/socket.io/?EIO=1"])
async def test_no_answer_names_a_version(harness, path):
    async with aiohttp.ClientSession() as http, http.get(harness.url + path, allow_redirects=False) as answer:
        assert_anonymous(answer.headers)


async def test_the_websocket_upgrade_names_no_version(harness):
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(f"{harness.url}/socket.io/?EIO=4&transport=websocket") as ws:
        assert_anonymous(ws._response.headers)


async def test_a_request_the_http_parser_refuses_names_no_version(harness):
    """Answered by aiohttp itself, before any route."""
    url = urlsplit(harness.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    head = (await reader.read(4096)).decode("latin-1")
    writer.close()
    assert re.match(r"HTTP/1\.\d 400 ", head), head
    server = re.search(r"^Server: (.*)\r$", head, re.M)
    assert server is not None and server.group(1) == "Shiftdesk", head


@pytest.mark.parametrize("path", ["/console", "/console/dashboard", "/console/nope", "/api/tickets"])
async def test_private_answers_carry_the_security_headers_when_they_are_errors(harness, path):
    """A redirect to the login page, a 404 and a 401 are raised, not returned:
    the headers must reach them too."""
    async with aiohttp.ClientSession() as http, http.get(harness.url + path, allow_redirects=False) as answer:
        assert answer.status in (302, 401, 404)
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
