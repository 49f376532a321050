"""The audit log's "About" filter in words: a visitor or an account found by
name, or a day, never the API's `account:<site>/<id>` syntax typed by hand."""
from __future__ import annotations

from playwright.async_api import expect

from .dashboard_kit import TIMEOUT_MS, api, supervisor_page
from .shots import screenshot


async def chatted(desk, name: str) -> str:
    """A visitor who gave its name and started a chat (stored, so findable); its id."""
    visitor = await desk.visitor()
    session = await visitor.next("session")
    assert (await visitor.call("chat:start", {"text": "Hello", "name": name}))["ok"]
    return session["visitor_id"]


async def test_the_audit_log_is_filtered_by_a_visitor_found_by_name_or_by_a_day(chromium, desk):
    await desk.add_agent("Ann")  # on shift: chats can start
    kim, lou = await chatted(desk, "Kim Lee"), await chatted(desk, "Lou Park")
    lead = await desk.supervisor()
    for visitor_id in (kim, lou):
        ack = await lead.call("account:suspend", {"visitor_id": visitor_id, "reason": "abusive language"})
        assert ack["ok"], ack
    errors: list[str] = []
    context, page, _, token = await supervisor_page(chromium, desk, errors, path="/console/dashboard/audit")
    try:
        async with api(desk, token) as http:
            for day in ("2026-12-24", "2026-12-31"):
                async with http.post("/api/closures", json={"day": day, "reason": "Holiday"}) as response:
                    assert response.status == 201
        await page.reload()
        rows = page.locator('[data-sd="audit-row"]')
        await expect(rows).to_have_count(4, timeout=TIMEOUT_MS)

        await page.select_option('[data-sd="audit-about"]', "who")
        await page.fill('[data-sd="who-search"]', "kim")
        await page.locator('[data-sd="who-result"]', has_text="Kim Lee").click()
        await expect(rows).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(rows.locator('[data-sd="audit-sentence"]')).to_contain_text("suspended visitor Kim Lee")
        await screenshot(page, "dashboard-audit-about.png")

        await page.select_option('[data-sd="audit-about"]', "day")
        await page.fill('[data-sd="audit-day"]', "2026-12-24")
        await expect(rows).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(rows.locator('[data-sd="audit-sentence"]')).to_have_text("Sue closed the desk on Thu, Dec 24, 2026: Holiday")

        await page.select_option('[data-sd="audit-about"]', "")
        await expect(rows).to_have_count(4, timeout=TIMEOUT_MS)
        assert not errors, errors
    finally:
        await context.close()
