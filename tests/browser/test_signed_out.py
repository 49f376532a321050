"""A console or dashboard page whose login session ends elsewhere (a sign-out
in another tab, a new password from the command line) says "You were
signed out" and goes to the login page, which says it too and brings the
person back to where they were; it does not keep reconnecting."""
from __future__ import annotations

import re
import subprocess

from playwright.async_api import expect

from .conftest import PASSWORD, PYTHON, ROOT
from .consolekit import TIMEOUT_MS, kit  # noqa: F401 (a fixture)
from .dashboard_kit import supervisor_page

NEW_PASSWORD = "a-new-password-for-sue"


def login_page(desk, back: str) -> re.Pattern:
    """The login page's URL, coming back to `back` (its `next`, encoded) and saying why."""
    encoded = re.escape(back.replace("/", "%2F").replace("#", "%23"))
    return re.compile(rf"^{re.escape(desk.url)}/console/login\?next={encoded}&signed_out=1$")


async def test_a_sign_out_in_another_tab_takes_the_console_to_the_login_page_and_back(kit, desk):  # noqa: F811
    alice = await kit.console("Alice")
    page = alice.page
    await page.goto(f"{desk.url}/console#tickets")
    await expect(alice.sd("status-toggle")).to_be_enabled()
    other = await page.context.new_page()  # the same browser: the same session cookie
    await other.goto(f"{desk.url}/console")
    await other.locator('[data-sd="logout"]').click()
    await other.wait_for_url(f"{desk.url}/console/login")
    await expect(other.locator('[data-sd="signed-out"]')).to_have_count(0)  # signing out oneself says nothing

    await expect(page).to_have_url(login_page(desk, "/console#tickets"), timeout=TIMEOUT_MS)
    await expect(page.locator('[data-sd="signed-out"]')).to_contain_text("You were signed out.")
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await page.wait_for_timeout(1500)
    assert not sockets  # nothing tries again from the login page
    await page.fill("input[name=email]", alice.agent.email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click('[data-sd="login"]')
    await expect(page).to_have_url(f"{desk.url}/console#tickets")
    await expect(page.locator('[data-sd="ticket-list"]')).to_be_visible()
    # A request the page made while the other tab signed out may get the
    # 401 that tells it so (api.js): Chromium logs that answer as an error.
    alice.assert_clean(allow="the server responded with a status of 401")


async def test_a_new_password_from_the_command_line_signs_the_dashboard_out(chromium, desk):
    errors: list[str] = []
    context, page, sue, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/closures")
    try:
        await expect(page.locator('[data-sd="connection"]')).to_have_text("Live")
        result = subprocess.run(
            [str(PYTHON), "run.py", "agent", "add", sue.email, "--name", sue.name, "--password", NEW_PASSWORD,
             "--database", desk.config.server.database],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        await expect(page.locator('[data-sd="connection"]')).to_have_text("You were signed out", timeout=TIMEOUT_MS)
        await expect(page).to_have_url(login_page(desk, "/console/dashboard/closures"), timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="signed-out"]')).to_contain_text("You were signed out.")
        await page.fill("input[name=email]", sue.email)
        await page.fill("input[name=password]", NEW_PASSWORD)
        await page.click('[data-sd="login"]')
        await expect(page).to_have_url(f"{desk.url}/console/dashboard/closures")
        await expect(page.locator('[data-sd="connection"]')).to_have_text("Live")
        assert not errors, errors
    finally:
        await context.close()
