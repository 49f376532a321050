"""A visitor chooses their own name: one long unbroken word must not push
the lead's buttons for that chat (Reassign, Suspend) out of its card, where
they could not be reached; and the top bar keeps Sign out on its row at
1200 px and inside the screen below."""
from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from .consolekit import kit, start_chat  # noqa: F401 (kit: a fixture)
from .dashboard_kit import TIMEOUT_MS, supervisor_page
from .shots import screenshot

LONG = "W" * 200  # the longest name the widget accepts, with no place to break


async def box_of(locator) -> dict:
    """`locator`'s box, asked again while the live view re-renders the row
    (the box is None between two renders)."""
    for _ in range(50):
        box = await locator.bounding_box()
        if box is not None:
            return box
        await asyncio.sleep(0.1)
    raise AssertionError(f"{locator} never settled on the page")


async def inside(inner, outer) -> bool:
    """`inner` lies across `outer`'s width."""
    a, b = await box_of(inner), await box_of(outer)
    return a["x"] >= b["x"] and a["x"] + a["width"] <= b["x"] + b["width"]


async def test_a_long_visitor_name_keeps_the_row_buttons_inside_their_cards(chromium, desk):
    errors: list[str] = []
    await desk.add_agent("Ann", capacity=0)  # nobody takes it: the chat waits in the queue first
    context, page, _, _ = await supervisor_page(chromium, desk, errors)
    try:
        visitor = await desk.visitor()
        await visitor.next("session")
        ack = await visitor.call("chat:start", {"text": "hello", "name": LONG})
        assert ack["ok"], ack
        queued = page.locator('[data-sd="queue-row"]')
        await expect(queued).to_have_count(1, timeout=TIMEOUT_MS)
        queue_card = page.locator('section.card', has=page.locator('[data-sd="queue-table"]'))
        assert await inside(queued, queue_card), "the queue row runs out of its card"
        box = await box_of(queued.locator(".who-name"))
        assert box["height"] < 80, f"the name is not clamped to 3 lines: {box}"
        await expect(queued.locator(".who-name")).to_have_attribute("title", LONG)  # all of it on hover

        _, token = await desk.add_agent("Bob")
        await desk.agent(token)
        row = page.locator('[data-sd="chat-row"]')
        await expect(row).to_have_count(1, timeout=TIMEOUT_MS)
        card = page.locator('section.card', has=page.locator('[data-sd="active-table"]'))
        for button in ("reassign", "suspend-visitor"):
            target = row.locator(f'[data-sd="{button}"]')
            await expect(target).to_be_visible()
            assert await inside(target, card), f"{button} is outside the Active chats card"
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


PHONE = {"viewport": {"width": 390, "height": 844}}


async def test_at_phone_width_a_long_name_keeps_the_agents_chat_head_and_messages_readable(kit, desk):
    agent = await kit.console("Alice")
    await agent.page.set_viewport_size(PHONE["viewport"])
    _, chat = await start_chat(desk, "Hello, my site is down", name=LONG)
    panel = agent.panel(chat["id"])
    await expect(panel).to_be_visible(timeout=TIMEOUT_MS)
    title, actions = panel.locator('[data-sd="chat-title"]'), panel.locator(".chat-actions")
    chips = panel.locator(".chat-heading")
    title_box, chips_box, actions_box = await title.bounding_box(), await chips.bounding_box(), await actions.bounding_box()
    assert title_box and title_box["width"] > 200, f"the title is squeezed away: {title_box}"
    assert actions_box["y"] >= chips_box["y"] + chips_box["height"] - 1, "the actions lie over the title and tags"
    who = panel.locator('[data-sd="message"] .who').first
    assert (await who.bounding_box())["height"] < 20, "a long author name takes more than one line"
    agent.assert_clean()


