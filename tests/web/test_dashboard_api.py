"""The supervisor dashboard's server side on the injected clock: its pages
(supervisors only), a chat read-only with its notes, the open chats, and
the charts' figures per hour and per day."""
from __future__ import annotations

from datetime import timedelta

import aiohttp
from sqlalchemy import insert

from server.services.model import Role
from server.services.tokens import new_id
from server.store.tables import surveys
from tests.realtime.test_sla import say
from tests.web.test_console_login import log_in

DAY = "2026-11-23"  # the harness clock starts on Monday 2026-11-23 15:00 UTC, 10:00 in New York
PASSWORD = "correct horse battery staple"


def client(harness, token: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url=harness.url, headers={"Authorization": f"Bearer {token}"})


async def start(harness, text: str):
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("chat:start", {"text": text, "name": "Vera"})
    assert ack["ok"], ack
    return visitor, ack["chat"]["id"]


async def rate(harness, chat_id: str, rating: int) -> None:
    """A survey row as the survey service would leave it (tested on its own)."""
    chat = await harness.store.chat_by_id(chat_id)
    async with harness.store.engine.begin() as conn:
        await conn.execute(insert(surveys).values(
            id=new_id(), chat_id=chat_id, site_id=chat.site_id, visitor_id=chat.visitor_id, rating=rating,
            created_at=harness.clock.now()))


async def test_dashboard_pages_are_for_supervisors_only(harness):
    lead, _ = await harness.add_agent("Lena", role=Role.SUPERVISOR, password=PASSWORD)
    agent, _ = await harness.add_agent("Carl", password=PASSWORD)
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(f"{harness.url}/console/dashboard", allow_redirects=False) as page:
            assert page.status == 302 and page.headers["Location"] == "/console/login?next=/console/dashboard"
    for who, status in ((agent, 403), (lead, 200)):
        session, _ = await log_in(harness, who.email)
        try:
            for path in ("", "/reports", "/audit", "/canned", "/closures", "/chats/some-id"):
                async with session.get(f"{harness.url}/console/dashboard{path}", allow_redirects=False) as page:
                    assert page.status == status, (who.name, path)
                    if status == 200:
                        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
                        assert 'data-sd="dashboard"' in await page.text()
        finally:
            await session.close()


async def test_a_chat_reads_with_its_notes_for_supervisors_only(harness):
    _, lead = await harness.add_agent("Lena", role=Role.SUPERVISOR)
    ann, ann_token = await harness.add_agent("Ann")
    agent = await harness.agent(ann_token)
    visitor, chat_id = await start(harness, "my site is down")
    await agent.next("chat:assigned")
    await say(agent, chat_id, "looking at the logs", "n1", note=True)
    await say(agent, chat_id, "fixed", "a1")
    async with client(harness, lead) as http:
        async with http.get(f"/api/chats/{chat_id}") as response:
            body = await response.json()
        assert response.status == 200, body
        assert body["chat"]["status"] == "active" and body["chat"]["agent"]["name"] == "Ann"
        assert [(m["author"], m["text"], m.get("note", False)) for m in body["messages"]] == [
            ("visitor", "my site is down", False), ("agent", "looking at the logs", True), ("agent", "fixed", False)]
        assert body["visitor"]["name"] == "Vera" and body["site"] == harness.site.key
        assert body["agents"] == [{"id": ann.id, "name": "Ann"}] and body["survey"] is None
        async with http.get("/api/chats", params={"status": "active"}) as response:
            listed = (await response.json())["chats"]
        assert [(c["id"], c["visitor"]["name"], c["agent"]["name"]) for c in listed] == [(chat_id, "Vera", "Ann")]
        async with http.get("/api/chats", params={"status": "queued"}) as response:
            assert (await response.json())["chats"] == []
        async with http.get("/api/chats", params={"status": "ended"}) as response:
            assert response.status == 400
        async with http.get("/api/chats/no-such-chat") as response:
            assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"
    async with client(harness, ann_token) as http:
        for path in (f"/api/chats/{chat_id}", "/api/chats", "/api/reports/hourly",
                     f"/api/reports/daily?from={DAY}&to={DAY}"):
            async with http.get(path) as response:
                assert response.status == 403, path


