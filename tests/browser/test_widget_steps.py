"""No dead ends in the widget, in real Chromium: a topic chat cannot take
leaves a way back to chat about something else, a chat's end comes one
step at a time (why, the survey, a new chat) with the transcript in view,
ending a chat asks first, and the visitor's own messages show their time
as soon as they are stored."""
from __future__ import annotations

import re

from playwright.async_api import expect

from .widget_steps import TIMEOUT_MS, VISITOR, agent_says, messages, open_widget, say, sd, start_chat, stored

TOPICS = 'data-prechat data-topics="general:A general question,password:Password reset"'
PHONE = {**VISITOR, "viewport": {"width": 375, "height": 667}}


async def introduce(page, topic: str) -> None:
    await sd(page, "prechat-name").fill("Kim")
    await sd(page, "prechat-email").fill("kim@example.test")
    await sd(page, "prechat-topic").select_option(topic)
    await sd(page, "prechat-send").click()


async def test_a_ticket_only_topic_leaves_a_way_back_to_chat_about_something_else(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**PHONE)
    try:
        page = await open_widget(context, desk, host, script_attrs=TOPICS)
        await introduce(page, "password")
        await expect(sd(page, "topic")).to_have_text("Topic: Password reset Change topic")
        await say(page, "I forgot my password")
        guidance = sd(page, "use-ticket")
        await expect(guidance).to_contain_text("Password changes are not done over chat", timeout=TIMEOUT_MS)
        await expect(sd(page, "input")).to_be_hidden()  # typing on would only be refused again

        await sd(page, "use-ticket-back").click()  # "Chat about something else"
        await expect(guidance).to_have_count(0)
        await expect(sd(page, "prechat-name")).to_have_count(0)  # asked once is enough
        await sd(page, "prechat-topic").select_option("general")
        await sd(page, "prechat-send").click()
        await expect(sd(page, "input")).to_have_value("I forgot my password")  # the draft is back
        await sd(page, "input").fill("Where do I see my invoices?")
        await sd(page, "input").press("Enter")
        assigned = await agent.next("chat:assigned")
        assert (assigned["chat"]["topic"], assigned["visitor"]["name"]) == ("general", "Kim")
        await expect(sd(page, "topic")).to_be_hidden()
        assert page.errors == []
    finally:
        await context.close()


async def test_the_topic_can_change_before_the_first_message(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, script_attrs=TOPICS)
        await introduce(page, "password")
        await sd(page, "change-topic").click()
        await sd(page, "prechat-topic").select_option("general")
        await sd(page, "prechat-send").click()
        await expect(sd(page, "topic")).to_have_text("Topic: A general question Change topic")
        assert (await start_chat(page, agent, "Hello"))["chat"]["topic"] == "general"
    finally:
        await context.close()


async def test_the_end_of_a_chat_comes_one_step_at_a_time_beside_the_transcript(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**PHONE)
    try:
        page = await open_widget(context, desk, host, script_attrs=TOPICS)
        await introduce(page, "general")
        chat = (await start_chat(page, agent, "My site is down"))["chat"]
        await agent_says(agent, chat["id"], "Fixed: the disk was full.")
        assert (await agent.call("chat:end", {"chat_id": chat["id"]}))["ok"]

        after = sd(page, "after-chat")
        await expect(after.locator('[data-sd="ended"]')).to_have_text("The agent ended the chat.", timeout=TIMEOUT_MS)
        await expect(after.locator('[data-sd="survey-star"]')).to_have_count(5, timeout=TIMEOUT_MS)
        for hidden in ("new-chat", "prechat", "input", "survey-comment"):
            await expect(sd(page, hidden)).to_be_hidden()
        await expect(messages(page, "agent", "Fixed: the disk was full.")).to_be_in_viewport()

        await page.reload()  # not rated yet: the same step again, nothing else
        await expect(sd(page, "survey-star")).to_have_count(5, timeout=TIMEOUT_MS)
        await expect(sd(page, "ended")).to_have_text("Your chat has ended.")
        for hidden in ("new-chat", "prechat", "input"):
            await expect(sd(page, hidden)).to_be_hidden()

        await sd(page, "survey-star").nth(4).click()
        await sd(page, "survey-comment").fill("Quick")
        await sd(page, "survey-send").click()
        await expect(sd(page, "thanks")).to_be_visible(timeout=TIMEOUT_MS)
        await sd(page, "new-chat").click()
        await expect(sd(page, "after-chat")).to_be_hidden()
        await expect(messages(page)).to_have_count(0)
        await expect(sd(page, "input")).to_be_focused()
        assert (await desk.store.survey_of_chat(chat["id"])).rating == 5
        assert page.errors == []
    finally:
        await context.close()


async def test_ending_a_chat_asks_first(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        chat = (await start_chat(page, agent, "Hello"))["chat"]
        await sd(page, "end").click()
        await expect(sd(page, "end-confirm")).to_contain_text("End this chat?")
        await sd(page, "end-no").click()
        await expect(sd(page, "end-confirm")).to_be_hidden()
        assert (await desk.store.chat_by_id(chat["id"])).status.value == "active"
        await sd(page, "end").click()
        await sd(page, "end-yes").click()
        await expect(sd(page, "ended")).to_have_text("You ended the chat.", timeout=TIMEOUT_MS)
        assert (await agent.next("chat:ended"))["reason"] == "visitor"
    finally:
        await context.close()


async def test_the_visitors_own_message_shows_its_time_once_stored(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        await say(page, "What time is it?")
        mine = await stored(page, "What time is it?")
        await expect(mine.locator(".sd-meta")).to_have_text("10:00 AM")  # the desk's clock, in New York
        assert await mine.get_attribute("title") == "Mon, Nov 23, 2026, 10:00 AM"  # not an ISO string
    finally:
        await context.close()


async def test_a_second_offline_message_needs_no_reload(chromium, desk, host) -> None:
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, status=re.compile("^Offline"))
        for subject in ("First question", "Second question"):
            await sd(page, "ticket-email").fill("kim@example.test")
            await sd(page, "ticket-subject").fill(subject)
            await sd(page, "ticket-text").fill(f"{subject}, in detail.")
            await sd(page, "ticket-send").click()
            await expect(sd(page, "ticket-receipt")).to_contain_text("SD-", timeout=TIMEOUT_MS)
            if subject == "First question":
                await sd(page, "ticket-another").click()
                await expect(sd(page, "ticket-email")).to_have_value("kim@example.test")
        assert sorted(t.subject for t in await desk.store.list_tickets()) == ["First question", "Second question"]
    finally:
        await context.close()


async def test_a_topic_the_desk_does_not_know_reads_as_a_sentence_and_asks_for_another(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, script_attrs='data-prechat data-topics="gone:Old topic,general"')
        await introduce(page, "gone")
        await say(page, "Hello")
        await expect(sd(page, "notice")).to_have_text("This topic is not available right now; please choose another one.",
                                                      timeout=TIMEOUT_MS)
        await expect(sd(page, "prechat-topic")).to_have_value("general")
        await sd(page, "prechat-send").click()
        await expect(sd(page, "notice")).to_be_hidden()
        await expect(sd(page, "input")).to_have_value("Hello")
        await sd(page, "input").press("Enter")
        assert (await agent.next("chat:assigned"))["chat"]["topic"] == "general"
    finally:
        await context.close()
