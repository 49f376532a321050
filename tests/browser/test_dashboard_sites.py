"""Sites in real Chromium: a lead adds a site for the customer's origin,
rotates its identity secret with a grace period picked from the list, sees
the new secret once and copies it, copies the embed snippet, and that very
snippet brings the widget up on the customer's page. An agent cannot open
the page."""
from __future__ import annotations

from datetime import timedelta

import jwt
from playwright.async_api import expect

from tests.peers import Refused

from .dashboard_kit import TIMEOUT_MS, api, no_violations, refused_to_an_agent, supervisor_page
from .shots import screenshot

HOUR = 3600


def sd(page, name: str):
    return page.locator(f'[data-sd="{name}"]')


async def clipboard(page) -> str:
    return await page.evaluate("navigator.clipboard.readText()")


async def verified(desk, origin: str, secret: str) -> bool:
    """Whether a widget of the site `shop` on `origin` gets in verified with an identity signed by `secret`."""
    claims = {"sub": "user-1", "exp": int(desk.clock.now().timestamp()) + 300}
    identity = jwt.encode(claims, secret, algorithm="HS256")
    try:
        peer = await desk.peer("/visitor", {"site": "shop", "identity": identity}, {"Origin": origin}).connect()
    except Refused as refusal:
        assert refusal.data["code"] == "bad_identity"
        return False
    session = await peer.next("session")
    await peer.close()
    return session["verified"] is True


async def test_a_lead_adds_a_site_rotates_its_secret_and_embeds_the_snippet(chromium, desk, host):
    await desk.add_agent("Ann")  # on shift: the widget says Online
    errors: list[str] = []
    context, page, _, token = await supervisor_page(chromium, desk, errors, path="/console/dashboard/sites")
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=desk.url)
    try:
        await expect(sd(page, "site-rows")).to_have_attribute("data-count", "1", timeout=TIMEOUT_MS)  # acme
        await sd(page, "site-key").fill("shop")
        await sd(page, "site-origins").fill(f"{host.url}/\nHTTPS://WWW.Shop.Example:443")
        await sd(page, "site-save").click()
        row = page.locator('[data-sd="site-row"][data-site-key="shop"]')
        await expect(row).to_contain_text("https://www.shop.example", timeout=TIMEOUT_MS)
        await expect(row).to_contain_text(host.url)
        first = await sd(page, "secret-value").input_value()
        assert len(first) >= 43
        await expect(sd(page, "secret-card")).to_be_visible()
        await sd(page, "secret-done").click()
        await expect(sd(page, "secret-card")).to_be_hidden()
        assert await sd(page, "secret-value").input_value() == ""

        # rotate, keeping the first secret for 48 hours
        desk.clock.advance(60)  # the audit log lists the newest first
        await row.locator('[data-sd="site-rotate"]').click()
        dialog = sd(page, "action-dialog")
        await expect(dialog).to_be_visible()
        await expect(sd(page, "action-hours")).to_be_disabled()
        await sd(page, "action-grace").select_option(label="48 hours")
        await screenshot(page, "sites-rotate-dialog.png")
        await sd(page, "action-submit").click()
        await expect(dialog).to_be_hidden(timeout=TIMEOUT_MS)
        await expect(sd(page, "secret-card")).to_be_visible()
        await expect(sd(page, "secret-grace")).to_contain_text("still accepted until")
        second = await sd(page, "secret-value").input_value()
        assert second and second != first
        await sd(page, "secret-copy").click()
        assert await clipboard(page) == second
        await expect(row.locator('[data-sd="site-rotating"]')).to_contain_text("Rotating", timeout=TIMEOUT_MS)
        await screenshot(page, "sites-secret-once.png")
        assert await verified(desk, host.url, first) and await verified(desk, host.url, second)

        # the secret is not shown again: not after a reload, not in the list
        await page.reload()
        await expect(sd(page, "site-rows")).to_have_attribute("data-count", "2", timeout=TIMEOUT_MS)
        await expect(sd(page, "secret-card")).to_be_hidden()
        html = await page.content()
        assert first not in html and second not in html

        # the snippet, copied, is the one tag that brings the widget up on the customer's page
        await row.locator('[data-sd="site-snippet"]').click()
        await expect(sd(page, "snippet-card")).to_be_visible()
        await sd(page, "snippet-copy").click()
        snippet = await clipboard(page)
        assert snippet == f'<script src="{desk.url}/widget.js" data-site="shop" async></script>'
        await screenshot(page, "sites-snippet.png")
        host.pages["/shop"] = f"<!doctype html><html><head><meta charset=utf-8><title>Shop</title></head><body>{snippet}</body></html>"
        shop = await context.new_page()
        await shop.goto(f"{host.url}/shop")
        await shop.locator('[data-sd="launcher"]').click()
        await expect(shop.locator('[data-sd="status"]')).to_have_text("Online", timeout=TIMEOUT_MS)

        # the audit log tells it in words, without a secret
        await sd(page, "nav-audit").click()
        sentences = page.locator('[data-sd="audit-row"] [data-sd="audit-sentence"]')
        await expect(sentences).to_have_text([
            "Sue rotated the identity secret of the site shop (the previous one accepted 48 hours more)",
            "Sue added the site shop"], timeout=TIMEOUT_MS)
        html = await page.content()
        assert first not in html and second not in html
        assert errors == [] and await no_violations(page) == []

        # the grace ends on the desk's clock: only the new secret then (the
        # console session has ended by then too: the list is read by token)
        await desk.advance(48 * HOUR)
        assert not await verified(desk, host.url, first) and await verified(desk, host.url, second)
        async with api(desk, token) as http, http.get("/api/sites") as response:
            listed = {s["key"]: s for s in (await response.json())["sites"]}
        assert listed["shop"]["rotating"] is False and listed["shop"]["previous_until"] is None
    finally:
        await context.close()


