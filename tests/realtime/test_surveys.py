"""Surveys and abuse signals over real sockets, on the injected clock."""
from __future__ import annotations

import aiohttp
import pytest

from server.services.model import Role

from tests.realtime.test_identity import identity


async def chat_with(harness, agent, *, auth: dict | None = None, text: str = "help", **start):
    visitor = await harness.visitor(**(auth or {}))
    await visitor.next("session")
    ack = await visitor.call("chat:start", {"text": text, **start})
    assert ack["ok"], ack
    await agent.next("chat:assigned", lambda e: e["chat"]["id"] == ack["chat"]["id"])
    return visitor, ack["chat"]["id"]


@pytest.fixture
async def ann(harness):
    _, token = await harness.add_agent("Ann")
    return await harness.agent(token)


def account(harness, name: str) -> dict:
    return {"identity": identity(harness.site.secret, at=harness.clock.now(), sub=f"user-{name}", account=name)}


# surveys
@pytest.mark.parametrize("who_ends", ["visitor", "agent"])
async def test_the_end_of_a_chat_asks_the_visitor_for_a_survey_once(harness, ann, who_ends):
    visitor, chat_id = await chat_with(harness, ann)
    ender = visitor if who_ends == "visitor" else ann
    too_early = await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 5})
    assert too_early["error"]["code"] == "conflict"
    assert (await ender.call("chat:end", {"chat_id": chat_id}))["ok"]
    assert await visitor.next("survey:request") == {"chat_id": chat_id}
    ack = await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 4, "comment": "quick, thanks"})
    assert ack["ok"], ack
    again = await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 1})
    assert again["error"]["code"] == "conflict"
    stored = await harness.store.survey_of_chat(chat_id)
    assert (stored.id, stored.rating, stored.comment) == (ack["survey_id"], 4, "quick, thanks")


async def test_a_conversion_asks_for_a_survey_but_a_chat_nobody_took_does_not(harness, ann):
    visitor, chat_id = await chat_with(harness, ann)
    await ann.call("chat:convert", {"chat_id": chat_id})
    assert await visitor.next("survey:request") == {"chat_id": chat_id}
    await ann.call("agent:status", {"status": "away"})
    lonely = await harness.visitor()
    await lonely.next("session")
    queued = (await lonely.call("chat:start", {"text": "anyone?"}))["chat"]["id"]
    assert (await lonely.call("chat:end", {"chat_id": queued}))["ok"]
    await lonely.call("chat:history", {"chat_id": queued, "after_seq": 0})  # a round trip
    assert lonely.received("survey:request") == []
    refused = await lonely.call("survey:submit", {"chat_id": queued, "rating": 1})
    assert refused["error"]["code"] == "conflict"


async def test_a_survey_is_refused_for_another_visitors_chat_out_of_its_window_or_out_of_range(harness, ann):
    visitor, chat_id = await chat_with(harness, ann)
    await visitor.call("chat:end", {"chat_id": chat_id})
    other = await harness.visitor()
    await other.next("session")
    assert (await other.call("survey:submit", {"chat_id": chat_id, "rating": 5}))["error"]["code"] == "forbidden"
    for bad in ({"chat_id": chat_id, "rating": 0}, {"chat_id": chat_id, "rating": 6},
                {"chat_id": chat_id, "rating": "5"}, {"chat_id": chat_id, "rating": 3, "comment": "x" * 2001}):
        assert (await visitor.call("survey:submit", bad))["error"]["code"] == "bad_request", bad
    harness.clock.advance(harness.config.policy.survey_window_s + 1)
    late = await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 5})
    assert late["error"]["code"] == "conflict"


async def test_a_survey_is_tied_to_every_agent_who_handled_the_chat(harness, ann):
    bob_agent, bob_token = await harness.add_agent("Bob")
    harness.clock.advance(1)  # Ann has been idle longer: she takes the chat
    bob = await harness.agent(bob_token)
    visitor, chat_id = await chat_with(harness, ann)
    harness.clock.advance(10)
    assert (await ann.call("chat:transfer", {"chat_id": chat_id, "to": {"agent_id": bob_agent.id}}))["ok"]
    await bob.call("chat:end", {"chat_id": chat_id})
    await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 5})
    ann_id = ann.received("session")[0]["agent"]["id"]
    assert await harness.store.chat_agents(chat_id) == [ann_id, bob_agent.id]
    assert (await harness.store.survey_of_chat(chat_id)).rating == 5


