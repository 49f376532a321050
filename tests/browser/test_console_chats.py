"""An agent handles three chats at once in the console: tabs with unread
counts, the title alert, the visitor's context, and SLA clocks that count
down by the desk's clock and change colour when the server says so."""
from __future__ import annotations

import re

from playwright.async_api import expect

from .consolekit import kit, start_chat  # noqa: F401 (a fixture)
from .shots import screenshot


async def test_an_agent_handles_three_chats_while_the_clocks_run(kit, desk):  # noqa: F811
    console = await kit.console()
    page = console.page
    peers, chats = [], []
    for name in ("Ann", "Bob", "Cy"):
        peer, chat = await start_chat(desk, f"Hi, I am {name}", name=name, email=f"{name.lower()}@example.test")
        peers.append(peer)
        chats.append(chat)
    await expect(console.sd("chat-tab")).to_have_count(3)
    first, second, third = (c["id"] for c in chats)
    # the first chat is on show; the others wait with their unread message
    await expect(console.tab(first)).to_have_attribute("aria-selected", "true")
    await expect(console.tab(second).locator('[data-sd="unread"]')).to_have_text("1")
    await expect(console.tab(third).locator('[data-sd="unread"]')).to_have_text("1")
    await expect(page).to_have_title(re.compile(r"^\(2\) "))
    await expect(console.sd("console")).to_have_attribute("data-beeps", "3")
    # the visitor's context, as text
    await expect(console.chat.locator('[data-field="name"]')).to_have_text("Ann")
    await expect(console.chat.locator('[data-sd="verified"]')).to_have_attribute("data-verified", "false")
    await expect(console.chat.locator('[data-field="email"]')).to_have_text("ann@example.test")
    await expect(console.chat.locator('[data-sd="previous-chats"]')).to_contain_text("No earlier chats")
    await expect(console.chat.locator('[data-sd="quota"]')).to_contain_text("no plan quota")
    for chat in chats:
        await expect(console.clock(chat["id"], "first_response")).to_have_attribute("data-state", "running")
        await expect(console.clock(chat["id"], "first_response")).to_have_attribute("data-level", "ok")
    await expect(console.clock(first, "first_response")).to_contain_text(re.compile(r"0:[0-5]\d left"))

    await desk.advance(45)  # the warning: amber
    for chat in chats:
        await expect(console.clock(chat["id"], "first_response")).to_have_attribute("data-level", "warning")
        await expect(console.tab(chat["id"])).to_have_attribute("data-sla", "warning")
    # counting down by the server's clock, not the browser's: 15 s left of 60
    await expect(console.clock(first, "first_response")).to_contain_text(re.compile(r"0:(0\d|1[0-5]) left"))

    await desk.advance(15)  # the breach: red
    for chat in chats:
        await expect(console.clock(chat["id"], "first_response")).to_have_attribute("data-level", "breach")
        await expect(console.tab(chat["id"])).to_have_attribute("data-sla", "breach")
    await expect(console.clock(first, "duration")).to_contain_text(re.compile(r"1[89]:\d\d left"))

    # answering stops the first chat's clock; the others still run
    await console.chat.locator('[data-sd="input"]').fill("Hello Ann, how can I help?")
    await console.chat.locator('[data-sd="input"]').press("Enter")
    reply = await peers[0].next("chat:message", lambda m: m["author"] == "agent")
    assert reply["text"] == "Hello Ann, how can I help?"
    await expect(console.clock(first, "first_response")).to_have_attribute("data-state", "stopped")
    await expect(console.clock(first, "first_response")).to_have_text(re.compile("Answered"))
    await expect(console.tab(first)).not_to_have_attribute("data-sla", re.compile("."))
    await expect(console.clock(second, "first_response")).to_have_attribute("data-level", "breach")
    # the visitor writes again: the reply gap starts
    assert (await peers[0].call("chat:send", {"chat_id": first, "client_id": "c-2", "text": "My site is down"}))["ok"]
    await expect(console.clock(first, "response_gap")).to_have_attribute("data-state", "running")
    await expect(console.clock(first, "response_gap")).to_contain_text(re.compile(r"[12]:\d\d left"))

    # more from Bob while another chat is on show; opening his tab reads them
    assert (await peers[1].call("chat:send", {"chat_id": second, "client_id": "c-2", "text": "Still there?"}))["ok"]
    await expect(console.tab(second).locator('[data-sd="unread"]')).to_have_text("2")
    await expect(page).to_have_title(re.compile(r"^\(3\) "))
    await console.tab(second).click()
    await expect(console.tab(second).locator('[data-sd="unread"]')).to_be_hidden()
    await expect(page).to_have_title(re.compile(r"^\(1\) "))
    await expect(console.chat.locator('[data-sd="message"][data-author="visitor"]')).to_have_count(2)

    await console.tab(first).click()
    await screenshot(page, "console.png")
    console.assert_clean()


async def test_a_returning_visitor_shows_its_earlier_chats(kit, desk):  # noqa: F811
    console = await kit.console("Alice")
    visitor, chat = await start_chat(desk, "First question", name="Ann")
    await expect(console.tab(chat["id"])).to_have_count(1)
    desk.clock.advance(120)
    await console.chat.locator('[data-sd="end"]').click()
    await console.chat.locator('[data-sd="end-confirm"]').click()  # ending asks first
    await expect(console.tab(chat["id"])).to_have_attribute("data-state", "ended")
    await console.chat.locator('[data-sd="close-tab"]').click()
    await expect(console.sd("chat-tab")).to_have_count(0)
    ack = await visitor.call("chat:start", {"text": "Second question"})
    await expect(console.tab(ack["chat"]["id"])).to_have_count(1)
    earlier = console.chat.locator('[data-sd="previous-chat"]')
    await expect(earlier).to_have_count(1)
    await expect(earlier).to_have_attribute("data-chat-id", chat["id"])
    await expect(earlier).to_contain_text("with Alice, ended by the agent")
    console.assert_clean()
