"""Desktop notifications in the agent console, in real Chromium: asked for
only when the agent clicks "Turn on notifications", shown for a new chat
and a visitor's message the agent is not looking at (the tab hidden, or
another chat open), never while the agent reads that chat; the choice is
the agent's own and survives a reload; names and messages are text."""
from __future__ import annotations

import asyncio
import time

from playwright.async_api import expect

from .consolekit import TIMEOUT_MS, kit, start_chat  # noqa: F401 (a fixture)

# Records every notification the page makes (window.__shown: title, body)
# and every permission request (window.__requests), delegating to the real
# API. The browser context grants the permission, but the page reads
# "default" until it has asked once (kept in localStorage, as a browser
# keeps a granted permission): so a request on load would be seen. It also
# gives the page a switch for its visibility (window.__setHidden).
RECORDER = """
(() => {
  const Real = window.Notification;
  window.__shown = [];
  window.__notes = [];
  window.__requests = 0;
  const asked = () => localStorage.getItem("test:asked") === "1";
  function Recorded(title, options) {
    window.__shown.push({ title: String(title), body: String((options && options.body) ?? "") });
    let made = null;
    try { made = Real ? new Real(title, options) : null; } catch (_) { made = null; }
    if (!made) made = Object.assign(new EventTarget(), { close() {} });
    window.__notes.push(made);
    return made;
  }
  Object.defineProperty(Recorded, "permission", {
    get: () => (asked() && Real ? Real.permission : "default"),
  });
  Recorded.requestPermission = async () => {
    window.__requests += 1;
    localStorage.setItem("test:asked", "1");
    return Real ? Real.requestPermission() : "denied";
  };
  window.Notification = Recorded;
  window.__setHidden = (hidden) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    document.dispatchEvent(new Event("visibilitychange"));
  };
})();
"""
GRANTED = {"permissions": ["notifications"]}
HOSTILE = "<img src=x onerror=alert(1)>"


async def open_console(kit, name: str = "Alice"):  # noqa: F811
    console = await kit.console(name, browser=GRANTED, init_script=RECORDER)
    console.dialogs = []
    console.page.on("dialog", lambda d: (console.dialogs.append(d.message), d.dismiss()))
    return console


async def shown(console) -> list[dict]:
    return await console.page.evaluate("window.__shown")


async def expect_shown(console, count: int) -> list[dict]:
    """The notifications once there are `count` (polled from here: the
    console's CSP refuses the string eval of page.wait_for_function)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while len(notes := await shown(console)) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # and no more than that
    notes = await shown(console)
    assert len(notes) == count, notes
    return notes


async def open_menu(console) -> None:
    """The top bar's Alerts menu, open."""
    menu = console.sd("alerts")
    if await menu.get_attribute("open") is None:
        await menu.locator("summary").click()
    await expect(console.sd("notify-toggle")).to_be_visible()


async def turn_on(console) -> None:
    await open_menu(console)
    button = console.sd("notify-toggle")
    await expect(button).to_have_text("Turn on notifications")
    await button.click()
    await expect(button).to_have_text("Notifications on")
    await expect(button).to_have_attribute("aria-pressed", "true")


async def send(peer, chat, text: str, client_id: str) -> None:
    assert (await peer.call("chat:send", {"chat_id": chat["id"], "client_id": client_id, "text": text}))["ok"]


