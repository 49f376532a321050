"""Keyboard shortcuts between chats in the console: Alt+ArrowDown and
Alt+ArrowUp move through the list (wrapping around), Alt+N opens the Nth
chat, the reply box takes the focus, and from the tickets view a shortcut
comes back to the chats. Alt with other keys is left alone."""
from __future__ import annotations

from playwright.async_api import expect

from .consolekit import kit, start_chat  # noqa: F401 (a fixture)


async def test_an_agent_moves_between_chats_with_the_keyboard(kit, desk):  # noqa: F811
    console = await kit.console()
    page = console.page
    chats = {(await start_chat(desk, f"Hi, I am {name}", name=name))[1]["id"] for name in ("Ann", "Bob", "Cy")}
    await expect(console.sd("chat-tab")).to_have_count(3)
    shown = [await tab.get_attribute("data-chat-id") for tab in await console.sd("chat-tab").all()]  # the list's order
    assert set(shown) == chats

    async def on_show(chat_id: str) -> None:
        await expect(console.tab(chat_id)).to_have_attribute("aria-selected", "true")
        await expect(console.panel(chat_id).locator('[data-sd="input"]')).to_be_focused()

    await expect(console.tab(shown[0])).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("Alt+ArrowDown")
    await on_show(shown[1])
    await page.keyboard.press("Alt+ArrowDown")
    await on_show(shown[2])
    await page.keyboard.press("Alt+ArrowDown")  # wraps around to the first
    await on_show(shown[0])
    await page.keyboard.press("Alt+ArrowUp")  # and back to the last
    await on_show(shown[2])
    await page.keyboard.press("Alt+2")
    await on_show(shown[1])
    await page.keyboard.press("Alt+9")  # no ninth chat: nothing moves
    await on_show(shown[1])

    # typing in the reply box is not taken: plain arrows and digits stay text
    box = console.panel(shown[1]).locator('[data-sd="input"]')
    await box.type("12")
    await page.keyboard.press("ArrowUp")
    await expect(box).to_have_value("12")
    await on_show(shown[1])

    # from the tickets, a shortcut brings the chats back
    await console.sd("nav-tickets").click()
    await expect(console.sd("view-tickets")).to_be_visible()
    await page.keyboard.press("Alt+1")
    await expect(console.sd("view-tickets")).to_be_hidden()
    await on_show(shown[0])
    console.assert_clean()
