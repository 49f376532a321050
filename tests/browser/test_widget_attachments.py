"""Attachments in the widget, in real Chromium on a page of another origin:
a file chosen in the picker and an image pasted into the message box are
uploaded, reach the agent with their message and show as a thumbnail (the
bytes fetched with the visitor's token, never a URL that carries it); a
forbidden type is refused with the reason; another visitor's browser
cannot fetch the file; hostile file names stay text."""
from __future__ import annotations

import struct
import zlib

from playwright.async_api import expect

from .shots import screenshot
from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, sd, start_chat


def png(width: int = 24, height: int = 16) -> bytes:
    """A real PNG (a browser decodes it): solid blue."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x24\x57\xc5" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


HOSTILE = '<img src=x onerror="window.__pwned=1">.txt'


async def test_files_picked_and_pasted_reach_the_agent_and_show(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        chat = (await start_chat(page, agent, "My screen looks wrong"))["chat"]

        # the picker: a real file upload
        await sd(page, "file-input").set_input_files({"name": "screen.png", "mimeType": "image/png", "buffer": png()})
        message = await agent.next("chat:message")
        assert message["chat_id"] == chat["id"] and message["attachments"][0]["name"] == "screen.png"
        assert message["attachments"][0]["image"] is True
        thumb = sd(page, "thumb").first
        await expect(thumb).to_be_visible(timeout=TIMEOUT_MS)
        await thumb.evaluate("""i => new Promise((done, fail) => {
            const check = () => (i.complete && i.naturalWidth === 24 ? done() : setTimeout(check, 50));
            setTimeout(() => fail(new Error("the thumbnail never decoded")), 10000);
            check();
        })""")
        assert (await thumb.get_attribute("src")).startswith("blob:")

        # a pasted screenshot
        await sd(page, "input").evaluate("""(input, bytes) => {
            const file = new File([new Uint8Array(bytes)], "image.png", { type: "image/png" });
            const data = new DataTransfer();
            data.items.add(file);
            input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""", list(png(32, 8)))
        pasted = await agent.next("chat:message")
        assert pasted["attachments"][0]["name"] == "image.png" and pasted["attachments"][0]["size"] > 0
        await expect(sd(page, "thumb")).to_have_count(2, timeout=TIMEOUT_MS)

        # the agent's file, with a hostile name, shows as text with its size
        async with desk_http(desk) as http:
            async with http.post(f"{desk.url}/api/chats/{chat['id']}/attachments",
                                 headers={"Authorization": f"Bearer {token}"},
                                 data=upload_form(HOSTILE, b"log line\n" * 100)) as r:
                sent = (await r.json())["attachment"]
        assert (await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "a1", "text": "the log",
                                               "attachments": [sent["id"]]}))["ok"]
        file_button = sd(page, "file")
        await expect(file_button).to_contain_text("onerror", timeout=TIMEOUT_MS)
        await expect(file_button).to_contain_text("900 bytes")
        assert await page.evaluate("() => window.__pwned") is None
        assert await page.locator("img:not([data-sd=thumb])").count() == 0

        # a forbidden type: refused, and the widget says why
        await sd(page, "file-input").set_input_files(
            {"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": b"<svg onload='alert(1)'></svg>"})
        failed = sd(page, "upload")
        await expect(failed).to_contain_text("logo.svg was not sent", timeout=TIMEOUT_MS)
        await expect(failed).to_contain_text("(.svg) are not accepted")
        await screenshot(page, "widget-attachments.png")

        # another visitor's browser, with its own token, cannot fetch Vera's file
        other = await chromium.new_context(**VISITOR)
        try:
            mallory = await open_widget(other, desk, host)
            await mallory.wait_for_function(f"() => !!localStorage.getItem('shiftdesk:{desk.site.key}:token')",
                                            timeout=TIMEOUT_MS)
            status = await mallory.evaluate("""async ([origin, site, id]) => {
                const token = localStorage.getItem(`shiftdesk:${site}:token`);
                const r = await fetch(`${origin}/widget/attachments/${id}`, { headers: {
                    "X-Shiftdesk-Site": site, "X-Shiftdesk-Token": token } });
                return r.status;
            }""", [desk.url, desk.site.key, message["attachments"][0]["id"]])
            assert status == 404
        finally:
            await other.close()
    finally:
        await context.close()


def desk_http(desk):
    import aiohttp
    return aiohttp.ClientSession()


def upload_form(name: str, data: bytes):
    import aiohttp
    body = aiohttp.FormData()
    body.add_field("file", data, filename=name, content_type="text/plain")
    return body


def raw_form(fields: dict, name: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body as a browser sends it: the file name in raw UTF-8
    (aiohttp's client would percent-encode it), a quote as %22. Returns the
    body and its Content-Type."""
    boundary = "----shiftdeskboundary7d1f"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    quoted = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
