"""The dashboard's housekeeping: lifting a suspension, paging through the
audit log, editing and deleting canned replies, removing a closure."""
from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from server.services.audit import entry

from .dashboard_kit import TIMEOUT_MS, api, go_to, no_violations, supervisor_page


async def test_a_lift_from_the_dashboard_and_the_audit_log_in_pages_of_fifty(chromium, desk):
    errors: list[str] = []
    await desk.add_agent("Ann")  # on shift, so the desk is open
    visitor = await desk.visitor()
    session = await visitor.next("session")
    assert (await visitor.call("chat:start", {"text": "hello", "name": "Vic Vance", "email": "vic@shop.test"}))["ok"]
    lead = await desk.supervisor()
    suspended = await lead.call("account:suspend", {"visitor_id": session["visitor_id"], "reason": "spam"})
    assert suspended["ok"], suspended
    start = desk.clock.now()
    for n in range(55):  # older than the suspension
        await desk.store.record_audit(entry("closure_add", f"closure:2026-12-{n % 28 + 1:02d}",
                                            start - timedelta(days=1, minutes=n), reason=f"old {n}"))
    desk.clock.advance(60)  # the lift comes a minute after the suspension: newest first is then defined
    context, page, _, _ = await supervisor_page(chromium, desk, errors)
    try:
        await page.click('[data-sd="open-lift"]')
        dialog = page.locator('[data-sd="action-dialog"]')
        await dialog.locator('[data-sd="action-reason"]').fill("appealed: a misunderstanding")
        await dialog.locator('[data-sd="action-submit"]').click()  # nobody chosen yet: the form says so
        await expect(dialog.locator('[data-sd="action-error"]')).to_contain_text("Choose who")
        await dialog.locator('[data-sd="who-search"]').fill("vic@shop")  # as the lead knows them
        found = dialog.locator('[data-sd="who-result"]')
        await expect(found).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(found).to_contain_text("Vic Vance · vic@shop.test")
        await expect(found).to_contain_text("this visitor suspended until")
        await found.click()
        await expect(dialog.locator('[data-sd="who-name"]')).to_have_text("Vic Vance · vic@shop.test")
        await dialog.locator('[data-sd="action-submit"]').click()
        await expect(dialog).to_be_hidden(timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="flash"]')).to_contain_text("Lifted: Vic Vance can chat again.")
        await page.click('[data-sd="open-lift"]')  # again: nothing is active any more
        await dialog.locator('[data-sd="who-search"]').fill("Vance")
        await dialog.locator('[data-sd="who-result"]').click()
        await dialog.locator('[data-sd="action-reason"]').fill("again")
        await dialog.locator('[data-sd="action-submit"]').click()
        await expect(dialog.locator('[data-sd="action-error"]')).to_have_text(
            "Nothing to lift: they are not suspended or banned now.", timeout=TIMEOUT_MS)
        await dialog.locator('[data-sd="action-cancel"]').click()
        await expect(dialog).to_be_hidden()

        await page.click('[data-sd="nav-audit"]')
        rows = page.locator('[data-sd="audit-row"]')
        await expect(rows).to_have_count(50, timeout=TIMEOUT_MS)
        await expect(rows.nth(0)).to_have_attribute("data-action", "lift")  # newest first
        await expect(rows.nth(1)).to_have_attribute("data-action", "suspend")
        await expect(page.locator('[data-sd="audit-newer"]')).to_be_disabled()
        await page.click('[data-sd="audit-older"]')
        await expect(page.locator('[data-sd="audit-page"]')).to_have_text("Page 2")
        await expect(rows).to_have_count(7, timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="audit-older"]')).to_be_disabled()
        await expect(rows.last.locator('[data-sd="audit-reason"]')).to_have_text("old 54")
        await page.click('[data-sd="audit-newer"]')
        await expect(rows).to_have_count(50, timeout=TIMEOUT_MS)
        assert await no_violations(page) == []
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


async def test_canned_replies_are_edited_and_deleted_and_a_closure_removed(chromium, desk):
    errors: list[str] = []
    context, page, _, token = await supervisor_page(chromium, desk, errors, path="/console/dashboard/canned")
    try:
        await page.fill('[data-sd="canned-shortcut"]', "refund")
        await page.fill('[data-sd="canned-title"]', "Refunds")
        await page.fill('[data-sd="canned-text"]', "Refunds take 5 days.")
        await page.click('[data-sd="canned-save"]')
        row = page.locator('[data-sd="canned-row"]')
        await expect(row).to_have_count(1, timeout=TIMEOUT_MS)
        await row.locator('[data-sd="canned-edit"]').click()
        await expect(page.locator('[data-sd="canned-title"]')).to_have_value("Refunds")
        await page.fill('[data-sd="canned-text"]', "Refunds take 3 to 5 business days.")
        await page.click('[data-sd="canned-save"]')
        await expect(row.locator('[data-sd="canned-row-text"]')).to_have_text("Refunds take 3 to 5 business days.",
                                                                           timeout=TIMEOUT_MS)
        await page.fill('[data-sd="canned-shortcut"]', "Bad Shortcut")  # refused by the server, said on the page
        await page.fill('[data-sd="canned-title"]', "x")
        await page.fill('[data-sd="canned-text"]', "x")
        await page.evaluate("document.querySelector('[data-sd=\"canned-form\"]').noValidate = true")
        await page.click('[data-sd="canned-save"]')
        await expect(page.locator('[data-sd="canned-error"]')).to_be_visible(timeout=TIMEOUT_MS)
        async with api(desk, token) as http:
            async with http.get("/api/canned") as response:
                replies = (await response.json())["replies"]
        assert [(r["shortcut"], r["text"]) for r in replies] == [("refund", "Refunds take 3 to 5 business days.")]

        await row.locator('[data-sd="canned-delete"]').click()
        await page.locator('[data-sd="action-submit"]').click()
        await expect(row).to_have_count(0, timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="canned-empty"]')).to_be_visible()

        await go_to(page, "closures")
        await page.fill('[data-sd="closure-day"]', "2026-12-31")
        await page.fill('[data-sd="closure-reason"]', "New Year's Eve")
        await page.click('[data-sd="closure-add"]')
        closure = page.locator('[data-sd="closure-row"]')
        await expect(closure).to_have_count(1, timeout=TIMEOUT_MS)
        await closure.locator('[data-sd="closure-remove"]').click()
        await page.locator('[data-sd="action-submit"]').click()
        await expect(closure).to_have_count(0, timeout=TIMEOUT_MS)
        async with api(desk, token) as http:
            async with http.get("/api/closures") as response:
                assert (await response.json())["closures"] == []
            async with http.get("/api/audit", params={"action": "closure_remove"}) as response:
                assert [e["target"] for e in (await response.json())["entries"]] == ["closure:2026-12-31"]
        assert await no_violations(page) == []
        unexpected = [e for e in errors if "status of 400" not in e]  # the refused shortcut, on purpose
        assert not unexpected, "\n".join(unexpected)
    finally:
        await context.close()
