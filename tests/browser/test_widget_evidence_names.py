"""A topic may be named like a property every JavaScript object has
("constructor"): the ticket form asks for no evidence it does not need,
instead of taking Object's own property for the topic's list of fields."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, say, sd


@pytest.fixture
def config_overrides() -> dict:
    return {"topics": {"general": {}, "constructor": {"chat": False},
                       "api": {"chat": False, "evidence": ["api_call"]}}}


async def test_a_topic_named_constructor_gets_a_plain_ticket_form(chromium, desk, host) -> None:
    await desk.add_agent("Ann")
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, script_attrs='data-prechat data-topics="general,constructor"')
        await sd(page, "prechat-name").fill("Pat")
        await sd(page, "prechat-email").fill("pat@example.test")
        await sd(page, "prechat-topic").select_option("constructor")
        await sd(page, "prechat-send").click()
        await say(page, "Build me a thing")
        form = sd(page, "use-ticket").locator('[data-sd="offline-form"]')
        await expect(form).to_be_visible(timeout=TIMEOUT_MS)
        await expect(form.locator('[data-sd^="evidence-"]')).to_have_count(0)
        assert page.errors == []
    finally:
        await context.close()
