"""Steps shared by the widget's browser tests: a visitor's browser on a
customer's page, the widget's parts by their `data-sd` names (Playwright's
CSS locators reach into the widget's open shadow root), and an agent peer."""
from __future__ import annotations

import itertools
import re

from playwright.async_api import Page, expect

from .conftest import host_page

TIMEOUT_MS = 10_000
# A fixed language and zone, so that dates the widget shows in the
# visitor's local time can be asserted.
VISITOR = {"viewport": {"width": 400, "height": 600}, "locale": "en-US", "timezone_id": "America/New_York"}
_client_ids = itertools.count(1)


def sd(page: Page, name: str, **filters):
    return page.locator(f'[data-sd="{name}"]', **filters)


def messages(page: Page, author: str | None = None, text: str | None = None):
    selector = '[data-sd="message"]' + (f'[data-author="{author}"]' if author else "")
    return page.locator(selector, has_text=text) if text else page.locator(selector)


async def open_widget(context, desk, host, *, status: str | re.Pattern = "Online", **page_args) -> Page:
    """A page of the customer's site with the widget opened, its socket's
    `session` in (the status says so), page errors collected in `page.errors`."""
    page = await host_page(context, desk, host, **page_args)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    await sd(page, "launcher").click()
    await expect(sd(page, "status")).to_have_text(status, timeout=TIMEOUT_MS)
    return page


async def say(page: Page, text: str) -> None:
    """Types `text` in the widget's composer and presses Enter."""
    await sd(page, "input").fill(text)
    await sd(page, "input").press("Enter")


async def stored(page: Page, text: str):
    """Waits until the visitor's message `text` is stored (it has a seq)."""
    message = messages(page, "visitor", text)
    await expect(message).to_have_attribute("data-state", "stored", timeout=TIMEOUT_MS)
    await expect(message).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    return message


async def agent_says(agent, chat_id: str, text: str) -> dict:
    ack = await agent.call("chat:send", {"chat_id": chat_id, "client_id": f"agent-{next(_client_ids)}", "text": text})
    assert ack["ok"], ack
    return ack


async def start_chat(page: Page, agent, text: str) -> dict:
    """The visitor's first message, taken by `agent`: its chat:assigned."""
    await say(page, text)
    await stored(page, text)
    return await agent.next("chat:assigned")
