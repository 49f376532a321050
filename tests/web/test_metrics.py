"""The desk's figures end to end, over real sockets and HTTP on the injected
clock: the supervisors' `metrics` push, GET /api/reports and its CSV, and
GET /metrics must tell the same story about one scripted day."""
from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from server.services.model import Role
from server.services.tokens import new_id
from server.store.tables import surveys
from server.web.reports import csv_text
from tests.peers import Peer
from tests.realtime.test_sla import say, settle

DAY = "2026-11-23"  # the harness clock starts on Monday 2026-11-23 15:00 UTC, 10:00 in New York


def client(harness, token: str | None = None) -> aiohttp.ClientSession:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return aiohttp.ClientSession(base_url=harness.url, headers=headers)


class Day:
    """The harness clock as seconds into the scripted day."""

    def __init__(self, harness) -> None:
        self.harness, self.start = harness, harness.clock.now()

    async def to(self, t: float) -> None:
        await self.harness.advance(t - (self.harness.clock.now() - self.start).total_seconds())

    async def chat(self, text: str) -> tuple[Peer, str, dict]:
        visitor = await self.harness.visitor()
        await visitor.next("session")
        ack = await visitor.call("chat:start", {"text": text})
        assert ack["ok"], ack
        return visitor, ack["chat"]["id"], ack

    async def survey(self, chat_id: str, rating: int, excluded: str | None = None) -> None:
        """A survey row as the survey service would leave it (that service is tested on its own)."""
        chat = await self.harness.store.chat_by_id(chat_id)
        async with self.harness.store.engine.begin() as conn:
            await conn.execute(insert(surveys).values(
                id=new_id(), chat_id=chat_id, site_id=chat.site_id, visitor_id=chat.visitor_id, rating=rating,
                created_at=self.harness.clock.now(), excluded_reason=excluded))


async def status(agent: Peer, value: str) -> None:
    assert (await agent.call("agent:status", {"status": value}))["ok"]


async def ok(agent: Peer, event: str, payload: dict) -> dict:
    ack = await agent.call(event, payload)
    assert ack["ok"], ack
    return ack


