"""A scripted morning on the injected clock, then the dashboard: the
reports table and its CSV tell what the script did, and the live page
shows it (the README's screenshot, on request)."""
from __future__ import annotations

import csv
import io
import re

from playwright.async_api import expect

from tests.realtime.test_sla import say

from .shots import screenshot
from .dashboard_kit import TIMEOUT_MS, no_violations, supervisor_page, tile

DAY = "2026-11-23"  # the harness clock starts on Monday 2026-11-23 15:00 UTC, 10:00 in New York


class Script:
    def __init__(self, desk) -> None:
        self.desk, self.start = desk, desk.clock.now()

    async def to(self, t: float) -> None:
        await self.desk.advance(t - (self.desk.clock.now() - self.start).total_seconds())

    async def chat(self, text: str, name: str):
        visitor = await self.desk.visitor()
        await visitor.next("session")
        ack = await visitor.call("chat:start", {"text": text, "name": name})
        assert ack["ok"], ack
        return visitor, ack["chat"]["id"]


async def ok(peer, event: str, payload: dict) -> dict:
    ack = await peer.call(event, payload)
    assert ack["ok"], ack
    return ack


async def scripted_morning(desk, ann_token: str, bob_token: str) -> None:
    """Times in seconds from 10:00 New York.
    C1 Ann: first response 20, gap 10, ended at 60 (handle 60), rated 5.
    C2 Ann: first response 90 (breach at 60), ended at 200 (handle 100), rated 2.
    C3 Bob (capacity 1; Ann away): first response 10, flagged, still open.
    C4: queued, waiting for room."""
    day = Script(desk)
    ann = await desk.agent(ann_token)
    v1, c1 = await day.chat("my site is slow", "Maria Lopez")
    await ann.next("chat:assigned")
    await day.to(20)
    await say(ann, c1, "Hello Maria, let me look", "a1")
    await day.to(30)
    await say(v1, c1, "thanks", "v1")
    await day.to(40)
    await say(ann, c1, "The cache is cleared now", "a2")
    await day.to(60)
    await ok(ann, "chat:end", {"chat_id": c1})
    await ok(v1, "survey:submit", {"chat_id": c1, "rating": 5, "comment": "Quick and friendly"})

    await day.to(100)
    v2, c2 = await day.chat("I was charged twice", "Tom Becker")
    await ann.next("chat:assigned", lambda e: e["chat"]["id"] == c2)
    await day.to(190)
    await say(ann, c2, "Sorry for the wait, checking", "a3")
    await day.to(200)
    await ok(ann, "chat:end", {"chat_id": c2})
    await ok(v2, "survey:submit", {"chat_id": c2, "rating": 2, "comment": "Took too long"})

    await day.to(300)
    await ok(ann, "agent:status", {"status": "away"})
    bob = await desk.agent(bob_token)
    _, c3 = await day.chat("Your product is garbage", "Anon")
    await bob.next("chat:assigned")
    await day.to(310)
    await say(bob, c3, "How can I help?", "b1")
    await ok(bob, "chat:flag", {"chat_id": c3, "reason": "abusive language"})
    await day.to(330)
    await day.chat("Is the API down?", "Priya N.")
    await day.to(345)


