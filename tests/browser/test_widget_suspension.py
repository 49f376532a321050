"""A suspended or banned visitor: the widget says until when, keeps the
ticket form working through `POST /widget/tickets`, and says it again
after a reload (the connection is then refused with `suspended` + `until`)."""
from __future__ import annotations

from playwright.async_api import expect

from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, sd, start_chat

LIFTS = "Wed, Dec 23, 2026, 10:00 AM"  # 30 days after the clock's start, in New York


async def test_a_suspension_shows_the_lift_date_and_tickets_still_go_through(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    supervisor = await desk.supervisor()
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        assigned = await start_chat(page, agent, "Refund me or else")
        ack = await supervisor.call("account:suspend", {"visitor_id": assigned["visitor"]["id"], "days": 30,
                                                        "reason": "threats"})
        assert ack["ok"] and ack["suspension"]["until"] == "2026-12-23T15:00:00Z", ack
        notice = sd(page, "suspended")
        await expect(notice).to_contain_text(f"suspended for this account until {LIFTS}", timeout=TIMEOUT_MS)
        await expect(sd(page, "input")).to_be_hidden()
        await expect(sd(page, "end")).to_be_hidden()

        form = notice.locator('[data-sd="offline-form"]')
        await form.locator('[data-sd="ticket-email"]').fill("kim@example.test")
        await form.locator('[data-sd="ticket-subject"]').fill("My refund")
        await form.locator('[data-sd="ticket-text"]').fill("Please look at my refund.")
        async with page.expect_response(lambda r: r.url == f"{desk.url}/widget/tickets") as answer:
            await form.locator('[data-sd="ticket-send"]').click()
        assert (await answer.value).status == 201
        await expect(notice.locator('[data-sd="ticket-receipt"]')).to_contain_text("SD-", timeout=TIMEOUT_MS)

        await page.reload()  # refused at the door now, with the same date
        await expect(sd(page, "suspended")).to_contain_text(LIFTS, timeout=TIMEOUT_MS)
        await expect(sd(page, "status")).to_have_text("Suspended")
        assert page.errors == []
    finally:
        await context.close()


async def test_a_ban_says_chat_is_not_available_without_a_date(chromium, desk, host) -> None:
    supervisor = await desk.supervisor()
    await desk.add_agent("Ann")
    context = await chromium.new_context(**VISITOR)
    try:
        # The host page learns the visitor's id from the widget's DOM event.
        listen = "<script>document.addEventListener('shiftdesk:ready', (e) => { window.visitorId = e.detail.visitorId; });</script>"
        page = await open_widget(context, desk, host, head=listen)
        visitor_id = await (await page.wait_for_function("window.visitorId")).json_value()
        await page.fill('[data-sd="input"]', "hello")  # a visitor is stored once it starts a chat
        await page.press('[data-sd="input"]', "Enter")
        await expect(page.locator('[data-sd="message"]')).to_have_attribute("data-state", "stored", timeout=TIMEOUT_MS)
        ack = await supervisor.call("account:suspend", {"visitor_id": visitor_id, "ban": True, "reason": "fraud"})
        assert ack["ok"], ack
        await expect(sd(page, "suspended")).to_contain_text("Chat is not available for this account.",
                                                            timeout=TIMEOUT_MS)
        await expect(sd(page, "status")).to_have_text("Unavailable")
    finally:
        await context.close()


async def test_a_lift_reaches_the_open_widget_without_a_reload(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    supervisor = await desk.supervisor()
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        assigned = await start_chat(page, agent, "Refund me or else")
        visitor_id = assigned["visitor"]["id"]
        assert (await supervisor.call("account:suspend", {"visitor_id": visitor_id, "days": 2, "reason": "threats"}))["ok"]
        await expect(sd(page, "status")).to_have_text("Suspended", timeout=TIMEOUT_MS)
        await expect(sd(page, "input")).to_be_hidden()

        lift = await supervisor.call("account:lift", {"visitor_id": visitor_id, "reason": "they apologised"})
        assert lift["ok"], lift
        await expect(sd(page, "status")).to_have_text("Online", timeout=TIMEOUT_MS)
        await expect(sd(page, "suspended")).to_be_hidden()
        await sd(page, "input").fill("Sorry about that")
        await sd(page, "input").press("Enter")
        assert (await agent.next("chat:assigned"))["chat"]["id"] != assigned["chat"]["id"]

        # Suspended again: this time it runs out by itself, on the desk's clock.
        assert (await supervisor.call("account:suspend", {"visitor_id": visitor_id, "days": 1, "reason": "again"}))["ok"]
        await expect(sd(page, "status")).to_have_text("Suspended", timeout=TIMEOUT_MS)
        live = desk.services.desk.live

        async def closed() -> bool:
            return await live.visitor_connections(visitor_id) == 0

        async def on_standby() -> bool:  # the widget connected again (a second later) after the server closed it
            return await live.visitor_connections(visitor_id) > 0
        await desk.eventually(closed)
        await desk.eventually(on_standby)
        await desk.advance(86400)
        await expect(sd(page, "status")).to_have_text("Online", timeout=TIMEOUT_MS)
        assert page.errors == []
    finally:
        await context.close()
