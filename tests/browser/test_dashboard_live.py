"""The supervisor dashboard in real Chromium against the in-process desk:
live tiles as a visitor's chat is queued and taken, a suspension from the
dashboard that the visitor's widget shows, and the audit log that keeps it."""
from __future__ import annotations

import re

from playwright.async_api import expect

from server.services.model import Role

from .conftest import PASSWORD, console_login, host_page
from .dashboard_kit import TIMEOUT_MS, no_violations, supervisor_page, tile


async def test_tiles_follow_a_chat_and_a_suspension_reaches_the_widget_and_the_audit_log(chromium, desk, host):
    errors: list[str] = []
    _, ann_token = await desk.add_agent("Ann")  # on shift ("always") but not connected: chats wait
    context, page, _, _ = await supervisor_page(chromium, desk, errors)
    visitor_context = await chromium.new_context(viewport={"width": 900, "height": 700})
    try:
        await expect(page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up", timeout=TIMEOUT_MS)
        await expect(tile(page, "queue-length")).to_have_text("0", timeout=TIMEOUT_MS)

        widget = await host_page(visitor_context, desk, host)
        widget.on("pageerror", lambda exc: errors.append(f"widget: {exc}"))  # (the host site has no favicon: a 404)
        await widget.click('[data-sd="launcher"]')
        await widget.fill('[data-sd="input"]', "my invoice is wrong")
        await widget.press('[data-sd="input"]', "Enter")

        # queued: the tiles and the queue list follow the metrics push
        await expect(tile(page, "queue-length")).to_have_text("1", timeout=TIMEOUT_MS)
        await expect(tile(page, "on-shift")).to_have_attribute("data-value", "1")
        await expect(tile(page, "away")).to_have_attribute("data-value", "1")  # Ann, not connected
        row = page.locator('[data-sd="queue-row"]')
        await expect(row).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(row.locator("td").first).to_have_text("1")  # position
        await expect(row.locator('[data-sd="queue-wait"]')).to_have_text(re.compile(r"^\d+ s$"))
        await desk.advance(61)  # nobody answered within 60 s: a first-response breach, while queued
        breach = page.locator('[data-sd="alert"][data-kind="sla_breach"]')
        await expect(breach).to_contain_text(re.compile(r"First response: 1:0\d \(limit 1:00\) · while queued"),
                                             timeout=TIMEOUT_MS)
        await expect(breach.locator('[data-sd="alert-chat"]')).to_have_count(1)
        await expect(page.locator('[data-sd="tile-longest-wait"]')).to_have_attribute("data-tone", "bad")

        # Ann connects, available: she takes the chat at once
        agent = await desk.agent(ann_token)
        assigned = await agent.next("chat:assigned")
        visitor_id = assigned["visitor"]["id"]
        await expect(tile(page, "queue-length")).to_have_text("0", timeout=TIMEOUT_MS)
        await expect(tile(page, "busy")).to_have_attribute("data-value", "1", timeout=TIMEOUT_MS)
        await expect(tile(page, "active-chats")).to_have_attribute("data-value", "1")
        await expect(page.locator('[data-sd="queue-row"]')).to_have_count(0)
        chat_row = page.locator('[data-sd="chat-row"]')
        await expect(chat_row).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(chat_row.locator('[data-sd="chat-agent"]')).to_have_text("Ann")
        ann_row = page.locator('[data-sd="agent-row"]', has_text="Ann")
        await expect(ann_row.locator('[data-sd="agent-load"]')).to_contain_text("1/3", timeout=TIMEOUT_MS)

        # suspend that visitor from the dashboard, with a reason, for the default 30 days
        await chat_row.locator('[data-sd="suspend-visitor"]').click()
        dialog = page.locator('[data-sd="action-dialog"]')
        await expect(dialog).to_be_visible()
        await expect(dialog.locator('[data-sd="action-days"]')).to_have_value("30")
        await expect(dialog.locator('[data-sd="who-name"]')).to_have_text("Anonymous visitor")  # named, not an id
        assert visitor_id not in await dialog.inner_text()
        await dialog.locator('[data-sd="action-submit"]').click()  # no reason yet: the form refuses
        await expect(dialog).to_be_visible()
        await dialog.locator('[data-sd="action-reason"]').fill("abusive language towards staff")
        await dialog.locator('[data-sd="action-submit"]').click()
        await expect(dialog).to_be_hidden(timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="flash"]')).to_contain_text("Suspended the visitor until")

        # the widget says so, with the date it lifts (the desk clock + 30 days: 2026-12-23)
        notice = widget.locator('[data-sd="suspended"]')
        await expect(notice).to_be_visible(timeout=TIMEOUT_MS)
        await expect(notice).to_contain_text("Dec 23")
        await expect(tile(page, "active-chats")).to_have_attribute("data-value", "0", timeout=TIMEOUT_MS)

        # the audit log lists it, with its reason
        await page.click('[data-sd="nav-audit"]')
        entry = page.locator('[data-sd="audit-row"][data-action="suspend"]')
        await expect(entry).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(entry.locator('[data-sd="audit-sentence"]')).to_have_text(
            "Sue suspended an anonymous visitor for 30 days (1 open chat ended): abusive language towards staff")
        await expect(entry.locator('[data-sd="audit-reason"]')).to_have_text("abusive language towards staff")
        await page.select_option('[data-sd="audit-action"]', "ban")
        await expect(page.locator('[data-sd="audit-row"]')).to_have_count(0, timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="audit-empty"]')).to_be_visible()

        assert await no_violations(page) == []
        assert not errors, "\n".join(errors)
    finally:
        await context.close()
        await visitor_context.close()


async def test_an_agent_gets_403_on_the_dashboard(chromium, desk):
    agent, _ = await desk.add_agent("Carl", role=Role.AGENT, password=PASSWORD)
    context = await chromium.new_context()
    try:
        page = await console_login(context, desk, agent.email)
        response = await page.goto(f"{desk.url}/console/dashboard")
        assert response is not None and response.status == 403
        assert "supervisors only" in (await page.content())
        response = await page.goto(f"{desk.url}/console/dashboard/audit")
        assert response is not None and response.status == 403
    finally:
        await context.close()
