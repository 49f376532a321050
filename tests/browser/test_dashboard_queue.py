"""The lead's queue on the dashboard says why each chat waits, in real
Chromium: a skill nobody on shift has (and when the chat falls back to any
agent), then the chat taken once that wait is over."""
from __future__ import annotations

import re

from playwright.async_api import expect

from .dashboard_kit import TIMEOUT_MS, supervisor_page


async def test_the_queue_says_a_chat_waits_for_a_skill_and_when_it_falls_back(chromium, desk):
    errors: list[str] = []
    _, token = await desk.add_agent("Plain")  # no skills
    plain = await desk.agent(token)
    await desk.add_agent("Quinn", capacity=0)  # a lead who only watches: never the reason a chat waits
    context, page, _, _ = await supervisor_page(chromium, desk, errors)
    quinn = page.locator('[data-sd="agent-row"]', has_text="Quinn")
    await expect(quinn.locator('[data-sd="agent-load"]')).to_have_text("takes no chats", timeout=TIMEOUT_MS)
    try:
        visitor = await desk.visitor()
        await visitor.next("session")
        ack = await visitor.call("chat:start", {"text": "routing loop", "topic": "network"})
        assert ack["chat"]["status"] == "queued", ack
        row = page.locator('[data-sd="queue-row"]')
        await expect(row).to_have_count(1, timeout=TIMEOUT_MS)
        why = row.locator('[data-sd="queue-why"]')
        await expect(why).to_have_attribute("data-reason", "needs_skill")
        await expect(why).to_have_text(re.compile(
            r"^needs skill network — nobody on shift has it; falls back to any agent at \d\d:\d\d( [AP]M)?$"))

        await plain.call("agent:status", {"status": "away"})
        await page.reload()
        await expect(why).to_have_text(re.compile(r"^needs skill network — nobody on shift has it"),
                                       timeout=TIMEOUT_MS)
        await desk.advance(30)  # the skill is no longer asked; Plain is away
        await page.reload()
        await expect(why).to_have_attribute("data-reason", "nobody_available", timeout=TIMEOUT_MS)
        await expect(why).to_have_text("the agents on shift are away or offline")

        await plain.call("agent:status", {"status": "available"})
        assert (await plain.next("chat:assigned"))["chat"]["id"] == ack["chat"]["id"]
        await expect(row).to_have_count(0, timeout=TIMEOUT_MS)
        assert not errors, errors
    finally:
        await context.close()