async def test_a_lead_edits_origins_and_a_bad_origin_is_refused_on_the_page(chromium, desk):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/sites")
    other, other_page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/sites",
                                                    name="Lou")
    try:
        await expect(other_page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up")
        row = page.locator('[data-sd="site-row"][data-site-key="acme"]')
        await row.locator('[data-sd="site-edit"]').click()
        await expect(sd(page, "site-key")).to_be_disabled()
        await sd(page, "site-origins").fill("https://shop.example/checkout")
        await sd(page, "site-save").click()
        await expect(sd(page, "site-error")).to_contain_text("Not an origin", timeout=TIMEOUT_MS)
        await sd(page, "site-origins").fill("https://shop.example")
        await sd(page, "site-identity").select_option("required")
        await sd(page, "site-save").click()
        await expect(row).to_contain_text("https://shop.example", timeout=TIMEOUT_MS)
        await expect(row.locator('[data-sd="site-identity-cell"]')).to_have_text("Required")
        # another lead's open page follows without a reload
        other_row = other_page.locator('[data-sd="site-row"][data-site-key="acme"]')
        await expect(other_row.locator('[data-sd="site-identity-cell"]')).to_have_text("Required",
                                                                                      timeout=TIMEOUT_MS)
        await expect(other_row).to_contain_text("https://shop.example")
        stored = await desk.store.site_by_key("acme")
        assert stored.origins == ("https://shop.example",) and stored.identity.value == "required"
        await expect(sd(page, "site-error")).to_be_hidden()

        # a grace of another number of hours, typed in
        await row.locator('[data-sd="site-rotate"]').click()
        await sd(page, "action-grace").select_option("other")
        await expect(sd(page, "action-hours")).to_be_enabled()
        await sd(page, "action-hours").fill("5")
        await sd(page, "action-submit").click()
        await expect(sd(page, "secret-card")).to_be_visible(timeout=TIMEOUT_MS)
        stored = await desk.store.site_by_key("acme")
        assert stored.previous_until == desk.clock.now() + timedelta(hours=5)
        assert stored.secret == await sd(page, "secret-value").input_value()
        # Chromium logs the refused request itself; nothing else went wrong
        assert [e for e in errors if "status of 400" not in e] == [] and await no_violations(page) == []
    finally:
        await context.close()
        await other.close()


async def test_an_agent_cannot_open_the_sites_page(chromium, desk):
    await refused_to_an_agent(chromium, desk, "/console/dashboard/sites")


async def test_at_phone_width_the_sites_page_keeps_the_secret_and_the_list_on_screen(chromium, desk):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/sites",
                                                browser={"viewport": {"width": 390, "height": 844}})
    try:
        await sd(page, "site-key").fill("a-rather-long-site-key-for-the-shop")
        await sd(page, "site-origins").fill("https://a-very-long-subdomain-name.shop.example.com:8443\n"
                                            "http://localhost:8080")
        await sd(page, "site-save").click()
        await expect(sd(page, "secret-card")).to_be_visible(timeout=TIMEOUT_MS)
        await expect(sd(page, "site-rows")).to_have_attribute("data-count", "2", timeout=TIMEOUT_MS)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
        await screenshot(page, "sites-390.png")
        await page.locator('[data-sd="site-table"]').scroll_into_view_if_needed()
        await screenshot(page, "sites-390-list.png")
        assert errors == []
    finally:
        await context.close()
