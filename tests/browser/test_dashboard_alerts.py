"""Alerts, surveys, reassignment, canned replies and closures on the
dashboard, with markup in every string a visitor or an agent can write: it
shows as text and never runs."""
from __future__ import annotations

from playwright.async_api import Page, expect

from .dashboard_kit import TIMEOUT_MS, XSS, api, go_to, no_violations, supervisor_page

IMG, SCRIPT, SVG = XSS


async def clean(page: Page) -> None:
    assert await page.evaluate("window.__xss") is None, "injected markup ran"
    assert await no_violations(page) == []


async def test_hostile_text_shows_literally_across_alerts_surveys_chats_canned_and_closures(chromium, desk):
    errors: list[str] = []
    evil, evil_token = await desk.add_agent(IMG)
    bob, bob_token = await desk.add_agent("Bob")
    context, page, _, lead_token = await supervisor_page(chromium, desk, errors)
    try:
        await expect(page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up", timeout=TIMEOUT_MS)
        agent = await desk.agent(evil_token)
        visitor = await desk.visitor()
        await visitor.next("session")
        started = await visitor.call("chat:start", {"text": SCRIPT, "name": SVG})
        assert started["ok"], started
        chat_id = started["chat"]["id"]
        await agent.next("chat:assigned")
        assert (await agent.call("chat:send", {"chat_id": chat_id, "client_id": "a1", "text": IMG}))["ok"]
        flagged = await agent.call("chat:flag", {"chat_id": chat_id, "reason": SVG})
        assert flagged["ok"], flagged

        # the flag shows in the feed at once, its reason as text, linking to the chat
        alert = page.locator(f'[data-sd="alert"][data-alert-id="{flagged["alert_id"]}"]')
        await expect(alert).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(alert.locator('[data-sd="alert-reason"]')).to_have_text(SVG)
        await expect(alert.locator('[data-sd="alert-chat"]')).to_have_attribute(
            "href", f"/console/dashboard/chats/{chat_id}")
        row = page.locator('[data-sd="chat-row"]')
        await expect(row.locator('[data-sd="visitor-name"]')).to_have_text(SVG, timeout=TIMEOUT_MS)
        await expect(row.locator('[data-sd="chat-agent"]')).to_have_text(IMG)
        await expect(page.locator('[data-sd="agent-row-name"]', has_text=IMG)).to_have_count(1)

        # reassign it to Bob, who has just come in
        bob_peer = await desk.agent(bob_token)
        await expect(page.locator('[data-sd="agent-row"]', has_text="Bob")).to_contain_text("available",
                                                                                             timeout=TIMEOUT_MS)
        await row.locator('[data-sd="reassign"]').click()
        dialog = page.locator('[data-sd="action-dialog"]')
        await dialog.locator('[data-sd="action-agent_id"]').select_option(bob.id)
        await dialog.locator('[data-sd="action-submit"]').click()
        await expect(dialog).to_be_hidden(timeout=TIMEOUT_MS)
        await expect(row.locator('[data-sd="chat-agent"]')).to_have_text("Bob", timeout=TIMEOUT_MS)
        await bob_peer.next("chat:assigned")

        # Bob ends it; the visitor's survey comes in live and is excluded with a reason
        assert (await bob_peer.call("chat:end", {"chat_id": chat_id}))["ok"]
        rated = await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 1, "comment": IMG})
        assert rated["ok"], rated
        survey = page.locator(f'[data-sd="survey"][data-survey-id="{rated["survey_id"]}"]')
        await expect(survey.locator('[data-sd="survey-comment"]')).to_have_text(IMG, timeout=TIMEOUT_MS)
        await survey.locator('[data-sd="survey-exclude"]').click()
        await dialog.locator('[data-sd="action-reason"]').fill(SCRIPT)
        await dialog.locator('[data-sd="action-submit"]').click()
        await expect(survey.locator('[data-sd="survey-excluded"]')).to_have_text(f"Excluded: {SCRIPT}",
                                                                                  timeout=TIMEOUT_MS)
        await clean(page)

        # the chat behind the alert, read-only, notes and all
        await alert.locator('[data-sd="alert-chat"]').click()
        await page.wait_for_url(f"{desk.url}/console/dashboard/chats/{chat_id}")
        texts = page.locator('[data-sd="transcript"] [data-sd="message-text"]')
        await expect(texts).to_have_text([SCRIPT, IMG], timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="chat-visitor"]')).to_have_text(SVG)
        await expect(page.locator('[data-sd="chat-facts"]')).to_contain_text(IMG)  # handled by
        await expect(page.locator('[data-sd="chat-survey"] [data-sd="survey-comment"]')).to_have_text(IMG)
        await clean(page)

        # a canned reply and a closure added from the dashboard reach the API, shown as text
        await go_to(page, "canned")
        await page.fill('[data-sd="canned-shortcut"]', "xss-probe")
        await page.fill('[data-sd="canned-title"]', SCRIPT)
        await page.fill('[data-sd="canned-text"]', SVG)
        await page.click('[data-sd="canned-save"]')
        canned_row = page.locator('[data-sd="canned-row"]', has_text="/xss-probe")
        await expect(canned_row.locator('[data-sd="canned-row-title"]')).to_have_text(SCRIPT, timeout=TIMEOUT_MS)
        await expect(canned_row.locator('[data-sd="canned-row-text"]')).to_have_text(SVG)
        await clean(page)

        await go_to(page, "closures")
        await page.fill('[data-sd="closure-day"]', "2026-12-24")
        await page.fill('[data-sd="closure-reason"]', IMG)
        await page.click('[data-sd="closure-add"]')
        closure_row = page.locator('[data-sd="closure-row"][data-day="2026-12-24"]')
        await expect(closure_row.locator('[data-sd="closure-row-reason"]')).to_have_text(IMG, timeout=TIMEOUT_MS)
        await clean(page)

        async with api(desk, lead_token) as http:
            async with http.get("/api/canned") as response:
                replies = (await response.json())["replies"]
            async with http.get("/api/closures") as response:
                closures = (await response.json())["closures"]
        assert [(r["shortcut"], r["title"], r["text"]) for r in replies] == [("xss-probe", SCRIPT, SVG)]
        assert [(c["day"], c["reason"]) for c in closures] == [("2026-12-24", IMG)]
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