async def test_a_supervisor_excludes_a_survey_with_a_reason(harness, ann):
    supervisor = await harness.supervisor()
    visitor, chat_id = await chat_with(harness, ann)
    await visitor.call("chat:end", {"chat_id": chat_id})
    survey_id = (await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 1}))["survey_id"]
    no_reason = await supervisor.call("survey:exclude", {"survey_id": survey_id, "reason": ""})
    assert no_reason["error"]["code"] == "bad_request"
    ack = await supervisor.call("survey:exclude", {"survey_id": survey_id, "reason": "the outage, not Ann"})
    assert ack["ok"] and ack["survey"]["excluded_reason"] == "the outage, not Ann", ack
    again = await supervisor.call("survey:exclude", {"survey_id": survey_id, "reason": "twice"})
    assert again["error"]["code"] == "conflict"
    missing = await supervisor.call("survey:exclude", {"survey_id": "nope", "reason": "x"})
    assert missing["error"]["code"] == "not_found"
    [entry] = await harness.store.audit_log(action="survey_exclude")
    assert (entry.target, entry.reason) == (f"survey:{survey_id}", "the outage, not Ann")
    assert (await ann.call("survey:exclude", {"survey_id": survey_id, "reason": "x"}))["error"]["code"] \
        == "unknown_event"  # not an agent's event


# abuse signals
async def test_a_run_of_negative_surveys_from_one_account_raises_one_alert_at_the_threshold(harness, ann):
    supervisor = await harness.supervisor()
    chat_ids = []
    for rating in (5, 2, 1, 2, 1):  # the run of 1-2 reaches 3 at the fourth survey
        visitor, chat_id = await chat_with(harness, ann, auth=account(harness, "acct-1"))
        await visitor.call("chat:end", {"chat_id": chat_id})
        assert (await visitor.call("survey:submit", {"chat_id": chat_id, "rating": rating}))["ok"]
        chat_ids.append(chat_id)
        harness.clock.advance(60)
        alerts = await harness.store.list_alerts(kind="negative_surveys")
        assert len(alerts) == (1 if len(chat_ids) >= 4 else 0), (rating, alerts)
    alert = await supervisor.next("alert", lambda a: a["kind"] == "negative_surveys")
    assert alert["chat_ids"] == chat_ids[1:4] and alert["evidence"]["ratings"] == [2, 1, 2]
    assert alert["account_id"] == "acct-1"


async def test_repeated_chats_on_an_issue_with_an_open_ticket_raise_an_alert(harness, ann):
    supervisor = await harness.supervisor()
    visitor, first = await chat_with(harness, ann, auth=account(harness, "acct-2"), topic="general")
    ticket = (await ann.call("chat:convert", {"chat_id": first}))["ticket"]
    for n in range(1, 4):
        harness.clock.advance(3600)
        again = await visitor.call("chat:start", {"text": f"still broken {n}", "topic": "general"})
        assert again["error"]["code"] == "use_ticket"  # pointed to the ticket first
        chat = await visitor.call("chat:start", {"text": f"new, I promise {n}", "topic": "general",
                                                 "new_issue": True})
        assert chat["ok"], chat
        assert len(await harness.store.list_alerts(kind="repeat_chats")) == (1 if n == 3 else 0)
        await visitor.call("chat:end", {"chat_id": chat["chat"]["id"]})
    alert = await supervisor.next("alert", lambda a: a["kind"] == "repeat_chats")
    assert alert["evidence"]["ticket"] == ticket["number"] and alert["evidence"]["chats"] == 3


