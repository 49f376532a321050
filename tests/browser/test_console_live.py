"""The agent console trusts what it shows, in real Chromium: the shift badge
and the empty chat area follow the agent's real state live, a canned reply
added on the dashboard is in the `/` menu at once, ending a chat asks first,
the agent's own messages show their time, and errors read as sentences."""
from __future__ import annotations

from playwright.async_api import expect

from server.services import canned
from server.services.model import Role
from .consolekit import kit, start_chat  # noqa: F401 (a fixture)
from .dashboard_kit import api

TODAY = "2026-11-23"  # the desk's clock: Monday 10:00 in New York, inside the desk hours


async def test_the_shift_badge_and_the_empty_area_follow_a_closure_live(kit, desk):  # noqa: F811
    console = await kit.console("Alice", shift="")  # the desk hours: a closure takes her off
    shift, empty = console.sd("shift"), console.sd("empty")
    await expect(shift).to_have_text("On shift")
    await expect(empty).to_have_text("No chats right now. You are Available: new chats from the queue come to you here.")
    _, lead = await desk.add_agent("Lead", role=Role.SUPERVISOR)
    async with api(desk, lead) as rest:
        async with rest.post("/api/closures", json={"day": TODAY, "reason": "Staff day"}) as response:
            closure = (await response.json())["closure"]
        await expect(shift).to_have_text("Off shift")
        await expect(empty).to_contain_text("You are outside your shift")
        async with rest.delete(f"/api/closures/{closure['id']}"):
            pass
    await expect(shift).to_have_text("On shift")
    await console.sd("status-toggle").click()
    await expect(empty).to_have_text("No chats. Set yourself Available to take chats from the queue.")
    console.assert_clean()


async def test_the_shift_badge_goes_off_at_the_agents_own_shift_end_on_the_desks_clock(kit, desk):  # noqa: F811
    console = await kit.console("Brief", shift="mon-fri 09:00-10:02")  # added after the desk's last look
    shift = console.sd("shift")
    await expect(shift).to_have_text("On shift")
    await desk.advance(119)
    await expect(shift).to_have_text("On shift")
    await desk.advance(1)
    await expect(shift).to_have_text("Off shift")
    await expect(console.sd("empty")).to_contain_text("You are outside your shift")
    console.assert_clean()


async def test_a_canned_reply_added_meanwhile_is_in_the_menu_without_a_reload(kit, desk):  # noqa: F811
    console = await kit.console("Alice")
    _, chat = await start_chat(desk, "Where is my refund?")
    await expect(console.tab(chat["id"])).to_have_count(1)
    lead, _ = await desk.add_agent("Lead", role=Role.SUPERVISOR)
    async with desk.services.desk.events.unit():  # as a web request runs it
        await canned.add(desk.services.desk, lead, canned.CannedDraft("refund", "Refunds", "Refunds take 5 days."))
    await console.chat.locator('[data-sd="input"]').fill("/ref")
    await console.chat.locator('[data-sd="input"]').dispatch_event("input")
    await expect(console.chat.locator('[data-sd="canned-option"][data-shortcut="refund"]')).to_be_visible()
    console.assert_clean()


async def test_ending_a_chat_asks_first(kit, desk):  # noqa: F811
    console = await kit.console("Alice")
    visitor, chat = await start_chat(desk, "Hello")
    await console.chat.locator('[data-sd="end"]').click()
    form = console.chat.locator('[data-sd="end-form"]')
    await expect(form).to_contain_text("End this chat?")
    await form.locator("button", has_text="Cancel").click()
    await expect(form).to_be_hidden()
    assert (await desk.store.chat_by_id(chat["id"])).status.value == "active"
    await console.chat.locator('[data-sd="end"]').click()
    await form.locator('[data-sd="end-confirm"]').click()
    await expect(console.tab(chat["id"])).to_have_attribute("data-state", "ended")
    assert (await visitor.next("chat:ended"))["reason"] == "agent"
    console.assert_clean()


async def test_the_agents_own_reply_shows_its_time_once_stored(kit, desk):  # noqa: F811
    console = await kit.console("Alice", browser={"locale": "en-US", "timezone_id": "America/New_York"})
    _, chat = await start_chat(desk, "Hello")
    await console.chat.locator('[data-sd="input"]').fill("Hi, how can I help?")
    await console.chat.locator('[data-sd="input"]').press("Enter")
    mine = console.chat.locator('[data-sd="message"][data-author="agent"]')
    await expect(mine.locator("time")).to_have_text("10:00 AM")
    assert await mine.get_attribute("title") == "Mon, Nov 23, 2026, 10:00 AM"
    console.assert_clean()


async def test_a_refused_transfer_reads_as_a_sentence(kit, desk):  # noqa: F811
    console = await kit.console("Alice")
    _, chat = await start_chat(desk, "Hello")
    bob, _ = await desk.add_agent("Bob")  # never connected
    await console.chat.locator('[data-sd="transfer"]').click()
    form = console.chat.locator('[data-sd="transfer-form"]')
    await expect(form.locator('[data-sd="transfer-target"] option', has_text="Bob")).to_have_count(1)
    await form.locator('[data-sd="transfer-target"]').select_option(bob.id)
    await form.locator('[data-sd="transfer-send"]').click()
    await expect(console.chat.locator('[data-sd="action-result"]')).to_have_text(
        "The chat was not transferred. That agent is not on shift and connected.")
    console.assert_clean()