async def test_a_survey_names_the_agents_whose_score_it_counts_for(chromium, desk):
    """Ann takes the chat and hands it to Bob: the rating counts for both, and
    the lead deciding whether to exclude it sees whose score it is, live
    and after a reload."""
    errors: list[str] = []
    ann, ann_token = await desk.add_agent("Ann Walker")
    bob, bob_token = await desk.add_agent("Bob Stone")
    context, page, _, lead_token = await supervisor_page(chromium, desk, errors)
    try:
        await expect(page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up", timeout=TIMEOUT_MS)
        ann_peer = await desk.agent(ann_token)
        visitor = await desk.visitor()
        await visitor.next("session")
        chat_id = (await visitor.call("chat:start", {"text": "my invoice is wrong"}))["chat"]["id"]
        await ann_peer.next("chat:assigned")
        bob_peer = await desk.agent(bob_token)
        await desk.advance(30)
        moved = await ann_peer.call("chat:transfer", {"chat_id": chat_id, "to": {"agent_id": bob.id}})
        assert moved["ok"], moved
        await bob_peer.next("chat:assigned")
        assert (await bob_peer.call("chat:end", {"chat_id": chat_id}))["ok"]
        rated = await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 2})
        assert rated["ok"], rated

        survey = page.locator(f'[data-sd="survey"][data-survey-id="{rated["survey_id"]}"]')
        await expect(survey.locator('[data-sd="survey-agents"]')).to_have_text(" · Ann Walker, Bob Stone",
                                                                               timeout=TIMEOUT_MS)
        await page.reload()
        await expect(survey.locator('[data-sd="survey-agents"]')).to_have_text(" · Ann Walker, Bob Stone",
                                                                               timeout=TIMEOUT_MS)
        async with api(desk, lead_token) as http:
            listed = await (await http.get("/api/surveys")).json()
        assert listed["surveys"][0]["agents"] == [{"id": ann.id, "name": "Ann Walker"},
                                                  {"id": bob.id, "name": "Bob Stone"}]
        assert not errors, "\n".join(errors)
    finally:
        await context.close()