async def test_at_phone_width_the_audit_log_keeps_a_long_name_inside_its_card(chromium, desk):
    await desk.add_agent("Ann")
    visitor = await desk.visitor()
    session = await visitor.next("session")
    assert (await visitor.call("chat:start", {"text": "hello", "name": LONG}))["ok"]
    assert (await (await desk.supervisor()).call("account:suspend", {"visitor_id": session["visitor_id"],
                                                                      "reason": "spam"}))["ok"]
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/audit")
    try:
        await page.set_viewport_size(PHONE["viewport"])
        row = page.locator('[data-sd="audit-row"]')
        await expect(row).to_have_count(1, timeout=TIMEOUT_MS)
        card = page.locator("section.card", has=page.locator('[data-sd="audit-table"]'))
        assert await inside(row.locator('[data-sd="audit-sentence"]'), card), "the sentence runs out of its card"
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


# The top bar: every link of the nav, who is signed in, the connection, the
# theme menu and Sign out, on one row at 1200 px; below, it wraps into rows
# but nothing runs past the screen's edge.
TOP_BAR_PARTS = (".brand", ".dash-nav", ".agent", '[data-sd="connection"]', '[data-sd="theme"]', ".logout")
LEAD_NAME = "Susannah-Whitfield-Okonkwo"  # a long name: it gives way (ellipsis) before Sign out does


async def top_bar_boxes(page) -> dict[str, dict]:
    bar = page.locator(".dashboard .topbar")
    return {part: await bar.locator(part).bounding_box() for part in TOP_BAR_PARTS}


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_dashboard_top_bar_is_one_row_at_1200_px(chromium, desk, scheme):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/history",
                                                name=LEAD_NAME, browser={"color_scheme": scheme})
    try:
        await expect(page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up")
        boxes = await top_bar_boxes(page)
        logout = boxes[".logout"]
        for part, box in boxes.items():
            assert box is not None, f"{part} is not shown"
            middle, logout_middle = box["y"] + box["height"] / 2, logout["y"] + logout["height"] / 2
            assert abs(middle - logout_middle) < 8, f"{part} and Sign out are on different rows: {boxes}"
        assert logout["x"] + logout["width"] <= 1200, f"Sign out runs past the edge: {logout}"
        bar = await page.locator(".dashboard .topbar").bounding_box()
        assert bar["height"] < 60, f"the top bar takes two rows: {bar}"
        await screenshot(page, f"dashboard-topbar-1200-{scheme}.png")
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


@pytest.mark.parametrize("width", [1100, 1024, 768, 390])
async def test_below_1200_px_the_dashboard_top_bar_wraps_inside_the_screen(chromium, desk, width):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/history",
                                                name=LEAD_NAME, browser={"viewport": {"width": width, "height": 800}})
    try:
        await expect(page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up")
        assert await page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        for part, box in (await top_bar_boxes(page)).items():
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (part, box)
        await page.click('[data-sd="nav-settings"]')  # the menu's links must fit too
        for link in await page.locator(".dash-nav a").all():
            box = await link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (await link.text_content(), box)
        await expect(page.locator(".logout button")).to_be_visible()
        await screenshot(page, f"dashboard-topbar-{width}.png")
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


async def test_the_desk_settings_menu_opens_leads_to_its_pages_and_closes_on_its_own(chromium, desk):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/history")
    try:
        menu = page.locator('[data-sd="nav-settings-menu"]')
        await expect(page.locator('[data-sd="nav-tags"]')).to_be_hidden()
        await page.click('[data-sd="nav-settings"]')
        await expect(page.locator('[data-sd="nav-tags"]')).to_be_visible()
        await page.keyboard.press("Escape")
        await expect(page.locator('[data-sd="nav-tags"]')).to_be_hidden()
        await page.click('[data-sd="nav-settings"]')
        await page.click("main")  # a click elsewhere closes it
        await expect(menu).not_to_have_attribute("open", "")
        await page.click('[data-sd="nav-settings"]')
        await page.click('[data-sd="nav-tags"]')
        await expect(page).to_have_url(re.compile(r"/console/dashboard/tags$"))
        # on a settings page the menu says it is where the lead is
        await expect(page.locator('[data-sd="nav-settings"]')).to_have_attribute("aria-current", "page")
        await expect(page.locator('[data-sd="nav-history"]')).not_to_have_attribute("aria-current", "page")
        assert not errors, "\n".join(errors)
    finally:
        await context.close()
