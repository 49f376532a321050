"""Whatever a visitor, an agent or a supervisor writes shows in the console
as text: markup in names, email claims, messages, ticket subjects and
replies, flag reasons, canned replies and a lead's tag names (on a chat,
in search results and the History list) never runs and never becomes
elements."""
from __future__ import annotations

from playwright.async_api import expect

from server.services import canned, tags
from server.services.model import Role, TagColour
from tests.realtime.test_identity import identity
from .consolekit import kit  # noqa: F401 (a fixture)

IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = "<script>window.__xss=1</script>"
SVG = '"><svg onload=window.__xss=1>'
CORPUS = [IMG, SCRIPT, SVG]
# Emails as a site's identity token may claim them: chat:start takes only a
# bare address, but the site vouches for what its token says, as it is.
EMAILS = ['"><svg/onload=window.__xss=1>@x.test', "<img/src=x/onerror=window.__xss=1>@x.test",
          "<script>window.__xss=1</script>@x.test"]
INJECTED = '[data-sd="console"] img, [data-sd="console"] svg, [data-sd="console"] script, [data-sd="console"] iframe'


async def test_markup_from_every_source_is_shown_as_text(kit, desk):  # noqa: F811
    lead, _ = await desk.add_agent("Lead", role=Role.SUPERVISOR)
    async with desk.services.desk.events.unit():  # as a web request runs it
        await canned.add(desk.services.desk, lead, canned.CannedDraft("xss", IMG, f"{SVG} {SCRIPT}"))
        for name in CORPUS:  # a lead's tags, at most 40 characters each
            await tags.add(desk.services.desk, lead, tags.TagDraft(name, TagColour.RED))
    console = await kit.console("Alice", available=False)
    page = console.page
    peers, chats = [], []
    for n, (name, email) in enumerate(zip(CORPUS, EMAILS)):
        peer = await desk.visitor(identity=identity(desk.site.secret, at=desk.clock.now(), sub=f"user-{n}",
                                                    name=name, email=email))
        await peer.next("session")
        ack = await peer.call("chat:start", {"text": "\n".join(CORPUS)})
        assert ack["ok"], ack
        peers.append(peer)
        chats.append(ack["chat"])
    # queued first: the queue list names them
    items = console.sd("queue-item")
    await expect(items).to_have_count(3)
    for name in CORPUS:
        await expect(items.locator(".queue-name", has_text=name)).to_have_count(1)
    await console.set_available()
    await expect(console.sd("chat-tab")).to_have_count(3)
    for chat, name, email in zip(chats, CORPUS, EMAILS):
        await expect(console.tab(chat["id"]).locator(".tab-label")).to_have_text(name)
        panel = console.panel(chat["id"])
        await expect(panel.locator('[data-sd="chat-title"]')).to_have_text(name)
        await expect(panel.locator('[data-field="name"]')).to_have_text(name)
        await expect(panel.locator('[data-field="email"]')).to_have_text(email)
        await expect(panel.locator('[data-sd="message"][data-author="visitor"] .text')).to_have_text("\n".join(CORPUS))

    first = chats[0]["id"]
    await console.tab(first).click()
    tag_bar = console.panel(first).locator('[data-sd="chat-tags"]')
    menu = tag_bar.locator('[data-sd="tag-add"]')
    await expect(menu.locator("option")).to_have_count(4)
    for name in CORPUS:
        await menu.select_option(label=name)
    await expect(tag_bar.locator('[data-sd="tag-chip"] .tag-name')).to_have_text(sorted(CORPUS, key=str.casefold))
    await expect(tag_bar.locator('[data-sd="tag-remove"]').first).to_have_attribute(
        "aria-label", f"Remove the tag {sorted(CORPUS, key=str.casefold)[0]}")
    box = console.chat.locator('[data-sd="input"]')
    await box.press_sequentially("/xs")
    option = console.chat.locator('[data-sd="canned-option"]')
    await expect(option.locator(".canned-title")).to_have_text(IMG)
    await expect(option.locator(".canned-text")).to_have_text(f"{SVG} {SCRIPT}")
    await box.press("Tab")
    await expect(box).to_have_value(f"{SVG} {SCRIPT}")
    await box.press("Enter")
    mine = console.chat.locator('[data-sd="message"][data-author="agent"] .text')
    await expect(mine).to_have_text(f"{SVG} {SCRIPT}")

    await console.chat.locator('[data-sd="flag"]').click()
    await console.chat.locator('[data-sd="flag-reason"]').fill(SCRIPT)
    await console.chat.locator('[data-sd="flag-send"]').click()
    await expect(console.chat.locator('[data-sd="action-result"]')).to_contain_text(SCRIPT)

    await console.chat.locator('[data-sd="convert"]').click()
    await console.chat.locator('[data-sd="convert-subject"]').fill(f"{SVG}{IMG}")
    await console.chat.locator('[data-sd="convert-send"]').click()
    await expect(console.tab(first)).to_have_attribute("data-state", "ended")
    await console.chat.locator('[data-sd="open-ticket"]').click()
    view = console.sd("ticket-view")
    await expect(view.locator('[data-sd="ticket-subject"]')).to_have_text(f"{SVG}{IMG}")
    await expect(view.locator('[data-sd="ticket-description"]')).to_have_text("\n".join(CORPUS))
    await expect(view.locator('[data-sd="ticket-transcript"]')).to_contain_text(SCRIPT)
    await view.locator('[data-sd="ticket-reply-input"]').fill(IMG)
    await view.locator('[data-sd="ticket-reply-send"]').click()
    await expect(view.locator('[data-sd="ticket-reply"] .ticket-text')).to_have_text(IMG)
    await view.locator('[data-sd="ticket-back"]').click()
    await expect(console.sd("ticket-row").locator(".subject")).to_have_text(f"{SVG}{IMG}")
    await console.sd("nav-chats").click()
    await expect(console.tab(first)).to_be_visible()

    assert await page.evaluate("window.__xss") is None
    await expect(page.locator(INJECTED)).to_have_count(0)
    console.assert_clean()


