"""The lead's accounts view in real Chromium: found by email, the account
whole on one page (its chats, tickets, surveys and suspensions), suspended
with a reason and lifted from there; and reached from a chat and from an
alert."""
from __future__ import annotations

from playwright.async_api import expect

from tests.realtime.test_identity import identity

from .dashboard_kit import TIMEOUT_MS, no_violations, supervisor_page
from .shots import screenshot


async def verified(desk, sub: str, name: str, email: str):
    jwt = identity(desk.site.secret, at=desk.clock.now(), sub=sub, account="acme-42", name=name, email=email,
                   plan="business")
    visitor = await desk.visitor(identity=jwt)
    await visitor.next("session")
    return visitor


async def an_account_with_a_past(desk) -> dict:
    """Pat and Sam of account acme-42: a rated chat, a ticket, an open chat,
    and a suspension of the account that ran out and was lifted."""
    _, token = await desk.add_agent("Ann")
    ann = await desk.agent(token)
    pat = await verified(desk, "pat", "Pat Doe", "pat@acme.test")
    rated = (await pat.call("chat:start", {"text": "my invoice is wrong"}))["chat"]["id"]
    await ann.next("chat:assigned")
    assert (await ann.call("chat:end", {"chat_id": rated}))["ok"]
    assert (await pat.call("survey:submit", {"chat_id": rated, "rating": 1, "comment": "Useless"}))["ok"]
    ticket = await pat.call("ticket:create", {"email": "pat@acme.test", "subject": "Wrong invoice total",
                                              "text": "Twice the price"})
    assert ticket["ok"], ticket
    supervisor = await desk.supervisor()
    assert (await supervisor.call("account:suspend", {"account_id": "acme-42", "reason": "threats", "days": 1}))["ok"]
    await desk.advance(2 * 86400)  # it lifts by itself
    sam = await verified(desk, "sam", "Sam Roe", "sam@acme.test")
    open_chat = (await sam.call("chat:start", {"text": "hello again"}))["chat"]["id"]
    return {"rated": rated, "open": open_chat, "ticket": ticket["ticket"]}


async def test_a_lead_finds_an_account_by_email_sees_it_whole_suspends_and_lifts_it(chromium, desk):
    errors: list[str] = []
    past = await an_account_with_a_past(desk)
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard")
    try:
        await page.click('[data-sd="nav-accounts"]')
        await page.fill('[data-sd="account-search-input"]', "pat@acme")
        await page.press('[data-sd="account-search-input"]', "Enter")
        result = page.locator('[data-sd="account-result"][data-kind="account"]')
        await expect(result).to_contain_text("account acme-42", timeout=TIMEOUT_MS)
        await screenshot(page, "accounts-search.png")
        await result.locator('[data-sd="account-link"]').click()

        await expect(page.locator('[data-sd="account-title"]')).to_have_text("account acme-42", timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="account-facts"]')).to_contain_text("business")
        await expect(page.locator('[data-sd="account-visitor"] [data-sd="visitor-link"]')).to_have_text(
            ["Sam Roe · sam@acme.test · account acme-42", "Pat Doe · pat@acme.test · account acme-42"])
        chats = page.locator('[data-sd="account-chat"]')
        await expect(chats).to_have_count(2)
        await expect(chats.first).to_have_attribute("data-chat-id", past["open"])  # the latest first
        await expect(page.locator('[data-sd="account-ticket"]')).to_contain_text("Wrong invoice total")
        await expect(page.locator('[data-sd="survey-comment"]')).to_have_text("Useless")
        old = page.locator('[data-sd="suspension"]')
        await expect(old).to_have_count(1)
        await expect(old).to_have_attribute("data-active", "false")
        await expect(old.locator('[data-sd="suspension-reason"]')).to_have_text("threats")
        await expect(old.locator('[data-sd="suspension-lifted"]')).to_contain_text("Lifted by itself")
        await expect(page.locator('[data-sd="account-held"]')).to_have_attribute("data-state", "open")

        await page.click('[data-sd="account-suspend"]')
        dialog = page.locator('[data-sd="action-dialog"]')
        await expect(dialog.locator('[data-sd="who-name"]')).to_contain_text("acme-42", timeout=TIMEOUT_MS)
        await expect(dialog.locator('[data-sd="action-days"]')).to_have_value(str(desk.config.policy.suspension_days))
        await dialog.locator('[data-sd="action-reason"]').fill("chargeback fraud")
        await dialog.locator('[data-sd="action-submit"]').click()
        held = page.locator('[data-sd="account-held"]')
        await expect(held).to_have_attribute("data-state", "held", timeout=TIMEOUT_MS)
        await expect(held).to_contain_text("chargeback fraud")
        now = page.locator('[data-sd="suspension"][data-active="true"]')
        await expect(now.locator('[data-sd="suspension-reason"]')).to_have_text("chargeback fraud")
        await expect(page.locator(f'[data-sd="account-chat"][data-chat-id="{past["open"]}"]')).to_contain_text("ended")
        await screenshot(page, "account-suspended.png")
        await page.locator('[data-sd="account-alerts"]').scroll_into_view_if_needed()
        await screenshot(page, "account-lists.png")
        [audited] = await desk.store.audit_log(action="suspend", target=f"account:{desk.site.key}/acme-42", limit=1)
        assert audited.reason == "chargeback fraud"

        await page.click('[data-sd="account-lift"]')
        await dialog.locator('[data-sd="action-reason"]').fill("the bank cleared it")
        await dialog.locator('[data-sd="action-submit"]').click()
        await expect(held).to_have_attribute("data-state", "open", timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="suspension"][data-active="true"]')).to_have_count(0)
        await expect(page.locator('[data-sd="suspension-lifted"]').first).to_contain_text("the bank cleared it")
        [lifted] = await desk.store.audit_log(action="lift", limit=1)
        assert lifted.reason == "the bank cleared it"

        for width in (390, 768):  # on a phone and a tablet the page never scrolls sideways
            await page.set_viewport_size({"width": width, "height": 844})
            assert await page.evaluate("document.documentElement.scrollWidth") <= width, width
            await screenshot(page, f"account-{width}.png")
        await page.goto(f"{desk.url}/console/dashboard/accounts?q=acme-42")
        await expect(page.locator('[data-sd="account-result"]')).to_have_count(1, timeout=TIMEOUT_MS)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 768
        await page.goto(f"{desk.url}/console/dashboard/history")  # the past chats lead there too
        row = page.locator(f'[data-sd="past-chat"][data-chat-id="{past["rated"]}"]')
        await row.locator('[data-sd="visitor-link"]').click(timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="account-title"]')).to_contain_text("Pat Doe", timeout=TIMEOUT_MS)
        assert not await no_violations(page)
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


