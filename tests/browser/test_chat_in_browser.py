"""A visitor on the demo page and an agent in the console, each in real
headless Chromium, chat with each other through a real server."""
from __future__ import annotations


import re

from playwright.async_api import Page, expect

from .conftest import AGENT_EMAIL, AGENT_PASSWORD, Server
from .shots import screenshot

TIMEOUT_MS = 15_000


def record_errors(page: Page, name: str, errors: list[str]) -> None:
    page.on("pageerror", lambda exc: errors.append(f"{name}: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"{name} console: {msg.text}"))


async def sign_in_available(page: Page, server: Server) -> None:
    await page.goto(f"{server.url}/console/login")
    await page.fill("input[name=email]", AGENT_EMAIL)
    await page.fill("input[name=password]", AGENT_PASSWORD)
    await page.click('[data-sd="login"]')
    await page.wait_for_url(f"{server.url}/console")
    toggle = page.locator('[data-sd="status-toggle"]')
    await expect(toggle).to_be_enabled(timeout=TIMEOUT_MS)  # the socket's session arrived
    if await toggle.get_attribute("data-status") != "available":
        await toggle.click()
    await expect(toggle).to_have_attribute("data-status", "available", timeout=TIMEOUT_MS)
    await expect(toggle).to_have_text("Available")


async def test_visitor_and_agent_exchange_messages(chromium, live_server: Server) -> None:
    errors: list[str] = []
    agent_context = await chromium.new_context(viewport={"width": 1100, "height": 700})
    visitor_context = await chromium.new_context(viewport={"width": 900, "height": 700})
    agent = await agent_context.new_page()
    visitor = await visitor_context.new_page()
    record_errors(agent, "console", errors)
    record_errors(visitor, "widget", errors)
    try:
        await sign_in_available(agent, live_server)

        page = await visitor.goto(f"{live_server.url}/")
        assert page is not None and page.ok, f"GET / (the demo page for site 'demo') answered {page and page.status}"
        await visitor.click('[data-sd="launcher"]')
        await expect(visitor.locator('[data-sd="status"]')).to_have_text("Online", timeout=TIMEOUT_MS)
        # the demo page asks who the visitor is and what about, first
        await visitor.fill('[data-sd="prechat-name"]', "Vera")
        await visitor.fill('[data-sd="prechat-email"]', "vera@example.test")
        await visitor.select_option('[data-sd="prechat-topic"]', "general")
        await visitor.click('[data-sd="prechat-send"]')
        await visitor.fill('[data-sd="input"]', "hello from the visitor")
        await visitor.press('[data-sd="input"]', "Enter")
        sent = visitor.locator('[data-sd="message"][data-author="visitor"]', has_text="hello from the visitor")
        await expect(sent).to_have_attribute("data-seq", re.compile(r"^\d+$"), timeout=TIMEOUT_MS)
        await expect(sent).not_to_have_attribute("data-state", "sending")

        tab = agent.locator('[data-sd="chat-tab"]')
        await expect(tab).to_have_count(1, timeout=TIMEOUT_MS)
        await tab.click()
        chat = agent.locator('[data-sd="chat-panel"]:not([hidden])')
        received = chat.locator('[data-sd="message"][data-author="visitor"]', has_text="hello from the visitor")
        await expect(received).to_have_count(1, timeout=TIMEOUT_MS)
        await chat.locator('[data-sd="input"]').fill("hello from the agent")
        await chat.locator('[data-sd="send"]').click()
        await expect(chat.locator('[data-sd="message"][data-author="agent"]', has_text="hello from the agent")
                     ).to_have_attribute("data-seq", re.compile(r"^\d+$"), timeout=TIMEOUT_MS)

        reply = visitor.locator('[data-sd="message"][data-author="agent"]', has_text="hello from the agent")
        await expect(reply).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(visitor.locator('[data-sd="status"]')).to_contain_text("Alice")
        # Each message shows once on each side, whatever mix of acks, echoes
        # and history replays delivered it.
        await expect(visitor.locator('[data-sd="message"]', has_text="hello from the visitor")).to_have_count(1)
        await expect(chat.locator('[data-sd="message"]', has_text="hello from the agent")).to_have_count(1)

        # widget.png comes from test_widget_journey.py (the widget mid-chat).
        await screenshot(agent, "console.png")
        assert not errors, "\n".join(errors)
    except BaseException:
        print("--- server log ---\n" + live_server.log_tail())
        print("--- page errors ---\n" + "\n".join(errors))
        raise
    finally:
        await agent_context.close()
        await visitor_context.close()