async def test_the_reports_table_and_csv_tell_what_the_script_did(chromium, desk):
    errors: list[str] = []
    ann, ann_token = await desk.add_agent("Ann Walker")
    _, bob_token = await desk.add_agent("Bob Stone", capacity=1, tier=2, skills=("network",))
    await scripted_morning(desk, ann_token, bob_token)
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/reports")
    try:
        await page.fill('[data-sd="report-from"]', DAY)
        await page.fill('[data-sd="report-to"]', DAY)
        await page.click('[data-sd="report-show"]')
        await expect(page.locator('[data-sd="report-rows"]')).to_have_attribute("data-loaded", f"{DAY}/{DAY}",
                                                                                timeout=TIMEOUT_MS)
        rows = page.locator('[data-sd="report-row"]')
        await expect(rows.locator('[data-sd="report-agent-name"]')).to_have_text(["Ann Walker", "Bob Stone"])
        ann_row = rows.filter(has_text="Ann Walker")
        cells = {"chats": "2", "first_response_median_s": "55 s", "first_response_p90_s": "1:30",
                 "first_response_within_pct": "50%", "first_response_breaches": "1", "response_gap_median_s": "10 s",
                 "handle_median_s": "1:20", "csat_pct": "50%", "csat_count": "2"}
        for column, text in cells.items():
            await expect(ann_row.locator(f'[data-col="{column}"]')).to_have_text(text)
        bob_row = rows.filter(has_text="Bob Stone")
        await expect(bob_row.locator('[data-col="first_response_median_s"]')).to_have_text("10 s")
        await expect(bob_row.locator('[data-col="csat_count"]')).to_have_text("0")
        total = page.locator('[data-sd="report-total"]')
        await expect(total.locator('[data-col="chats"]')).to_have_text("3")
        await expect(total.locator('[data-col="first_response_median_s"]')).to_have_text("20 s")

        csv_link = page.locator('[data-sd="report-csv"]')
        await expect(csv_link).to_have_attribute("href", f"/api/reports.csv?from={DAY}&to={DAY}")
        async with page.expect_download() as info:
            await csv_link.click()
        download = await info.value
        assert download.suggested_filename == f"shiftdesk-report-{DAY}-{DAY}.csv"
        text = open(await download.path(), encoding="utf-8").read()
        written = {row["agent_name"]: row for row in csv.DictReader(io.StringIO(text))}
        assert set(written) == {"Ann Walker", "Bob Stone"}
        assert {key: written["Ann Walker"][key] for key in (
            "day", "agent_id", "chats", "first_response_median_s", "first_response_p90_s",
            "first_response_breaches", "handle_median_s", "csat_pct", "csat_average")} == {
            "day": DAY, "agent_id": ann.id, "chats": "2", "first_response_median_s": "55.0",
            "first_response_p90_s": "90.0", "first_response_breaches": "1", "handle_median_s": "80.0",
            "csat_pct": "50.0", "csat_average": "3.5"}
        assert written["Bob Stone"]["csat_pct"] == ""  # nothing to measure: an empty cell

        # the live page shows the same morning
        await page.click('[data-sd="nav-overview"]')
        await expect(tile(page, "queue-length")).to_have_text("1", timeout=TIMEOUT_MS)
        await expect(tile(page, "first-response-breaches")).to_have_text("1")
        await expect(tile(page, "csat")).to_have_text("50%")
        await expect(page.locator('[data-sd="chart-hourly"]')).to_have_attribute("data-total", "4",
                                                                                 timeout=TIMEOUT_MS)
        await expect(page.locator('[data-sd="hourly-tz"]')).to_have_text(
            "Hours in the desk's time zone (America/New_York).")  # a lead elsewhere reads them right
        await expect(page.locator('[data-sd="chart-first-response"]')).to_have_attribute("data-total", "3")
        await expect(page.locator('[data-sd="chart-csat"]')).to_have_attribute("data-total", "2")
        await expect(page.locator('[data-sd="alert"][data-kind="flag"]')).to_have_count(1)
        await expect(page.locator('[data-sd="queue-row"]')).to_have_count(1)
        await screenshot(page, "dashboard.png")
        assert await no_violations(page) == []
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


async def test_report_totals_count_the_days_asked_for_not_today(chromium, desk):
    """A week's report shows the week's conversions and abandoned chats:
    their tiles must not say "today" as the live tiles do."""
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, path="/console/dashboard/reports")
    try:
        await expect(page.locator('[data-sd="report-rows"]')).to_have_attribute(
            "data-loaded", re.compile(r"^\d{4}-\d\d-\d\d/\d{4}-\d\d-\d\d$"), timeout=TIMEOUT_MS)
        totals = page.locator('[data-sd="report-totals"]')
        for key in ("converted", "abandoned"):
            sub = totals.locator(f'[data-sd="tile-{key}"] [data-sd="sub"]')
            await expect(sub).to_have_text("in these days", timeout=TIMEOUT_MS)
        assert not errors, "\n".join(errors)
    finally:
        await context.close()
