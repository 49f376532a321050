"""People on the dashboard, in Chromium: a lead adds an agent, who sets a
password by the link shown once and logs in; a lead disables an agent
whose console is open, and it is signed out and its chat goes to the
front of the queue; a password link works once and expires on the desk's
clock."""
from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from server.services import sessions
from server.services.model import Role

from .conftest import PASSWORD, console_login
from .consolekit import kit, start_chat  # noqa: F401 (fixture)
from .dashboard_kit import TIMEOUT_MS, no_violations, supervisor_page
from .shots import screenshot

NEW_PASSWORD = "a new password, typed"
RESET_URL = re.compile(r"/console/reset/[A-Za-z0-9_-]{32}$")


@pytest.fixture(autouse=True)
def no_session_watch(monkeypatch):
    """The store watch looks once at start-up, then not for an hour: a
    console that closes here was closed by the change itself."""
    monkeypatch.setattr(sessions, "WATCH_S", 3600.0)


def on_desk(desk, url: str) -> str:
    """The link on the test's desk (links carry `[server] public_url`, here the default host and port)."""
    return desk.url + url[url.index("/console/reset/"):]


def row(page: Page, email: str):
    return page.locator(f'[data-sd="person-row"][data-email="{email}"]')


async def set_password(page: Page, password: str = NEW_PASSWORD) -> None:
    await page.fill("#password", password)
    await page.fill("#confirm", password)
    await page.click('[data-sd="reset-submit"]')


async def test_a_lead_adds_an_agent_who_sets_a_password_and_logs_in(chromium, desk):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, "/console/dashboard/people")
    try:
        await expect(page.locator('[data-sd="nav-people"]')).to_have_attribute("aria-current", "page")
        await page.fill('[data-sd="person-email"]', "sam@example.test")
        await page.fill('[data-sd="person-name"]', "Sam Rivera")
        await page.fill('[data-sd="person-skills"]', "billing, Network!")
        await page.fill('[data-sd="person-shift"]', "mon-fri 9-5")
        await page.click('[data-sd="person-save"]')
        error = page.locator('[data-sd="person-error"]')
        await expect(error).to_contain_text("skill", timeout=TIMEOUT_MS)  # said by the server, in words
        await page.fill('[data-sd="person-skills"]', "billing, network")
        await page.click('[data-sd="person-save"]')
        await expect(error).to_contain_text("Shift: bad time")
        await page.fill('[data-sd="person-shift"]', "always")
        await page.select_option('[data-sd="person-tier"]', "2")
        await page.click('[data-sd="person-save"]')
        link = page.locator('[data-sd="person-link-url"]')
        await expect(link).to_have_value(RESET_URL, timeout=TIMEOUT_MS)
        await expect(error).to_be_hidden()
        await expect(page.locator('[data-sd="person-link-text"]')).to_contain_text("shown only now")
        sam = row(page, "sam@example.test")
        await expect(sam.locator('[data-sd="person-row-skills"]')).to_have_text("billing, network")
        await expect(sam.locator('[data-sd="person-row-shift"]')).to_have_text("always")
        await screenshot(page, "dashboard-people-added.png")
        url = on_desk(desk, await link.input_value())

        sam_context = await chromium.new_context()
        sam_page = await sam_context.new_page()
        await sam_page.goto(url)
        await set_password(sam_page)
        await expect(sam_page.locator('[data-sd="reset-done"]')).to_contain_text("sam@example.test")
        await screenshot(sam_page, "reset-done.png")
        await sam_context.close()
        sam_context = await chromium.new_context()
        console = await console_login(sam_context, desk, "sam@example.test", NEW_PASSWORD)
        await expect(console.locator('[data-sd="status-toggle"]')).to_be_enabled(timeout=TIMEOUT_MS)
        await sam_context.close()

        await sam.locator('[data-sd="person-edit"]').click()  # an edit: the form fills in, the email is fixed
        await expect(page.locator('[data-sd="person-link"]')).to_be_hidden()  # the link was shown once
        await expect(page.locator('[data-sd="person-email"]')).to_be_disabled()
        await page.fill('[data-sd="person-capacity"]', "5")
        await page.check('[data-sd="person-on-call"]')
        await page.click('[data-sd="person-save"]')
        await expect(sam.locator('[data-sd="person-row-capacity"]')).to_have_text("5", timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="flash"]')).to_contain_text("Sam Rivera: saved.")
        await expect(page.locator('[data-sd="person-email"]')).to_be_enabled()
        await screenshot(page, "dashboard-people.png")
        assert not await no_violations(page)
        unexpected = [e for e in errors if "status of 400" not in e]  # the two refusals above, and only they
        assert len(errors) - len(unexpected) == 2 and not unexpected, errors
    finally:
        await context.close()