async def test_an_agent_flags_a_chat_for_the_supervisors(harness, ann):
    supervisor = await harness.supervisor()
    _, chat_id = await chat_with(harness, ann)
    ack = await ann.call("chat:flag", {"chat_id": chat_id, "reason": "abusive language"})
    assert ack["ok"], ack
    alert = await supervisor.next("alert", lambda a: a["kind"] == "flag")
    assert (alert["chat_ids"], alert["reason"], alert["id"]) == ([chat_id], "abusive language", ack["alert_id"])
    assert alert["agent_id"] is not None
    _, token = await harness.add_agent("Eve")
    eve = await harness.agent(token, available=False)
    assert (await eve.call("chat:flag", {"chat_id": chat_id, "reason": "x"}))["error"]["code"] == "forbidden"
    assert (await ann.call("chat:flag", {"chat_id": chat_id}))["error"]["code"] == "bad_request"


async def test_supervisors_read_the_alerts_through_rest(harness, ann):
    _, chat_id = await chat_with(harness, ann)
    await ann.call("chat:flag", {"chat_id": chat_id, "reason": "<script>alert(1)</script>"})
    _, lead_token = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    _, agent_token = await harness.add_agent("Plain")
    async with aiohttp.ClientSession() as http:
        async def get(token: str, query: str = "") -> tuple[int, dict]:
            async with http.get(f"{harness.url}/api/alerts{query}",
                                headers={"Authorization": f"Bearer {token}"}) as response:
                return response.status, await response.json()
        assert (await get(agent_token))[0] == 403
        status, answer = await get(lead_token, "?kind=flag")
        assert status == 200 and [a["reason"] for a in answer["alerts"]] == ["<script>alert(1)</script>"]
        assert answer["alerts"][0]["chat_ids"] == [chat_id]
        assert (await get(lead_token, "?kind=nonsense"))[0] == 400
        assert (await get(lead_token, "?kind=repeat_chats"))[1]["alerts"] == []


async def test_a_reload_still_offers_the_survey_until_it_is_given(harness, ann):
    visitor, chat_id = await chat_with(harness, ann)
    token = visitor.received("session")[0]["visitor_token"]
    await ann.call("chat:end", {"chat_id": chat_id})
    await visitor.close()
    back = await harness.visitor(token=token)
    assert (await back.next("session"))["survey"] == {"chat_id": chat_id}
    await back.call("survey:submit", {"chat_id": chat_id, "rating": 5})
    again = await harness.visitor(token=token)
    assert "survey" not in await again.next("session")


async def test_supervisors_see_each_survey_as_it_comes_in(harness, ann):
    supervisor = await harness.supervisor()
    visitor, chat_id = await chat_with(harness, ann)
    await visitor.call("chat:end", {"chat_id": chat_id})
    await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 3, "comment": "<b>ok</b>"})
    survey = await supervisor.next("survey")
    assert (survey["chat_id"], survey["rating"], survey["comment"]) == (chat_id, 3, "<b>ok</b>")


async def test_excluding_a_survey_changes_the_agents_score_in_the_report(harness, ann):
    supervisor = await harness.supervisor()
    _, lead_token = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    surveys = []
    for rating in (1, 5):
        visitor, chat_id = await chat_with(harness, ann)
        await ann.call("chat:send", {"chat_id": chat_id, "client_id": "a", "text": "hello"})
        await visitor.call("chat:end", {"chat_id": chat_id})
        surveys.append((await visitor.call("survey:submit", {"chat_id": chat_id, "rating": rating}))["survey_id"])
    day = harness.clock.now().astimezone(harness.services.desk.tz).date().isoformat()

    async def ann_csat() -> tuple:
        async with aiohttp.ClientSession() as http, http.get(
                f"{harness.url}/api/reports?from={day}&to={day}",
                headers={"Authorization": f"Bearer {lead_token}"}) as response:
            answer = await response.json()
        [row] = [r for r in answer["rows"] if r["agent_name"] == "Ann"]
        return row["csat_count"], row["csat_average"], row["csat_pct"]
    assert await ann_csat() == (2, 3.0, 50.0)
    assert (await supervisor.call("survey:exclude", {"survey_id": surveys[0], "reason": "the outage"}))["ok"]
    assert await ann_csat() == (1, 5.0, 100.0)