async def test_chats_count_per_desk_local_hour_with_the_first_response_spread(harness):
    _, lead = await harness.add_agent("Lena", role=Role.SUPERVISOR)
    _, ann_token = await harness.add_agent("Ann")
    _, c1 = await start(harness, "one")  # 10:00 New York, queued: Ann is not connected yet
    await harness.advance(25)
    agent = await harness.agent(ann_token)  # takes c1 at 10:00:25
    await agent.next("chat:assigned")
    await harness.advance(5)
    await say(agent, c1, "hi", "a1")  # first response after 30 s
    await harness.advance(3600)  # 11:00:30
    _, c2 = await start(harness, "two")
    await agent.next("chat:assigned")
    await harness.advance(100)
    await say(agent, c2, "hi", "a2")  # after 100 s: past the 60 s target
    _, c3 = await start(harness, "three")  # 11:02:10, answered by nobody
    async with client(harness, lead) as http:
        async with http.get("/api/reports/hourly", params={"day": DAY}) as response:
            body = await response.json()
        async with http.get("/api/reports/hourly") as response:
            assert (await response.json())["day"] == DAY  # today, desk-local
        async with http.get("/api/reports/hourly", params={"day": "2026-11-22"}) as response:
            yesterday = await response.json()
    assert response.status == 200 and body["day"] == DAY
    assert body["tz"] == "America/New_York"  # whose hours these are: the desk's
    hours = {h["hour"]: (h["started"], h["handled"]) for h in body["hours"] if h["started"] or h["handled"]}
    assert len(body["hours"]) == 24 and hours == {10: (1, 1), 11: (2, 2)}
    spread = body["first_response"]
    assert spread["limit_s"] == 60 and spread["count"] == 2
    counted = {b["le"]: b["count"] for b in spread["buckets"] if b["count"]}
    assert counted == {30: 1, 120: 1}  # 30 s within "20-30", 100 s within "90-120"
    assert spread["buckets"][-1]["le"] is None
    assert all(h["started"] == 0 for h in yesterday["hours"]) and yesterday["first_response"]["count"] == 0


async def test_the_desk_figures_day_by_day_include_empty_days(harness):
    _, lead = await harness.add_agent("Lena", role=Role.SUPERVISOR)
    _, ann_token = await harness.add_agent("Ann")
    agent = await harness.agent(ann_token)
    for rating in (5, 2):  # one chat on Monday rated 5, one on Wednesday rated 2
        visitor, chat_id = await start(harness, f"rated {rating}")
        await agent.next("chat:assigned", lambda e, c=chat_id: e["chat"]["id"] == c)
        assert (await visitor.call("chat:end", {"chat_id": chat_id}))["ok"]
        await rate(harness, chat_id, rating)
        await harness.advance(timedelta(days=2).total_seconds())
    async with client(harness, lead) as http:
        async with http.get("/api/reports/daily", params={"from": "2026-11-22", "to": "2026-11-25"}) as response:
            body = await response.json()
        async with http.get("/api/reports/daily", params={"from": "2026-11-25", "to": "2026-11-22"}) as response:
            assert response.status == 400
    assert response.status == 400 and body["from"] == "2026-11-22" and body["to"] == "2026-11-25"
    figures = [(d["day"], d["chats"], d["csat_pct"], d["csat_count"]) for d in body["days"]]
    assert figures == [("2026-11-22", 0, None, 0), ("2026-11-23", 1, 100.0, 1), ("2026-11-24", 0, None, 0),
                       ("2026-11-25", 1, 0.0, 1)]