async def scripted_day(harness, ann_id: str, ann_token: str, bob_id: str, bob_token: str, lead: Peer) -> None:
    """Seven chats, two agents (Ann takes one chat at a time), times in seconds.
    Answers (first response FR, response gap G) and ends (handle time H):
    C1 Ann: FR 20 (a note at 10 does not answer), G 30, ended by the visitor at 70: H 70.
    C2 Ann then Bob: FR 30 (Ann), transferred at 140, G 150 (Bob; breach at 270), ended by Bob: H 210.
    C3 Bob: FR 70 (Bob; breach at 460), converted at 500: H 100.
    C4 Ann: FR 10, the visitor leaves at 620 and abandons at 740: H 140.
    C5 nobody: queued at 800, FR breach at 860 (no agent), abandoned at 930 (never assigned).
    C6 Ann: assigned at 1000, open. C7: queued at 1010, waiting.
    Surveys: C2 5 (Ann and Bob), C3 2 (Bob), C1 1 excluded (no one)."""
    day = Day(harness)
    ann = await harness.agent(ann_token)
    v1, c1, _ = await day.chat("C1")
    await ann.next("chat:assigned")
    await day.to(10)
    await say(ann, c1, "checking the logs", "n1", note=True)
    await day.to(20)
    await say(ann, c1, "hello", "a1")
    await day.to(30)
    await say(v1, c1, "it still fails", "v1")
    await day.to(60)
    await say(ann, c1, "fixed now", "a2")
    await day.to(70)
    await ok(v1, "chat:end", {"chat_id": c1})

    await day.to(100)
    v2, c2, _ = await day.chat("C2")
    await ann.next("chat:assigned", lambda e: e["chat"]["id"] == c2)
    await day.to(105)
    bob = await harness.agent(bob_token)
    await day.to(130)
    await say(ann, c2, "hi", "a3")
    await day.to(140)
    await ok(ann, "chat:transfer", {"chat_id": c2, "to": {"agent_id": bob_id}})
    await bob.next("chat:assigned", lambda e: e["chat"]["id"] == c2)
    await day.to(150)
    await say(v2, c2, "still there?", "v2")
    await day.to(240)
    await day.to(270)
    assert (await bob.next("sla:breach"))["kind"] == "response_gap"
    await day.to(300)
    await say(bob, c2, "yes, sorry", "b1")
    await day.to(310)
    await ok(bob, "chat:end", {"chat_id": c2})
    await day.to(320)
    await day.survey(c2, 5)

    await day.to(350)
    await status(ann, "away")
    await day.to(400)
    v3, c3, _ = await day.chat("C3")
    await bob.next("chat:assigned", lambda e: e["chat"]["id"] == c3)
    await day.to(445)
    await day.to(460)
    assert (await bob.next("sla:breach"))["kind"] == "first_response"
    await day.to(470)
    await say(bob, c3, "sorry for the wait", "b2")
    await day.to(500)
    await ok(bob, "chat:convert", {"chat_id": c3})
    await day.to(510)
    await day.survey(c3, 2)

    await day.to(550)
    await status(ann, "available")
    await status(bob, "away")
    await day.to(600)
    v4, c4, _ = await day.chat("C4")
    await ann.next("chat:assigned", lambda e: e["chat"]["id"] == c4)
    await day.to(610)
    await say(ann, c4, "hello", "a4")
    await day.to(620)
    await harness.gone(v4)
    await day.to(740)
    await ann.next("chat:ended", lambda e: e["chat_id"] == c4 and e["reason"] == "abandoned")
    await day.to(750)
    await day.survey(c1, 1, excluded="the outage, not the agent")

    await day.to(790)
    await status(ann, "away")
    await day.to(800)
    v5, c5, queued = await day.chat("C5")
    assert queued["position"] == 1
    await day.to(810)
    await harness.gone(v5)
    await day.to(845)
    await day.to(860)
    await lead.next("alert", lambda a: a["chat_id"] == c5 and a["sla"] == "first_response")
    await day.to(930)

    async def abandoned() -> bool:
        return (await harness.store.chat_by_id(c5)).end_reason == "abandoned"
    await harness.eventually(abandoned)
    await day.to(990)
    await status(ann, "available")
    await day.to(1000)
    await day.chat("C6")
    await ann.next("chat:assigned", lambda e: e["chat"]["id"] != c4)
    await day.to(1010)
    assert (await day.chat("C7"))[2]["position"] == 1
    await day.to(1030)


# What the script adds up to, worked out by hand from its docstring.
# Desk: FR [20, 30, 70, 10] -> median 25, p90 70, 3 of 4 within 60 s;
# G [30, 150] -> median 90, p90 150; H [70, 210, 100, 140] -> median 120,
# mean 130; surveys 5 and 2 -> 50 % at 4-5, average 3.5.
TODAY = {
    "chats": 5,  # C1, C2, C3, C4, C6 were handled
    "first_response": {"count": 4, "median_s": 25.0, "p90_s": 70.0, "within_pct": 75.0, "breaches": 2},
    "response_gap": {"count": 2, "median_s": 90.0, "p90_s": 150.0, "breaches": 1},
    "handle": {"count": 4, "median_s": 120.0, "mean_s": 130.0},
    "converted": 1,
    "abandoned": 2,  # C4 (Ann's) and C5 (in the queue: the desk's, no agent's)
    "csat": {"pct": 50.0, "average": 3.5, "count": 2},
}
# Ann: C1, C2, C4, C6; FR [20, 30, 10]; G [30]; H [70, 140]; C2's 5.
ANN = {"chats": 4, "first_response": {"count": 3, "median_s": 20.0, "p90_s": 30.0, "within_pct": 100.0, "breaches": 0},
       "response_gap": {"count": 1, "median_s": 30.0, "p90_s": 30.0, "breaches": 0},
       "handle": {"count": 2, "median_s": 105.0, "mean_s": 105.0}, "converted": 0, "abandoned": 1,
       "csat": {"pct": 100.0, "average": 5.0, "count": 1}}
