"""An agent mails a chat's transcript from the console, in real Chromium:
the mail reaches a real SMTP server (aiosmtpd) at the visitor's email on
file, without the internal note; without an email on file the console
says so."""
from __future__ import annotations

from playwright.async_api import expect

from tests.smtp import Inbox, config_overrides, inbox, smtp_port  # noqa: F401 (fixtures)

from .consolekit import kit, start_chat  # noqa: F401 (a fixture)


async def test_an_agent_emails_the_transcript_without_notes(kit, desk, inbox):  # noqa: F811
    console = await kit.console("Alice")
    _, chat = await start_chat(desk, "Where is my order?", name="Vic", email="vic@example.test")
    await expect(console.tab(chat["id"])).to_have_count(1)
    box = console.chat.locator('[data-sd="input"]')
    await console.chat.locator('[data-sd="note"]').check()
    await box.fill("secret note")
    await box.press("Enter")
    await expect(console.chat.locator('[data-sd="message"][data-note="true"]')).to_have_count(1)

    await console.chat.locator('[data-sd="mail-transcript"]').click()
    await console.chat.locator('[data-sd="mail-send"]').click()
    await expect(console.chat.locator('[data-sd="action-result"]')).to_have_text(
        "Transcript queued for vic@example.test.")

    async def arrived() -> bool:
        return len(inbox.envelopes) >= 1
    await desk.eventually(arrived, timeout=10)
    assert inbox.envelopes[0].rcpt_tos == ["vic@example.test"]
    body = inbox.body()
    assert "Vic (visitor): Where is my order?" in body and "secret note" not in body

    _, other = await start_chat(desk, "No email here")
    await expect(console.tab(other["id"])).to_have_count(1)
    await console.tab(other["id"]).click()
    await console.chat.locator('[data-sd="mail-transcript"]').click()
    await console.chat.locator('[data-sd="mail-send"]').click()
    await expect(console.chat.locator('[data-sd="action-result"]')).to_contain_text("no email on file")
    console.assert_clean()