async def test_the_chat_view_and_an_alert_lead_to_the_visitor_and_the_account(chromium, desk):
    errors: list[str] = []
    _, token = await desk.add_agent("Ann")
    ann = await desk.agent(token)
    pat = await verified(desk, "pat", "Pat Doe", "pat@acme.test")
    chat_id = (await pat.call("chat:start", {"text": "refund all my cards"}))["chat"]["id"]
    await ann.next("chat:assigned")
    assert (await ann.call("chat:flag", {"chat_id": chat_id, "reason": "card testing"}))["ok"]
    ticket = await pat.call("ticket:create", {"email": "pat@acme.test", "subject": "Refund", "text": "All of it"})
    assert ticket["ok"], ticket
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path=f"/console/dashboard/chats/{chat_id}")
    try:
        facts = page.locator('[data-sd="chat-facts"]')
        await expect(facts.locator('[data-sd="account-link"]')).to_have_count(1, timeout=TIMEOUT_MS)
        await screenshot(page, "chat-links.png")
        await facts.locator('[data-sd="visitor-link"]').click(timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="account-title"]')).to_contain_text("Pat Doe", timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="account-chat"]')).to_have_attribute("data-chat-id", chat_id,
                                                                                  timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="alert"][data-kind="flag"]')).to_contain_text("card testing",
                                                                                           timeout=TIMEOUT_MS)
        await screenshot(page, "visitor-page.png")
        # live from here: the page's socket must be in before the next flag is raised
        await expect(page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up",
                                                                                timeout=TIMEOUT_MS)
        assert (await ann.call("chat:flag", {"chat_id": chat_id, "reason": "second look"}))["ok"]
        await expect(page.locator('[data-sd="alert"][data-kind="flag"]')).to_have_count(2, timeout=TIMEOUT_MS)  # live

        await page.goto(f"{desk.url}/console/dashboard/chats/{chat_id}")
        await facts.locator('[data-sd="account-link"]').click(timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="account-title"]')).to_have_text("account acme-42", timeout=TIMEOUT_MS)
        assert page.url.endswith(f"/console/dashboard/accounts/{desk.site.key}/acme-42")

        await page.goto(f"{desk.url}/console/dashboard")
        # both flags were raised at the same instant of the desk's clock: either may be listed first
        alert = page.locator('[data-sd="alert"][data-kind="flag"]', has_text="second look")
        await expect(alert).to_have_count(1, timeout=TIMEOUT_MS)
        await screenshot(page, "alert-links.png")
        await alert.locator('[data-sd="visitor-link"]').click(timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="account-title"]')).to_contain_text("Pat Doe", timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="account-facts"]')).to_contain_text("acme-42")

        await page.goto(f"{desk.url}/console#tickets/{ticket['ticket']['id']}")  # a lead in the console
        link = page.locator('[data-sd="ticket-visitor-page"]')
        await expect(link).to_have_count(1, timeout=TIMEOUT_MS)
        await page.goto(desk.url + await link.get_attribute("href"))
        await expect(page.locator('[data-sd="account-ticket"]')).to_contain_text("Refund", timeout=TIMEOUT_MS)
        assert not errors, "\n".join(errors)
    finally:
        await context.close()