# Bob: C2 (from the transfer), C3; FR [70]; G [150]; H [210 (C2 ended his), 100]; C2's 5 and C3's 2.
BOB = {"chats": 2, "first_response": {"count": 1, "median_s": 70.0, "p90_s": 70.0, "within_pct": 0.0, "breaches": 1},
       "response_gap": {"count": 1, "median_s": 150.0, "p90_s": 150.0, "breaches": 1},
       "handle": {"count": 2, "median_s": 155.0, "mean_s": 155.0}, "converted": 1, "abandoned": 0,
       "csat": {"pct": 50.0, "average": 3.5, "count": 2}}


def columns(nested: dict, prefix: str = "") -> dict:
    """The report's flat columns: {"csat": {"pct": 50.0}} -> {"csat_pct": 50.0}."""
    flat: dict = {}
    for key, value in nested.items():
        flat |= columns(value, f"{prefix}{key}_") if isinstance(value, dict) else {f"{prefix}{key}": value}
    return flat


# C3's ticket (medium, opened at 500 s, 10:08 EST on a Monday) is not answered
# yet: its 4 business hours to respond run until 14:08.
NONE = {"met": 0, "breached": 0, "open": 0}
TICKETS_SLA = {"critical": {"tickets": 0, "response": NONE, "resolution": NONE},
               "high": {"tickets": 0, "response": NONE, "resolution": NONE},
               "medium": {"tickets": 1, "response": {**NONE, "open": 1}, "resolution": {**NONE, "open": 1}},
               "low": {"tickets": 0, "response": NONE, "resolution": NONE}}

# At 1030 s: C7 has waited 20 s; Ann holds C6 (busy), Bob is away; the supervisors take no chats.
LIVE = {"queue": {"length": 1, "longest_wait_s": 20},
        "agents": {"on_shift": 2, "available": 0, "busy": 1, "away": 1}, "active_chats": 1}


