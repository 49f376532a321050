"""Tags over REST: the list supervisors keep (audited; archived, never
deleted), tags on tickets for every agent, and the tag filter of the
ticket list and of the reports, JSON and CSV."""
from __future__ import annotations

import csv
import io

import pytest

from tests.web.test_api import a_visitor, agent, call, error_code, lead, ticket_body  # noqa: F401 (fixtures)

DAY = "2026-11-23"  # the harness clock's day


async def test_a_supervisor_keeps_the_list_and_every_agent_reads_it(harness, agent, lead):  # noqa: F811
    assert (await call(agent, "GET", "/api/tags"))["tags"] == []
    vip = (await call(lead, "POST", "/api/tags", 201, json={"name": "  VIP ", "colour": "purple"}))["tag"]
    billing = (await call(lead, "POST", "/api/tags", 201, json={"name": "billing"}))["tag"]
    assert set(vip) == {"id", "name", "colour", "archived", "updated_at"}
    assert (vip["name"], vip["colour"], vip["archived"]) == ("VIP", "purple", False)
    assert billing["colour"] is None
    assert (await call(agent, "GET", "/api/tags"))["tags"] == [billing, vip]
    harness.clock.advance(60)
    renamed = (await call(lead, "POST", f"/api/tags/{vip['id']}", json={"name": "Key account", "colour": "red"}))["tag"]
    assert (renamed["name"], renamed["colour"]) == ("Key account", "red")
    harness.clock.advance(60)  # the audit log lists the newest first
    archived = (await call(lead, "POST", f"/api/tags/{vip['id']}/archive"))["tag"]
    assert archived["archived"] is True
    assert (await call(lead, "POST", f"/api/tags/{vip['id']}/archive"))["tag"] == archived  # again: no change
    assert archived in (await call(agent, "GET", "/api/tags"))["tags"]  # still listed, marked archived
    harness.clock.advance(60)
    await call(lead, "POST", f"/api/tags/{vip['id']}/restore")
    actions = [e["action"] for e in (await call(lead, "GET", "/api/audit?target=tag:" + vip["id"]))["entries"]]
    assert actions == ["tag_restore", "tag_archive", "tag_update", "tag_add"]


async def test_only_supervisors_change_the_list(agent, lead):  # noqa: F811
    assert await error_code(agent, "POST", "/api/tags", 403, json={"name": "vip"}) == "forbidden"
    vip = (await call(lead, "POST", "/api/tags", 201, json={"name": "vip"}))["tag"]
    for path in (f"/api/tags/{vip['id']}", f"/api/tags/{vip['id']}/archive", f"/api/tags/{vip['id']}/restore"):
        assert await error_code(agent, "POST", path, 403, json={"name": "x"}) == "forbidden"
    assert await error_code(lead, "POST", "/api/tags/nope/archive", 404) == "not_found"
    assert await error_code(lead, "POST", "/api/tags/nope", 404, json={"name": "x"}) == "not_found"


@pytest.mark.parametrize("body, code", [
    pytest.param({"name": "t" * 41}, "bad_request", id="over 40 characters"),
    pytest.param({"name": "   "}, "bad_request", id="blank"),
    pytest.param({"name": "a\nb"}, "bad_request", id="a line break"),
    pytest.param({"name": "a\x00b"}, "bad_request", id="NUL"),
    pytest.param({"name": "a\u202eb"}, "bad_request", id="a bidi override"),
    pytest.param({"name": "vip", "colour": "#ff0000"}, "bad_request", id="free CSS colour"),
    pytest.param({"name": "vip", "colour": "red; background:url(x)"}, "bad_request", id="CSS in the colour"),
    pytest.param({"name": "vip", "extra": 1}, "bad_request", id="an unknown field"),
    pytest.param({"name": "Billing"}, "conflict", id="a name taken, other case"),
])
async def test_bad_tags_are_refused(lead, body, code):  # noqa: F811
    await call(lead, "POST", "/api/tags", 201, json={"name": "billing"})
    status = 409 if code == "conflict" else 400
    assert await error_code(lead, "POST", "/api/tags", status, json=body) == code
    assert [t["name"] for t in (await call(lead, "GET", "/api/tags"))["tags"]] == ["billing"]


