"""The transcript by email from the widget, in real Chromium: the visitor
clicks "Email" during the chat and "Email me the transcript" after it
ended, and the mails arrive at a real SMTP server (aiosmtpd) through the
desk's outbox worker, with the messages, without the agent's note, and
with nothing typed turned into a header."""
from __future__ import annotations

from playwright.async_api import expect

from tests.smtp import Inbox, config_overrides, inbox, smtp_port  # noqa: F401 (fixtures)

from .shots import screenshot
from .widget_steps import TIMEOUT_MS, VISITOR, agent_says, open_widget, sd, start_chat


async def arrived(desk, inbox: Inbox, count: int) -> None:
    async def enough() -> bool:
        return len(inbox.envelopes) >= count
    await desk.eventually(enough, timeout=10)


async def test_the_visitor_mails_the_transcript_during_and_after_the_chat(chromium, desk, host, inbox) -> None:
    _, token = await desk.add_agent("Ann\r\nBcc: agent@evil.test")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        chat = (await start_chat(page, agent, "My site is down\r\nSubject: owned"))["chat"]
        await agent_says(agent, chat["id"], "Looking into it now.")
        note = {"chat_id": chat["id"], "client_id": "note-1", "text": "secret note", "note": True}
        assert (await agent.call("chat:send", note))["ok"]

        # During the chat: no email on file, so the widget asks for one.
        await sd(page, "mail-transcript").click()
        await sd(page, "transcript-send").click()
        await expect(sd(page, "transcript-email")).to_be_visible(timeout=TIMEOUT_MS)
        await sd(page, "transcript-email").fill("vera@example.test")
        await screenshot(page, "widget-transcript-ask.png")
        await sd(page, "transcript-email-send").click()
        await expect(sd(page, "transcript-sent")).to_be_visible(timeout=TIMEOUT_MS)
        await screenshot(page, "widget-transcript-sent.png")
        await arrived(desk, inbox, 1)
        assert inbox.envelopes[0].rcpt_tos == ["vera@example.test"]
        message, body = inbox.message(0), inbox.body(0)
        assert sorted(k.lower() for k in message.keys()) == sorted(
            ["content-transfer-encoding", "content-type", "date", "from", "message-id", "mime-version", "subject", "to"])
        assert message["Subject"].startswith("Your chat of ") and message["Bcc"] is None
        assert "My site is down" in body and "Looking into it now." in body
        assert "Ann Bcc agent@evil.test (agent): Looking into it now." in body
        assert "secret note" not in body

        # After the end: the end panel offers it, to the email on file.
        assert (await agent.call("chat:end", {"chat_id": chat["id"]}))["ok"]
        await expect(sd(page, "ended")).to_be_visible(timeout=TIMEOUT_MS)
        await expect(sd(page, "mail-transcript")).to_be_hidden()
        panel = sd(page, "after-chat")
        await panel.locator('[data-sd="transcript-send"]').click()
        await expect(panel.locator('[data-sd="transcript-email"]')).to_be_visible(timeout=TIMEOUT_MS)
        await panel.locator('[data-sd="transcript-email"]').fill("vera@example.test")
        await panel.locator('[data-sd="transcript-email-send"]').click()
        await expect(panel.locator('[data-sd="transcript-sent"]')).to_be_visible(timeout=TIMEOUT_MS)
        await screenshot(page, "widget-transcript-after-end.png")
        await arrived(desk, inbox, 2)
        assert [e.rcpt_tos for e in inbox.envelopes] == [["vera@example.test"]] * 2
        assert "secret note" not in inbox.body(1)
        assert page.errors == []
    finally:
        await context.close()