async def test_a_disabled_agents_open_console_is_signed_out_and_its_chat_requeued_in_front(chromium, desk,
                                                                                             kit):  # noqa: F811
    errors: list[str] = []
    ann = await kit.console("Ann", capacity=1)
    _, held = await start_chat(desk, "I need help")
    await expect(ann.tab(held["id"])).to_be_visible(timeout=TIMEOUT_MS)
    _, waiting = await start_chat(desk, "me too")
    context, page, _, _ = await supervisor_page(chromium, desk, errors, "/console/dashboard/people")
    try:
        ann_row = row(page, ann.agent.email)
        await ann_row.locator('[data-sd="person-disable"]').click()
        dialog = page.locator('[data-sd="action-dialog"]')
        await expect(dialog).to_contain_text("chats go back to the front of the queue")
        await dialog.locator('[data-sd="action-submit"]').click()
        await expect(dialog).to_be_hidden(timeout=TIMEOUT_MS)
        await expect(ann_row.locator('[data-sd="person-row-status"]')).to_have_text("Disabled")
        assert [e.chat_id for e in await desk.services.desk.live.queue()] == [held["id"], waiting["id"]]
        # signed out within the page's notice, not at the next look of the store watch (an hour here)
        await ann.page.wait_for_url("**/console/login?**signed_out=1**", timeout=5000)
        await expect(ann.page.locator('[data-sd="signed-out"]')).to_be_visible()
        await screenshot(page, "dashboard-people-disabled.png")
        await ann.page.fill("input[name=email]", ann.agent.email)  # and she cannot come back in
        await ann.page.fill("input[name=password]", PASSWORD)
        await ann.page.click('[data-sd="login"]')
        await expect(ann.page.locator('[data-sd="login-error"]')).to_have_text("Wrong email or password.")

        await ann_row.locator('[data-sd="person-enable"]').click()
        await expect(ann_row.locator('[data-sd="person-disable"]')).to_be_visible(timeout=TIMEOUT_MS)
        assert not await no_violations(page)
        assert not errors, errors
    finally:
        await context.close()


async def test_a_password_link_works_once_and_expires(chromium, desk):
    errors: list[str] = []
    bob, _ = await desk.add_agent("Bob", password=PASSWORD)
    context, page, _, _ = await supervisor_page(chromium, desk, errors, "/console/dashboard/people")
    bob_context = await chromium.new_context()
    try:
        async def make_link() -> str:
            await row(page, bob.email).locator('[data-sd="person-reset"]').click()
            dialog = page.locator('[data-sd="action-dialog"]')
            await dialog.locator('[data-sd="action-submit"]').click()
            await expect(dialog).to_be_hidden(timeout=TIMEOUT_MS)
            link = page.locator('[data-sd="person-link-url"]')
            await expect(page.locator('[data-sd="person-link-text"]')).to_contain_text("A password link for Bob")
            return on_desk(desk, await link.input_value())

        first = await make_link()
        bob_page = await bob_context.new_page()
        await bob_page.goto(first)
        await set_password(bob_page)
        await expect(bob_page.locator('[data-sd="reset-done"]')).to_be_visible(timeout=TIMEOUT_MS)
        await bob_page.goto(first)  # once only
        await expect(bob_page.locator('[data-sd="reset-invalid"]')).to_contain_text("does not work")
        await expect(bob_page.locator('[data-sd="reset-form"]')).to_have_count(0)
        await screenshot(bob_page, "reset-invalid.png")

        second = await make_link()
        await bob_page.goto(second)
        await expect(bob_page.locator('[data-sd="reset-form"]')).to_be_visible()
        desk.clock.advance(24 * 3600)  # [limits] reset_link_hours
        await set_password(bob_page, "yet another password")  # the form was shown before it expired
        await expect(bob_page.locator('[data-sd="reset-invalid"]')).to_contain_text("does not work")
        console = await console_login(await chromium.new_context(), desk, bob.email, NEW_PASSWORD)
        await expect(console.locator('[data-sd="status-toggle"]')).to_be_enabled(timeout=TIMEOUT_MS)
        await console.context.close()
        assert not errors, errors
    finally:
        await bob_context.close()
        await context.close()


async def test_an_agent_gets_403_on_the_people_page(chromium, desk):
    agent, _ = await desk.add_agent("Pat", password=PASSWORD, role=Role.AGENT)
    context = await chromium.new_context()
    try:
        page = await console_login(context, desk, agent.email)
        answer = await page.goto(f"{desk.url}/console/dashboard/people")
        assert answer.status == 403
    finally:
        await context.close()
