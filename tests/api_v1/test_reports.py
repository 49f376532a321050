"""/api/v1/reports over a real server: the chats' and the tickets' figures
in JSON and CSV, for desk-wide tokens only."""
from __future__ import annotations

import csv
import io

from tests.api_v1.kit import new_token, send, v1
from tests.web.test_tags import chat_with

DAY = "2026-11-23"  # the harness clock's day


async def test_the_chat_report_counts_chats_per_agent_in_json_and_csv(harness, reader):
    _, token = await harness.add_agent("Ann")
    ann = await harness.agent(token)
    await chat_with(harness, ann, "one")
    report = await send(reader, "GET", f"/reports/chats?from={DAY}&to={DAY}")
    assert (report["from"], report["to"], report["tag"]) == (DAY, DAY, None)
    assert [(r["day"], r["agent_name"], r["chats"]) for r in report["rows"]] == [(DAY, "Ann", 1)]
    assert report["totals"]["chats"] == 1 and report["totals"]["first_response_count"] == 1
    async with reader.get(f"/api/v1/reports/chats?from={DAY}&to={DAY}&format=csv") as response:
        assert response.status == 200 and response.content_type == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(r["agent_name"], r["chats"]) for r in rows] == [("Ann", "1")]


async def test_the_ticket_report_lists_every_priority(reader):
    report = await send(reader, "GET", f"/reports/tickets?from={DAY}&to={DAY}")
    assert [p["priority"] for p in report["priorities"]] == ["critical", "high", "medium", "low"]
    assert report["priorities"][0]["response"] == {"met": 0, "breached": 0, "open": 0}
    async with reader.get(f"/api/v1/reports/tickets?from={DAY}&to={DAY}&format=csv") as response:
        text = await response.text()
        assert response.status == 200 and text.startswith("priority,tickets,response_met")


async def test_a_site_token_gets_403_and_bad_ranges_400(harness, reader):
    async with v1(harness, await new_token(harness, "write", site="acme")) as site:
        for name in ("chats", "tickets"):
            assert (await send(site, "GET", f"/reports/{name}?from={DAY}&to={DAY}", 403))["error"]["code"] \
                == "forbidden"
    for query in ("", f"from={DAY}", f"from={DAY}&to=2026-11-01", f"from={DAY}&to={DAY}&format=xml",
                  "from=2020-01-01&to=2026-01-01", f"from={DAY}&to={DAY}&nope=1"):
        for name in ("chats", "tickets"):
            assert (await send(reader, "GET", f"/reports/{name}?{query}", 400))["error"]["code"] == "bad_request", \
                (name, query)
