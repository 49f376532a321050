"""The widget when nobody is on shift: the next opening in the visitor's
local time and the ticket form, its receipt, and the mail it sends (plain
text, the visitor's words as they were typed)."""
from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address

import pytest
from playwright.async_api import expect

from server.services.clock import ManualClock
from server.services.mail import build_message

from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, sd

HOSTILE = '<img src=x onerror=window.__xss=1> "><svg onload=window.__xss=1> <script>window.__xss=1</script>'


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # Monday 22:00 in New York


async def test_offline_the_widget_shows_the_next_opening_and_takes_a_ticket(chromium, desk, host) -> None:
    await desk.add_agent("Day", shift="")  # works the desk hours: mon-fri 09:00-18:00 New York
    context = await chromium.new_context(**VISITOR)  # the visitor is in New York too
    try:
        page = await open_widget(context, desk, host, status="Offline until Tue, Nov 24, 2026, 9:00 AM")
        await expect(sd(page, "next-open")).to_have_text("Tue, Nov 24, 2026, 9:00 AM")
        await expect(sd(page, "input")).to_be_hidden()
        form = sd(page, "offline-form")
        await form.locator('[data-sd="ticket-email"]').fill("olga@example.test")
        await form.locator('[data-sd="ticket-subject"]').fill(f"Invoice {HOSTILE}")
        await form.locator('[data-sd="ticket-text"]').fill(f"The November invoice is doubled.\n{HOSTILE}")
        await form.locator('[data-sd="ticket-send"]').click()
        receipt = sd(page, "ticket-receipt")
        await expect(receipt).to_contain_text("SD-", timeout=TIMEOUT_MS)
        number = await sd(page, "ticket-number").text_content()

        mails = await desk.store.due_mail(desk.clock.now(), 10)
        assert [m.mail.to for m in mails] == ["olga@example.test"]
        assert number in mails[0].mail.subject
        message = build_message(mails[0].mail, Address("Desk", addr_spec="desk@example.test"), "<1@example.test>")
        assert message.get_content_type() == "text/plain" and not message.is_multipart()
        assert HOSTILE in message.get_content()  # the words as typed: plain text, nothing escaped or dropped
        assert await page.evaluate("window.__xss") is None
        assert page.errors == []
    finally:
        await context.close()


async def test_the_widget_goes_offline_when_the_last_shift_ends(chromium, desk, host) -> None:
    """The `desk` event: an open page switches to the offline form by itself."""
    await desk.add_agent("Late", shift="mon-fri 21:00-23:00")  # New York time: on shift now
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, status="Online")
        await expect(sd(page, "offline-form")).to_have_count(0)
        await desk.advance(300)  # the desk's hours timer looks again (it started before Late was added)
        await desk.advance(3300)  # 23:00 in New York
        await expect(sd(page, "status")).to_have_text("Offline until Tue, Nov 24, 2026, 9:00 PM", timeout=TIMEOUT_MS)  # Late's next shift
        await expect(sd(page, "offline-form")).to_be_visible()
        await expect(sd(page, "input")).to_be_hidden()
        await sd(page, "close").click()  # the launcher follows the socket's word too
        await expect(sd(page, "presence")).to_have_text("Offline")
        await expect(sd(page, "presence")).to_have_attribute("title", "We open again Tue, Nov 24, 2026, 9:00 PM")
    finally:
        await context.close()
