"""The visitor's page and browser beside a chat in the agent's console, in
real Chromium: the page follows the visitor through a real navigation to
another page of the host site and through a single-page app's pushState
and back; the host page adds its own fields with Shiftdesk.setContext."""
from __future__ import annotations

import re

from playwright.async_api import expect

from .consolekit import kit  # noqa: F401 (a fixture)
from .shots import screenshot
from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, say, stored

SPA = """<nav><button id=orders type=button>Orders</button></nav><main id=view>Home</main>
<script>
document.getElementById("orders").addEventListener("click", () => {
  window.__pushed = history.pushState({ view: "orders" }, "", "/app/orders/42");
  document.title = "Order 42";
  document.getElementById("view").textContent = "Order 42";
});
window.addEventListener("popstate", () => { window.__popped = (window.__popped || 0) + 1; document.title = "App"; });
</script>"""


def visit(console, chat_id: str):
    return console.panel(chat_id).locator('[data-sd="visit"]')


async def chat_from(console, page, text: str) -> str:
    """The visitor's first message; the chat's id once the console has its tab."""
    await say(page, text)
    await stored(page, text)
    tab = console.sd("chat-tab")
    await expect(tab).to_have_count(1, timeout=TIMEOUT_MS)
    return await tab.get_attribute("data-chat-id")


async def test_the_console_follows_the_visitor_to_another_page_of_the_site(kit, desk, host, chromium):  # noqa: F811
    console = await kit.console("Alice")
    browser = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(browser, desk, host, path="/", head="")
        chat_id = await chat_from(console, page, "Which plan fits me?")
        box = visit(console, chat_id)
        await expect(box.locator('[data-sd="visit-title"]')).to_have_text("Shop")
        await expect(box.locator('[data-sd="visit-url"]')).to_have_text(f"{host.url}/")
        await expect(box.locator('[data-field="browser"]')).to_contain_text("on Linux")
        await expect(box.locator('[data-field="language"]')).to_have_text("en-US")
        await expect(box.locator('[data-sd="visit-local-time"]')).to_have_text(
            re.compile(r"^\d\d:\d\d (AM |PM )?\(America/New_York\)$"))

        host.pages["/pricing"] = host.pages["/"].replace("<title>Shop</title>", "<title>Pricing</title>")
        await page.goto(f"{host.url}/pricing")  # a real navigation: the widget loads again and resumes the chat
        await expect(box.locator('[data-sd="visit-title"]')).to_have_text("Pricing", timeout=TIMEOUT_MS)
        await expect(box.locator('[data-sd="visit-url"]')).to_have_text(f"{host.url}/pricing")
        link = box.locator('a[data-sd="visit-url"]')
        await expect(link).to_have_attribute("href", f"{host.url}/pricing")
        await expect(link).to_have_attribute("rel", "noopener noreferrer")
        await expect(box.locator('[data-sd="visit-page"]')).to_have_count(2)
        await expect(box.locator('[data-sd="visit-page"]').first).to_contain_text("Pricing")
        await screenshot(console.page, "console-visit.png")

        await console.page.reload()  # the context comes back with chat:assigned
        await expect(visit(console, chat_id).locator('[data-sd="visit-title"]')).to_have_text("Pricing",
                                                                                             timeout=TIMEOUT_MS)
        await expect(visit(console, chat_id).locator('[data-sd="visit-page"]')).to_have_count(2)
        assert page.errors == []
    finally:
        await browser.close()
    console.assert_clean()


