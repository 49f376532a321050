"""The widget embedded in a customer's page (another origin) with one tag,
against the in-process desk whose clock the test holds."""
from __future__ import annotations

from playwright.async_api import expect

from .conftest import host_page

TIMEOUT_MS = 15_000


async def test_one_script_tag_on_another_origin_brings_the_widget_up_online(chromium, desk, host) -> None:
    await desk.add_agent("Ann")
    context = await chromium.new_context()
    page = await host_page(context, desk, host)
    await page.click('[data-sd="launcher"]')
    await expect(page.locator('[data-sd="status"]')).to_have_text("Online", timeout=TIMEOUT_MS)
    await context.close()
