"""What the console's browser tests share: an agent signed in to the console
(in real Chromium, on the in-process desk), visitors as Socket.IO peers, and
a record of the page's errors."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from server.services.model import Role
from .conftest import PASSWORD, console_login

TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1100, "height": 700}

expect.set_options(timeout=TIMEOUT_MS)


class Console:
    """An agent's console page, and the errors it logged."""

    def __init__(self, page: Page, agent, token: str) -> None:
        self.page, self.agent, self.token = page, agent, token
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))

    def sd(self, name: str, **attrs: str):
        """The elements with data-sd=name (and data-<key>=<value> for each of attrs)."""
        extra = "".join(f'[data-{k.replace("_", "-")}="{v}"]' for k, v in attrs.items())
        return self.page.locator(f'[data-sd="{name}"]{extra}')

    @property
    def chat(self):
        """The chat panel on show."""
        return self.page.locator('[data-sd="chat-panel"]:not([hidden])')

    def tab(self, chat_id: str):
        return self.sd("chat-tab", chat_id=chat_id)

    def panel(self, chat_id: str):
        return self.sd("chat-panel", chat_id=chat_id)

    def clock(self, chat_id: str, kind: str):
        return self.panel(chat_id).locator(f'[data-sd="sla-clock"][data-kind="{kind}"]')

    async def set_available(self) -> None:
        toggle = self.sd("status-toggle")
        await expect(toggle).to_be_enabled()
        await toggle.click()
        await expect(toggle).to_have_attribute("data-status", "available")

    def assert_clean(self, allow: str | None = None) -> None:
        """No error logged but those containing `allow` (one the test causes on purpose)."""
        errors = [e for e in self.errors if allow is None or allow not in e]
        assert not errors, "\n".join(errors)


class Kit:
    """Opens consoles in browser contexts of their own and closes them all
    before the desk stops (an open socket would hold its shutdown up)."""

    def __init__(self, chromium, desk) -> None:
        self.chromium, self.desk = chromium, desk
        self.contexts: list = []

    async def console(self, name: str = "Alice", *, available: bool = True, role: Role = Role.AGENT,
                      browser: dict | None = None, init_script: str | None = None, **fields) -> Console:
        """`name`'s console, signed in through the form (and set Available);
        `browser`: more options of its browser context (a time zone, a
        viewport of its own, a colour scheme, permissions...); `init_script`:
        JavaScript each of its pages runs before its own."""
        agent, token = await self.desk.add_agent(name, password=PASSWORD, role=role, **fields)
        context = await self.chromium.new_context(**{"viewport": VIEWPORT, **(browser or {})})
        self.contexts.append(context)
        if init_script:
            await context.add_init_script(init_script)
        page = await console_login(context, self.desk, agent.email)
        console = Console(page, agent, token)
        if available:
            await console.set_available()
        else:
            await expect(console.sd("status-toggle")).to_be_enabled()
        return console

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest.fixture
async def kit(chromium, desk) -> AsyncIterator[Kit]:
    made = Kit(chromium, desk)
    yield made
    await made.close()


async def start_chat(desk, text: str = "Hello", **fields):
    """A visitor peer with a chat started; returns (peer, chat)."""
    visitor = await desk.visitor()
    await visitor.next("session")
    ack = await visitor.call("chat:start", {"text": text, **fields})
    assert ack["ok"], ack
    return visitor, ack["chat"]


