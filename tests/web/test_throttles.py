"""Throttles that must hold: the console login's backoff per account (on
top of the limit per address), and rate windows longer than a few minutes."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.web.test_console_login import PASSWORD

WRONG = "not the password"


class Browser:
    """One browser on the login page, keeping its CSRF session."""

    def __init__(self, harness, http: aiohttp.ClientSession) -> None:
        self.harness, self.http = harness, http

    async def log_in(self, email: str, password: str) -> aiohttp.ClientResponse:
        async with self.http.get(f"{self.harness.url}/console/login") as page:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
        async with self.http.post(f"{self.harness.url}/console/login", allow_redirects=False,
                                  data={"email": email, "password": password, "csrf_token": csrf}) as answer:
            await answer.read()
            return answer

    async def status(self, email: str, password: str) -> int:
        return (await self.log_in(email, password)).status


@pytest.fixture
async def browser(harness) -> AsyncIterator[Browser]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield Browser(harness, http)


async def test_after_five_failures_an_account_waits_even_with_the_right_password(harness, browser):
    agent, _ = await harness.add_agent("Ida", password=PASSWORD)
    for _ in range(6):
        assert await browser.status(agent.email, WRONG) == 401
    held = await browser.log_in(agent.email, PASSWORD)  # right, but not even checked: guesses learn nothing
    assert held.status == 429 and held.headers["Retry-After"] == "1"
    await harness.advance(1)
    assert await browser.status(agent.email, PASSWORD) == 303


async def test_the_wait_doubles_and_a_success_resets_it(harness, browser):
    agent, _ = await harness.add_agent("Jo", password=PASSWORD)
    for wait in (0, 0, 0, 0, 0, 1, 2, 4):
        await harness.advance(61)  # past the address's minute and the account's wait
        assert await browser.status(agent.email, WRONG) == 401
        held = await browser.log_in(agent.email, WRONG) if wait else None
        if held is not None:
            assert held.status == 429, wait
    await harness.advance(61)
    assert await browser.status(agent.email, PASSWORD) == 303
    for _ in range(5):  # counted afresh: five typos are free again
        assert await browser.status(agent.email, WRONG) == 401
    assert await browser.status(agent.email, PASSWORD) == 303


async def test_the_wait_never_passes_five_minutes(harness, browser):
    """A guesser who fails as fast as the backoff lets them is held at five
    minutes a guess, and never locks the account's owner out for longer."""
    agent, _ = await harness.add_agent("Kit", password=PASSWORD)
    for _ in range(20):
        held = await browser.log_in(agent.email, WRONG)
        while held.status == 429:  # the account's wait, or the address's minute
            await harness.advance(int(held.headers["Retry-After"]))
            held = await browser.log_in(agent.email, WRONG)
        assert held.status == 401
    held = await browser.log_in(agent.email, PASSWORD)
    assert held.status == 429 and 294 <= int(held.headers["Retry-After"]) <= 300
    await harness.advance(300)
    assert await browser.status(agent.email, PASSWORD) == 303


async def test_the_backoff_is_per_account_and_the_same_for_unknown_emails(harness, browser):
    agent, _ = await harness.add_agent("Lou", password=PASSWORD)
    other, _ = await harness.add_agent("Max", password=PASSWORD)
    for _ in range(6):
        assert await browser.status(agent.email, WRONG) == 401
    assert await browser.status(agent.email.upper(), PASSWORD) == 429  # the account, however it is typed
    assert await browser.status(other.email, PASSWORD) == 303  # another account is not held
    await harness.advance(61)
    for _ in range(6):
        assert await browser.status("nobody@example.test", WRONG) == 401
    assert await browser.status("nobody@example.test", WRONG) == 429  # an unknown email looks the same
