"""Behind TLS (`[server] public_url` https://...) the session cookie is Secure."""
from __future__ import annotations

import re

import aiohttp
import pytest

from tests.peers import Refused
from tests.web.test_console_login import PASSWORD


@pytest.fixture
def config_overrides() -> dict:
    return {"server": {"public_url": "https://support.example.test"}}


async def test_behind_tls_the_session_cookie_is_secure(harness):
    async with aiohttp.ClientSession() as http, http.get(f"{harness.url}/console/login") as page:
        cookie = page.headers["Set-Cookie"]  # the session that keeps the login form's CSRF token
    assert cookie.startswith("shiftdesk_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


async def test_behind_tls_the_cookie_opens_the_agent_namespace_from_the_public_origin_only(harness):
    """The browser's Origin is the public https address; a page on plain
    http at the same host (anyone on the path can serve one) is refused."""
    agent, _ = await harness.add_agent("Hal", password=PASSWORD)
    async with aiohttp.ClientSession() as http:  # a Secure cookie is not sent back over http: by hand
        async with http.get(f"{harness.url}/console/login") as page:
            jar = page.cookies["shiftdesk_session"].value
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
        async with http.post(f"{harness.url}/console/login", allow_redirects=False,
                             headers={"Cookie": f"shiftdesk_session={jar}"},
                             data={"email": agent.email, "password": PASSWORD, "csrf_token": csrf}) as login:
            assert login.status == 303
            cookie = f"shiftdesk_session={login.cookies['shiftdesk_session'].value}"
    peer = await harness.peer("/agent", None, {"Cookie": cookie, "Origin": "https://support.example.test"}).connect()
    assert (await peer.next("session"))["agent"]["name"] == "Hal"
    for origin in ("http://support.example.test", harness.url, "https://support.example.test:8443"):
        with pytest.raises(Refused) as refused:
            await harness.peer("/agent", None, {"Cookie": cookie, "Origin": origin}).connect()
        assert refused.value.data["code"] == "unauthorized", origin
