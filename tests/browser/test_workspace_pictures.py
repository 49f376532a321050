"""The agent's workspace in one look, in real Chromium: a visitor on the
pricing page sends a screenshot of the error they see; the agent sees it
as a picture beside the page and browser the visitor is on, and answers
with a PDF. The README's pictures of attachments and visitor context are
taken here (SHIFTDESK_SCREENSHOTS=1), light and dark."""
from __future__ import annotations

from playwright.async_api import expect

from .consolekit import kit  # noqa: F401 (a fixture)
from .shots import screenshot
from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, say, sd, stored

ERROR_DIALOG = """<body style="margin:0;font:15px system-ui;background:#f4f5f7">
<div style="margin:14px;padding:14px 16px;background:#fff;border:1px solid #e5484d;border-radius:8px">
<b style="color:#c62a2f">Payment failed</b><p style="margin:6px 0 0">Card declined (code 51). Try another card.</p>
</div></body>"""
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PASTE = """(input, bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], "checkout-error.png", { type: "image/png" }));
    input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""
DECODED = ("i => new Promise((done, fail) => { const check = () => (i.complete && i.naturalWidth > 100 ? done()"
           " : setTimeout(check, 50)); setTimeout(() => fail(new Error('not decoded')), 10000); check(); })")


async def error_screenshot(chromium) -> bytes:
    """A real screenshot of an error message, as a visitor would paste it."""
    context = await chromium.new_context(viewport={"width": 360, "height": 110})
    try:
        page = await context.new_page()
        await page.set_content(ERROR_DIALOG)
        return await page.screenshot()
    finally:
        await context.close()


async def test_a_screenshot_from_the_visitor_shows_beside_their_page_and_browser(kit, desk, host,  # noqa: F811
                                                                                chromium):
    picture = await error_screenshot(chromium)
    console = await kit.console("Alice")
    visitor = await chromium.new_context(**VISITOR)
    try:
        host.pages["/pricing"] = ""  # the host's page at /pricing, written by open_widget
        widget = await open_widget(visitor, desk, host, path="/pricing", head="")
        await widget.evaluate("document.title = 'Pricing - Acme'")
        await say(widget, "Checkout fails when I pay for the Team plan")
        await stored(widget, "Checkout fails when I pay for the Team plan")
        await sd(widget, "input").evaluate(PASTE, list(picture))
        await expect(sd(widget, "thumb")).to_have_count(1, timeout=TIMEOUT_MS)

        await expect(console.sd("chat-tab")).to_have_count(1, timeout=TIMEOUT_MS)
        await console.sd("chat-tab").click()
        panel = console.chat
        thumb = panel.locator('[data-sd="message"][data-author="visitor"] img.thumb')
        await expect(thumb).to_have_count(1, timeout=TIMEOUT_MS)
        await thumb.evaluate(DECODED)
        visit = panel.locator('[data-sd="visit"]')
        await expect(visit.locator('[data-sd="visit-title"]')).to_have_text("Pricing - Acme", timeout=TIMEOUT_MS)
        await expect(visit.locator('[data-sd="visit-url"]')).to_have_text(f"{host.url}/pricing")
        await expect(visit.locator('[data-field="browser"]')).to_contain_text("on Linux")

        await panel.locator('[data-sd="input"]').fill("Thanks, that is a declined card. These steps add another one:")
        await panel.locator('[data-sd="input"]').press("Enter")
        await panel.locator('[data-sd="file-input"]').set_input_files(
            {"name": "add-a-card.pdf", "mimeType": "application/pdf", "buffer": PDF})
        await expect(panel.locator('[data-sd="message"][data-author="agent"] [data-sd="file"]')).to_contain_text(
            "add-a-card.pdf")
        shown = sd(widget, "file").filter(has_text="add-a-card.pdf")
        await expect(shown).to_have_count(1, timeout=TIMEOUT_MS)
        await sd(widget, "thumb").evaluate(DECODED)

        await screenshot(console.page, "console-workspace.png")
        await screenshot(widget, "widget-files.png")
        await console.page.emulate_media(color_scheme="dark")
        await screenshot(console.page, "console-workspace-dark.png")
        assert widget.errors == []
    finally:
        await visitor.close()
    console.assert_clean()
