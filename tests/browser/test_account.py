"""An agent's own account page (/console/account), in Chromium: a new
password signs their other browser out at once (its console goes to the
login page) and keeps this one; the new password then lets them in. A named
API token is shown once, works on REST and the socket, and once revoked is
refused at once on both. A lead reaches the page from the dashboard too."""
from __future__ import annotations

import re

import aiohttp
import pytest
from playwright.async_api import expect

from server.services import sessions
from tests.peers import Refused

from .conftest import PASSWORD, console_login
from .consolekit import TIMEOUT_MS, VIEWPORT, kit  # noqa: F401 (a fixture)
from .dashboard_kit import supervisor_page
from .shots import screenshot

NEW_PASSWORD = "a long new passphrase"


@pytest.fixture(autouse=True)
def no_watch(monkeypatch):
    """The session watch looks once as the server starts, then not for an
    hour: what ends here is ended by the change itself, at once."""
    monkeypatch.setattr(sessions, "WATCH_S", 3600.0)


async def open_account(console) -> None:
    """From the console's top bar (the agent's name), as an agent would."""
    await console.sd("nav-account").click()
    await console.page.wait_for_url(re.compile(r"/console/account$"))


async def bearer_status(desk, token: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(
            f"{desk.url}/api/tickets", headers={"Authorization": f"Bearer {token}"}) as response:
        return response.status


async def test_a_new_password_signs_the_other_browser_out_and_keeps_this_one(kit, desk, chromium):  # noqa: F811
    alice = await kit.console("Alice", available=False)
    other_context = await chromium.new_context(viewport=VIEWPORT)
    kit.contexts.append(other_context)
    other = await console_login(other_context, desk, alice.agent.email)  # another browser, another session
    await expect(other.locator('[data-sd="status-toggle"]')).to_be_enabled()  # its socket is up

    await open_account(alice)
    page = alice.page
    rows = alice.sd("session-row")
    await expect(rows).to_have_count(2)
    await expect(alice.sd("session-row", current="true").locator('[data-sd="session-current"]')).to_have_text(
        "This browser")
    await expect(alice.sd("session-client").first).to_have_text(re.compile(r"^Headless Chrome \d+ on Linux$"))
    await screenshot(page, "account.png")

    await alice.sd("password-current").fill(PASSWORD)
    await alice.sd("password-new").fill(NEW_PASSWORD)
    await alice.sd("password-again").fill(NEW_PASSWORD + "?")
    await alice.sd("password-save").click()
    await expect(alice.sd("password-error")).to_have_text("The two new passwords differ.")
    await alice.sd("password-again").fill(NEW_PASSWORD)
    await alice.sd("password-current").fill("not my password")
    await alice.sd("password-save").click()
    await expect(alice.sd("password-error")).to_contain_text("The current password is wrong.")
    await alice.sd("password-current").fill(PASSWORD)
    await alice.sd("password-save").click()
    await expect(alice.sd("password-done")).to_have_text(
        "Your password was changed. 1 other browser was signed out.")
    await expect(alice.sd("password-error")).to_be_hidden()
    await expect(rows).to_have_count(1)

    # the other browser's console is disconnected and sent to the login page, at once
    await expect(other).to_have_url(re.compile(r"/console/login\?next=%2Fconsole&signed_out=1$"), timeout=TIMEOUT_MS)
    await expect(other.locator('[data-sd="signed-out"]')).to_contain_text("You were signed out.")
    await other.fill("input[name=email]", alice.agent.email)
    await other.fill("input[name=password]", PASSWORD)
    await other.click('[data-sd="login"]')
    await expect(other.locator('[data-sd="login-error"]')).to_have_text("Wrong email or password.")
    await other.fill("input[name=email]", alice.agent.email)
    await other.fill("input[name=password]", NEW_PASSWORD)
    await other.click('[data-sd="login"]')
    await expect(other).to_have_url(f"{desk.url}/console")
    await expect(other.locator('[data-sd="status-toggle"]')).to_be_enabled()

    # this browser stayed signed in: its console connects as before
    await alice.sd("nav-console").click()
    await page.wait_for_url(f"{desk.url}/console")
    await expect(alice.sd("status-toggle")).to_be_enabled()
    await expect(alice.sd("connection")).to_have_attribute("data-state", "up")
    # the wrong current password's 403, which Chromium logs as a failed load; nothing else
    refused = "console: Failed to load resource: the server responded with a status of 403 (Forbidden)"
    assert alice.errors == [refused], alice.errors


async def test_a_token_is_shown_once_works_and_once_revoked_is_refused(kit, desk):  # noqa: F811
    bea = await kit.console("Bea", available=False, browser={"color_scheme": "dark"})  # the other test's is light
    await open_account(bea)
    page = bea.page
    await expect(bea.sd("tokens-empty")).to_be_visible()
    await bea.sd("token-name").fill("Reporting script")
    await bea.sd("token-create").click()
    value = bea.sd("token-value")
    await expect(bea.sd("token-secret")).to_be_visible()
    secret = await value.input_value()
    assert len(secret) >= 22
    await expect(bea.sd("token-row")).to_have_count(1)
    await expect(bea.sd("token-row-name")).to_have_text("Reporting script")
    await expect(bea.sd("token-last-used")).to_have_text("never")
    await screenshot(page, "account-token.png")

    assert await bearer_status(desk, secret) == 200
    peer = await desk.agent(secret, available=False)
    assert peer.received("session")[0]["agent"]["id"] == bea.agent.id

    await bea.sd("token-dismiss").click()
    await expect(bea.sd("token-secret")).to_be_hidden()
    await page.reload()
    await expect(bea.sd("token-row")).to_have_count(1)
    await expect(bea.sd("token-last-used")).not_to_have_text("never")  # used just now
    assert secret not in await page.content()  # shown once: never again

    revoke = bea.sd("token-revoke")
    await revoke.click()
    await expect(revoke).to_have_text("Revoke it?")  # one click alone revokes nothing
    assert await bearer_status(desk, secret) == 200
    await revoke.click()
    await expect(bea.sd("flash")).to_have_text("The token “Reporting script” was revoked.")
    await expect(bea.sd("token-row")).to_have_count(0)
    await expect(bea.sd("tokens-empty")).to_be_visible()
    assert await bearer_status(desk, secret) == 401
    async def closed() -> bool:
        return not peer.sio.connected
    await desk.eventually(closed, timeout=1.5)  # by the revocation itself: the watch is slowed to an hour
    with pytest.raises(Refused) as refused:
        await desk.peer("/agent", {"token": secret}).connect()
    assert refused.value.data["code"] == "unauthorized"
    bea.assert_clean()


async def test_a_lead_reaches_their_account_from_the_dashboard_and_it_is_audited(chromium, desk):
    errors: list[str] = []
    context, page, sue, _ = await supervisor_page(chromium, desk, errors)
    try:
        await page.locator('[data-sd="nav-account"]').click()
        await page.wait_for_url(f"{desk.url}/console/account")
        await expect(page.locator('[data-sd="session-row"]')).to_have_count(1)
        await page.locator('[data-sd="token-name"]').fill("Nightly export")
        await page.locator('[data-sd="token-create"]').click()
        await expect(page.locator('[data-sd="token-row"]')).to_have_count(1)
        desk.clock.advance(1)  # the audit log lists the newest first: one second apart, the order is sure
        await page.locator('[data-sd="token-revoke"]').click()
        await page.locator('[data-sd="token-revoke"]').click()
        await expect(page.locator('[data-sd="token-row"]')).to_have_count(0)
        await expect(page.locator('[data-sd="nav-dashboard"]')).to_be_visible()
        await page.locator('[data-sd="nav-dashboard"]').click()
        await page.wait_for_url(f"{desk.url}/console/dashboard")
        await page.goto(f"{desk.url}/console/dashboard/audit")
        sentences = page.locator('[data-sd="audit-sentence"]')
        await expect(sentences).to_have_text([f"{sue.name} revoked the API token “Nightly export”",
                                              f"{sue.name} made the API token “Nightly export”"])
        assert not errors, errors
    finally:
        await context.close()
