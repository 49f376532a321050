"""What an agent does to a chat in the console besides replying: transfer,
internal notes, canned replies, flag, convert to a ticket and work the
ticket in the ticket view."""
from __future__ import annotations

import re

from playwright.async_api import expect

from server.services import canned
from server.services.mail import parse_mailbox
from server.services.model import Role
from .consolekit import kit, start_chat  # noqa: F401 (a fixture)


async def test_a_chat_is_transferred_to_another_agent(kit, desk):  # noqa: F811
    console = await kit.console("Alice")
    visitor, chat = await start_chat(desk, "Billing question", name="Vic")
    await expect(console.tab(chat["id"])).to_have_count(1)
    bob, bob_token = await desk.add_agent("Bob")
    bob_peer = await desk.agent(bob_token)
    await console.chat.locator('[data-sd="transfer"]').click()
    form = console.chat.locator('[data-sd="transfer-form"]')
    await expect(form.locator('[data-sd="transfer-target"] option', has_text="Bob")).to_have_count(1)
    await form.locator('[data-sd="transfer-target"]').select_option(bob.id)
    await form.locator('[data-sd="transfer-send"]').click()
    assigned = await bob_peer.next("chat:assigned")
    assert assigned["chat"]["id"] == chat["id"] and assigned["messages"][0]["text"] == "Billing question"
    await expect(console.chat.locator('[data-sd="chat-state"]')).to_have_text("The chat was transferred.")
    await expect(console.tab(chat["id"])).to_have_attribute("data-state", "ended")
    await expect(console.chat.locator('[data-sd="action-result"]')).to_have_text("Transferred to Bob.")
    # the tier choices include engineering (a ticket) past tier 3
    await expect(console.chat.locator('[data-sd="transfer-kind"]')).to_be_hidden()
    assert (await visitor.next("chat:assigned", lambda d: d["agent"]["name"] == "Bob"))["chat_id"] == chat["id"]
    console.assert_clean()


async def test_notes_stay_with_agents_and_canned_replies_insert_by_shortcut(kit, desk):  # noqa: F811
    lead, _ = await desk.add_agent("Lead", role=Role.SUPERVISOR)
    async with desk.services.desk.events.unit():  # as a web request runs it
        await canned.add(desk.services.desk, lead, canned.CannedDraft("greet", "Greeting", "Hello! How can I help you today?"))
        await canned.add(desk.services.desk, lead, canned.CannedDraft("bye", "Goodbye", "Thanks for chatting. Bye!"))
    console = await kit.console("Alice")
    visitor, chat = await start_chat(desk, "Hi")
    await expect(console.tab(chat["id"])).to_have_count(1)
    box = console.chat.locator('[data-sd="input"]')

    await console.chat.locator('[data-sd="note"]').check()
    await box.fill("Internal: checked the account, looks like fraud")
    await box.press("Enter")
    note = console.chat.locator('[data-sd="message"][data-note="true"]')
    await expect(note).to_contain_text("Internal note")
    await expect(note).to_have_attribute("data-seq", re.compile(r"^\d+$"))

    await box.press_sequentially("/gre")
    menu = console.chat.locator('[data-sd="canned-menu"]')
    await expect(menu).to_be_visible()
    await expect(menu.locator('[data-sd="canned-option"]')).to_have_count(1)
    await expect(menu.locator('[data-sd="canned-option"]')).to_contain_text("Greeting")
    await box.press("Tab")
    await expect(box).to_have_value("Hello! How can I help you today?")
    await expect(menu).to_be_hidden()
    await box.press("Enter")
    reply = await visitor.next("chat:message", lambda m: m["author"] == "agent")
    assert reply["text"] == "Hello! How can I help you today?"
    assert "note" not in reply
    assert not [m for m in visitor.received("chat:message") if "fraud" in m["text"]]
    # "/" alone offers them all; Enter takes the highlighted one, in the middle of a line too
    await box.fill("So: ")
    await box.press("End")
    await box.press_sequentially("/")
    await expect(menu.locator('[data-sd="canned-option"]')).to_have_count(2)
    await box.press("ArrowDown")  # /bye, /greet: by shortcut
    await box.press("Enter")
    await expect(box).to_have_value("So: Hello! How can I help you today?")
    console.assert_clean()


