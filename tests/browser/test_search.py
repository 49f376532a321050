"""Search and history in real Chromium: an agent types a word from a past
chat into the console's Search and finds it, highlighted, then opens the
chat read-only; a lead searches the whole desk and filters the past chats
on the dashboard's History page, which opens the chat with its SLA record;
both narrow to a tag and show the tags of what they find."""
from __future__ import annotations

from playwright.async_api import expect

from server.services import tags
from server.services.model import Role, TagColour
from tests.realtime.test_sla import say
from .consolekit import kit, start_chat  # noqa: F401 (a fixture)
from .dashboard_kit import no_violations, supervisor_page
from .shots import screenshot


async def test_an_agent_finds_a_word_from_a_message_and_opens_the_chat(kit, desk):  # noqa: F811
    console = await kit.console("Alice")
    page = console.page
    visitor, chat = await start_chat(desk, "My parcel from Rotterdam never arrived", name="Vera")
    await expect(console.tab(chat["id"])).to_be_visible()
    box = console.chat.locator('[data-sd="input"]')
    await box.fill("Checking the Rotterdam depot now")
    await box.press("Enter")
    await expect(console.chat.locator('[data-sd="message"][data-author="agent"]')).to_have_count(1)
    await visitor.next("chat:message", lambda m: m["author"] == "agent")  # stored: the visitor has it
    assert (await visitor.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    await console.sd("status-toggle").click()  # Away: the next chat waits in the queue, never Alice's
    await expect(console.sd("status-toggle")).to_have_attribute("data-status", "away")
    await start_chat(desk, "nothing about that city")
    await expect(console.sd("queue-item")).to_have_count(1)

    await console.sd("nav-search").click()
    await console.sd("search-input").fill("rotterdam")
    await console.sd("search-input").press("Enter")
    results = console.sd("search-result")
    await expect(results).to_have_count(1)
    await expect(results.first).to_have_attribute("data-id", chat["id"])
    await expect(results.first.locator("mark")).to_have_text(["Rotterdam"])
    await expect(results.first.locator('[data-sd="search-snippet"]')).to_have_text("Checking the Rotterdam depot now")
    await expect(results.first.locator('[data-sd="search-who"]')).to_have_text("Vera · Alice")
    await screenshot(page, "console-search.png")

    await results.first.locator('[data-sd="search-open"]').click()
    past = console.sd("past-chat")
    await expect(past).to_be_visible()
    await expect(past.locator('[data-sd="past-message"] [data-sd="message-text"]')).to_have_text(
        ["My parcel from Rotterdam never arrived", "Checking the Rotterdam depot now"])
    await expect(past.locator('[data-sd="past-chat-facts"]')).to_contain_text("ended by the visitor")
    await screenshot(page, "console-past-chat.png")
    await past.locator('[data-sd="past-chat-back"]').click()
    await expect(results).to_have_count(1)

    await console.sd("search-input").fill("city")
    await console.sd("search-input").press("Enter")
    await expect(console.sd("search-status")).to_have_text("Nothing found.")  # the queued chat is not Alice's
    console.assert_clean()


async def test_a_lead_searches_the_desk_and_filters_past_chats(kit, chromium, desk):  # noqa: F811
    alice = await kit.console("Alice", skills=("network",))
    visitor, chat = await start_chat(desk, "Invoice 4411 is wrong", name="Vera", topic="network")
    await expect(alice.tab(chat["id"])).to_be_visible()
    await alice.chat.locator('[data-sd="input"]').fill("Fixed the invoice")
    await alice.chat.locator('[data-sd="input"]').press("Enter")
    await expect(alice.chat.locator('[data-sd="message"][data-author="agent"]')).to_have_count(1)
    await visitor.next("chat:message", lambda m: m["author"] == "agent")  # stored: the visitor has it
    assert (await visitor.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    await expect(alice.tab(chat["id"])).to_have_attribute("data-state", "ended")

    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/history")
    try:
        rows = page.locator('[data-sd="past-chat"]')
        await expect(rows).to_have_count(1)
        await page.locator('[data-sd="search-input"]').fill("invoice")
        await page.locator('[data-sd="search-input"]').press("Enter")
        found = page.locator('[data-sd="search-result"]')
        await expect(found).to_have_count(1)
        await expect(found.locator("mark")).to_have_text(["invoice"])
        await page.locator('[data-sd="filter-outcome"]').select_option("agent")
        await page.locator('[data-sd="past-filters"] button[type="submit"]').click()
        await expect(rows).to_have_count(0)
        await page.locator('[data-sd="filter-outcome"]').select_option("visitor")
        await page.locator('[data-sd="filter-topic"]').fill("network")
        await page.locator('[data-sd="past-filters"] button[type="submit"]').click()
        await expect(rows).to_have_count(1)
        await screenshot(page, "dashboard-history.png")
        await rows.first.locator('[data-sd="chat-link"]').click()
        await expect(page.locator('[data-sd="transcript"] [data-sd="message-text"]')).to_have_text(
            ["Invoice 4411 is wrong", "Fixed the invoice"])
        await expect(page.locator('[data-sd="sla-first-response"]')).not_to_have_text("–")
        await expect(page.locator('[data-sd="chat-sla"]')).to_contain_text("No warning or breach")
        await screenshot(page, "dashboard-chat-sla.png")
        assert await no_violations(page) == []
        assert not errors, errors
    finally:
        await context.close()
    alice.assert_clean()


async def ended_chat(desk, console, text: str, name: str) -> str:
    """A chat the console's agent answered and the visitor ended."""
    visitor, chat = await start_chat(desk, text, name=name)
    await expect(console.tab(chat["id"])).to_be_visible()
    await console.tab(chat["id"]).click()
    await console.chat.locator('[data-sd="input"]').fill("On it")
    await console.chat.locator('[data-sd="input"]').press("Enter")
    await expect(console.chat.locator('[data-sd="message"][data-author="agent"]')).to_have_count(1)
    await visitor.next("chat:message", lambda m: m["author"] == "agent")  # stored: the visitor has it
    assert (await visitor.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    await expect(console.tab(chat["id"])).to_have_attribute("data-state", "ended")
    return chat["id"]


async def test_a_lead_filters_history_by_a_tag_and_sees_each_chats_tags(kit, chromium, desk):  # noqa: F811
    lead, _ = await desk.add_agent("Lena", role=Role.SUPERVISOR)
    alice = await kit.console("Alice")
    vip_chat = await ended_chat(desk, alice, "The invoice of our key account is late", "Vera")
    plain_chat = await ended_chat(desk, alice, "Where is my invoice", "Walt")
    async with desk.services.desk.events.unit():  # as a web request runs it
        vip = await tags.add(desk.services.desk, lead, tags.TagDraft("Key account", TagColour.PURPLE))
        billing = await tags.add(desk.services.desk, lead, tags.TagDraft("billing", TagColour.GREEN))
        for tag in (vip, billing):
            await tags.tag_chat(desk.services.desk, lead, vip_chat, tag.id)
        await tags.tag_chat(desk.services.desk, lead, plain_chat, billing.id)

    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/history")
    try:
        rows = page.locator('[data-sd="past-chat"]')
        await expect(rows).to_have_count(2)
        await expect(page.locator(f'[data-chat-id="{vip_chat}"] [data-sd="past-tags"] .tag-name')).to_have_text(
            ["billing", "Key account"])
        await page.locator('[data-sd="filter-tag"]').select_option(label="Key account")
        await page.locator('[data-sd="past-filters"] button[type="submit"]').click()
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_have_attribute("data-chat-id", vip_chat)
        await page.locator('[data-sd="filter-tag"]').select_option(label="billing")
        await page.locator('[data-sd="past-filters"] button[type="submit"]').click()
        await expect(rows).to_have_count(2)

        await page.locator('[data-sd="search-input"]').fill("invoice")
        await page.locator('[data-sd="search-tag"]').select_option(label="Key account")
        await page.locator('[data-sd="search-input"]').press("Enter")
        found = page.locator('[data-sd="search-result"]')
        await expect(found).to_have_count(1)
        await expect(found.first).to_have_attribute("data-id", vip_chat)
        await expect(found.locator('[data-sd="result-tags"] .tag-name')).to_have_text(["billing", "Key account"])
        await expect(found.locator('[data-sd="tag-chip"]').last).to_have_attribute("data-colour", "purple")
        await page.locator('[data-sd="search-tag"]').select_option("")
        await page.locator('[data-sd="search-input"]').press("Enter")
        await expect(found).to_have_count(2)
        await screenshot(page, "dashboard-history-tags.png")
        await page.emulate_media(color_scheme="dark")
        await screenshot(page, "dashboard-history-tags-dark.png")
        await page.emulate_media(color_scheme="light")

        # the chat page shows its tags too (the tagged chat by its id: both chats
        # started at the same instant of the test's clock, so their order is not fixed)
        await page.locator(f'[data-chat-id="{vip_chat}"] [data-sd="chat-link"]').click()
        await expect(page.locator('[data-sd="chat-tags"] .tag-name')).to_have_text(["billing", "Key account"])
        assert await no_violations(page) == []
        assert not errors, errors
    finally:
        await context.close()

    # the agent narrows her own search to a tag and opens the past chat, tags shown
    await alice.sd("nav-search").click()
    await alice.sd("search-input").fill("invoice")
    await alice.sd("search-tag").select_option(label="Key account")
    await alice.sd("search-input").press("Enter")
    results = alice.sd("search-result")
    await expect(results).to_have_count(1)
    await expect(results.first.locator('[data-sd="result-tags"] .tag-name')).to_have_text(["billing", "Key account"])
    await screenshot(alice.page, "console-search-tags.png")
    await results.first.locator('[data-sd="search-open"]').click()
    await expect(alice.sd("past-chat-tags").locator(".tag-name")).to_have_text(["billing", "Key account"])
    await screenshot(alice.page, "console-past-chat-tags.png")
    alice.assert_clean()