async def test_a_scripted_day_tells_one_story_in_the_push_the_reports_the_csv_and_metrics(harness):
    ann, ann_token = await harness.add_agent("Ann", capacity=1)
    bob, bob_token = await harness.add_agent("=Bob", capacity=3)  # a name a spreadsheet would run
    _, lead_token = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    watching = await harness.supervisor()
    await scripted_day(harness, ann.id, ann_token, bob.id, bob_token, watching)

    expected = {"day": DAY, **LIVE, "today": {**TODAY, "tickets_sla": TICKETS_SLA}}
    assert await watching.next("metrics", lambda m: m == expected), watching.received("metrics")[-1]
    late = await harness.supervisor()  # a supervisor who connects now gets the snapshot at once
    assert await late.next("metrics") == expected

    async with client(harness, lead_token) as lead:
        async with lead.get("/api/reports", params={"from": DAY, "to": DAY}) as response:
            report = await response.json()
        assert (response.status, report["ok"], report["from"], report["to"]) == (200, True, DAY, DAY)
        bob_row = {"day": DAY, "agent_id": bob.id, "agent_name": "=Bob", **columns(BOB)}
        ann_row = {"day": DAY, "agent_id": ann.id, "agent_name": "Ann", **columns(ANN)}
        assert report["rows"] == [bob_row, ann_row]  # by name: "=" sorts before "A"
        assert report["totals"] == columns(TODAY)
        assert report["tickets_sla"] == TICKETS_SLA

        async with lead.get("/api/reports", params={"from": DAY, "to": DAY, "agent_id": ann.id}) as response:
            only_ann = await response.json()
        assert only_ann["rows"] == [ann_row]
        assert only_ann["totals"] == columns(ANN)

        async with lead.get("/api/reports.csv", params={"from": DAY, "to": DAY}) as response:
            assert response.status == 200 and response.content_type == "text/csv"
            assert response.headers["Content-Disposition"] == \
                f'attachment; filename="shiftdesk-report-{DAY}-{DAY}.csv"'
            text = await response.text()
        lines = list(csv.reader(io.StringIO(text)))
        assert lines[0] == ["day", "agent_id", "agent_name", "tags", *columns(TODAY)]
        parsed = list(csv.DictReader(io.StringIO(text)))
        assert [row["agent_name"] for row in parsed] == ["'=Bob", "Ann"]  # quoted out of a formula
        assert [row.pop("tags") for row in parsed] == ["", ""]  # no tag filtered on: every chat counted
        for row, expected_row in zip(parsed, report["rows"]):
            assert {k: v for k, v in row.items() if k != "agent_name"} == {
                k: str(v) for k, v in expected_row.items() if k != "agent_name"}

    # from 127.0.0.1: allowed without a token (and without the lead's API token, which is no metrics token)
    async with client(harness) as scraper, scraper.get("/metrics") as response:
        assert response.status == 200
        families = {f.name: f for f in text_string_to_metric_families(await response.text())}

    def samples(name: str, suffix: str = "_total", label: str | None = None) -> dict:
        return {(s.labels[label] if label else None): s.value for s in families[name].samples
                if s.name == name + suffix}

    assert samples("shiftdesk_chats_started") == {None: 7}
    assert samples("shiftdesk_chats_ended", label="reason") == {
        "visitor": 1, "agent": 1, "converted": TODAY["converted"], "abandoned": TODAY["abandoned"], "suspended": 0}
    assert samples("shiftdesk_sla_breaches", label="kind") == {
        "first_response": TODAY["first_response"]["breaches"], "response_gap": TODAY["response_gap"]["breaches"]}
    ratings = samples("shiftdesk_survey_ratings", label="rating")
    excluded = samples("shiftdesk_survey_exclusions", label="rating")
    assert ratings == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 1} and excluded == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0}
    assert sum(ratings.values()) - sum(excluded.values()) == TODAY["csat"]["count"]
    first = families["shiftdesk_first_response_seconds"]
    assert samples(first.name, "_count") == {None: TODAY["first_response"]["count"]}
    assert samples(first.name, "_sum") == {None: 20 + 30 + 70 + 10}
    assert samples(first.name, "_bucket", "le")["60.0"] == 3  # the 75 % within target
    assert samples("shiftdesk_response_gap_seconds", "_count") == {None: TODAY["response_gap"]["count"]}
    assert samples("shiftdesk_response_gap_seconds", "_sum") == {None: 30 + 150}
    assert samples("shiftdesk_response_gap_seconds", "_bucket", "le")["120.0"] == 1
    assert samples("shiftdesk_queue_length", "") == {None: LIVE["queue"]["length"]}
    assert samples("shiftdesk_queue_longest_wait_seconds", "") == {None: LIVE["queue"]["longest_wait_s"]}
    assert samples("shiftdesk_agents", "", "state") == LIVE["agents"]
    assert samples("shiftdesk_chats_active", "") == {None: LIVE["active_chats"]}
    breaches = samples("shiftdesk_ticket_sla_breaches", label="priority")  # every pair present, none yet
    assert len(families["shiftdesk_ticket_sla_breaches"].samples) == 3 * 4 and set(breaches.values()) == {0}
    assert len(samples("shiftdesk_tickets_overdue", "", "kind")) == 3


async def test_a_burst_is_pushed_at_most_once_a_second_and_quiet_is_not_pushed(harness):
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    supervisor = await harness.supervisor()
    await supervisor.next("metrics")  # the figures a dashboard gets as it connects: no push, and not timed
    pushed: list[tuple[float, dict]] = []
    loop = asyncio.get_running_loop()
    supervisor.sio.on("metrics", lambda data: pushed.append((loop.time(), data)), namespace="/supervisor")
    visitor = await harness.visitor()
    chat_id = (await visitor.call("chat:start", {"text": "hi"}))["chat"]["id"]
    await agent.next("chat:assigned")
    for n in range(20):  # every answer changes today's figures, over about 3 real seconds
        await say(visitor, chat_id, f"question {n}", f"v{n}")
        await say(agent, chat_id, f"answer {n}", f"a{n}")
        await asyncio.sleep(0.15)
    await asyncio.sleep(1.5)
    times = [t for t, _ in pushed]
    assert len(times) >= 2, "the burst was pushed"
    # a second apart when sent; arrival may jitter a little on a loaded machine
    assert all(later - earlier >= 0.75 for earlier, later in zip(times, times[1:])), times
    last = pushed[-1][1]["today"]
    assert (last["first_response"]["count"], last["response_gap"]["count"]) == (1, 19)
    before = len(pushed)
    await asyncio.sleep(2.5)
    await settle(visitor)  # reading history changes nothing
    await asyncio.sleep(1.5)
    assert len(pushed) == before, "nothing changed, so nothing was pushed"


