"""The widget's connection economy: a page view opens no socket. The
launcher shows the desk's status from `GET /widget/status`; the socket
opens when the visitor opens the widget, or at load when a chat or a
survey waits for them (their unread badge, history and survey come back
as before)."""
from __future__ import annotations

from datetime import UTC, datetime

from playwright.async_api import BrowserContext, expect

from .conftest import host_page
from .widget_steps import TIMEOUT_MS, VISITOR, agent_says, messages, say, sd, start_chat, stored

QUIET_MS = 1500  # how long a page is watched for a socket it should not open
MONDAY_22H_NEW_YORK = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class Sockets:
    """Every Socket.IO request (long-polling or websocket) the context's pages make."""

    def __init__(self, context: BrowserContext) -> None:
        self.urls: list[str] = []
        self.status: list[str] = []
        context.on("page", self._watch)

    def _watch(self, page) -> None:
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        page.on("request", self._request)

    def _request(self, request) -> None:
        if "/socket.io/" in request.url:
            self.urls.append(request.url)
        elif "/widget/status" in request.url:
            self.status.append(request.url)


async def test_a_page_view_opens_no_socket_until_the_visitor_opens_the_widget(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    listen = "<script>document.addEventListener('shiftdesk:ready', (e) => { window.ready = e.detail; });</script>"
    context = await chromium.new_context(**VISITOR)
    sockets = Sockets(context)
    try:
        page = await host_page(context, desk, host, head=listen)
        await expect(sd(page, "presence")).to_have_text("Online", timeout=TIMEOUT_MS)
        await expect(sd(page, "presence")).to_have_attribute("data-state", "online")
        # The page is told the widget is there, not who the visitor is: it has not connected.
        assert await page.evaluate("window.ready") == {"visitorId": None, "verified": None, "online": True}
        await page.wait_for_timeout(QUIET_MS)
        assert sockets.urls == [] and len(sockets.status) == 1

        await sd(page, "launcher").click()
        await expect(sd(page, "status")).to_have_text("Online", timeout=TIMEOUT_MS)
        assert sockets.urls, "opening the widget connects"
        assert (await page.evaluate("window.ready"))["visitorId"]
        await start_chat(page, agent, "Hello from a quiet page")
        await expect(sd(page, "status")).to_have_text("Chatting with Ann", timeout=TIMEOUT_MS)
    finally:
        await context.close()


async def test_a_reload_mid_chat_connects_at_load_with_the_history_and_the_unread_badge(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    sockets = Sockets(context)
    try:
        page = await host_page(context, desk, host)
        await sd(page, "launcher").click()
        chat = (await start_chat(page, agent, "Where is my parcel?"))["chat"]
        await sd(page, "close").click()  # closed: this tab's next page keeps it closed
        await agent_says(agent, chat["id"], "It left the depot.")
        await expect(sd(page, "unread")).to_have_text("1", timeout=TIMEOUT_MS)

        sockets.urls.clear()
        async with page.expect_websocket(timeout=TIMEOUT_MS):
            await page.reload()  # nobody clicks: the open chat connects the page
        await expect(sd(page, "unread")).to_have_text("1", timeout=TIMEOUT_MS)
        await expect(sd(page, "input")).to_be_hidden()
        await expect(sd(page, "presence")).to_be_hidden()  # during a chat the badge speaks
        await agent_says(agent, chat["id"], "It arrives tomorrow.")
        await expect(sd(page, "unread")).to_have_text("2", timeout=TIMEOUT_MS)

        await sd(page, "launcher").click()
        await expect(sd(page, "status")).to_have_text("Chatting with Ann")
        await expect(messages(page)).to_have_count(3, timeout=TIMEOUT_MS)
        await expect(sd(page, "unread")).to_be_hidden()
        await say(page, "Thanks!")
        await stored(page, "Thanks!")
    finally:
        await context.close()


async def chat_then_close_panel(context, desk, host, agent, text: str):
    """A page whose visitor chats with `agent`, then closes the panel: (page, CHAT)."""
    page = await host_page(context, desk, host)
    await sd(page, "launcher").click()
    chat = (await start_chat(page, agent, text))["chat"]
    await sd(page, "close").click()
    return page, chat


async def test_a_survey_left_waiting_is_asked_at_load_and_forgotten_once_skipped(chromium, desk, host) -> None:
    """The chat ends while the visitor is away (the page closed): the next
    page connects at load for the survey; once skipped, pages stop connecting."""
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    sockets = Sockets(context)
    try:
        page, chat = await chat_then_close_panel(context, desk, host, agent, "Can I change my plan?")
        await page.close()
        assert (await agent.call("chat:end", {"chat_id": chat["id"]}))["ok"]

        sockets.urls.clear()
        page = await host_page(context, desk, host, path="/other")
        await expect(sd(page, "survey-star")).to_have_count(5, timeout=TIMEOUT_MS)  # asked before any click
        assert sockets.urls, "the waiting survey connects the page at load"
        await sd(page, "launcher").click()
        await expect(sd(page, "survey")).to_be_visible()
        await sd(page, "survey-skip").click()
        await expect(sd(page, "new-chat")).to_be_visible()
        await sd(page, "close").click()

        sockets.urls.clear()
        await page.reload()
        await expect(sd(page, "presence")).to_have_text("Online", timeout=TIMEOUT_MS)
        await page.wait_for_timeout(QUIET_MS)
        assert sockets.urls == [], "nothing waits any more: no socket"
    finally:
        await context.close()


async def test_a_survey_asked_on_the_page_is_asked_again_after_a_reload(chromium, desk, host) -> None:
    """The chat ends while the page is open and the panel closed: the page
    remembers the survey, not the chat, and the next one connects for it."""
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    sockets = Sockets(context)
    try:
        page, chat = await chat_then_close_panel(context, desk, host, agent, "Is the sale still on?")
        assert (await agent.call("chat:end", {"chat_id": chat["id"]}))["ok"]
        await expect(sd(page, "survey-star")).to_have_count(5, timeout=TIMEOUT_MS)

        sockets.urls.clear()
        async with page.expect_websocket(timeout=TIMEOUT_MS):
            await page.reload()
        await expect(sd(page, "survey-star")).to_have_count(5, timeout=TIMEOUT_MS)
        await sd(page, "launcher").click()
        await sd(page, "survey-star").nth(4).click()
        await sd(page, "survey-send").click()
        await expect(sd(page, "thanks")).to_be_visible(timeout=TIMEOUT_MS)
        assert (await desk.store.survey_of_chat(chat["id"])).rating == 5
    finally:
        await context.close()


async def test_the_launcher_shows_the_desk_offline_without_a_socket(chromium, desk, host) -> None:
    await desk.advance((MONDAY_22H_NEW_YORK - desk.clock.now()).total_seconds())  # past the desk hours
    await desk.add_agent("Day", shift="")  # the desk hours: mon-fri 09:00-18:00 New York
    context = await chromium.new_context(**VISITOR)
    sockets = Sockets(context)
    try:
        page = await host_page(context, desk, host)
        presence = sd(page, "presence")
        await expect(presence).to_have_text("Offline", timeout=TIMEOUT_MS)
        await expect(presence).to_have_attribute("data-state", "offline")
        await expect(presence).to_have_attribute("title", "We open again Tue, Nov 24, 2026, 9:00 AM")
        await page.wait_for_timeout(QUIET_MS)
        assert sockets.urls == []

        await sd(page, "launcher").click()  # the ticket form needs the socket's word: it connects
        await expect(sd(page, "status")).to_have_text("Offline until Tue, Nov 24, 2026, 9:00 AM", timeout=TIMEOUT_MS)
        await expect(sd(page, "offline-form")).to_be_visible()
        assert sockets.urls
    finally:
        await context.close()


async def test_an_unknown_site_key_is_told_without_a_socket(chromium, desk, host) -> None:
    listen = "<script>document.addEventListener('shiftdesk:error', (e) => { window.refused = e.detail.code; });</script>"
    context = await chromium.new_context(**VISITOR)
    sockets = Sockets(context)
    try:
        host.pages["/"] = (f"<!doctype html><html><head>{listen}</head><body>"
                           f'<script src="{desk.url}/widget.js" data-site="no-such-site" async></script></body></html>')
        page = await context.new_page()
        await page.goto(host.url)
        await page.wait_for_function("window.refused === 'unknown_site'", timeout=TIMEOUT_MS)
        await expect(sd(page, "presence")).to_be_hidden()
        assert sockets.urls == [], "the status endpoint told it: no socket"
        await sd(page, "launcher").click()
        await expect(sd(page, "status")).to_have_text("Chat is not set up for this site.", timeout=TIMEOUT_MS)
    finally:
        await context.close()
