"""Seed 003 in the widget: a topic's ticket form asks for the evidence the
topic needs before it is sent, and says one problem per ticket; a ticket
missing it is refused with the missing fields named in the visitor's
language, and taken once complete. Its receipt can be mailed again."""
from __future__ import annotations

from playwright.async_api import expect

from .shots import screenshot
from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, say, sd

CALL = "curl -X POST https://api.example.test/v1/docs"
RESPONSE = 'HTTP/1.1 500 {"error": "internal"}'


async def test_an_api_ticket_is_refused_until_it_carries_the_call_and_the_response(chromium, desk, host) -> None:
    await desk.add_agent("Ann")  # on shift: the topic, not the hours, sends the visitor to a ticket
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, script_attrs='data-prechat data-topics="general,api:API error"')
        await sd(page, "prechat-name").fill("Pat")
        await sd(page, "prechat-email").fill("pat@example.test")
        await sd(page, "prechat-topic").select_option("api")
        await sd(page, "prechat-send").click()
        await say(page, "POST /v1/docs answers 500")
        form = sd(page, "use-ticket").locator('[data-sd="offline-form"]')
        await expect(form).to_be_visible(timeout=TIMEOUT_MS)
        # Asked before the first submit, with the one-problem rule.
        await expect(form.locator('[data-sd="evidence-api_call"]')).to_be_visible()
        await expect(form.locator('[data-sd="evidence-api_response"]')).to_be_visible()
        await expect(form).to_contain_text("One problem per ticket")
        await form.locator('[data-sd="ticket-email"]').fill("pat@example.test")
        await form.locator('[data-sd="ticket-send"]').click()
        error = form.locator(".sd-error")
        await expect(error).to_have_text(
            "Please add: The exact API call you made; The response the server returned.", timeout=TIMEOUT_MS)
        await expect(form.locator('[data-sd="evidence-api_call"]')).to_have_attribute("aria-invalid", "true")
        await screenshot(page, "widget-evidence-refused.png")
        assert await desk.store.list_tickets() == []

        await form.locator('[data-sd="evidence-api_call"]').fill(CALL)
        await form.locator('[data-sd="ticket-send"]').click()
        await expect(error).to_have_text("Please add: The response the server returned.", timeout=TIMEOUT_MS)
        await expect(form.locator('[data-sd="evidence-api_call"]')).to_have_attribute("aria-invalid", "false")

        await form.locator('[data-sd="evidence-api_response"]').fill(RESPONSE)
        await form.locator('[data-sd="ticket-send"]').click()
        receipt = sd(page, "ticket-receipt")
        await expect(receipt).to_contain_text("SD-", timeout=TIMEOUT_MS)
        number = await sd(page, "ticket-number").text_content()
        [ticket] = await desk.store.list_tickets()
        assert (ticket.label, ticket.topic) == (number, "api")
        assert ticket.evidence == {"api_call": CALL, "api_response": RESPONSE}

        await receipt.locator('[data-sd="receipt-again"]').click()
        await expect(sd(page, "receipt-status")).to_have_text(f"We sent the receipt of {number} again.",
                                                              timeout=TIMEOUT_MS)
        await screenshot(page, "widget-evidence-receipt.png")
        mails = [q.mail for q in await desk.store.due_mail(desk.clock.now(), 10)]
        assert [m.subject.startswith(f"[{number}]") for m in mails] == [True, True]  # the receipt, and again
        assert page.errors == []
    finally:
        await context.close()


async def test_the_refusal_is_in_the_visitors_language(chromium, desk, host) -> None:
    await desk.add_agent("Ann")
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, status="En ligne",
                                 script_attrs='data-locale="fr" data-prechat data-topics="general,api:API"')
        await sd(page, "prechat-name").fill("Pat")
        await sd(page, "prechat-email").fill("pat@example.test")
        await sd(page, "prechat-topic").select_option("api")
        await sd(page, "prechat-send").click()
        await say(page, "L’API répond 500")
        form = sd(page, "use-ticket").locator('[data-sd="offline-form"]')
        await expect(form.locator('[data-sd="evidence-api_call"]')).to_have_attribute(
            "placeholder", "L’appel exact à l’API", timeout=TIMEOUT_MS)
        await form.locator('[data-sd="ticket-email"]').fill("pat@example.test")
        await form.locator('[data-sd="evidence-api_call"]').fill(CALL)
        await form.locator('[data-sd="ticket-send"]').click()
        await expect(form.locator(".sd-error")).to_have_text(
            "Merci d’ajouter\u00a0: La réponse renvoyée par le serveur.", timeout=TIMEOUT_MS)
        assert page.errors == []
    finally:
        await context.close()