async def test_notifications_are_asked_for_on_a_click_and_shown_only_when_the_agent_looks_away(kit, desk):  # noqa: F811
    console = await open_console(kit)
    page = console.page
    # nothing asked on load: the control waits for a click
    assert await page.evaluate("window.__requests") == 0
    await expect(console.sd("notify-toggle")).to_have_attribute("data-state", "off")
    await turn_on(console)
    assert await page.evaluate("window.__requests") == 1
    # the tab hidden: a new chat, then its visitor's message
    await page.evaluate("window.__setHidden(true)")
    ann, first = await start_chat(desk, "My order never came", name="Ann")
    await expect(console.tab(first["id"])).to_have_count(1)
    notes = await expect_shown(console, 1)
    assert notes[0] == {"title": "New chat: Ann", "body": "My order never came"}
    long = "Where is it? " * 20
    await send(ann, first, long, "a-2")
    notes = await expect_shown(console, 2)
    assert notes[1]["title"] == "Ann"
    assert notes[1]["body"] == long.strip()[:100] + "…"
    # back in the tab, Ann's chat open: her next message shows in the chat only
    await page.evaluate("window.__setHidden(false)")
    await send(ann, first, "Order 1234", "a-3")
    await expect(console.chat.locator('[data-sd="message"]', has_text="Order 1234")).to_have_count(1)
    # a second chat while Ann's is open: both the chat and its message are notified
    bob, second = await start_chat(desk, "Hello?", name="Bob")
    await expect(console.tab(second["id"])).to_have_count(1)
    await expect_shown(console, 3)
    await send(bob, second, "Anyone there?", "b-2")
    notes = await expect_shown(console, 4)
    assert notes[2:] == [{"title": "New chat: Bob", "body": "Hello?"}, {"title": "Bob", "body": "Anyone there?"}]
    assert await page.evaluate("window.__requests") == 1
    # a click on Bob's notification opens his chat
    await page.evaluate("(() => { const n = window.__notes[3]; n.onclick(new Event('click')); })()")
    await expect(console.tab(second["id"])).to_have_attribute("aria-selected", "true")
    await expect(console.chat).to_have_attribute("data-chat-id", second["id"])
    assert len(await shown(console)) == 4
    console.assert_clean()


async def test_the_choice_survives_a_reload_and_off_means_none(kit, desk):  # noqa: F811
    console = await open_console(kit)
    page = console.page
    await turn_on(console)
    await console.sd("sound-toggle").click()
    await expect(console.sd("sound-toggle")).to_have_text("Sound off")
    agent_id = console.agent.id
    stored = await page.evaluate(f"localStorage.getItem('shiftdesk:alerts:{agent_id}')")
    assert stored is not None and '"notify":true' in stored and '"sound":false' in stored
    await page.reload()
    await expect(console.sd("notify-toggle")).to_have_text("Notifications on")
    await expect(console.sd("sound-toggle")).to_have_text("Sound off")
    assert await page.evaluate("window.__requests") == 0  # granted already: not asked again
    await page.evaluate("window.__setHidden(true)")
    visitor, chat = await start_chat(desk, "First", name="Cy")
    await expect_shown(console, 1)
    assert await console.sd("console").get_attribute("data-beeps") is None  # sound off: no chime
    # off: nothing more, hidden or not
    await open_menu(console)
    await console.sd("notify-toggle").click()
    await expect(console.sd("notify-toggle")).to_have_text("Turn on notifications")
    await send(visitor, chat, "Second", "c-2")
    await expect(console.tab(chat["id"]).locator('[data-sd="unread"]')).to_have_text("2")  # hidden: both unread
    await start_chat(desk, "Another", name="Dee")
    await expect(console.sd("chat-tab")).to_have_count(2)
    assert len(await shown(console)) == 1
    await page.reload()
    await expect(console.sd("notify-toggle")).to_have_text("Turn on notifications")
    await expect(console.sd("notify-toggle")).to_be_enabled()
    console.assert_clean()


async def test_a_hostile_name_and_message_are_plain_text_in_the_notification(kit, desk):  # noqa: F811
    console = await open_console(kit)
    page = console.page
    await turn_on(console)
    await page.evaluate("window.__setHidden(true)")
    visitor, chat = await start_chat(desk, HOSTILE, name=HOSTILE)
    notes = await expect_shown(console, 1)
    assert notes[0] == {"title": f"New chat: {HOSTILE}", "body": HOSTILE}
    await send(visitor, chat, f"{HOSTILE} again", "h-2")
    notes = await expect_shown(console, 2)
    assert notes[1] == {"title": HOSTILE, "body": f"{HOSTILE} again"}
    await expect(console.chat.locator('[data-sd="message"]', has_text=f"{HOSTILE} again")).to_have_count(1)
    assert await page.locator('[data-sd="console"] img').count() == 0
    assert console.dialogs == []
    console.assert_clean()
