"""The console's SLA clocks show exactly the server's clock state, whatever
brought the chat to the page: a reassignment, a transfer, a reload, a
restart of the server. Each test reproduces what a support team saw:
"Answered" with no agent reply, "Not waiting" over an unanswered breached
message, a breached clock gone grey. Defaults: 45/60 s, 90/120 s."""
from __future__ import annotations

import re

from playwright.async_api import expect

from .consolekit import kit, start_chat  # noqa: F401 (a fixture)

RECONNECT_MS = 20_000  # socket.io-client's backoff after the server went away


async def breached(console, chat_id: str, kind: str) -> None:
    """The clock runs, red, past its limit."""
    clock = console.clock(chat_id, kind)
    await expect(clock).to_have_attribute("data-state", "running")
    await expect(clock).to_have_attribute("data-level", "breach")
    await expect(clock).to_contain_text(re.compile(r"\d+:\d\d over"))
    await expect(console.tab(chat_id)).to_have_attribute("data-sla", "breach")


async def test_a_reassigned_chat_still_waits_for_its_first_response_after_a_reload(kit, desk):  # noqa: F811
    alice = await kit.console("Alice")
    visitor, chat = await start_chat(desk, "Is anyone there?")
    await expect(alice.tab(chat["id"])).to_have_count(1)
    bob = await kit.console("Bob")
    await desk.advance(60)  # nobody answered: the first response is breached
    await breached(alice, chat["id"], "first_response")

    lead = await desk.supervisor()
    moved = await lead.call("chat:reassign", {"chat_id": chat["id"], "agent_id": bob.agent.id})
    assert moved["ok"], moved
    await expect(bob.tab(chat["id"])).to_have_count(1)
    await breached(bob, chat["id"], "first_response")  # not "Answered": nobody wrote
    await expect(bob.clock(chat["id"], "first_response")).not_to_contain_text("Answered")

    await desk.advance(30)
    await bob.page.reload()
    await breached(bob, chat["id"], "first_response")
    await expect(bob.clock(chat["id"], "first_response")).to_contain_text(re.compile(r"0:(29|30|31) over"))

    await bob.chat.locator('[data-sd="input"]').fill("Sorry for the wait, I am here.")
    await bob.chat.locator('[data-sd="input"]').press("Enter")
    await visitor.next("chat:message", lambda m: m["author"] == "agent")
    met = bob.clock(chat["id"], "first_response")
    await expect(met).to_have_attribute("data-state", "met")
    await expect(met).to_have_attribute("data-stage", "breached")  # answered, late
    await expect(met).to_contain_text("Answered")
    alice.assert_clean()
    bob.assert_clean()


async def test_the_agent_who_receives_a_transfer_sees_the_breached_reply_gap(kit, desk):  # noqa: F811
    alice = await kit.console("Alice")
    visitor, chat = await start_chat(desk, "Hello")
    await expect(alice.tab(chat["id"])).to_have_count(1)
    await alice.chat.locator('[data-sd="input"]').fill("Hi, how can I help?")
    await alice.chat.locator('[data-sd="input"]').press("Enter")
    await visitor.next("chat:message", lambda m: m["author"] == "agent")
    assert (await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "v2", "text": "My site is down"}))["ok"]
    await desk.advance(120)  # the visitor's message waits past the reply gap
    await breached(alice, chat["id"], "response_gap")

    bob = await kit.console("Bob")
    alice_peer = await desk.agent(alice.token, available=False)  # Alice's second connection transfers
    moved = await alice_peer.call("chat:transfer", {"chat_id": chat["id"], "to": {"agent_id": bob.agent.id}})
    assert moved["ok"], moved
    await expect(bob.tab(chat["id"])).to_have_count(1)
    await breached(bob, chat["id"], "response_gap")  # not "Not waiting"
    await expect(bob.clock(chat["id"], "first_response")).to_have_attribute("data-state", "met")

    await bob.chat.locator('[data-sd="input"]').fill("Looking at it now.")
    await bob.chat.locator('[data-sd="input"]').press("Enter")
    gap = bob.clock(chat["id"], "response_gap")
    await expect(gap).to_have_attribute("data-state", "met")
    await expect(bob.tab(chat["id"])).not_to_have_attribute("data-sla", re.compile("."))
    # the visitor writes again: the server starts a new wait, the console shows it
    assert (await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "v3", "text": "Thanks"}))["ok"]
    await expect(gap).to_have_attribute("data-state", "running")
    await expect(gap).to_have_attribute("data-level", "ok")
    alice.assert_clean()
    bob.assert_clean()


async def test_a_breached_reply_gap_stays_red_after_a_restart(kit, desk):  # noqa: F811
    alice = await kit.console("Alice")
    visitor, chat = await start_chat(desk, "Hello")
    await expect(alice.tab(chat["id"])).to_have_count(1)
    await alice.chat.locator('[data-sd="input"]').fill("Hi!")
    await alice.chat.locator('[data-sd="input"]').press("Enter")
    await visitor.next("chat:message", lambda m: m["author"] == "agent")
    assert (await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "v2", "text": "Still broken"}))["ok"]
    await desk.advance(90)
    await expect(alice.clock(chat["id"], "response_gap")).to_have_attribute("data-level", "warning")
    await visitor.close()

    # the server stops; the breach falls due while it is down; a new one starts
    await desk.restart(down_s=40)
    await desk.services.timers.fire_due()  # its own timer task may be first: either way, once

    clock = alice.clock(chat["id"], "response_gap")
    await expect(clock).to_have_attribute("data-level", "breach", timeout=RECONNECT_MS)
    await breached(alice, chat["id"], "response_gap")
    await expect(clock).to_contain_text(re.compile(r"0:(0\d|1\d) over"))
    await alice.page.reload()
    await breached(alice, chat["id"], "response_gap")
    # while the server was down, the browser logged its refused reconnections
    alice.errors = [e for e in alice.errors if "ERR_CONNECTION_REFUSED" not in e]
    alice.assert_clean()
