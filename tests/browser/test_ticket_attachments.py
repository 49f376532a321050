"""Attachments in tickets, in real Chromium: the widget's ticket form (desk
offline) uploads a file from its picker and a pasted screenshot and sends
them with the ticket; the console's ticket view lists them (hostile names
as text), and an agent's reply carries a file chosen in the reply form."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import expect

from server.services.clock import ManualClock
from .consolekit import kit  # noqa: F401 (a fixture)
from .shots import screenshot
from .test_console_attachments import PASTE
from .test_widget_attachments import png
from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, sd

HOSTILE = '<img src=x onerror="window.__xss=1">.txt'


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # Monday 22:00 in New York: the desk is closed


async def test_files_go_with_the_ticket_form_and_an_agents_reply(chromium, desk, host, kit) -> None:  # noqa: F811
    await desk.add_agent("Day", shift="")
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, status="Offline until Tue, Nov 24, 2026, 9:00 AM")
        form = sd(page, "offline-form")
        await form.locator('[data-sd="ticket-email"]').fill("olga@example.test")
        await form.locator('[data-sd="ticket-subject"]').fill("The invoice")
        await form.locator('[data-sd="ticket-file-input"]').set_input_files(
            {"name": HOSTILE, "mimeType": "text/plain", "buffer": b"invoice 2026-11\n"})
        await expect(form.locator('[data-sd="ticket-file"]')).to_contain_text("onerror", timeout=TIMEOUT_MS)
        await form.locator('[data-sd="ticket-text"]').evaluate(PASTE, list(png(12, 12)))
        await expect(form.locator('[data-sd="ticket-file"]')).to_have_count(2, timeout=TIMEOUT_MS)
        await form.locator('[data-sd="ticket-text"]').fill("It is doubled.")
        await screenshot(page, "widget-ticket-files.png")
        await form.locator('[data-sd="ticket-send"]').click()
        await expect(sd(page, "ticket-receipt")).to_contain_text("SD-", timeout=TIMEOUT_MS)
        [ticket] = await desk.store.list_tickets()
        names = sorted(a.name for a in await desk.store.ticket_attachments(ticket.id))
        assert names[0].startswith("<img src=x onerror=") and names[1] == "image.png"  # (Chromium sends " as %22)
        assert await page.evaluate("window.__xss") is None and page.errors == []
    finally:
        await context.close()

    console = await kit.console("Alice", available=False)
    await console.page.goto(f"{desk.url}/console#tickets/{ticket.id}")
    view = console.sd("ticket-view")
    files = view.locator('[data-sd="ticket-files"] [data-sd="file"]')
    await expect(files).to_have_count(2)
    await expect(files.filter(has_text="onerror")).to_have_count(1)
    await view.locator('[data-sd="ticket-reply-input"]').fill("Here is the corrected one.")
    await view.locator('[data-sd="file-input"]').set_input_files(
        {"name": "corrected.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"})
    await expect(view.locator('[data-sd="staged-file"]')).to_contain_text("corrected.pdf")
    await view.locator('[data-sd="ticket-reply-send"]').click()
    reply = view.locator('[data-sd="ticket-reply"]')
    await expect(reply.locator('[data-sd="file"]')).to_contain_text("corrected.pdf")
    await expect(view.locator('[data-sd="staged-file"]')).to_have_count(0)
    await screenshot(console.page, "console-ticket-files.png")
    assert await console.page.evaluate("window.__xss") is None
    assert await console.page.locator('[data-sd="ticket-view"] img:not(.thumb)').count() == 0
    console.assert_clean()
