"""A lead runs the desk's topics from the dashboard: adds one, makes a file
topic ticket-only and brings the file's back; a visitor's widget on a page
with data-topics="*" offers the new topic without a restart or a page edit,
and a chat on it goes to the agent with its skill."""
from __future__ import annotations

from playwright.async_api import expect

from .conftest import host_page
from .dashboard_kit import TIMEOUT_MS, api, no_violations, supervisor_page
from .shots import screenshot
from .widget_steps import VISITOR, sd, start_chat


async def test_a_lead_adds_a_topic_the_widget_offers_and_its_chats_go_by_its_skill(chromium, desk, host):
    _, plain = await desk.add_agent("Pam", capacity=5)
    rita, skilled = await desk.add_agent("Rita", skills=("refunds",))
    await desk.agent(plain)
    rita_peer = await desk.agent(skilled)
    errors: list[str] = []
    context, page, _, token = await supervisor_page(chromium, desk, errors, path="/console/dashboard/topics")
    visitor_context = await chromium.new_context(**VISITOR)
    try:
        rows = page.locator('[data-sd="topic-row"]')
        await expect(rows).to_have_count(len(desk.config.topics), timeout=TIMEOUT_MS)
        await page.fill('[data-sd="topic-name"]', "refunds")
        await page.fill('[data-sd="topic-skill"]', "refunds")
        await page.select_option('[data-sd="topic-priority"]', "low")
        await page.click('[data-sd="topic-save"]')
        refunds = page.locator('[data-sd="topic-row"][data-topic="refunds"]')
        await expect(refunds).to_have_attribute("data-source", "dashboard", timeout=TIMEOUT_MS)
        await expect(refunds.locator('[data-sd="topic-row-skill"]')).to_have_text("refunds")
        await expect(refunds.locator('[data-sd="topic-row-priority"]')).to_have_text("low")
        desk.clock.advance(1)  # the audit log's order: one change a second

        # A file topic made ticket-only: the lead's version, then the file's again.
        network = page.locator('[data-sd="topic-row"][data-topic="network"]')
        await network.locator('[data-sd="topic-edit"]').click()
        await expect(page.locator('[data-sd="topic-name"]')).to_have_value("network")
        await expect(page.locator('[data-sd="topic-skill"]')).to_have_value("network")
        await page.uncheck('[data-sd="topic-chat"]')
        await page.fill('[data-sd="topic-reason"]', "Network changes need a ticket.")
        await page.click('[data-sd="topic-save"]')
        await expect(network).to_have_attribute("data-source", "override", timeout=TIMEOUT_MS)
        await expect(network.locator('[data-sd="topic-row-chat"]')).to_have_text("no: a ticket")
        assert not desk.services.desk.topic("network").chat
        desk.clock.advance(1)
        await screenshot(page, "dashboard-topics.png")
        await network.locator('[data-sd="topic-remove"]').click()
        await screenshot(page, "dashboard-topics-revert.png")
        await page.locator('[data-sd="action-submit"]').click()
        await expect(network).to_have_attribute("data-source", "file", timeout=TIMEOUT_MS)
        await expect(network.locator('[data-sd="topic-remove"]')).to_have_count(0)  # the file's alone stays
        assert desk.services.desk.topic("network") == desk.config.topics["network"]

        # A bad name is refused by the server, and said on the page.
        await page.evaluate("document.querySelector('[data-sd=\"topic-form\"]').noValidate = true")
        await page.fill('[data-sd="topic-name"]', "Bad Name")
        await page.click('[data-sd="topic-save"]')
        await expect(page.locator('[data-sd="topic-error"]')).to_contain_text("not a name", timeout=TIMEOUT_MS)

        async with api(desk, token) as http:
            async with http.get("/api/audit") as response:
                actions = [(e["action"], e["target"]) for e in (await response.json())["entries"]]
        assert set(actions) == {("topic_add", "topic:refunds"), ("topic_update", "topic:network"),
                                ("topic_remove", "topic:network")}

        # The visitor's widget offers it, from the desk's list.
        async with visitor_context.expect_event("response", lambda r: "/widget/status" in r.url):
            widget = await host_page(visitor_context, desk, host, script_attrs='data-prechat data-topics="*"')
        await sd(widget, "launcher").click()
        options = sd(widget, "prechat-topic").locator("option")
        await expect(options.filter(has_text="Refunds")).to_have_count(1, timeout=TIMEOUT_MS)
        await sd(widget, "prechat-name").fill("Pat")
        await sd(widget, "prechat-email").fill("pat@example.test")
        await sd(widget, "prechat-topic").select_option("refunds")
        await screenshot(widget, "widget-desk-topics.png")
        await sd(widget, "prechat-send").click()
        assigned = await start_chat(widget, rita_peer, "I was charged twice")
        assert assigned["chat"]["topic"] == "refunds" and assigned["chat"]["priority"] == "low"
        assert assigned["chat"]["agent"]["id"] == rita.id  # Pam was free too, but has not the skill
        await page.click('[data-sd="nav-audit"]')
        sentences = page.locator('[data-sd="audit-row"] [data-sd="audit-sentence"]')
        await expect(sentences).to_have_text([
            "Sue put the topic network back to the configuration file's", "Sue changed the topic network",
            "Sue added the topic refunds"], timeout=TIMEOUT_MS)
        await screenshot(page, "dashboard-audit-topics.png")
        assert await no_violations(page) == []
        unexpected = [e for e in errors if "status of 400" not in e]  # the refused name, on purpose
        assert not unexpected, "\n".join(unexpected)
    finally:
        await visitor_context.close()
        await context.close()
