"""What another person changes shows at once, in real Chromium: a closure
another lead adds or removes, a ticket another agent (or the customer)
changes or answers, and a new ticket in the list; and closing a ticket
asks first."""
from __future__ import annotations

from playwright.async_api import expect

from server.services.model import Role
from .consolekit import TIMEOUT_MS, kit  # noqa: F401 (a fixture)
from .dashboard_kit import api, supervisor_page
from .shots import screenshot


async def a_ticket(desk, subject: str = "Printer jam") -> dict:
    visitor = await desk.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", {"email": "vera@example.test", "subject": subject,
                                               "text": "It jams on page 2.", "name": "Vera"})
    assert ack["ok"], ack
    return ack["ticket"]


async def test_a_closure_another_lead_adds_or_removes_shows_at_once(chromium, desk):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/closures")
    try:
        await expect(page.locator('[data-sd="connection"]')).to_have_text("Live")
        rows = page.locator('[data-sd="closure-row"]')
        await expect(page.locator('[data-sd="closures-empty"]')).to_be_visible()
        _, other = await desk.add_agent("Lee", role=Role.SUPERVISOR)
        async with api(desk, other) as lead:
            async with lead.post("/api/closures", json={"day": "2026-12-24", "reason": "Staff party"}) as response:
                closure = (await response.json())["closure"]
            await expect(rows).to_have_count(1, timeout=TIMEOUT_MS)
            await expect(rows.locator('[data-sd="closure-row-reason"]')).to_have_text("Staff party")
            await expect(rows).to_contain_text("by Lee")  # who added it, by name
            async with lead.delete(f"/api/closures/{closure['id']}"):
                pass
        await expect(rows).to_have_count(0, timeout=TIMEOUT_MS)
        assert not errors, errors
    finally:
        await context.close()


async def test_the_open_ticket_follows_another_agents_changes_and_keeps_the_draft(kit, desk):  # noqa: F811
    alice = await kit.console("Alice", available=False)
    ticket = await a_ticket(desk)
    await alice.page.goto(f"{alice.page.url.split('#')[0]}#tickets/{ticket['id']}")
    view = alice.sd("ticket-view")
    await expect(view.locator('[data-sd="ticket-status"]')).to_have_text("Open")
    draft = view.locator('[data-sd="ticket-reply-input"]')
    await draft.fill("Which printer model is it?")

    bob, bob_token = await desk.add_agent("Bob")
    async with api(desk, bob_token) as colleague:
        async with colleague.post(f"/api/tickets/{ticket['id']}/status", json={"status": "pending"}):
            pass
        await expect(view.locator('[data-sd="ticket-status"]')).to_have_text("Pending")
        await expect(view.locator('[data-sd="ticket-notice"]')).to_have_text("Bob set the status to Pending.")
        async with colleague.post(f"/api/tickets/{ticket['id']}/replies", json={"text": "Is it the HP on floor 2?"}):
            pass
    reply = view.locator('[data-sd="ticket-reply"]')
    await expect(reply).to_have_count(1)
    await expect(reply.locator(".who")).to_have_text("Bob")
    await expect(view.locator('[data-sd="ticket-notice"]')).to_have_text(
        "Bob replied to the customer: the reply is below.")
    await expect(draft).to_have_value("Which printer model is it?")  # what Alice was writing stays
    await screenshot(alice.page, "console-ticket-live.png")

    await view.locator('[data-sd="ticket-reply-send"]').click()
    await expect(reply).to_have_count(2)  # her own, once, though the event re-read the ticket too
    await expect(reply.nth(1).locator(".who")).to_have_text("Alice")
    await expect(view.locator('[data-sd="ticket-notice"]')).to_have_text("Reply sent to the customer.")

    await view.locator('[data-sd="ticket-back"]').click()
    rows = alice.sd("ticket-row")
    await expect(rows).to_have_count(1)
    await a_ticket(desk, "Scanner offline")  # a customer opens another meanwhile
    await expect(rows).to_have_count(2, timeout=TIMEOUT_MS)
    alice.assert_clean()


async def test_closing_a_ticket_asks_first(kit, desk):  # noqa: F811
    alice = await kit.console("Alice", available=False)
    ticket = await a_ticket(desk)
    await alice.page.goto(f"{alice.page.url.split('#')[0]}#tickets/{ticket['id']}")
    view = alice.sd("ticket-view")
    status = view.locator('[data-sd="ticket-status"]')
    await expect(status).to_have_text("Open")
    closed = view.locator('[data-sd="ticket-set-status"][data-status="closed"]')
    form = view.locator('[data-sd="ticket-close-form"]')
    await closed.click()
    await expect(form).to_contain_text("Close this ticket?")
    await screenshot(alice.page, "console-ticket-close.png")
    await form.locator("button", has_text="Cancel").click()
    await expect(form).to_be_hidden()
    assert (await desk.store.ticket_by_id(ticket["id"])).status.value == "open"
    await closed.click()
    await form.locator('[data-sd="ticket-close-confirm"]').click()
    await expect(status).to_have_text("Closed")
    await expect(form).to_be_hidden()
    assert (await desk.store.ticket_by_id(ticket["id"])).status.value == "closed"
    alice.assert_clean()


async def test_the_open_tickets_beside_a_chat_follow_another_agents_change(kit, desk):  # noqa: F811
    alice = await kit.console("Alice")
    visitor = await desk.visitor()
    await visitor.next("session")
    ticket = (await visitor.call("ticket:create", {"email": "vera@example.test", "subject": "Printer jam",
                                                   "text": "It jams."}))["ticket"]
    ack = await visitor.call("chat:start", {"text": "About my other problem", "new_issue": True})
    assert ack["ok"], ack
    shown = alice.panel(ack["chat"]["id"]).locator(f'[data-sd="context-ticket"][data-ticket-id="{ticket["id"]}"]')
    await expect(shown).to_have_count(1)
    _, bob_token = await desk.add_agent("Bob")
    async with api(desk, bob_token) as colleague:
        async with colleague.post(f"/api/tickets/{ticket['id']}/status", json={"status": "solved"}):
            pass
    await expect(shown).to_have_count(0)  # solved: no longer open
    alice.assert_clean()