# Hostile file names: markup, a quote that would close an attribute, and a
# right-to-left override that would turn "invoice‮fdp.txt" into "invoicetxt.pdf".
FILE_NAMES = [f"{IMG}.txt", f'"><svg onload=window.__xss=1>.txt', "invoice\u202efdp.exe.txt",
              f"{SCRIPT}.png"]


async def test_hostile_file_names_from_a_visitor_show_as_text(kit, desk):  # noqa: F811
    import aiohttp

    from tests.browser.test_widget_attachments import png, raw_form
    console = await kit.console("Alice")
    peer = await desk.visitor()
    session = await peer.next("session")
    chat = (await peer.call("chat:start", {"text": "files"}))["chat"]
    await expect(console.tab(chat["id"])).to_have_count(1)
    sent = []
    async with aiohttp.ClientSession() as http:
        for name in FILE_NAMES:
            body, content_type = raw_form({"site": desk.site.key, "token": session["visitor_token"],
                                           "chat_id": chat["id"]}, name, png() if name.endswith(".png") else b"text\n")
            async with http.post(f"{desk.url}/widget/attachments", data=body,
                                 headers={"Content-Type": content_type}) as r:
                answer = await r.json()
                assert r.status == 201, answer
                sent.append(answer["attachment"])
    for n, attachment in enumerate(sent):
        assert (await peer.call("chat:send", {"chat_id": chat["id"], "client_id": f"f{n}", "text": "",
                                              "attachments": [attachment["id"]]}))["ok"]
    files = console.chat.locator('[data-sd="message"][data-author="visitor"] [data-sd="file"]')
    await expect(files).to_have_count(len(FILE_NAMES))
    for attachment in sent[:3]:
        await expect(files.filter(has_text=attachment["name"])).to_have_count(1)
    assert sent[2]["name"] == "invoicefdp.exe.txt"  # the override is gone: the name reads as stored
    assert sent[0]["name"] == f"{IMG}.txt"  # kept as typed, shown as text
    thumb = files.locator("img.thumb")
    await expect(thumb).to_have_count(1)
    assert await thumb.get_attribute("alt") == sent[3]["name"]  # the name as an attribute value, not markup
    assert await console.page.evaluate("window.__xss") is None
    assert await console.page.locator(f"{INJECTED.replace(' img,', ' img:not(.thumb),')}").count() == 0
    console.assert_clean()


