"""The integrations page in real Chromium, on the real routes: a lead adds a
webhook to a receiver of its own (an aiohttp server on 127.0.0.1, which the
desk's [webhooks] section lets it reach), sees its signing secret once, sees
a delivery in the endpoint's log with what the receiver answered shown as
text, redelivers it, disables, enables and removes the endpoint; creates an
integration token, sees it once, uses it and revokes it. An agent cannot
open the page; at phone width nothing scrolls sideways."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from aiohttp import web
from playwright.async_api import expect
from sqlalchemy import update

from .consolekit import start_chat
from .dashboard_kit import TIMEOUT_MS, XSS, go_to, no_violations, refused_to_an_agent, supervisor_page
from .shots import screenshot

PAGE = "/console/dashboard/integrations"
PHONE = {"width": 390, "height": 844}
HOSTILE = XSS[0]  # '<img src=x onerror=window.__xss=1>': what a remote server may answer


@pytest.fixture
def config_overrides() -> dict:
    # the receiver is on loopback, over plain http: the desk must be told it may go there
    # (and gives a delivery up after an hour, the shortest there is)
    return {"webhooks": {"http_hosts": "127.0.0.1", "allow_hosts": "127.0.0.1", "give_up_hours": 1}}


class Receiver:
    """A customer's webhook receiver: records what it is sent, answers
    `status` with `body`."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        self.body = "thanks"
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.Response(status=self.status, text=self.body)


@pytest.fixture
async def receiver(aiohttp_server) -> Receiver:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    found.url = str(server.make_url("/hook"))
    return found


def sd(page, name: str):
    return page.locator(f'[data-sd="{name}"]')


