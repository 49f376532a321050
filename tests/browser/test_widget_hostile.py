"""The widget on pages that fight it: hostile CSS, a phone's width, markup
in every string that reaches it (agent messages and name, the visitor's own
words, ticket subjects), and a keyboard-only visitor."""
from __future__ import annotations

import jwt
from playwright.async_api import expect

from .widget_steps import TIMEOUT_MS, VISITOR, agent_says, messages, open_widget, say, sd, start_chat, stored

HOSTILE_CSS = """<style>
  html { font-size: 64px !important; }
  body * { display: none !important; }
  div, span, button, textarea, form { all: unset !important; font-size: 90px !important; }
  #shiftdesk-widget { position: absolute !important; left: -9999px !important; opacity: 0 !important;
                      transform: scale(0) !important; z-index: -1 !important; }
  .wall { display: block !important; position: fixed !important; inset: 0 !important;
          z-index: 2147483647 !important; background: rgba(255, 0, 0, .2) !important; }
</style>"""
XSS = [
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">click me</a>',
    "javascript:window.__xss=1",
    '"><svg onload=window.__xss=1>',
    "<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
    "&lt;b&gt;entities&lt;/b&gt; & <b>bold</b>",
]
MARKUP_IN_WIDGET = ("document.getElementById('shiftdesk-widget').shadowRoot"
                    ".querySelectorAll('img, svg, script, iframe, a, b').length")


async def test_hostile_css_on_the_host_page_does_not_reach_the_widget(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        # The wall covers the page at the highest z-index: a click on the
        # launcher only lands if the widget is on top of it.
        page = await open_widget(context, desk, host, head=HOSTILE_CSS, body='<div class="wall"></div>')
        launcher = sd(page, "launcher")
        assert await launcher.evaluate("e => getComputedStyle(e).fontSize") != "90px"
        box = await launcher.bounding_box()
        assert box and box["x"] > 0 and box["x"] + box["width"] <= 400 and box["y"] + box["height"] <= 600
        await start_chat(page, agent, "Styles everywhere")
        await expect(sd(page, "input")).to_be_visible()
        assert await sd(page, "input").evaluate("e => getComputedStyle(e).fontSize") == "14px"
        assert page.errors == []
    finally:
        await context.close()


async def test_markup_in_every_string_is_shown_as_text(chromium, desk, host) -> None:
    _, token = await desk.add_agent(XSS[0])  # an agent's name is data too
    agent = await desk.agent(token)
    # A verified visitor whose open ticket's subject is markup (the widget lists it).
    secret, sub = desk.site.secret, "mallory"
    claims = {"sub": sub, "exp": int(desk.clock.now().timestamp()) + 3600, "name": XSS[4]}
    identity = jwt.encode(claims, secret, algorithm="HS256")
    peer = await desk.visitor(identity=identity)
    await peer.next("session")
    made = await peer.call("ticket:create", {"email": "m@example.test", "subject": XSS[1], "text": XSS[2]})
    assert made["ok"], made
    await peer.close()
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, script_attrs=f'data-identity="{identity}"')
        await expect(sd(page, "open-ticket")).to_have_text(
            f"{made['ticket']['number']} {XSS[1]} Email me the receipt again")
        chat = (await start_chat(page, agent, XSS[3]))["chat"]
        await expect(sd(page, "agent-name")).to_have_text(XSS[0])
        for text in XSS:
            await agent_says(agent, chat["id"], text)
        await say(page, XSS[5])
        await stored(page, XSS[5])
        agent_lines = messages(page, "agent").locator(".sd-text")
        await expect(agent_lines).to_have_text(XSS, timeout=TIMEOUT_MS)
        await expect(messages(page, "agent").first.locator(".sd-who")).to_have_text(XSS[0])
        await expect(messages(page, "visitor").locator(".sd-text")).to_have_text([XSS[3], XSS[5]])
        ack = await agent.call("chat:convert", {"chat_id": chat["id"], "subject": XSS[4]})
        await expect(sd(page, "ticket-receipt")).to_contain_text(ack["ticket"]["number"], timeout=TIMEOUT_MS)
        assert await page.evaluate(MARKUP_IN_WIDGET) == 0
        assert await page.evaluate("window.__xss") is None
        assert page.errors == []
    finally:
        await context.close()


async def test_a_phone_sized_screen_and_a_keyboard_are_enough(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**{**VISITOR, "viewport": {"width": 360, "height": 640}})
    try:
        page = await open_widget(context, desk, host)
        await sd(page, "input").press("Escape")
        await expect(sd(page, "launcher")).to_be_focused()
        await page.keyboard.press("Enter")  # reopens, the composer has the focus
        await expect(sd(page, "input")).to_be_focused()
        await page.keyboard.type("Typed on a phone")
        await page.keyboard.press("Enter")
        await stored(page, "Typed on a phone")
        await agent.next("chat:assigned")
        for part in ("launcher", "input", "send", "status"):
            box = await sd(page, part).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["y"] >= 0, (part, box)
        assert await sd(page, "messages").get_attribute("aria-live") == "polite"
        await page.keyboard.press("Tab")  # past the composer to the send button, then the launcher
        await expect(sd(page, "send")).to_be_focused()
    finally:
        await context.close()


async def test_hostile_file_names_from_an_agent_show_as_text(chromium, desk, host) -> None:
    import aiohttp

    from .test_widget_attachments import png, raw_form
    names = [f"{XSS[0]}.txt", '"><svg onload=window.__xss=1>.txt', "invoice\u202efdp.exe.txt",
             "<a href=javascript:window.__xss=1>x</a>.png"]
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        chat = (await start_chat(page, agent, "send me the files"))["chat"]
        sent = []
        async with aiohttp.ClientSession() as http:
            for n, name in enumerate(names):
                body, content_type = raw_form({}, name, png() if name.endswith(".png") else b"text\n")
                async with http.post(f"{desk.url}/api/chats/{chat['id']}/attachments", data=body,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": content_type}) as r:
                    answer = await r.json()
                    assert r.status == 201, answer
                sent.append(answer["attachment"])
                assert (await agent.call("chat:send", {"chat_id": chat["id"], "client_id": f"f{n}", "text": "",
                                                       "attachments": [answer["attachment"]["id"]]}))["ok"]
        files = sd(page, "file")
        await expect(files).to_have_count(3, timeout=TIMEOUT_MS)
        for attachment in sent[:3]:
            await expect(files.filter(has_text=attachment["name"])).to_have_count(1)
        assert sent[2]["name"] == "invoicefdp.exe.txt"  # the override is gone
        assert sent[0]["name"] == f"{XSS[0]}.txt"
        thumb = sd(page, "thumb")
        await expect(thumb).to_have_count(1)
        assert await thumb.get_attribute("alt") == sent[3]["name"]
        # the only element that may be an img is the thumbnail itself; no link, svg or script came from a name
        count = await page.evaluate("document.getElementById('shiftdesk-widget').shadowRoot"
                                    ".querySelectorAll('img:not([data-sd=thumb]), svg, script, iframe, a, b').length")
        assert count == 0
        assert await page.evaluate("window.__xss") is None and page.errors == []
    finally:
        await context.close()