async def test_a_flag_with_its_reason_reaches_supervisors(kit, desk):  # noqa: F811
    supervisor = await desk.supervisor()
    console = await kit.console("Alice")
    _, chat = await start_chat(desk, "You are all useless")
    await expect(console.tab(chat["id"])).to_have_count(1)
    await console.chat.locator('[data-sd="flag"]').click()
    form = console.chat.locator('[data-sd="flag-form"]')
    await form.locator('[data-sd="flag-reason"]').fill("Abusive language, third time this week")
    await form.locator('[data-sd="flag-send"]').click()
    alert = await supervisor.next("alert", lambda a: a["kind"] == "flag")
    assert alert["reason"] == "Abusive language, third time this week" and alert["chat_ids"] == [chat["id"]]
    await expect(console.chat.locator('[data-sd="action-result"]')).to_contain_text("Abusive language, third time")
    await expect(form).to_be_hidden()
    await expect(console.tab(chat["id"])).to_have_attribute("data-state", "active")  # the chat goes on
    console.assert_clean()


async def test_a_chat_converted_to_a_ticket_is_worked_in_the_ticket_view(kit, desk):  # noqa: F811
    console = await kit.console("Alice")
    visitor, chat = await start_chat(desk, "My invoice is wrong\nIt says 200 instead of 100",
                                     name="Vic", email="vic@example.test")
    await expect(console.tab(chat["id"])).to_have_count(1)
    await console.chat.locator('[data-sd="convert"]').click()
    form = console.chat.locator('[data-sd="convert-form"]')
    await form.locator('[data-sd="convert-subject"]').fill("Invoice 2026-11 overcharged")
    await form.locator('[data-sd="convert-send"]').click()
    ended = await visitor.next("chat:ended")
    assert ended["reason"] == "converted"
    number = ended["ticket"]["number"]
    await expect(console.chat.locator('[data-sd="chat-state"]')).to_contain_text(f"Ticket {number}")
    await console.chat.locator('[data-sd="open-ticket"]').click()

    view = console.sd("ticket-view")
    await expect(view).to_be_visible()
    await expect(view.locator('[data-sd="ticket-subject"]')).to_have_text("Invoice 2026-11 overcharged")
    await expect(view.locator('[data-sd="ticket-number"]')).to_have_text(number)
    await expect(view.locator('[data-sd="ticket-status"]')).to_have_text("Open")
    await expect(view.locator('[data-sd="ticket-transcript"]')).to_contain_text("It says 200 instead of 100")
    await view.locator('[data-sd="ticket-set-status"][data-status="pending"]').click()
    await expect(view.locator('[data-sd="ticket-status"]')).to_have_text("Pending")
    await view.locator('[data-sd="ticket-reply-input"]').fill("We are correcting the invoice.")
    await view.locator('[data-sd="ticket-reply-send"]').click()
    await expect(view.locator('[data-sd="ticket-reply"]')).to_contain_text("We are correcting the invoice.")
    mails = [q.mail for q in await desk.store.due_mail(desk.clock.now(), 20)
             if parse_mailbox(q.mail.to).addr_spec == "vic@example.test"]  # to: "Vic <vic@example.test>"
    assert any("We are correcting the invoice." in m.text for m in mails)
    assert any("pending" in (m.subject + m.text).lower() for m in mails)

    # the list, filtered by status, leads back to it
    await view.locator('[data-sd="ticket-back"]').click()
    rows = console.sd("ticket-row")
    await expect(rows).to_have_count(1)
    await console.sd("ticket-filter").select_option("solved")
    await expect(rows).to_have_count(0)
    await console.sd("ticket-filter").select_option("pending")
    await expect(rows).to_have_count(1)
    await rows.locator('[data-sd="ticket-link"]').click()
    await expect(view.locator('[data-sd="ticket-subject"]')).to_have_text("Invoice 2026-11 overcharged")
    await console.sd("nav-chats").click()
    await expect(console.sd("chat-area")).to_be_visible()
    console.assert_clean()