async def test_a_single_page_apps_pushstate_and_back_reach_the_console(kit, desk, host, chromium):  # noqa: F811
    console = await kit.console("Alice")
    browser = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(browser, desk, host, path="/app", body=SPA)
        chat_id = await chat_from(console, page, "Where is my order?")
        box = visit(console, chat_id)
        await expect(box.locator('[data-sd="visit-url"]')).to_have_text(f"{host.url}/app")

        await page.locator("#orders").dispatch_event("click")  # the open widget covers the small window
        await expect(box.locator('[data-sd="visit-title"]')).to_have_text("Order 42", timeout=TIMEOUT_MS)
        await expect(box.locator('[data-sd="visit-url"]')).to_have_text(f"{host.url}/app/orders/42")
        # the host page's own history still works as it did
        assert await page.evaluate("location.pathname") == "/app/orders/42"
        assert await page.evaluate("window.__pushed === undefined && history.state.view") == "orders"

        await page.go_back()
        await expect(box.locator('[data-sd="visit-url"]')).to_have_text(f"{host.url}/app", timeout=TIMEOUT_MS)
        await expect(box.locator('[data-sd="visit-title"]')).to_have_text("App")
        assert await page.evaluate("window.__popped") == 1
        await expect(box.locator('[data-sd="visit-page"]')).to_have_count(3)

        ack = await page.evaluate("Shiftdesk.setContext({plan: 'pro', seats: 3, trial: false})")
        assert ack == {"ok": True}
        custom = box.locator('[data-sd="visit-custom"]')
        await expect(custom.locator('[data-field="custom:plan"]')).to_have_text("pro", timeout=TIMEOUT_MS)
        await expect(custom.locator('[data-field="custom:seats"]')).to_have_text("3")
        await expect(custom.locator('[data-field="custom:trial"]')).to_have_text("false")
        ack = await page.evaluate("Shiftdesk.setContext({seats: null, cart: 'two mugs'})")
        assert ack == {"ok": True}
        await expect(custom.locator('[data-field="custom:cart"]')).to_have_text("two mugs", timeout=TIMEOUT_MS)
        await expect(custom.locator('[data-field="custom:seats"]')).to_have_count(0)
        refused = await page.evaluate("Shiftdesk.setContext({'bad name': 1})")
        assert refused["ok"] is False and refused["error"]["code"] == "bad_request", refused
        refused = await page.evaluate("Shiftdesk.setContext('plan=pro')")
        assert refused["ok"] is False and refused["error"]["code"] == "bad_request", refused
        await expect(custom.locator('[data-field="custom:plan"]')).to_have_text("pro")  # what was accepted stays
        await screenshot(console.page, "console-visit-spa.png")
        assert page.errors == []
    finally:
        await browser.close()
    console.assert_clean()


async def test_fields_set_before_the_chat_arrive_with_it(kit, desk, host, chromium):  # noqa: F811
    console = await kit.console("Alice")
    browser = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(browser, desk, host, path="/")
        assert await page.evaluate("Shiftdesk.setContext({order: 'A-17'})") == {"ok": True, "queued": True}
        chat_id = await chat_from(console, page, "About my order")
        field = visit(console, chat_id).locator('[data-field="custom:order"]')
        await expect(field).to_have_text("A-17", timeout=TIMEOUT_MS)
    finally:
        await browser.close()
    console.assert_clean()


async def test_the_leads_view_of_the_chat_shows_the_pages_and_follows_them(desk, chromium):
    from .consolekit import start_chat
    from .dashboard_kit import XSS, no_violations, supervisor_page

    await desk.add_agent("Ann")  # on shift, so the chat is queued
    visitor, chat = await start_chat(desk, "hello")
    ack = await visitor.call("chat:context", {"chat_id": chat["id"], "url": "https://shop.example/a", "title": XSS[0],
                                              "custom": {"plan": XSS[1]}})
    assert ack["ok"], ack
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path=f"/console/dashboard/chats/{chat['id']}")
    try:
        box = page.locator('[data-sd="chat-visit"]')
        await expect(box.locator('[data-sd="visit-title"]')).to_have_text(XSS[0], timeout=TIMEOUT_MS)
        await expect(box.locator('[data-field="custom:plan"]')).to_have_text(XSS[1])
        ack = await visitor.call("chat:context", {"chat_id": chat["id"], "url": "https://shop.example/b",
                                                  "title": "B"})
        assert ack["ok"], ack
        await expect(box.locator('[data-sd="visit-title"]')).to_have_text("B", timeout=TIMEOUT_MS)
        await expect(box.locator('[data-sd="visit-page"]')).to_have_count(2)
        await screenshot(page, "dashboard-chat-visit.png")
        assert await page.evaluate("window.__xss") is None
        assert await no_violations(page) == [] and errors == []
    finally:
        await context.close()
