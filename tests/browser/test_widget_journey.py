"""A visitor's whole chat in the embedded widget, in real Chromium, against
the in-process desk (its clock moved by the test) and an agent peer:
unread badge, typing, reload, a network drop, the duration warning, the
survey; a conversion with its receipt; the pre-chat form; use_ticket."""
from __future__ import annotations

import re

from playwright.async_api import expect

from .shots import screenshot
from .widget_steps import TIMEOUT_MS, VISITOR, agent_says, messages, open_widget, say, sd, start_chat, stored



async def test_a_chat_survives_reload_and_network_drop_warns_and_ends_with_a_survey(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        chat = (await start_chat(page, agent, "My site is down"))["chat"]
        await expect(sd(page, "agent-name")).to_have_text("Ann")
        await expect(sd(page, "status")).to_have_text("Chatting with Ann")

        await agent.emit("chat:typing", {"chat_id": chat["id"], "typing": True})
        await expect(sd(page, "typing")).to_have_text("Ann is typing…", timeout=TIMEOUT_MS)
        await agent_says(agent, chat["id"], "Looking into it now.")
        await expect(messages(page, "agent", "Looking into it now.")).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(sd(page, "typing")).to_have_text("")

        # Closed with Escape (focus back on the launcher): agent messages count as unread.
        await sd(page, "input").press("Escape")
        await expect(sd(page, "input")).to_be_hidden()
        await expect(sd(page, "launcher")).to_be_focused()
        await agent_says(agent, chat["id"], "Found it: a full disk.")
        await agent_says(agent, chat["id"], "Cleaning up.")
        await expect(sd(page, "unread")).to_have_text("2", timeout=TIMEOUT_MS)
        await page.keyboard.press("Enter")  # the focused launcher opens the panel
        await expect(sd(page, "unread")).to_be_hidden()
        await expect(sd(page, "input")).to_be_focused()

        # A reload brings the same chat back from the history, each message once.
        await page.reload()
        await expect(sd(page, "status")).to_have_text("Chatting with Ann", timeout=TIMEOUT_MS)
        await expect(messages(page)).to_have_count(4, timeout=TIMEOUT_MS)
        await expect(messages(page, "visitor", "My site is down")).to_have_attribute("data-state", "stored")
        await expect(sd(page, "unread")).to_be_hidden()  # seen before the reload
        seqs = [await m.get_attribute("data-seq") for m in await messages(page).all()]
        assert seqs == ["1", "2", "3", "4"], seqs

        # Written while the network is down: sent after it comes back, stored once.
        await context.set_offline(True)
        await expect(sd(page, "status")).to_have_text("Reconnecting…", timeout=TIMEOUT_MS)
        await say(page, "Still there?")
        pending = messages(page, "visitor", "Still there?")
        await expect(pending).to_have_attribute("data-state", re.compile("sending|retrying"))
        await context.set_offline(False)
        await stored(page, "Still there?")
        await expect(pending).to_have_attribute("data-seq", "5")
        got = await agent.next("chat:message", lambda m: m["text"] == "Still there?")
        history = await desk.store.messages_after(chat["id"], 0, include_notes=True)
        assert [m.text for m in history].count("Still there?") == 1
        assert [m.client_id for m in history if m.text == "Still there?"] == [got["client_id"]]
        await expect(messages(page)).to_have_count(5)

        await desk.advance(900)  # [policy] duration_warn_s after the assignment
        await expect(sd(page, "warning")).to_contain_text("about 5 minutes left", timeout=TIMEOUT_MS)

        await screenshot(page, "widget.png")

        assert (await agent.call("chat:end", {"chat_id": chat["id"]}))["ok"]
        await expect(sd(page, "ended")).to_have_text("The agent ended the chat.", timeout=TIMEOUT_MS)
        await expect(sd(page, "warning")).to_be_hidden()
        stars = sd(page, "survey-star")
        await expect(stars).to_have_count(5, timeout=TIMEOUT_MS)
        await page.reload()  # not rated yet: the session names the chat, the survey is back
        await expect(stars).to_have_count(5, timeout=TIMEOUT_MS)
        await stars.nth(3).click()
        await sd(page, "survey-comment").fill("Quick and kind")
        await sd(page, "survey-send").click()
        await expect(sd(page, "thanks")).to_be_visible(timeout=TIMEOUT_MS)
        survey = await desk.store.survey_of_chat(chat["id"])
        assert (survey.rating, survey.comment) == (4, "Quick and kind")
        assert page.errors == []
    finally:
        await context.close()


async def test_a_conversion_shows_the_receipt_and_a_repeat_is_pointed_to_that_ticket(chromium, desk, host) -> None:
    """With the pre-chat form and topics from the tag; a second chat on the
    same topic gets use_ticket with the ticket, and "a new issue" goes on."""
    _, token = await desk.add_agent("Ann", skills=("network",))
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, script_attrs='data-prechat data-topics="general,network:Network problems"')
        form = sd(page, "prechat")
        await expect(sd(page, "input")).to_be_hidden()
        await expect(sd(page, "prechat-topic").locator("option")).to_have_text(["General", "Network problems"])
        await sd(page, "prechat-name").fill("Pat")
        await sd(page, "prechat-email").fill("pat@example.test")
        await sd(page, "prechat-topic").select_option("network")
        await sd(page, "prechat-send").click()
        await expect(form).to_be_hidden()
        assigned = await start_chat(page, agent, "The VPN drops every hour")
        assert assigned["chat"]["topic"] == "network"
        assert (assigned["visitor"]["name"], assigned["visitor"]["email"]) == ("Pat", "pat@example.test")

        ack = await agent.call("chat:convert", {"chat_id": assigned["chat"]["id"]})
        number = ack["ticket"]["number"]
        await expect(sd(page, "ticket-receipt")).to_contain_text(number, timeout=TIMEOUT_MS)
        await expect(messages(page, "system", number)).to_have_count(1)
        await expect(sd(page, "survey")).to_be_visible(timeout=TIMEOUT_MS)
        await expect(sd(page, "new-chat")).to_be_hidden()  # one step at a time: the survey first

        await sd(page, "survey-skip").click()
        await sd(page, "new-chat").click()
        await say(page, "The VPN drops again")
        guidance = sd(page, "use-ticket")
        await expect(guidance.locator('[data-sd="use-ticket-number"]')).to_have_text(number, timeout=TIMEOUT_MS)
        await expect(guidance.locator('[data-sd="offline-form"]')).to_be_visible()
        await sd(page, "new-issue").click()
        again = await agent.next("chat:assigned")
        assert again["chat"]["id"] != assigned["chat"]["id"]
        await stored(page, "The VPN drops again")
        await expect(sd(page, "use-ticket")).to_have_count(0)
        assert page.errors == []
    finally:
        await context.close()


async def test_the_queue_position_shows_until_an_agent_takes_the_chat(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann", capacity=1)
    agent = await desk.agent(token)
    first = await desk.visitor()
    await first.next("session")
    taken = await first.call("chat:start", {"text": "first in line"})
    assert taken["ok"] and taken["position"] == 0
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        await say(page, "second in line")
        await stored(page, "second in line")
        await expect(sd(page, "status")).to_have_text("Waiting for an agent")
        await expect(sd(page, "position")).to_have_text("1", timeout=TIMEOUT_MS)
        assert (await agent.call("chat:end", {"chat_id": taken["chat"]["id"]}))["ok"]
        await expect(sd(page, "queued")).to_be_hidden(timeout=TIMEOUT_MS)
        await expect(sd(page, "agent-name")).to_have_text("Ann")
    finally:
        await context.close()
