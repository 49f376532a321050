"""What the dashboard shows a lead can be trusted, in real Chromium: alerts
(SLA breaches too) and surveys are read from the server on every visit, a
suspension names people rather than ids and the audit log says it in a
sentence, errors are sentences, a login comes back to the page that asked
for it, and canned replies another lead adds show at once."""
from __future__ import annotations

import re

from playwright.async_api import expect

from server.services import canned
from server.services.model import Role
from tests.realtime.test_identity import identity

from .conftest import PASSWORD
from .dashboard_kit import TIMEOUT_MS, no_violations, supervisor_page

PHONE = {"width": 375, "height": 740}


async def test_alerts_and_surveys_are_still_there_after_navigating_away_and_back(chromium, desk):
    errors: list[str] = []
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    visitor = await desk.visitor()
    await visitor.next("session")
    chat_id = (await visitor.call("chat:start", {"text": "hello?"}))["chat"]["id"]
    await agent.next("chat:assigned")
    await desk.advance(desk.config.policy.first_response_s)  # nobody answered: an SLA breach
    assert (await agent.call("chat:end", {"chat_id": chat_id}))["ok"]
    rated = await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 2, "comment": "Too slow"})
    assert rated["ok"], rated
    context, page, _, _ = await supervisor_page(chromium, desk, errors)  # all of it happened before
    try:
        breach = page.locator('[data-sd="alert"][data-kind="sla_breach"]')
        survey = page.locator(f'[data-sd="survey"][data-survey-id="{rated["survey_id"]}"]')
        await expect(breach).to_contain_text("First response: 1:00 (limit 1:00) · Ann", timeout=TIMEOUT_MS)
        await expect(survey.locator('[data-sd="survey-comment"]')).to_have_text("Too slow")
        await page.click('[data-sd="nav-audit"]')
        await page.click('[data-sd="nav-overview"]')
        await expect(breach).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(survey).to_have_count(1)
        await page.reload()
        await expect(breach).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(survey).to_have_count(1)
        title = await breach.locator("time").get_attribute("title")
        assert title and "2026-11-23T" not in title, title  # a date for people, not an ISO string
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


async def test_a_lead_suspends_an_account_from_a_chat_by_name_and_reads_it_back_in_words(chromium, desk):
    errors: list[str] = []
    await desk.add_agent("Ann")
    jwt = identity(desk.site.secret, at=desk.clock.now(), sub="pat", account="acme-42", name="Pat Doe",
                   email="pat@acme.test")
    visitor = await desk.visitor(identity=jwt)
    await visitor.next("session")
    chat_id = (await visitor.call("chat:start", {"text": "refund all my cards"}))["chat"]["id"]
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path=f"/console/dashboard/chats/{chat_id}")
    try:
        await page.set_viewport_size(PHONE)
        await page.click('[data-sd="chat-suspend"]')
        dialog = page.locator('[data-sd="action-dialog"]')
        await expect(dialog.locator('[data-sd="who-name"]')).to_have_text("Pat Doe · pat@acme.test · account acme-42",
                                                                         timeout=TIMEOUT_MS)
        await dialog.locator('[data-sd="who-scope-account"]').check()
        await dialog.locator('[data-sd="action-reason"]').fill("chargeback fraud")
        await dialog.locator('[data-sd="action-submit"]').click()
        await expect(page.locator('[data-sd="flash"]')).to_contain_text("Suspended account acme-42 until",
                                                                         timeout=TIMEOUT_MS)
        held = await desk.store.active_suspension(desk.site.id, account_id="acme-42", visitor_id="-",
                                                  now=desk.clock.now())
        assert held is not None and held.account_id == "acme-42"

        await page.click('[data-sd="chat-suspend"]')  # twice: the lead reads why it did not work
        await dialog.locator('[data-sd="who-scope-account"]').check()
        await dialog.locator('[data-sd="action-reason"]').fill("again")
        await dialog.locator('[data-sd="action-submit"]').click()
        await expect(dialog.locator('[data-sd="action-error"]')).to_have_text(
            "They are suspended already: lift it first to change it.", timeout=TIMEOUT_MS)
        await dialog.locator('[data-sd="action-cancel"]').click()

        await page.goto(f"{desk.url}/console/dashboard/audit")
        row = page.locator('[data-sd="audit-row"][data-action="suspend"]')
        await expect(row.locator('[data-sd="audit-sentence"]')).to_have_text(
            "Sue suspended account acme-42 for 30 days (1 open chat ended): chargeback fraud", timeout=TIMEOUT_MS)
        assert "{" not in await page.locator('[data-sd="audit-rows"]').inner_text()  # no raw JSON
        assert await no_violations(page) == []
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


async def test_the_login_comes_back_to_the_dashboard_page_that_asked_for_it(chromium, desk):
    lead, _ = await desk.add_agent("Lena", role=Role.SUPERVISOR, password=PASSWORD)
    context = await chromium.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{desk.url}/console/dashboard/audit")
        await expect(page).to_have_url(re.compile(r"/console/login\?next="))
        await page.fill("input[name=email]", lead.email)
        await page.fill("input[name=password]", PASSWORD)
        await page.click('[data-sd="login"]')
        await expect(page).to_have_url(f"{desk.url}/console/dashboard/audit")
        await expect(page.locator('[data-sd="audit-table"]')).to_be_visible()
    finally:
        await context.close()


async def test_a_canned_reply_another_lead_adds_shows_at_once(chromium, desk):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/canned")
    try:
        await expect(page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up", timeout=TIMEOUT_MS)
        other, _ = await desk.add_agent("Lee", role=Role.SUPERVISOR)
        async with desk.services.desk.events.unit():  # as a web request runs it
            await canned.add(desk.services.desk, other, canned.CannedDraft("hours", "Hours", "We are open 9 to 6."))
        await expect(page.locator('[data-sd="canned-row-shortcut"]')).to_have_text("/hours", timeout=TIMEOUT_MS)
        assert not errors, "\n".join(errors)
    finally:
        await context.close()
