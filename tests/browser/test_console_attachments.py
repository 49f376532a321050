"""Attachments from the agent console, in real Chromium: a file chosen in
the picker, a screenshot pasted into the reply box and a file dropped on
the chat (a real DataTransfer drop event) are uploaded with the session and
CSRF token, sent as messages, and show in the visitor's widget on another
origin; a refused file's line says why, can be dismissed, and goes once the
next file is stored."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from .consolekit import kit  # noqa: F401 (a fixture)
from .shots import screenshot
from .test_widget_attachments import png
from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, say, sd, stored

MAX_BYTES = 4096


@pytest.fixture
def config_overrides() -> dict:
    return {"attachments": {"max_bytes": MAX_BYTES}}


PASTE = """(input, bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], "image.png", { type: "image/png" }));
    input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""
DROP = """(target, [name, text]) => {
    const data = new DataTransfer();
    data.items.add(new File([text], name, { type: "text/plain" }));
    for (const type of ["dragenter", "dragover", "drop"]) {
        target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    }
}"""


async def test_an_agent_sends_picked_pasted_and_dropped_files_and_the_visitor_sees_them(kit, desk, host,  # noqa: F811
                                                                                        chromium):
    console = await kit.console("Alice")
    visitor = await chromium.new_context(**VISITOR)
    try:
        widget = await open_widget(visitor, desk, host)
        await say(widget, "Can you show me where?")
        await stored(widget, "Can you show me where?")
        await expect(console.sd("chat-tab")).to_have_count(1)
        await console.sd("chat-tab").click()
        panel = console.chat

        # the picker: a real file upload
        await panel.locator('[data-sd="file-input"]').set_input_files(
            {"name": "steps.txt", "mimeType": "text/plain", "buffer": b"1. open settings\n" * 10})
        await expect(panel.locator('[data-sd="message"][data-author="agent"] [data-sd="file"]')).to_contain_text(
            "steps.txt")
        shown = sd(widget, "file")
        await expect(shown).to_contain_text("steps.txt", timeout=TIMEOUT_MS)
        await expect(shown).to_contain_text("170 bytes")

        # a pasted screenshot: the visitor's widget shows it as a decoded thumbnail
        await panel.locator('[data-sd="input"]').evaluate(PASTE, list(png(30, 10)))
        mine = panel.locator('[data-sd="message"][data-author="agent"] img.thumb')
        await expect(mine).to_have_count(1)
        await mine.evaluate("i => new Promise((done, fail) => { const check = () => (i.complete && i.naturalWidth"
                            " === 30 ? done() : setTimeout(check, 50)); setTimeout(() => fail(new Error("
                            "'not decoded')), 10000); check(); })")
        thumb = sd(widget, "thumb")
        await expect(thumb).to_have_count(1, timeout=TIMEOUT_MS)
        await thumb.evaluate("i => new Promise((done, fail) => { const check = () => (i.complete && i.naturalWidth"
                             " === 30 ? done() : setTimeout(check, 50)); setTimeout(() => fail(new Error("
                             "'not decoded')), 10000); check(); })")

        # a refused file: the line says why, and the agent can dismiss it
        await panel.locator('[data-sd="file-input"]').set_input_files(
            {"name": "page.html", "mimeType": "text/html", "buffer": b"<script>alert(1)</script>"})
        failed = panel.locator('[data-sd="upload"][data-state="failed"]')
        await expect(failed).to_contain_text("page.html was not sent")
        await expect(failed).to_contain_text(".html are not accepted")
        await screenshot(console.page, "console-attachment-refused.png")
        await failed.locator('[data-sd="upload-dismiss"]').click()
        await expect(failed).to_have_count(0)

        # another refusal, then a file dropped on the chat: once it is stored, the old failure goes
        await panel.locator('[data-sd="file-input"]').set_input_files(
            {"name": "huge.txt", "mimeType": "text/plain", "buffer": b"x" * (MAX_BYTES + 1)})
        await expect(failed).to_contain_text("huge.txt was not sent")
        await panel.locator('[data-sd="messages"]').evaluate(DROP, ["dropped.log", "a line of log\n"])
        await expect(sd(widget, "file", has_text="dropped.log")).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(failed).to_have_count(0)
        await expect(panel.locator('[data-sd="upload"]')).to_have_count(0)
        await screenshot(console.page, "console-attachments.png")
        await screenshot(widget, "widget-agent-attachments.png")
        assert not widget.errors
        # the browser logs the two refusals' statuses; nothing else went wrong
        refused = [e for e in console.errors if "status of 400" in e or "status of 413" in e]
        assert len(refused) == 2, console.errors
        console.errors = [e for e in console.errors if e not in refused]
        console.assert_clean()
    finally:
        await visitor.close()
