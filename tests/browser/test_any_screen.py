"""The console and the dashboard on a phone (390 px) and a tablet (768 px):
the page never scrolls sideways (a wide table scrolls inside its own box),
and an agent reaches the list of chats, the open chat and its composer."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from server.services.model import Role

from .consolekit import kit, start_chat  # noqa: F401 (kit: a fixture)
from .dashboard_kit import TIMEOUT_MS, supervisor_page
from .shots import screenshot

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
DASHBOARD_PAGES = ("/console/dashboard", "/console/dashboard/reports", "/console/dashboard/audit",
                   "/console/dashboard/canned", "/console/dashboard/closures", "/console/dashboard/tags",
                   "/console/dashboard/history", "/console/dashboard/sites",
                   "/console/dashboard/topics", "/console/dashboard/people",
                   "/console/dashboard/integrations")


async def page_width(page) -> int:
    return await page.evaluate("document.documentElement.scrollWidth")


async def within_width(locator, width: int) -> None:
    """`locator` is shown, scrolled to, and lies across the viewport's width."""
    await locator.scroll_into_view_if_needed()
    await expect(locator).to_be_in_viewport()
    box = await locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
async def test_an_agent_answers_a_chat_without_the_page_scrolling_sideways(kit, desk, viewport):
    width = viewport["width"]
    agent = await kit.console("Alice", role=Role.SUPERVISOR, browser={"viewport": viewport})
    visitor, chat = await start_chat(desk, "Hello from my phone")
    _, other = await start_chat(desk, "Me too")
    panel = agent.panel(chat["id"])
    await expect(panel).to_be_visible(timeout=TIMEOUT_MS)
    await expect(agent.tab(other["id"])).to_be_attached()
    assert await page_width(agent.page) <= width
    await screenshot(agent.page, f"console-{width}.png")

    # the list of chats: both tabs reachable; the other chat opens and the first comes back
    await within_width(agent.tab(other["id"]), width)
    await agent.tab(other["id"]).click()
    await expect(agent.panel(other["id"])).to_be_visible()
    await within_width(agent.tab(chat["id"]), width)
    await agent.tab(chat["id"]).click()
    await expect(panel).to_be_visible()

    # the chat's head: its actions lie inside the chat, under its title and tags
    heading = await panel.locator(".chat-heading").bounding_box()
    conversation = await panel.locator(".conversation").bounding_box()
    for button in await panel.locator(".chat-actions button:visible").all():
        box = await button.bounding_box()
        assert box["y"] >= heading["y"] + heading["height"] - 1, "an action lies over the title"
        assert conversation["x"] <= box["x"] and box["x"] + box["width"] <= conversation["x"] + conversation["width"] + 0.5, \
            f"{await button.text_content()} runs out of the chat"

    # the composer: in reach, and a reply gets to the visitor
    composer = panel.locator('[data-sd="input"]')
    await within_width(composer, width)
    await within_width(panel.locator('[data-sd="send"]'), width)
    await composer.fill("On it: which page?")
    await panel.locator('[data-sd="send"]').click()
    reply = await visitor.next("chat:message", lambda m: m["author"] == "agent")
    assert reply["text"] == "On it: which page?"
    await expect(panel.locator('[data-sd="message"][data-author="agent"]')).to_have_count(1)
    await within_width(panel.locator('[data-sd="messages"]'), width)
    assert await page_width(agent.page) <= width

    # the tickets view fits as well
    await agent.sd("nav-tickets").click()
    await expect(agent.sd("view-tickets")).to_be_visible()
    assert await page_width(agent.page) <= width
    agent.assert_clean()


def overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] \
        and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("viewport", [{"width": 1100, "height": 700}, {"width": 1440, "height": 900}],
                         ids=["laptop", "desktop"])
async def test_no_action_of_a_chat_lies_over_its_title_or_tags(kit, desk, viewport):
    """Wider screens keep the actions beside the title when they fit, and
    put them under it when they do not (five actions and a long name at
    1100 px ran over the title and its tags)."""
    agent = await kit.console("Alice", role=Role.SUPERVISOR, browser={"viewport": viewport})
    _, chat = await start_chat(desk, "Hello", name="Maximilian Alexander Featherstonehaugh")
    panel = agent.panel(chat["id"])
    await expect(panel).to_be_visible(timeout=TIMEOUT_MS)
    heading = [await item.bounding_box() for item in await panel.locator(".chat-heading > *:visible").all()]
    assert heading
    for button in await panel.locator(".chat-actions button:visible").all():
        box = await button.bounding_box()
        assert not any(overlap(box, item) for item in heading), f"{await button.text_content()} lies over the title"
    assert await page_width(agent.page) <= viewport["width"]
    agent.assert_clean()


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
async def test_no_dashboard_page_scrolls_sideways(chromium, desk, viewport):
    await desk.add_agent("Ann", capacity=0)  # nobody takes it: the chat waits in the queue
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, browser={"viewport": viewport})
    try:
        visitor = await desk.visitor()
        await visitor.next("session")
        ack = await visitor.call("chat:start", {"text": "hello", "name": "Someone with a rather long name"})
        assert ack["ok"], ack
        await expect(page.locator('[data-sd="queue-row"]')).to_have_count(1, timeout=TIMEOUT_MS)
        for path in DASHBOARD_PAGES:
            await page.goto(f"{desk.url}{path}")
            await expect(page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up")
            assert await page_width(page) <= viewport["width"], f"{path} is wider than the screen"
            if path.endswith(("dashboard", "people")):
                await screenshot(page, f"{path.rsplit('/', 1)[1]}-{viewport['width']}.png")
            if path.endswith("topics"):
                await screenshot(page, f"dashboard-topics-{viewport['width']}.png")
        assert not errors, "\n".join(errors)
    finally:
        await context.close()
