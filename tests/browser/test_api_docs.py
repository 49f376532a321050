"""The API reference, /docs/api, in Chromium: every operation of the
registry is there with its method, path, scope, fields and a curl line;
the page keeps to its Content-Security-Policy (no console errors) and never
scrolls sideways, on a desktop or a phone."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from server.web.v1 import operations  # noqa: F401  (fills OPERATIONS)
from server.web.v1.registry import OPERATIONS


@pytest.mark.parametrize("width", [1280, 390])
async def test_the_reference_shows_every_operation_without_sideways_scrolling(chromium, desk, width):
    context = await chromium.new_context(viewport={"width": width, "height": 900})
    errors: list[str] = []
    try:
        page = await context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        answer = await page.goto(f"{desk.url}/docs/api")
        assert answer.status == 200
        await expect(page.locator('[data-sd="operation"]')).to_have_count(len(OPERATIONS))
        op = next(op for op in OPERATIONS if op.path == "/agents/{agent_id}")
        shown = page.locator(f'[data-operation="{op.operation_id}"]')
        await expect(shown.locator("h3")).to_contain_text(f"GET /api/v1{op.path}")
        await expect(shown.locator('[data-sd="scope"]')).to_have_text("scope: read")
        await expect(shown.locator(".field .name").filter(has_text="agent.capacity")).to_have_count(1)
        curl = f"{desk.config.base_url}/api/v1/agents/AGENT_ID"
        await expect(shown.locator('[data-sd="curl"]')).to_contain_text(curl)
        await page.locator(f'.docs-toc a[href="#{op.operation_id}"]').click()
        await expect(shown).to_be_in_viewport()
        overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls {overflow} px sideways at {width} px"
        assert await page.evaluate("document.body.scrollWidth <= document.body.clientWidth")
        assert not errors, errors
    finally:
        await context.close()
