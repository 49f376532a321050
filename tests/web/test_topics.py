"""Topics over REST: supervisors list, add, change and remove them; a
dashboard topic overrides the file's of its name and removing it brings the
file's back; chats follow the change at once; every change is audited."""
from __future__ import annotations

import pytest

from server.services.model import Role
from tests.web.test_api import agent, call, client, error_code, lead  # noqa: F401 (fixtures)
from tests.web.test_console_login import PASSWORD, csrf_of, log_in

REFUNDS = {"name": "refunds", "skill": "refunds", "priority": "low"}


def by_name(answer: dict) -> dict[str, dict]:
    return {t["name"]: t for t in answer["topics"]}


async def start(harness, topic: str, **auth) -> dict:
    visitor = await harness.visitor(**auth)
    await visitor.next("session")
    return await visitor.call("chat:start", {"text": "Hello", "topic": topic, "name": "Vera"})


async def test_a_lead_lists_the_file_topics_in_their_order(lead):  # noqa: F811
    topics = (await call(lead, "GET", "/api/topics"))["topics"]
    assert [t["name"] for t in topics][:4] == ["general", "billing", "provisioning", "network"]
    billing = by_name({"topics": topics})["billing"]
    assert billing == {"name": "billing", "skill": "billing", "priority": "medium", "chat": True, "reason": "",
                       "department": "", "verified_only": True, "source": "file", "updated_at": None,
                       "updated_by": None}


async def test_agents_can_neither_read_nor_change_topics(harness, agent):  # noqa: F811
    assert await error_code(agent, "GET", "/api/topics", 403) == "forbidden"
    assert await error_code(agent, "POST", "/api/topics", 403, json=REFUNDS) == "forbidden"
    assert await error_code(agent, "PATCH", "/api/topics/network", 403, json={"skill": "x"}) == "forbidden"
    assert await error_code(agent, "DELETE", "/api/topics/network", 403) == "forbidden"
    async with client(harness) as anonymous:
        assert await error_code(anonymous, "GET", "/api/topics", 401) == "unauthorized"
    assert "refunds" not in harness.services.desk.topics


async def test_the_topics_page_is_for_supervisors_only(harness):
    lead_, _ = await harness.add_agent("Lena", role=Role.SUPERVISOR, password=PASSWORD)
    agent_, _ = await harness.add_agent("Carl", password=PASSWORD)
    for who, status in ((agent_, 403), (lead_, 200)):
        session, _ = await log_in(harness, who.email)
        try:
            async with session.get(f"{harness.url}/console/dashboard/topics", allow_redirects=False) as page:
                assert page.status == status
                if status == 200:
                    assert 'data-page="topics"' in await page.text()
        finally:
            await session.close()


async def test_a_console_session_changes_topics_only_with_its_csrf_token(harness):
    lead_, _ = await harness.add_agent("Lena", role=Role.SUPERVISOR, password=PASSWORD)
    session, _ = await log_in(harness, lead_.email)
    try:
        url = f"{harness.url}/api/topics"
        assert await error_code(session, "POST", url, 403, json=REFUNDS) == "forbidden"
        token = await csrf_of(session, f"{harness.url}/console")
        await call(session, "POST", url, 201, json=REFUNDS, headers={"X-CSRF-Token": token})
    finally:
        await session.close()


async def test_an_added_topic_takes_chats_at_once_routed_by_its_skill(harness, lead):  # noqa: F811
    assert (await start(harness, "refunds"))["error"]["code"] == "bad_request"  # not a topic yet
    _, plain = await harness.add_agent("Plain", capacity=5)
    refunder, skilled = await harness.add_agent("Rita", skills=("refunds",))
    await harness.agent(plain)
    added = (await call(lead, "POST", "/api/topics", 201, json=REFUNDS))["topic"]
    assert added["source"] == "dashboard" and added["skill"] == "refunds" and added["updated_at"].endswith("Z")
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("chat:start", {"text": "Hello", "topic": "refunds", "name": "Vera"})
    assert ack["ok"], ack
    assert ack["chat"]["priority"] == "low"  # the topic's (unverified visitors are capped at medium)
    assert "agent" not in ack["chat"] and ack["position"] == 1  # Plain is free, but has not the skill
    await harness.agent(skilled)
    assigned = await visitor.next("chat:assigned")
    assert assigned["agent"]["name"] == refunder.name == "Rita"


async def test_a_dashboard_topic_overrides_the_files_and_removing_it_brings_the_file_back(harness, lead):  # noqa: F811
    changed = (await call(lead, "PATCH", "/api/topics/network", json={
        "chat": False, "reason": "Network changes need a ticket."}))["topic"]
    assert changed["source"] == "override" and changed["skill"] == "network" and changed["chat"] is False
    ack = await start(harness, "network")
    assert ack["error"]["code"] == "use_ticket" and ack["error"]["reason"] == "Network changes need a ticket."
    back = (await call(lead, "DELETE", "/api/topics/network"))["topic"]
    assert back["source"] == "file" and back["chat"] is True and back["reason"] == ""
    assert (await start(harness, "network"))["ok"]
    assert by_name(await call(lead, "GET", "/api/topics"))["network"]["source"] == "file"


async def test_adding_over_a_file_topic_replaces_its_lead_fields(harness, lead):  # noqa: F811
    topic = (await call(lead, "POST", "/api/topics", 201, json={"name": "billing", "skill": "accounts"}))["topic"]
    assert topic["source"] == "override" and topic["skill"] == "accounts" and topic["verified_only"] is False
    assert harness.services.desk.skill_of("billing") == "accounts"


