"""Tags in real Chromium: a lead keeps the list on the dashboard, an agent
tags a chat while chatting in the console, and the lead's report of that
tag counts that chat only, on the page and in the CSV. An archived tag
stays on its chat and is no longer offered. A lead's hostile tag name is
text everywhere."""
from __future__ import annotations

import csv
import io
import re

from playwright.async_api import expect

from .consolekit import kit, start_chat  # noqa: F401 (a fixture)
from .dashboard_kit import TIMEOUT_MS, go_to, no_violations, supervisor_page, tile
from .shots import screenshot

IMG = "<img src=x onerror=window.__xss=1>"


async def add_tag(page, name: str, colour: str = "") -> None:
    await page.fill('[data-sd="tag-name"]', name)
    await page.select_option('[data-sd="tag-colour"]', colour)
    await page.click('[data-sd="tag-save"]')
    await expect(page.locator('[data-sd="tag-row"]').filter(has_text=name)).to_have_count(1, timeout=TIMEOUT_MS)


async def test_a_tag_chosen_in_the_console_filters_the_report_and_its_csv(kit, chromium, desk):  # noqa: F811
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/tags")
    try:
        await add_tag(page, "billing", "blue")
        await add_tag(page, "Refund ✓", "green")
        await add_tag(page, IMG, "red")
        rows = page.locator('[data-sd="tag-row"]')
        await expect(rows.locator(".tag-name")).to_have_text([IMG, "billing", "Refund ✓"])
        await expect(rows.filter(has_text="billing").locator('[data-sd="tag-chip"]')).to_have_attribute(
            "data-colour", "blue")

        console = await kit.console("Ann")
        _, billed = await start_chat(desk, "I was charged twice")
        _, other = await start_chat(desk, "How do I export?")
        await expect(console.sd("chat-tab")).to_have_count(2, timeout=TIMEOUT_MS)
        bar = console.panel(billed["id"]).locator('[data-sd="chat-tags"]')
        await console.tab(billed["id"]).click()
        menu = bar.locator('[data-sd="tag-add"]')
        await expect(menu.locator("option")).to_have_text(["Add a tag…", IMG, "billing", "Refund ✓"])
        await menu.select_option(label="billing")
        await expect(bar.locator('[data-sd="tag-chip"] .tag-name')).to_have_text(["billing"])
        await expect(menu.locator("option")).to_have_text(["Add a tag…", IMG, "Refund ✓"])
        await menu.select_option(label="Refund ✓")
        await expect(bar.locator('[data-sd="tag-chip"] .tag-name')).to_have_text(["billing", "Refund ✓"])
        await bar.locator('[data-sd="tag-chip"]', has_text="Refund").locator('[data-sd="tag-remove"]').click()
        await expect(bar.locator('[data-sd="tag-chip"] .tag-name')).to_have_text(["billing"])
        await screenshot(console.page, "console-tags.png")

        # the report: all chats, then only the chats tagged billing
        await page.click('[data-sd="nav-reports"]')
        loaded = page.locator('[data-sd="report-rows"]')
        await expect(loaded).to_have_attribute("data-loaded", re.compile(r"^[\d-]+/[\d-]+$"), timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="report-total"] [data-col="chats"]')).to_have_text("2", timeout=TIMEOUT_MS)
        tag_menu = page.locator('[data-sd="report-tag"]')
        await expect(tag_menu.locator("option")).to_have_text(["All chats", IMG, "billing", "Refund ✓"],
                                                              timeout=TIMEOUT_MS)
        billing_id = await tag_menu.locator("option", has_text="billing").get_attribute("value")
        await tag_menu.select_option(label="billing")
        await page.click('[data-sd="report-show"]')
        await expect(loaded).to_have_attribute("data-loaded", re.compile(f"/{billing_id}$"), timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="report-total"] [data-col="chats"]')).to_have_text("1", timeout=TIMEOUT_MS)
        await expect(tile(page, "chats")).to_have_text("1")
        await expect(page.locator('[data-sd="report-scope"] [data-sd="tag-chip"]')).to_have_text("billing")
        csv_link = page.locator('[data-sd="report-csv"]')
        await expect(csv_link).to_have_attribute("href", f"/api/reports.csv?from={await value(page, 'report-from')}"
                                                 f"&to={await value(page, 'report-to')}&tag={billing_id}")
        async with page.expect_download() as info:
            await csv_link.click()
        written = list(csv.DictReader(io.StringIO(open(await (await info.value).path(), encoding="utf-8").read())))
        assert [(r["agent_name"], r["tags"], r["chats"]) for r in written] == [("Ann", "billing", "1")]
        await screenshot(page, "reports-tag.png")

        # a tag filtered on is a tag of IMG's name: text, in the menu and the heading
        img_id = await tag_menu.locator("option").nth(1).get_attribute("value")
        await tag_menu.select_option(value=img_id)
        await page.click('[data-sd="report-show"]')
        await expect(loaded).to_have_attribute("data-loaded", re.compile(f"/{img_id}$"), timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="report-scope"] .tag-name')).to_have_text(IMG)
        await expect(page.locator('[data-sd="report-empty"]')).to_be_visible()

        # archived: still on the chat, no longer offered
        await go_to(page, "tags")
        billing_row = page.locator('[data-sd="tag-row"]').filter(has_text="billing")
        await billing_row.locator('[data-sd="tag-archive"]').click()
        await page.locator('[data-sd="action-submit"]').click()
        await expect(billing_row).to_have_attribute("data-archived", "true", timeout=TIMEOUT_MS)
        await expect(menu.locator("option")).to_have_text(["Add a tag…", IMG, "Refund ✓"], timeout=TIMEOUT_MS)
        await expect(bar.locator('[data-sd="tag-chip"]')).to_have_attribute("data-archived", "true")
        await console.tab(other["id"]).click()
        other_menu = console.panel(other["id"]).locator('[data-sd="tag-add"]')
        await expect(other_menu.locator("option")).to_have_text(["Add a tag…", IMG, "Refund ✓"])
        await screenshot(page, "dashboard-tags.png")

        # a lead tags the chat from the dashboard's chat page; the agent's console follows
        await page.goto(f"{desk.url}/console/dashboard/chats/{billed['id']}")
        lead_bar = page.locator('[data-sd="chat-tags"]')
        await expect(lead_bar.locator('[data-sd="tag-chip"]')).to_have_text(["billing×"], timeout=TIMEOUT_MS)
        await lead_bar.locator('[data-sd="tag-add"]').select_option(label="Refund ✓")
        await expect(lead_bar.locator('[data-sd="tag-chip"] .tag-name')).to_have_text(["billing", "Refund ✓"])
        await console.tab(billed["id"]).click()
        await expect(bar.locator('[data-sd="tag-chip"] .tag-name')).to_have_text(["billing", "Refund ✓"],
                                                                                timeout=TIMEOUT_MS)
        await screenshot(page, "dashboard-chat-tags.png")

        assert await page.evaluate("window.__xss") is None
        assert await console.page.evaluate("window.__xss") is None
        await expect(page.locator('[data-sd="dashboard"] img')).to_have_count(0)
        assert await no_violations(page) == []
        console.assert_clean()
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


async def value(page, name: str) -> str:
    return await page.locator(f'[data-sd="{name}"]').input_value()