def signed(headers: dict, body: bytes, secret: str) -> bool:
    parts = dict(item.split("=", 1) for item in headers["Shiftdesk-Signature"].split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"])


async def delivered(desk, receiver: Receiver, count: int) -> None:
    """Waits until the receiver has `count` posts and the desk has recorded
    what came of each (the page reads the record). The desk's worker is
    woken by what is queued; the clock stands still, so no retry of a failed
    delivery comes due on its own: a second post is the lead's redelivery."""
    async def recorded() -> bool:
        if len(receiver.received) < count:
            return False
        attempts = 0
        for hook in await desk.store.list_webhooks():
            attempts += sum(d.attempts for d in await desk.store.webhook_deliveries(hook.id, 100))
        return attempts >= count
    await desk.eventually(recorded, timeout=TIMEOUT_MS / 1000)


async def hold(desk, until) -> None:
    """Every delivery marked as held by a worker until `until` (None: by none)."""
    from server.store.tables import webhook_deliveries
    async with desk.store.engine.begin() as conn:
        await conn.execute(update(webhook_deliveries).values(leased_until=until))


async def test_a_lead_adds_a_webhook_sees_a_delivery_and_redelivers_it(chromium, desk, receiver):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors)
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=desk.url)
    try:
        await go_to(page, "integrations")
        await expect(sd(page, "hook-site")).to_have_value("acme", timeout=TIMEOUT_MS)
        await expect(sd(page, "nav-settings")).to_have_attribute("aria-current", "page")

        # a URL the desk may not reach is refused next to the form
        await sd(page, "hook-url").fill("http://example.com/hook")
        await sd(page, "hook-add").click()
        await expect(sd(page, "hook-error")).to_be_visible(timeout=TIMEOUT_MS)

        # the receiver, for chat.started only, with a secret generated
        await sd(page, "hook-url").fill(receiver.url)
        await sd(page, "hook-all-events").uncheck()
        await page.locator('[data-sd="hook-event"][value="chat.started"]').check()
        await sd(page, "hook-add").click()
        card = sd(page, "hook-secret-card")
        await expect(card).to_be_visible(timeout=TIMEOUT_MS)
        await expect(card).to_contain_text("you will not see it again")
        await expect(sd(page, "hook-error")).to_be_hidden()
        secret = await sd(page, "hook-secret-value").input_value()
        assert secret.startswith("whsec_")
        await sd(page, "hook-secret-copy").click()
        assert await page.evaluate("navigator.clipboard.readText()") == secret
        await screenshot(page, "integrations-secret-once.png")
        await sd(page, "hook-secret-done").click()
        await expect(card).to_be_hidden()
        row = sd(page, "hook-row")
        await expect(row).to_have_count(1)
        await expect(row.locator('[data-sd="hook-row-url"]')).to_have_text(receiver.url)
        await expect(row).to_contain_text("chat.started")
        await expect(row.locator('[data-sd="hook-state"]')).to_have_text("Enabled")

        # the secret is not shown again
        await page.reload()
        await expect(sd(page, "hook-row")).to_have_count(1, timeout=TIMEOUT_MS)
        assert secret not in await page.content()

        # a chat starts: the receiver gets it, signed, and answers 500 with a hostile body
        receiver.status, receiver.body = 500, HOSTILE
        await start_chat(desk, "Hello")
        await delivered(desk, receiver, 1)
        headers, body = receiver.received[0]
        assert headers["Shiftdesk-Event"] == "chat.started" and signed(headers, body, secret)
        event_id = json.loads(body)["id"]

        await row.locator('[data-sd="hook-deliveries"]').click()
        log = sd(page, "delivery-row")
        await expect(log).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(log.locator('[data-sd="delivery-type"]')).to_have_text("chat.started")
        await expect(log.locator('[data-sd="delivery-status"]')).to_have_text("500", timeout=TIMEOUT_MS)
        # what the receiver said is text on the page, never markup
        await expect(log.locator('[data-sd="delivery-excerpt"]')).to_have_text(HOSTILE)
        assert await log.locator("img").count() == 0
        assert await page.evaluate("window.__xss") is None
        await screenshot(page, "integrations-deliveries.png")

        # while a worker is sending it, it cannot be redelivered: the lead is told why, by the log
        await hold(desk, until=desk.clock.now() + timedelta(minutes=15))
        await log.first.locator('[data-sd="delivery-redeliver"]').click()
        await expect(sd(page, "deliveries-error")).to_contain_text("being delivered now", timeout=TIMEOUT_MS)
        assert len(receiver.received) == 1
        await hold(desk, until=None)

        # redelivered: the same event again, and this time the receiver takes it
        receiver.status, receiver.body = 200, "ok"
        await log.first.locator('[data-sd="delivery-redeliver"]').click()
        await expect(sd(page, "deliveries-error")).to_be_hidden(timeout=TIMEOUT_MS)
        await delivered(desk, receiver, 2)
        headers, body = receiver.received[1]
        assert json.loads(body)["id"] == event_id and signed(headers, body, secret)
        await sd(page, "deliveries-refresh").click()
        await expect(log.first).to_have_attribute("data-state", "delivered", timeout=TIMEOUT_MS)
        await expect(log.first.locator('[data-sd="delivery-status"]')).to_have_text("200")
        assert len(receiver.received) == 2

        # disable, enable, remove (after a confirmation)
        await row.locator('[data-sd="hook-disable"]').click()
        await expect(row.locator('[data-sd="hook-state"]')).to_contain_text("Disabled", timeout=TIMEOUT_MS)
        await row.locator('[data-sd="hook-enable"]').click()
        await expect(row.locator('[data-sd="hook-state"]')).to_have_text("Enabled", timeout=TIMEOUT_MS)
        await row.locator('[data-sd="hook-remove"]').click()
        await expect(sd(page, "action-dialog")).to_be_visible()
        await sd(page, "action-cancel").click()
        await expect(row).to_have_count(1)
        await row.locator('[data-sd="hook-remove"]').click()
        await sd(page, "action-submit").click()
        await expect(sd(page, "hook-row")).to_have_count(0, timeout=TIMEOUT_MS)
        await expect(sd(page, "hooks-empty")).to_be_visible()
        await expect(sd(page, "deliveries-card")).to_be_hidden()

        # the audit log tells it in words, without the secret
        await page.click('[data-sd="nav-audit"]')
        for words in (f"Sue added the webhook {receiver.url} to the site acme", "Sue queued a webhook delivery again",
                      "Sue disabled a webhook", "Sue enabled a webhook", f"Sue removed the webhook {receiver.url}"):
            await expect(page.locator('[data-sd="audit-sentence"]', has_text=words)).to_have_count(1, timeout=TIMEOUT_MS)
        assert secret not in await page.content()
        # Chromium logs the refused requests itself (the bad URL, the held delivery); nothing else went wrong
        assert [e for e in errors if "status of 400" not in e and "status of 409" not in e] == []
        assert await no_violations(page) == []
    finally:
        await context.close()