async def test_reports_are_for_supervisors_over_at_most_366_days(harness):
    _, agent_token = await harness.add_agent("Ann")
    _, lead_token = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    async with client(harness, agent_token) as agent, client(harness, lead_token) as lead, \
            client(harness) as anonymous:
        for session, params, status, code in [
            (anonymous, {"from": DAY, "to": DAY}, 401, "unauthorized"),
            (agent, {"from": DAY, "to": DAY}, 403, "forbidden"),
            (lead, {"to": DAY}, 400, "bad_request"),
            (lead, {"from": "23/11/2026", "to": DAY}, 400, "bad_request"),
            (lead, {"from": DAY, "to": DAY, "colour": "red"}, 400, "bad_request"),
            (lead, {"from": "2026-11-24", "to": DAY}, 400, "bad_request"),
            (lead, {"from": "2025-11-22", "to": DAY}, 400, "bad_request"),  # 367 days
            (lead, {"from": DAY, "to": DAY, "agent_id": "nobody"}, 404, "not_found"),
        ]:
            for path in ("/api/reports", "/api/reports.csv"):
                async with session.get(path, params=params) as response:
                    answer = await response.json()
                assert (response.status, answer["error"]["code"]) == (status, code), (path, params, answer)
        async with lead.get("/api/reports", params={"from": "2025-11-23", "to": DAY}) as response:  # 366 days
            answer = await response.json()
        assert response.status == 200 and answer["rows"] == [] and answer["totals"]["chats"] == 0
        assert answer["totals"]["first_response_median_s"] is None
        async with lead.get("/api/reports.csv", params={"from": DAY, "to": DAY}) as response:
            lines = (await response.text()).splitlines()
        assert len(lines) == 1 and lines[0].startswith("day,agent_id,agent_name,tags,chats,first_response_count")


async def metrics_status(harness, headers: dict | None = None) -> int:
    async with client(harness) as session, session.get("/metrics", headers=headers or {}) as response:
        return response.status


@pytest.mark.parametrize("config_overrides", [{"metrics": {"token": "s3cret-token", "allow": ""}}])
async def test_metrics_take_the_token_when_no_address_is_allowed(harness):
    assert await metrics_status(harness) == 401
    assert await metrics_status(harness, {"Authorization": "Bearer wrong-token"}) == 401
    assert await metrics_status(harness, {"Authorization": "Basic czNjcmV0LXRva2Vu"}) == 401
    assert await metrics_status(harness, {"Authorization": "Bearer s3cret-token"}) == 200


@pytest.mark.parametrize("config_overrides", [{"metrics": {"token": "s3cret-token"}}])
async def test_a_wrong_token_is_refused_from_an_allowed_address_too(harness):
    assert await metrics_status(harness) == 200  # 127.0.0.1 is allowed, and sends no credentials
    assert await metrics_status(harness, {"Authorization": "Bearer wrong-token"}) == 401
    assert await metrics_status(harness, {"Authorization": "Bearer "}) == 401
    assert await metrics_status(harness, {"Authorization": "Basic czNjcmV0LXRva2Vu"}) == 401
    assert await metrics_status(harness, {"Authorization": "Bearer s3cret-token"}) == 200


async def test_a_bearer_is_refused_from_an_allowed_address_when_no_token_is_set(harness):
    assert await metrics_status(harness) == 200
    assert await metrics_status(harness, {"Authorization": "Bearer anything-at-all"}) == 403


