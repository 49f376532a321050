"""Behind TLS (`[server] public_url` https://...) the session cookie is Secure."""
from __future__ import annotations

import aiohttp
import pytest


@pytest.fixture
def config_overrides() -> dict:
    return {"server": {"public_url": "https://support.example.test"}}


async def test_behind_tls_the_session_cookie_is_secure(harness):
    async with aiohttp.ClientSession() as http, http.get(f"{harness.url}/console/login") as page:
        cookie = page.headers["Set-Cookie"]  # the session that keeps the login form's CSRF token
    assert cookie.startswith("shiftdesk_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