async def test_a_lead_creates_an_integration_token_sees_it_once_and_revokes_it(chromium, desk):
    errors: list[str] = []
    context, page, supervisor, _ = await supervisor_page(chromium, desk, errors, path=PAGE)
    try:
        await expect(sd(page, "token-site")).to_contain_text("acme", timeout=TIMEOUT_MS)
        await expect(sd(page, "api-docs-link")).to_have_attribute("href", "/docs/api")
        await expect(sd(page, "openapi-link")).to_have_attribute("href", "/api/v1/openapi.json")
        # a name of blanks only is refused next to the form
        await sd(page, "token-name").fill("   ")
        await sd(page, "token-create").click()
        await expect(sd(page, "token-error")).to_be_visible(timeout=TIMEOUT_MS)
        await expect(sd(page, "token-secret")).to_be_hidden()

        await sd(page, "token-name").fill("CRM sync")
        await sd(page, "token-scope").select_option("write")
        await sd(page, "token-site").select_option("acme")
        await sd(page, "token-create").click()
        box = sd(page, "token-secret")
        await expect(box).to_be_visible(timeout=TIMEOUT_MS)
        await expect(box).to_contain_text("you will not see it again")
        await expect(sd(page, "token-error")).to_be_hidden()
        token = await sd(page, "token-value").input_value()
        assert token.startswith("sdi_")
        row = page.locator('[data-sd="token-row"]', has_text="CRM sync")
        await expect(row).to_have_count(1)
        await expect(row.locator('[data-sd="token-row-scope"]')).to_have_text("Read and write")
        await expect(row.locator('[data-sd="token-row-site"]')).to_have_text("acme")
        await expect(row).to_contain_text(supervisor.name)
        await expect(row.locator('[data-sd="token-row-used"]')).to_have_text("never")
        await screenshot(page, "integrations-token-once.png")
        await sd(page, "token-done").click()
        await expect(box).to_be_hidden()
        assert await sd(page, "token-value").input_value() == ""

        # a desk-wide read token too, then the token works until it is revoked
        await sd(page, "token-name").fill("Reports")
        await sd(page, "token-create").click()
        await expect(sd(page, "token-rows")).to_have_attribute("data-count", "2", timeout=TIMEOUT_MS)
        reports = page.locator('[data-sd="token-row"]', has_text="Reports")
        await expect(reports.locator('[data-sd="token-row-scope"]')).to_have_text("Read")
        await expect(reports.locator('[data-sd="token-row-site"]')).to_have_text("All sites")

        assert await v1_status(page, desk, token) == 200
        await page.reload()
        await expect(row.locator('[data-sd="token-row-used"]')).not_to_have_text("never", timeout=TIMEOUT_MS)
        assert token not in await page.content()
        await row.locator('[data-sd="token-revoke"]').click()
        await sd(page, "action-submit").click()
        await expect(row).to_have_count(0, timeout=TIMEOUT_MS)
        assert await v1_status(page, desk, token) == 401

        # the audit log tells it in words, without a token
        await page.click('[data-sd="nav-audit"]')
        for words in ("Sue made the integration token “CRM sync” for the site acme",
                      "Sue made the integration token “Reports” for every site", "Sue revoked an integration token"):
            await expect(page.locator('[data-sd="audit-sentence"]', has_text=words)).to_have_count(1, timeout=TIMEOUT_MS)
        assert token not in await page.content()
        # Chromium logs the refused request itself; nothing else went wrong
        assert [e for e in errors if "status of 400" not in e] == [] and await no_violations(page) == []
    finally:
        await context.close()


async def v1_status(page, desk, token: str) -> int:
    """The status of a read of the public API with `token`, from outside the browser."""
    response = await page.request.get(f"{desk.url}/api/v1/chats", headers={"Authorization": f"Bearer {token}"})
    return response.status


async def test_an_agent_cannot_open_the_integrations_page(chromium, desk):
    await refused_to_an_agent(chromium, desk, PAGE)


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_at_phone_width_the_integrations_page_does_not_scroll_sideways(chromium, desk, receiver, scheme):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path=PAGE,
                                                browser={"viewport": PHONE, "color_scheme": scheme})
    try:
        receiver.status, receiver.body = 503, "x" * 300  # one long word from the receiver
        await expect(sd(page, "hook-site")).to_have_value("acme", timeout=TIMEOUT_MS)
        await sd(page, "hook-url").fill(f"{receiver.url}?a-rather-long-query-string-that-goes-on-and-on=1")
        await sd(page, "hook-secret").fill("my-own-secret-that-is-long-enough-1234")
        await sd(page, "hook-add").click()
        await expect(sd(page, "hook-secret-value")).to_have_value("my-own-secret-that-is-long-enough-1234",
                                                                 timeout=TIMEOUT_MS)
        await sd(page, "token-name").fill("A token with a rather long name for a phone")
        await sd(page, "token-create").click()
        await expect(sd(page, "token-secret")).to_be_visible(timeout=TIMEOUT_MS)
        await start_chat(desk, "Hello")
        await delivered(desk, receiver, 1)
        await sd(page, "hook-deliveries").click()
        await expect(sd(page, "delivery-status").filter(has_text="503").first).to_be_visible(timeout=TIMEOUT_MS)
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
        await page.evaluate("window.scrollTo(0, 0)")
        await screenshot(page, f"integrations-390-{scheme}.png")
        await sd(page, "hook-table").scroll_into_view_if_needed()
        await screenshot(page, f"integrations-390-{scheme}-endpoints.png")
        await sd(page, "deliveries-card").scroll_into_view_if_needed()
        await screenshot(page, f"integrations-390-{scheme}-deliveries.png")
        await sd(page, "token-table").scroll_into_view_if_needed()
        await screenshot(page, f"integrations-390-{scheme}-tokens.png")
        # the keyboard reaches the endpoint's buttons
        await sd(page, "hook-deliveries").focus()
        await page.keyboard.press("Tab")
        await expect(sd(page, "hook-disable")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(sd(page, "hook-state")).to_contain_text("Disabled", timeout=TIMEOUT_MS)
        assert errors == []
    finally:
        await context.close()


async def with_an_endpoint(chromium, desk, receiver: Receiver, errors: list[str]):
    """(context, page): a lead on the integrations page, the receiver added to acme for every event."""
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path=PAGE)
    await expect(sd(page, "hook-site")).to_have_value("acme", timeout=TIMEOUT_MS)
    await sd(page, "hook-url").fill(receiver.url)
    await sd(page, "hook-add").click()
    await expect(sd(page, "hook-row")).to_have_count(1, timeout=TIMEOUT_MS)
    return context, page


