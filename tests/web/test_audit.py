"""GET /api/audit: supervisors read who did what, when and why, against the
harness's real server; the actions themselves go through the real sockets
and REST routes."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from server.services.views import iso
from tests.realtime.test_identity import identity
from tests.web.test_api import agent, call, error_code, lead  # noqa: F401 (fixtures)


async def entries(session, **query) -> list[dict]:
    return (await call(session, "GET", f"/api/audit?{urlencode(query)}"))["entries"]


async def test_only_supervisors_read_the_audit_log(agent):  # noqa: F811
    assert await error_code(agent, "GET", "/api/audit", 403) == "forbidden"


async def desk_day(harness, lead) -> dict:  # noqa: F811
    """A day of the desk, a minute between actions: a closure added and
    removed, a reassignment, a conversion by an agent and one at the
    duration limit, a suspension and its lifting. Returns the ids involved."""
    start = iso(harness.clock.now())
    added = (await call(lead, "POST", "/api/closures", 201, json={"day": "2026-12-24", "reason": "Party"}))
    harness.clock.advance(60)
    await call(lead, "DELETE", f"/api/closures/{added['closure']['id']}")
    harness.clock.advance(60)
    ann_row, ann_token = await harness.add_agent("Ann", capacity=1)
    ann = await harness.agent(ann_token)
    bob_row, bob_token = await harness.add_agent("Bob", capacity=1)
    supervisor = await harness.supervisor()
    visitor = await harness.visitor(identity=identity(harness.site.secret, at=harness.clock.now(), sub="pat",
                                                      account="acct-9"))
    moved = (await visitor.call("chat:start", {"text": "my order is late"}))["chat"]["id"]
    await ann.next("chat:assigned")
    bob = await harness.agent(bob_token)
    assert (await supervisor.call("chat:reassign", {"chat_id": moved, "agent_id": bob_row.id}))["ok"]
    await bob.next("chat:assigned")
    harness.clock.advance(60)
    assert (await bob.call("chat:convert", {"chat_id": moved}))["ok"]
    harness.clock.advance(60)
    other = await harness.visitor()
    timed_out = (await other.call("chat:start", {"text": "a long story"}))["chat"]["id"]
    await harness.advance(harness.config.policy.duration_convert_s)  # becomes a ticket by itself
    assert (await harness.store.chat_by_id(timed_out)).end_reason == "converted"
    harness.clock.advance(60)
    assert (await supervisor.call("account:suspend", {"account_id": "acct-9", "reason": "rude"}))["ok"]
    harness.clock.advance(60)
    assert (await supervisor.call("account:lift", {"account_id": "acct-9", "reason": "apologised"}))["ok"]
    return {"sue": supervisor.received("session")[0]["agent"]["id"], "bob": bob_row.id, "ann": ann_row.id,
            "moved": moved, "timed_out": timed_out, "start": start}


async def test_supervisors_see_every_action_newest_first(harness, lead):  # noqa: F811
    ids = await desk_day(harness, lead)
    log = await entries(lead)
    assert [(e["action"], e["target"]) for e in log] == [
        ("lift", "account:acme/acct-9"), ("suspend", "account:acme/acct-9"),
        ("convert", f"chat:{ids['timed_out']}"), ("convert", f"chat:{ids['moved']}"),
        ("reassign", f"chat:{ids['moved']}"),
        ("closure_remove", "closure:2026-12-24"), ("closure_add", "closure:2026-12-24")]
    lift, suspend, auto, by_agent, reassign, removed, added = log
    assert (lift["actor_id"], lift["reason"]) == (ids["sue"], "apologised")
    assert (suspend["actor_id"], suspend["reason"]) == (ids["sue"], "rude")
    assert suspend["data"]["chats"] == [] and suspend["data"]["until"]
    assert (auto["actor_id"], auto["reason"]) == (None, "the chat reached the duration limit")
    assert by_agent["actor_id"] == ids["bob"] and by_agent["data"]["ticket"].startswith("SD-")
    assert reassign["data"] == {"from": ids["ann"], "to": ids["bob"]}
    assert (added["reason"], removed["data"]) == ("Party", {"reason": "Party"})
    assert added["actor_id"] == removed["actor_id"] != ids["sue"]  # the lead who used REST
    assert added["at"] == ids["start"]


async def test_the_audit_log_filters_and_pages(harness, lead):  # noqa: F811
    ids = await desk_day(harness, lead)

    async def actions(**query) -> list[str]:
        return [e["action"] for e in await entries(lead, **query)]

    assert await actions(action="convert") == ["convert", "convert"]
    assert await actions(actor=ids["sue"]) == ["lift", "suspend", "reassign"]
    assert await actions(target=f"chat:{ids['moved']}") == ["convert", "reassign"]
    log = await entries(lead)
    assert await actions(since=log[4]["at"], until=log[1]["at"]) == ["convert", "convert", "reassign"]
    assert await actions(limit=2, offset=1) == ["suspend", "convert"]
    assert await actions(offset=7) == []


@pytest.mark.parametrize("query", [
    pytest.param("limit=0", id="limit below 1"),
    pytest.param("limit=201", id="limit above 200"),
    pytest.param("offset=-1", id="negative offset"),
    pytest.param("since=2026-11-23T15:00:00", id="a time without its zone"),
    pytest.param("until=yesterday", id="not a time"),
    pytest.param("colour=red", id="unknown parameter"),
])
async def test_bad_audit_queries_are_refused(lead, query):  # noqa: F811
    assert await error_code(lead, "GET", f"/api/audit?{query}", 400) == "bad_request"


async def test_entries_name_who_acted_and_on_whom(harness, lead):  # noqa: F811
    ids = await desk_day(harness, lead)
    lift, suspend, auto, by_agent, reassign, removed, added = await entries(lead)
    assert (lift["actor_name"], auto["actor_name"], by_agent["actor_name"]) == ("Sue", None, "Bob")
    assert reassign["agent_names"] == {"from": "Ann", "to": "Bob"}
    assert reassign["visitor"]["id"] == by_agent["visitor"]["id"] != auto["visitor"]["id"]
    assert reassign["visitor"]["account"] == "acct-9" and reassign["visitor"]["verified"] is True
    assert suspend["visitor"] is None and added["visitor"] is None  # an account, a day: named by their target
    assert added["actor_name"] == "Lead"
    assert ids["moved"] in reassign["target"]
