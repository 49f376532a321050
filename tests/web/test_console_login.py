"""Console login: argon2 passwords, an HttpOnly SameSite session cookie,
CSRF on forms, and the cookie authenticating /agent from the same origin only."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs

import aiohttp
import pytest

from server.services.model import Role
from tests.peers import Refused

PASSWORD = "correct horse battery staple"


async def csrf_of(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as response:
        assert response.status == 200
        return re.search(r'name="csrf_token" value="([^"]+)"', await response.text()).group(1)


async def log_in(harness, email: str, password: str = PASSWORD):
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    token = await csrf_of(session, f"{harness.url}/console/login")
    response = await session.post(f"{harness.url}/console/login", allow_redirects=False,
                                  data={"email": email, "password": password, "csrf_token": token})
    return session, response


async def test_an_agent_logs_in_and_the_cookie_opens_the_agent_namespace(harness):
    agent, _ = await harness.add_agent("Carol", password=PASSWORD)
    session, response = await log_in(harness, agent.email)
    try:
        assert response.status == 303 and response.headers["Location"] == "/console"
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http here: a Secure cookie would never come back
        async with session.get(f"{harness.url}/console") as page:
            assert page.status == 200 and "Carol" in await page.text()
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        cookies = "; ".join(f"{c.key}={c.value}" for c in session.cookie_jar)
        peer = await harness.peer("/agent", None, {"Cookie": cookies}).connect()
        assert (await peer.next("session"))["agent"]["name"] == "Carol"
        with pytest.raises(Refused) as refused:
            await harness.peer("/agent", None, {"Cookie": cookies, "Origin": "https://evil.example"}).connect()
        assert refused.value.data["code"] == "unauthorized"
    finally:
        await session.close()


async def test_a_wrong_password_is_refused(harness):
    agent, _ = await harness.add_agent("Dan", password=PASSWORD)
    session, response = await log_in(harness, agent.email, "wrong password")
    try:
        assert response.status == 401
        assert "shiftdesk_session" not in response.headers.get("Set-Cookie", "") or \
            "agent_id" not in response.headers.get("Set-Cookie", "")
        async with session.get(f"{harness.url}/console", allow_redirects=False) as page:
            assert page.status == 302 and page.headers["Location"] == "/console/login"
    finally:
        await session.close()


async def test_login_without_the_csrf_token_is_forbidden(harness):
    agent, _ = await harness.add_agent("Eve", password=PASSWORD)
    async with aiohttp.ClientSession() as session:
        response = await session.post(f"{harness.url}/console/login", allow_redirects=False,
                                      data={"email": agent.email, "password": PASSWORD})
        assert response.status == 403


async def test_logout_needs_csrf_and_ends_the_session(harness):
    agent, _ = await harness.add_agent("Fay", password=PASSWORD)
    session, _ = await log_in(harness, agent.email)
    try:
        assert (await session.post(f"{harness.url}/console/logout", allow_redirects=False)).status == 403
        token = await csrf_of(session, f"{harness.url}/console")
        out = await session.post(f"{harness.url}/console/logout", data={"csrf_token": token},
                                 allow_redirects=False)
        assert out.status == 303
        async with session.get(f"{harness.url}/console", allow_redirects=False) as page:
            assert page.status == 302
    finally:
        await session.close()



async def test_the_login_goes_back_to_the_dashboard_page_that_asked_for_it(harness):
    lead, _ = await harness.add_agent("Lena", role=Role.SUPERVISOR, password=PASSWORD)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        async with browser.get(f"{harness.url}/console/dashboard/audit?action=ban", allow_redirects=False) as page:
            assert page.status == 302
            login = page.headers["Location"]
        path, _, query = login.partition("?")
        assert (path, parse_qs(query)) == ("/console/login", {"next": ["/console/dashboard/audit?action=ban"]})
        async with browser.get(f"{harness.url}{login}") as form:
            text = await form.text()
        action = re.search(r'<form method="post" action="([^"]+)"', text).group(1)
        token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
        wrong = await browser.post(f"{harness.url}{unescape(action)}", allow_redirects=False,
                                   data={"email": lead.email, "password": "wrong", "csrf_token": token})
        assert wrong.status == 401 and f'action="{action}"' in await wrong.text()  # kept for the next try
        answer = await browser.post(f"{harness.url}{unescape(action)}", allow_redirects=False,
                                    data={"email": lead.email, "password": PASSWORD, "csrf_token": token})
        assert answer.status == 303 and answer.headers["Location"] == "/console/dashboard/audit?action=ban"


@pytest.mark.parametrize("target", [
    "//evil.example/console", "https://evil.example/console", "/\\evil.example", "\\\\evil.example",
    "/console\\..\\..\\evil", "/\t/evil.example", "javascript:alert(1)", "/tickets/confirm/x", "console",
    "/console/login", "/consolex", "", "/console/" + "x" * 2000,
])
async def test_the_login_never_sends_anyone_off_the_console(harness, target):
    agent, _ = await harness.add_agent("Carol", password=PASSWORD)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        token = await csrf_of(browser, f"{harness.url}/console/login")
        answer = await browser.post(f"{harness.url}/console/login", params={"next": target}, allow_redirects=False,
                                    data={"email": agent.email, "password": PASSWORD, "csrf_token": token})
        assert answer.status == 303 and answer.headers["Location"] == "/console"