async def test_the_delivery_log_shows_the_newest_first_and_loads_more(chromium, desk, receiver):
    errors: list[str] = []
    context, page = await with_an_endpoint(chromium, desk, receiver, errors)
    try:
        visitor, chat = await start_chat(desk, "Hello")
        for n in range(20):
            ack = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": f"m{n}", "text": f"message {n}"})
            assert ack["ok"], ack
        total = 22  # chat.started, the first message and 20 more
        await delivered(desk, receiver, total)

        await sd(page, "hook-deliveries").click()
        rows = sd(page, "delivery-row")
        await expect(rows).to_have_count(20, timeout=TIMEOUT_MS)  # one page
        await expect(sd(page, "deliveries-more")).to_be_visible()
        await sd(page, "deliveries-more").click()
        await expect(rows).to_have_count(total, timeout=TIMEOUT_MS)
        await expect(sd(page, "deliveries-more")).to_be_hidden()
        ids = [int(i) for i in await rows.evaluate_all("rows => rows.map((r) => r.dataset.deliveryId)")]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == total  # newest first, none twice
        await expect(rows.last.locator('[data-sd="delivery-type"]')).to_have_text("chat.started")
        assert errors == []
    finally:
        await context.close()


async def test_an_endpoint_the_desk_gave_up_on_shows_why_and_a_lead_enables_it_again(chromium, desk, receiver):
    errors: list[str] = []
    context, page = await with_an_endpoint(chromium, desk, receiver, errors)
    try:
        row = sd(page, "hook-row")
        receiver.status = 500
        await start_chat(desk, "Hello")
        await delivered(desk, receiver, 1)
        await expect(sd(page, "connection")).to_have_attribute("data-state", "up")
        desk.clock.advance(3700)  # the retry comes due past the hour: the desk gives the delivery up
        await delivered(desk, receiver, 2)

        async def given_up() -> bool:
            return not (await desk.store.list_webhooks())[0].enabled
        await desk.eventually(given_up)
        # the open page follows at once: the alert tells it
        await expect(row.locator('[data-sd="hook-state"]')).to_contain_text("Disabled", timeout=TIMEOUT_MS)
        # the leads are alerted on the Live page, with the way to the endpoint
        await page.click('[data-sd="nav-overview"]')
        alert = page.locator('[data-sd="alert"][data-kind="webhook_disabled"]')
        await expect(alert).to_contain_text(receiver.url, timeout=TIMEOUT_MS)
        await expect(alert).to_contain_text("Webhook disabled")
        await alert.scroll_into_view_if_needed()
        await screenshot(page, "integrations-alert.png")
        await alert.locator('[data-sd="alert-webhooks"]').click()
        await page.wait_for_url(f"{desk.url}{PAGE}")
        await expect(row.locator('[data-sd="hook-state"]')).to_contain_text("Disabled", timeout=TIMEOUT_MS)
        await expect(row.locator('[data-sd="hook-reason"]')).to_contain_text("given up")
        await expect(row.locator('[data-sd="hook-failures"]')).to_have_text("2")
        await row.locator('[data-sd="hook-deliveries"]').click()
        given = sd(page, "delivery-row").filter(has=page.locator('[data-sd="delivery-type"]', has_text="chat.started"))
        await expect(given.locator('[data-sd="delivery-state"]')).to_have_text("Given up", timeout=TIMEOUT_MS)
        await expect(given.locator('[data-sd="delivery-attempts"]')).to_have_text("2")
        await screenshot(page, "integrations-given-up.png")

        await row.locator('[data-sd="hook-enable"]').click()
        await expect(row.locator('[data-sd="hook-state"]')).to_have_text("Enabled", timeout=TIMEOUT_MS)
        await expect(row.locator('[data-sd="hook-failures"]')).to_have_text("0")
        assert errors == []
    finally:
        await context.close()