@pytest.mark.parametrize("config_overrides", [{"metrics": {"allow": ""}}])
async def test_metrics_without_a_token_or_an_allowed_address_are_forbidden(harness):
    assert await metrics_status(harness) == 403
    assert await metrics_status(harness, {"Authorization": "Bearer "}) == 403


async def test_a_proxied_request_is_not_let_in_by_its_local_address(harness):
    assert await metrics_status(harness) == 200
    assert await metrics_status(harness, {"X-Forwarded-For": "203.0.113.9"}) == 403
    assert await metrics_status(harness, {"Forwarded": "for=203.0.113.9"}) == 403


@pytest.mark.parametrize("config_overrides", [{"metrics": {"allow": "10.0.0.0/8"}}])
async def test_an_address_outside_the_allowed_networks_is_forbidden(harness):
    assert await metrics_status(harness) == 403


async def test_a_day_in_new_york_ends_at_local_midnight(harness):
    """At 23:59 New York time a chat is still on the day's report; after
    midnight the live figures start a new day."""
    _, lead_token = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    day = Day(harness)
    await day.to(timedelta(hours=13, minutes=59).total_seconds())  # 04:59 UTC, 23:59 in New York
    visitor, chat_id, _ = await day.chat("late question")
    await agent.next("chat:assigned")
    await say(agent, chat_id, "still here", "a1")
    supervisor = await harness.supervisor()
    assert (await supervisor.next("metrics"))["today"]["first_response"]["count"] == 1
    await day.to(timedelta(hours=14).total_seconds())  # 05:00 UTC: Tuesday in New York
    fresh = await supervisor.next("metrics", lambda m: m["day"] == "2026-11-24")
    assert fresh["today"]["first_response"]["count"] == 0 and fresh["active_chats"] == 1
    async with client(harness, lead_token) as lead:
        async with lead.get("/api/reports", params={"from": DAY, "to": "2026-11-24"}) as response:
            rows = (await response.json())["rows"]
    assert [(r["day"], r["chats"], r["first_response_count"]) for r in rows] == [(DAY, 1, 1)]


@pytest.mark.parametrize(("value", "written"), [
    pytest.param("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")", id="equals"),
    pytest.param("+1", "'+1", id="plus"),
    pytest.param("-1+2", "'-1+2", id="minus"),
    pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
    pytest.param("\t=1", "'\t=1", id="tab"),
    pytest.param(" =1+1", "' =1+1", id="a_blank_first"),
    pytest.param("\u00a0 +1", "'\u00a0 +1", id="unicode_blanks_first"),
    pytest.param("\n@SUM(A1)", "'\n@SUM(A1)", id="a_line_break_first"),
    pytest.param("\r-1", "'\r-1", id="a_carriage_return_first"),
    pytest.param(" Ann", " Ann", id="a_blank_before_a_name_is_fine"),
    pytest.param("Ann-Marie", "Ann-Marie", id="a_dash_inside_is_fine"),
    pytest.param(None, "", id="nothing_to_measure"),
    pytest.param(-1.5, "-1.5", id="numbers_stay_numbers"),
])
def test_csv_cells_cannot_run_as_formulas(value, written) -> None:
    rows = list(csv.reader(io.StringIO(csv_text(["x"], [{"x": value}]), newline="")))
    assert rows[1] == [written]


async def test_nothing_is_computed_or_pushed_while_no_supervisor_watches(harness):
    metrics = harness.services.metrics
    await harness.add_agent("Ann")  # on shift, not connected: the chat waits in the queue
    visitor = await harness.visitor()
    await visitor.next("session")
    assert (await visitor.call("chat:start", {"text": "anyone?"}))["ok"]
    await metrics.push()
    assert metrics.watchers == 0 and metrics._today is None and metrics._sent is None
    supervisor = await harness.supervisor()
    assert metrics.watchers == 1
    assert (await supervisor.next("metrics"))["queue"]["length"] == 1
    await supervisor.close()

    async def gone() -> bool:
        return metrics.watchers == 0
    await harness.eventually(gone)