# What a visitor's browser reports beside its chat (chat:context): hostile
# titles, URLs that are not http(s), markup in URLs, referrers and custom
# values; hostile custom field names are refused at the door.
HOSTILE_URLS = ["javascript:window.__xss=1", "data:text/html,<script>window.__xss=1</script>",
                'https://shop.example/"><img src=x onerror=window.__xss=1>', "vbscript:msgbox(1)",
                " JAVASCRIPT:void(window.__xss=1)"]


async def test_visitor_context_is_shown_as_text_and_links_only_http(kit, desk):  # noqa: F811
    console = await kit.console("Alice")
    page = console.page
    visitor = await desk.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "hello"}))["chat"]
    box = console.panel(chat["id"]).locator('[data-sd="visit"]')
    await expect(box).to_be_visible()
    refused = await visitor.call("chat:context", {"chat_id": chat["id"], "custom": {IMG: "x"}})
    assert refused["error"]["code"] == "bad_request"
    for n, url in enumerate(HOSTILE_URLS):
        ack = await visitor.call("chat:context", {
            "chat_id": chat["id"], "url": url, "title": CORPUS[n % 3], "referrer": HOSTILE_URLS[-1 - n],
            "language": "en-US", "user_agent": SCRIPT,
            "custom": {"note": SVG, "html": IMG, "script": SCRIPT, "n": n}})
        assert ack["ok"], ack
        await expect(box.locator('[data-sd="visit-title"]')).to_have_text(CORPUS[n % 3])
        await expect(box.locator('[data-sd="visit-url"]')).to_have_text(url)
    await expect(box.locator('[data-field="custom:note"]')).to_have_text(SVG)
    await expect(box.locator('[data-field="custom:html"]')).to_have_text(IMG)
    await expect(box.locator('[data-field="custom:script"]')).to_have_text(SCRIPT)
    await expect(box.locator('[data-field="browser"]')).to_have_text("Unknown browser")
    await expect(box.locator('[data-sd="visit-page"]')).to_have_count(len(HOSTILE_URLS))
    for url in HOSTILE_URLS:
        await expect(box.locator('[data-sd="visit-page"]', has_text=url.strip())).to_have_count(1)
    # every link there is http(s), opens apart from the console; the rest is text
    hrefs = await box.locator("a").evaluate_all("links => links.map(a => [a.href, a.rel, a.target])")
    assert hrefs and all(h.startswith("https://shop.example/") and r == "noopener noreferrer" and t == "_blank"
                         for h, r, t in hrefs), hrefs
    linked = box.locator('[data-sd="visit-page"] a')
    await expect(linked).to_have_count(1)  # the https one only
    await expect(box.locator('span[data-sd="visit-page-link"]')).to_have_count(len(HOSTILE_URLS) - 1)
    for text in await box.locator("span.visit-url").all():
        await text.click()  # a URL shown as text does nothing when clicked