async def test_removing_a_dashboard_topic_refuses_new_chats_on_it(harness, lead):  # noqa: F811
    await call(lead, "POST", "/api/topics", 201, json=REFUNDS)
    removed = (await call(lead, "DELETE", "/api/topics/refunds"))["topic"]
    assert removed["name"] == "refunds"
    ack = await start(harness, "refunds")
    assert ack["error"]["code"] == "bad_request" and "refunds" not in ack["error"]["known"]
    assert await error_code(lead, "DELETE", "/api/topics/refunds", 404) == "not_found"
    assert await error_code(lead, "PATCH", "/api/topics/refunds", 404, json={"skill": "x"}) == "not_found"


async def test_a_file_only_topic_cannot_be_removed_from_the_dashboard(lead):  # noqa: F811
    assert await error_code(lead, "DELETE", "/api/topics/general", 409) == "conflict"


async def test_a_topic_is_added_once(lead):  # noqa: F811
    await call(lead, "POST", "/api/topics", 201, json=REFUNDS)
    assert await error_code(lead, "POST", "/api/topics", 409, json=REFUNDS) == "conflict"


async def test_every_change_is_audited_with_what_it_changed(harness, lead):  # noqa: F811
    for method, path, body in (("POST", "/api/topics", REFUNDS), ("PATCH", "/api/topics/refunds", {"priority": "high"}),
                               ("PATCH", "/api/topics/network", {"verified_only": True}),
                               ("DELETE", "/api/topics/network", None), ("DELETE", "/api/topics/refunds", None)):
        await call(lead, method, path, 201 if method == "POST" else 200, json=body)
        harness.clock.advance(1)
    entries = (await call(lead, "GET", "/api/audit"))["entries"]
    assert [(e["action"], e["target"]) for e in entries] == [
        ("topic_remove", "topic:refunds"), ("topic_remove", "topic:network"), ("topic_update", "topic:network"),
        ("topic_update", "topic:refunds"), ("topic_add", "topic:refunds")]
    assert entries[2]["data"] == {"set": {"verified_only": True}, "was": {"verified_only": False}}
    assert entries[3]["data"] == {"set": {"priority": "high"}, "was": {"priority": "low"}}
    assert entries[1]["data"] == {"back_to_file": True}
    assert all(e["actor_name"] == "Lead" for e in entries)


async def test_supervisors_hear_of_a_change(harness, lead):  # noqa: F811
    watching = await harness.supervisor()
    await call(lead, "POST", "/api/topics", 201, json=REFUNDS)
    told = await watching.next("topic")
    assert told["action"] == "add" and told["topic"]["name"] == "refunds"


async def test_dashboard_topics_outlive_a_restart(harness, lead):  # noqa: F811
    await call(lead, "POST", "/api/topics", 201, json=REFUNDS)
    await harness.restart()
    assert harness.services.desk.topics["refunds"].priority == "low"


@pytest.mark.parametrize("fields", [
    pytest.param({"name": "Refunds"}, id="upper case name"),
    pytest.param({"name": ""}, id="empty name"),
    pytest.param({"name": "-refunds"}, id="starts with a dash"),
    pytest.param({"name": "r" * 65}, id="name over 64"),
    pytest.param({"name": "re\x00funds"}, id="a NUL"),
    pytest.param({"skill": "Bill ing"}, id="a skill that is no name"),
    pytest.param({"department": "eng!"}, id="a department that is no name"),
    pytest.param({"priority": "urgent"}, id="no such priority"),
    pytest.param({"reason": "x" * 501}, id="reason over 500"),
    pytest.param({"chat": "no"}, id="chat not a boolean"),
    pytest.param({"extra": 1}, id="an unknown field"),
])
async def test_bad_topics_are_refused(harness, lead, fields):  # noqa: F811
    assert await error_code(lead, "POST", "/api/topics", 400, json={**REFUNDS, **fields}) == "bad_request"
    assert set(harness.services.desk.topics) == set(harness.config.topics)


@pytest.mark.parametrize("fields", [
    pytest.param({"priority": "urgent"}, id="no such priority"),
    pytest.param({"skill": "A B"}, id="a skill that is no name"),
    pytest.param({"name": "other"}, id="a name is not changed"),
    pytest.param({"reason": "a\nb"}, id="a control character"),
    pytest.param({}, id="nothing to change"),
])
async def test_bad_changes_are_refused(harness, lead, fields):  # noqa: F811
    assert await error_code(lead, "PATCH", "/api/topics/network", 400, json=fields) == "bad_request"
    assert harness.services.desk.topics["network"] == harness.config.topics["network"]


async def test_a_path_that_names_no_topic_is_refused(lead):  # noqa: F811
    assert await error_code(lead, "PATCH", "/api/topics/a%20b", 400, json={}) == "bad_request"
    assert await error_code(lead, "DELETE", "/api/topics/%00", 400) == "bad_request"


async def test_changes_one_lead_makes_to_topics_are_limited_per_minute(harness, lead):  # noqa: F811
    await call(lead, "POST", "/api/topics", 201, json=REFUNDS)
    for n in range(29):  # each writes an audit row and has every node read the topics again
        await call(lead, "PATCH", "/api/topics/refunds", json={"priority": ("high", "low")[n % 2]})
    assert await error_code(lead, "DELETE", "/api/topics/refunds", 429) == "rate_limited"
    harness.clock.advance(61)
    await call(lead, "DELETE", "/api/topics/refunds")
