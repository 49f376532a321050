"""The chat-length warning the visitor was given is the server's too: a
reloaded widget shows it again, with the time left by then."""
from __future__ import annotations

from playwright.async_api import expect

from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, sd, start_chat


async def test_the_duration_warning_survives_a_reload(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        await start_chat(page, agent, "My site is down")
        await desk.advance(900)  # [policy] duration_warn_s after the assignment
        await expect(sd(page, "warning")).to_contain_text("about 5 minutes left", timeout=TIMEOUT_MS)
        await desk.advance(120)
        await page.reload()
        await expect(sd(page, "status")).to_have_text("Chatting with Ann", timeout=TIMEOUT_MS)
        await expect(sd(page, "warning")).to_contain_text("about 3 minutes left", timeout=TIMEOUT_MS)
        assert page.errors == []
    finally:
        await context.close()