async def test_hostile_messages_found_by_search_stay_text_highlights_included(kit, desk, chromium):  # noqa: F811
    from .consolekit import start_chat
    from .dashboard_kit import supervisor_page
    console = await kit.console("Alice")
    page = console.page
    hostile = "\n".join(CORPUS)
    visitor, chat = await start_chat(desk, hostile, name=IMG)
    await expect(console.tab(chat["id"])).to_be_visible()
    await console.chat.locator('[data-sd="input"]').fill(f"{SVG} onerror {SCRIPT}")
    await console.chat.locator('[data-sd="input"]').press("Enter")
    await expect(console.chat.locator('[data-sd="message"][data-author="agent"]')).to_have_count(1)
    await visitor.next("chat:message", lambda m: m["author"] == "agent")  # stored: the visitor has it
    assert (await visitor.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    lead, _ = await desk.add_agent("Lead", role=Role.SUPERVISOR)
    async with desk.services.desk.events.unit():  # as a web request runs it: the chat carries hostile tag names
        for name in CORPUS:
            tag = await tags.add(desk.services.desk, lead, tags.TagDraft(name, TagColour.RED))
            await tags.tag_chat(desk.services.desk, lead, chat["id"], tag.id)
    tag_names = sorted(CORPUS, key=str.casefold)

    await console.sd("nav-search").click()
    mine = f"{SVG} onerror {SCRIPT}"
    # Each finds the chat by its newest match: Alice's reply, or the visitor's message (`img`, `src` and `x`).
    for query, newest in (("onerror", mine), (IMG, hostile), ("script", mine), ('"><svg', mine)):
        await console.sd("search-input").fill(query)
        await console.sd("search-input").press("Enter")
        result = console.sd("search-result")
        await expect(result).to_have_count(1)
        await expect(result.locator('[data-sd="search-snippet"]')).to_have_text(newest)
        await expect(result.locator('[data-sd="search-who"]')).to_have_text(f"{IMG} · Alice")
        assert await result.locator("mark").count() >= 1
        await expect(result.locator('[data-sd="search-snippet"] > :not(mark)')).to_have_count(0)
        await expect(result.locator('[data-sd="result-tags"] .tag-name')).to_have_text(tag_names)
    await console.sd("search-tag").select_option(label=SVG)  # narrowed to a hostile tag, chosen by its name
    await console.sd("search-input").press("Enter")
    await expect(result).to_have_count(1)
    await expect(console.sd("search-tag").locator("option")).to_have_text(["Any tag", *tag_names])
    await result.locator('[data-sd="search-open"]').click()
    texts = console.sd("past-message").locator('[data-sd="message-text"]')
    await expect(texts).to_have_text([hostile, mine])
    await expect(console.sd("past-chat-tags").locator(".tag-name")).to_have_text(tag_names)

    errors: list[str] = []
    context, lead_page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/history")
    try:
        await lead_page.locator('[data-sd="search-input"]').fill("window xss")
        await lead_page.locator('[data-sd="search-input"]').press("Enter")
        found = lead_page.locator('[data-sd="search-result"]')
        await expect(found).to_have_count(1)
        await expect(found.locator('[data-sd="search-snippet"]')).to_have_text(mine)
        await expect(found.locator("mark").first).to_have_text("window")
        await expect(lead_page.locator('[data-sd="past-chat"] [data-sd="visitor-name"]')).to_have_text(IMG)
        await expect(found.locator('[data-sd="result-tags"] .tag-name')).to_have_text(tag_names)
        await expect(lead_page.locator('[data-sd="past-tags"] .tag-name')).to_have_text(tag_names)
        await lead_page.locator('[data-sd="filter-tag"]').select_option(label=IMG)  # the History filter too
        await lead_page.locator('[data-sd="past-filters"] button[type="submit"]').click()
        await expect(lead_page.locator('[data-sd="past-chat"]')).to_have_count(1)
        await expect(lead_page.locator('[data-sd="filter-tag"] option')).to_have_text(["Any", *tag_names])
        assert await lead_page.evaluate("window.__xss") is None
        await expect(lead_page.locator(INJECTED.replace('"console"', '"dashboard"'))).to_have_count(0)
        assert not errors, errors
    finally:
        await context.close()
    assert await page.evaluate("window.__xss") is None
    await expect(page.locator(INJECTED)).to_have_count(0)
    console.assert_clean()
