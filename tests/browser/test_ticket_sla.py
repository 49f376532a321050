"""A critical ticket left an hour without an update to its customer, on the
injected clock: its assignee's console raises a banner and shows the
overdue clock in the ticket list, and the lead's dashboard lists the alert,
also after a reload; the reports page counts the ticket's targets."""
from __future__ import annotations

from playwright.async_api import expect

from server.services.model import Role
from .consolekit import kit, start_chat  # noqa: F401 (a fixture)
from .dashboard_kit import supervisor_page
from .shots import screenshot

MINUTE = 60


async def critical_ticket(console, desk) -> dict:
    """The console's agent takes a chat and turns it into a critical ticket."""
    visitor, chat = await start_chat(desk, "The whole platform is down for all our users")
    await expect(console.tab(chat["id"])).to_have_count(1)
    peer = await desk.agent(console.token, available=False)  # the agent's second connection converts
    ack = await peer.call("chat:convert", {"chat_id": chat["id"], "priority": "critical"})
    assert ack["ok"], ack
    return ack["ticket"]


async def test_a_critical_ticket_left_an_hour_without_update_alerts_the_console_and_the_dashboard(
        kit, desk, chromium):  # noqa: F811
    errors: list[str] = []
    context, dashboard, _, _ = await supervisor_page(chromium, desk, errors)
    ann = await kit.console("Ann")
    ticket = await critical_ticket(ann, desk)
    await ann.page.goto(f"{desk.url}/console#tickets")
    row = ann.sd("ticket-row", ticket_id=ticket["id"])
    badge = row.locator('[data-sd="ticket-sla"]')
    await expect(badge).to_have_attribute("data-kind", "response")
    await expect(badge).to_have_attribute("data-level", "ok")

    await desk.advance(12 * MINUTE)  # the response warning (at 11:15) reaches the console
    banner = ann.sd("ticket-sla-banner")
    await expect(banner).to_have_attribute("data-kind", "response")
    await expect(banner).to_have_attribute("data-stage", "warning")
    await expect(badge).to_have_attribute("data-level", "warning")
    warnings = dashboard.locator('[data-sd="alert"][data-kind="ticket_sla"][data-stage="warning"]')
    await expect(warnings).to_have_count(1)  # the lead hears of it before it breaks
    await expect(warnings).to_have_attribute("data-tone", "warn")

    await ann.sd("ticket-link").filter(has_text=ticket["number"]).click()  # Ann answers in time
    await ann.sd("ticket-reply-input").fill("We are on it: the whole team is looking.")
    await ann.sd("ticket-reply-send").click()
    await expect(ann.sd("ticket-notice")).to_have_attribute("data-state", "ok")
    clocks = ann.sd("ticket-sla-clocks")
    await expect(clocks.locator('[data-kind="response"]')).to_have_attribute("data-level", "ok")
    await expect(clocks.locator('[data-kind="update"]')).to_have_attribute("data-level", "ok")

    await desk.advance(59 * MINUTE)
    await expect(ann.sd("ticket-sla-banner", kind="update", stage="warning")).to_have_count(1)
    breaches = '[data-sd="alert"][data-kind="ticket_sla"][data-stage="breach"]'
    await expect(warnings).to_have_count(2)
    await expect(dashboard.locator(breaches)).to_have_count(0)
    await desk.advance(1 * MINUTE)  # an hour since the reply, and no update: the breach
    await expect(ann.sd("ticket-sla-banner", kind="update", stage="breach")).to_have_count(1)
    await expect(clocks.locator('[data-kind="update"]')).to_have_attribute("data-level", "breached")
    alert = dashboard.locator(breaches)
    await expect(alert).to_have_count(1)
    await expect(alert).to_have_attribute("data-sla", "update")
    await expect(alert).to_contain_text(ticket["number"])
    await expect(alert).to_contain_text("Ann")
    await expect(alert.locator('[data-sd="alert-ticket"]')).to_have_attribute("href", f"/console#tickets/{ticket['id']}")
    await screenshot(dashboard, "ticket-sla-dashboard.png")
    await screenshot(ann.page, "ticket-sla-detail.png")

    await ann.sd("ticket-back").click()
    overdue = ann.sd("ticket-row", ticket_id=ticket["id"]).locator('[data-sd="ticket-sla"]')
    await expect(overdue).to_have_attribute("data-kind", "update")
    await expect(overdue).to_have_attribute("data-level", "breached")
    await screenshot(ann.page, "ticket-sla-console.png")

    await dashboard.reload()  # the alert is the record's, not only the live event's
    await expect(dashboard.locator(breaches)).to_have_count(1)
    await expect(warnings).to_have_count(2)
    await dashboard.goto(f"{desk.url}/console/dashboard/reports")
    critical = dashboard.locator('[data-sd="tickets-sla-row"][data-priority="critical"]')
    await expect(critical.locator('[data-col="tickets"]')).to_have_text("1")
    await expect(critical.locator('[data-col="response_met"]')).to_have_text("1")
    await expect(critical.locator('[data-col="resolution_open"]')).to_have_text("1")
    await screenshot(dashboard, "ticket-sla-reports.png")
    ann.assert_clean()
    assert not errors, errors
    await context.close()


async def test_an_agent_cannot_list_the_ticket_sla_alerts(desk):
    import aiohttp
    _, token = await desk.add_agent("Bob", role=Role.AGENT)
    async with aiohttp.ClientSession(base_url=desk.url, headers={"Authorization": f"Bearer {token}"}) as http:
        for params in ({"kind": "ticket_sla"}, {"sla": "true"}):
            answer = await http.get("/api/alerts", params=params)
            assert answer.status == 403 and (await answer.json())["error"]["code"] == "forbidden"
    async with aiohttp.ClientSession(base_url=desk.url) as anonymous:
        assert (await anonymous.get("/api/alerts", params={"kind": "ticket_sla"})).status == 401


async def test_an_agent_takes_an_unassigned_ticket_from_the_console(kit, desk, chromium):  # noqa: F811
    ann = await kit.console("Ann")
    visitor = await desk.visitor()
    await visitor.next("session")
    opened = await visitor.call("ticket:create", {"email": "kim@example.test", "subject": "Invoice is wrong",
                                                  "text": "Two seats too many on the November invoice."})
    assert opened["ok"], opened
    await ann.page.goto(f"{desk.url}/console#tickets/{opened['ticket']['id']}")
    await expect(ann.sd("ticket-sla-clocks")).to_contain_text("Nobody")
    await ann.sd("ticket-take").click()
    await expect(ann.sd("ticket-notice")).to_have_attribute("data-state", "ok")
    await expect(ann.sd("ticket-sla-clocks")).to_contain_text("Ann")
    await expect(ann.sd("ticket-take")).to_have_count(0)
    await screenshot(ann.page, "ticket-taken.png")
    assert (await desk.store.ticket_by_id(opened["ticket"]["id"])).assignee_id == ann.agent.id
    ann.assert_clean()

    errors: list[str] = []  # the lead reads it in the audit log
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/audit")
    row = page.locator('[data-sd="audit-row"][data-action="ticket_assign"]')
    await expect(row.locator('[data-sd="audit-sentence"]')).to_have_text("Ann took ticket SD-000001")
    assert not errors, errors
    await context.close()
