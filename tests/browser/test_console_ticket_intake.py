"""The console's ticket view and seed 003: an agent sees the evidence the
ticket's topic asked for (a link as a link that runs nothing, a call as
text), and splits a ticket that holds two problems into two, linked both
ways."""
from __future__ import annotations

from playwright.async_api import expect

from .consolekit import kit  # noqa: F401 (a fixture)
from .dashboard_kit import api, supervisor_page
from .shots import screenshot
from .widget_steps import TIMEOUT_MS

HOSTILE = '<img src=x onerror="window.__xss=1">'
TEXT = "The document does not open.\nAlso the export to PDF fails."


async def test_an_agent_sees_the_evidence_and_splits_the_ticket(desk, kit) -> None:  # noqa: F811
    visitor = await desk.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", {
        "email": "olga@example.test", "subject": "Document 42", "text": TEXT, "topic": "document",
        "evidence": {"document_url": "https://docs.example.test/d/42?x=<b>"}})
    assert ack["ok"], ack
    ticket_id = ack["ticket"]["id"]

    console = await kit.console("Alice", available=False)
    await console.page.goto(f"{desk.url}/console#tickets/{ticket_id}")
    view = console.sd("ticket-view")
    evidence = view.locator('[data-sd="evidence-document_url"] a')
    await expect(evidence).to_have_text("https://docs.example.test/d/42?x=<b>", timeout=TIMEOUT_MS)
    await expect(evidence).to_have_attribute("rel", "noopener noreferrer")
    await expect(view.locator('[data-sd="ticket-evidence"] dt')).to_have_text(["The document's link"])

    await view.locator('[data-sd="ticket-split"]').click()
    form = view.locator('[data-sd="ticket-split-form"]')
    await expect(form.locator('[data-sd="ticket-split-text"]')).to_have_value(TEXT)  # nothing selected: all of it
    await form.locator('[data-sd="ticket-split-text"]').fill(f"Also the export to PDF fails. {HOSTILE}")
    await form.locator('[data-sd="ticket-split-subject"]').fill("PDF export fails")
    await screenshot(console.page, "console-ticket-split-form.png")
    await form.locator('[data-sd="ticket-split-send"]').click()
    into = view.locator('[data-sd="ticket-split-into"] [data-sd="ticket-split-link"]')
    await expect(into).to_have_count(1, timeout=TIMEOUT_MS)
    await expect(view).to_contain_text("the customer gets its receipt")
    await screenshot(console.page, "console-ticket-split-done.png")
    tickets = {t.id: t for t in await desk.store.list_tickets()}
    [new] = [t for t in tickets.values() if t.id != ticket_id]
    assert (new.subject, new.split_from, new.email) == ("PDF export fails", ticket_id, "olga@example.test")
    await expect(into).to_have_text(new.label)

    await into.click()
    await expect(view.locator('[data-sd="ticket-number"]')).to_have_text(new.label, timeout=TIMEOUT_MS)
    description = view.locator('[data-sd="ticket-description"]')
    await expect(description).to_have_text(f"Also the export to PDF fails. {HOSTILE}")
    back = view.locator('[data-sd="ticket-split-from"] [data-sd="ticket-split-link"]')
    await expect(back).to_have_text(tickets[ticket_id].label)
    assert await console.page.evaluate("window.__xss") is None


async def test_the_lead_reads_a_split_in_the_audit_log(chromium, desk) -> None:
    visitor = await desk.visitor()
    await visitor.next("session")
    first = (await visitor.call("ticket:create", {"email": "olga@example.test", "subject": "Two", "text": TEXT}))["ticket"]
    errors: list[str] = []
    context, page, _, token = await supervisor_page(chromium, desk, errors, path="/console/dashboard/audit")
    try:
        async with api(desk, token) as http:
            async with http.post(f"/api/tickets/{first['id']}/split", json={"text": "PDF export"}) as response:
                split = (await response.json())["ticket"]
        await page.reload()
        sentence = page.locator('[data-sd="audit-row"] [data-sd="audit-sentence"]')
        await expect(sentence).to_have_text(f"Sue split ticket {first['number']} into {split['number']}",
                                            timeout=TIMEOUT_MS)
        assert errors == []
    finally:
        await context.close()