async def test_the_longest_name_and_any_script_are_fine(lead):  # noqa: F811
    for name in ("t" * 40, "Rückerstattung 払い戻し ✓", "<img src=x onerror=alert(1)>"):
        assert (await call(lead, "POST", "/api/tags", 201, json={"name": name}))["tag"]["name"] == name


async def test_any_agent_tags_a_ticket_and_the_ticket_list_filters_by_tag(harness, agent, lead):  # noqa: F811
    vip = (await call(lead, "POST", "/api/tags", 201, json={"name": "vip"}))["tag"]
    visitor = await a_visitor(harness)
    tagged = (await call(agent, "POST", "/api/tickets", 201, json=ticket_body(visitor)))["ticket"]
    other = (await call(agent, "POST", "/api/tickets", 201, json=ticket_body(visitor, subject="Other")))["ticket"]
    path = f"/api/tickets/{tagged['id']}/tags"
    assert (await call(agent, "POST", path, json={"tag_id": vip["id"]}))["tags"] == [vip]
    assert (await call(agent, "GET", path))["tags"] == [vip]
    assert [t["id"] for t in (await call(agent, "GET", f"/api/tickets?tag={vip['id']}"))["tickets"]] == [tagged["id"]]
    assert {t["id"] for t in (await call(agent, "GET", "/api/tickets"))["tickets"]} == {tagged["id"], other["id"]}
    assert await error_code(agent, "POST", path, 400, json={"tag_id": "nope"}) == "unknown_tag"
    assert await error_code(agent, "GET", "/api/tickets/nope/tags", 404) == "not_found"
    assert (await call(agent, "DELETE", f"{path}/{vip['id']}"))["tags"] == []
    assert (await call(agent, "GET", f"/api/tickets?tag={vip['id']}"))["tickets"] == []


async def chat_with(harness, agent_peer, text: str) -> str:
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": text}))["chat"]
    await agent_peer.next("chat:assigned", lambda e: e["chat"]["id"] == chat["id"])
    assert (await agent_peer.call("chat:send", {"chat_id": chat["id"], "client_id": text, "text": "hi"}))["ok"]
    return chat["id"]


async def test_a_report_of_a_tag_counts_its_chats_and_the_csv_says_which_tag(harness, lead):  # noqa: F811
    vip = (await call(lead, "POST", "/api/tags", 201, json={"name": "=VIP"}))["tag"]  # a formula, as a lead may type
    _, token = await harness.add_agent("Ann")
    ann = await harness.agent(token)
    tagged = await chat_with(harness, ann, "one")
    await chat_with(harness, ann, "two")
    assert (await ann.call("chat:tag", {"chat_id": tagged, "tag_id": vip["id"]}))["ok"]
    everything = await call(lead, "GET", f"/api/reports?from={DAY}&to={DAY}")
    only = await call(lead, "GET", f"/api/reports?from={DAY}&to={DAY}&tag={vip['id']}")
    assert everything["totals"]["chats"] == 2 and everything["tag"] is None
    assert only["totals"]["chats"] == 1 and only["tag"] == vip
    assert [r["chats"] for r in only["rows"]] == [1]
    assert await error_code(lead, "GET", f"/api/reports?from={DAY}&to={DAY}&tag=nope", 404) == "not_found"
    assert await error_code(lead, "GET", f"/api/reports?from={DAY}&to={DAY}&tag=a%20b", 400) == "bad_request"
    async with lead.get(f"/api/reports.csv?from={DAY}&to={DAY}&tag={vip['id']}") as response:
        assert response.status == 200
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(r["tags"], r["chats"]) for r in rows] == [("'=VIP", "1")]  # no formula for a spreadsheet
    async with lead.get(f"/api/reports.csv?from={DAY}&to={DAY}") as response:
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(r["tags"], r["chats"]) for r in rows] == [("", "2")]
