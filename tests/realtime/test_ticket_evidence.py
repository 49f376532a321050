"""Seed 003: a ticket holds the evidence its kind of problem needs, on
every channel that opens one (the widget's socket and HTTP form, an agent
over REST). A ticket without it is refused with `evidence_missing`, which
names the fields (a machine-readable `missing` list, and the words in the
message), and nothing is stored; once complete it is taken, its evidence
stored with it and shown to agents. Default topics: `api` asks for the call
and the response, `document` for a link, `upload` for files."""
from __future__ import annotations

import aiohttp

from tests.web.test_api import a_visitor, client, ticket_body
from tests.web.test_attachment_tickets import upload

FORM = {"subject": "The API fails", "text": "POST /v1/docs answers 500.", "email": "vic@example.test"}
CALL = "curl -X POST https://api.example.test/v1/docs -d '{\"name\": \"a\"}'"
RESPONSE = "HTTP/1.1 500\n{\"error\": \"internal\"}"


def refused_for(error: dict, *missing: str) -> bool:
    return error["code"] == "evidence_missing" and error["missing"] == list(missing)


async def test_the_session_tells_the_widget_each_topics_evidence_before_a_form_is_sent(harness):
    visitor = await harness.visitor()
    session = await visitor.next("session")
    assert session["evidence"] == {"api": ["api_call", "api_response"], "document": ["document_url"],
                                   "upload": ["files"]}


async def test_an_api_ticket_without_the_call_and_response_is_refused_naming_both(harness):
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", {**FORM, "topic": "api"})
    assert not ack["ok"] and refused_for(ack["error"], "api_call", "api_response"), ack
    assert "exact API call" in ack["error"]["message"] and "response" in ack["error"]["message"]
    half = await visitor.call("ticket:create", {**FORM, "topic": "api", "evidence": {"api_call": CALL,
                                                                                    "api_response": "  "}})
    assert not half["ok"] and refused_for(half["error"], "api_response"), half  # blank is not given
    assert await harness.store.list_tickets() == []
    done = await visitor.call("ticket:create", {**FORM, "topic": "api",
                                                "evidence": {"api_call": CALL, "api_response": RESPONSE}})
    assert done["ok"], done
    stored = await harness.store.ticket_by_id(done["ticket"]["id"])
    assert stored.evidence == {"api_call": CALL, "api_response": RESPONSE}


async def test_a_ticket_without_a_topic_or_on_a_topic_without_evidence_needs_none(harness):
    visitor = await harness.visitor()
    await visitor.next("session")
    assert (await visitor.call("ticket:create", FORM))["ok"]
    assert (await visitor.call("ticket:create", {**FORM, "topic": "network"}))["ok"]


async def test_a_document_link_must_be_a_web_link(harness):
    visitor = await harness.visitor()
    await visitor.next("session")
    bad = await visitor.call("ticket:create", {**FORM, "topic": "document",
                                               "evidence": {"document_url": "javascript:alert(1)"}})
    assert not bad["ok"] and bad["error"]["code"] == "bad_request" and bad["error"]["field"] == "document_url"
    unknown = await visitor.call("ticket:create", {**FORM, "topic": "document", "evidence": {"mood": "sad"}})
    assert not unknown["ok"] and unknown["error"]["code"] == "bad_request", unknown
    good = await visitor.call("ticket:create", {**FORM, "topic": "document",
                                                "evidence": {"document_url": "https://docs.example.test/d/42"}})
    assert good["ok"], good


async def test_an_upload_ticket_is_refused_without_files_and_taken_with_them(harness):
    visitor = await harness.visitor()
    session = await visitor.next("session")
    refused = await visitor.call("ticket:create", {**FORM, "topic": "upload"})
    assert not refused["ok"] and refused_for(refused["error"], "files"), refused
    sent = await upload(harness, {"site": harness.site.key, "token": session["visitor_token"]},
                        "orders.csv", b"id,total\n1,5\n")
    taken = await visitor.call("ticket:create", {**FORM, "topic": "upload", "attachments": [sent["id"]]})
    assert taken["ok"], taken
    assert [a.id for a in await harness.store.ticket_attachments(taken["ticket"]["id"])] == [sent["id"]]


async def test_the_http_form_refuses_and_then_takes_the_same_ticket(harness):
    body = {**FORM, "site": harness.site.key, "topic": "api"}
    async with aiohttp.ClientSession(base_url=harness.url) as browser:
        async with browser.post("/widget/tickets", json=body) as response:
            refused = await response.json()
        assert response.status == 400 and refused_for(refused["error"], "api_call", "api_response"), refused
        async with browser.post("/widget/tickets", json={**body, "evidence": {"api_call": CALL,
                                                                              "api_response": RESPONSE}}) as r:
            taken = await r.json()
    assert r.status == 201 and taken["ok"], taken


async def test_a_refused_ticket_costs_no_ticket_budget(harness):
    """The limits count tickets taken (each mails a receipt), not forms refused."""
    visitor = await harness.visitor()
    await visitor.next("session")
    for _ in range(harness.config.limits.tickets_per_hour + 2):
        ack = await visitor.call("ticket:create", {**FORM, "topic": "api"})
        assert ack["error"]["code"] == "evidence_missing", ack
    assert (await visitor.call("ticket:create", FORM))["ok"]


async def test_an_agents_ticket_on_a_visitors_behalf_needs_the_evidence_too(harness):
    _, token = await harness.add_agent("Agent")
    visitor = await a_visitor(harness)
    async with client(harness, token) as agent:
        async with agent.post("/api/tickets", json=ticket_body(visitor, topic="api",
                                                               evidence={"api_call": CALL})) as response:
            refused = await response.json()
        assert response.status == 400 and refused_for(refused["error"], "api_response"), refused
        complete = ticket_body(visitor, topic="api", evidence={"api_call": CALL, "api_response": RESPONSE})
        async with agent.post("/api/tickets", json=complete) as response:
            opened = await response.json()
        assert response.status == 201, opened
        fields = {f["name"]: f for f in opened["ticket"]["evidence"]}
        assert fields["api_call"]["value"] == CALL and not fields["api_call"]["missing"]
        assert fields["api_response"]["label"] == "The response the server returned"


async def test_agents_see_the_evidence_given(harness):
    _, token = await harness.add_agent("Agent")
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", {**FORM, "topic": "document",
                                               "evidence": {"document_url": "https://docs.example.test/d/1"}})
    async with client(harness, token) as agent:
        async with agent.get(f"/api/tickets/{ack['ticket']['id']}") as response:
            shown = (await response.json())["ticket"]
    assert shown["evidence"] == [{"name": "document_url", "kind": "url", "label": "The document's link",
                                  "value": "https://docs.example.test/d/1", "missing": False}]


async def test_a_converted_chat_is_never_refused_and_agents_see_what_it_lacks(harness):
    """A chat that becomes a ticket (by an agent, or at the duration limit)
    carries its transcript; the console shows what its topic still asks for."""
    _, token = await harness.add_agent("Agent")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "my CSV is not taken", "topic": "upload"}))["chat"]
    await agent.next("chat:assigned")
    converted = await agent.call("chat:convert", {"chat_id": chat["id"]})
    assert converted["ok"], converted
    async with client(harness, token) as http:
        async with http.get(f"/api/tickets/{converted['ticket']['id']}") as response:
            shown = (await response.json())["ticket"]
    assert shown["evidence"] == [{"name": "files", "kind": "files", "label": shown["evidence"][0]["label"],
                                  "missing": True}]


async def test_the_confirmation_mail_shows_the_evidence_with_the_text(harness):
    _, token = await harness.add_agent("Agent")
    visitor = await a_visitor(harness)
    async with client(harness, token) as agent:
        body = ticket_body(visitor, topic="api", evidence={"api_call": "GET /v1/x\nBcc: a@b.test",
                                                           "api_response": RESPONSE})
        async with agent.post("/api/tickets", json=body) as response:
            assert response.status == 201
    [queued] = await harness.store.due_mail(harness.clock.now(), 10)
    assert "The exact API call made:\n    GET /v1/x\n    Bcc: a@b.test\n" in queued.mail.text
    assert "The response the server returned:\n    HTTP/1.1 500\n" in queued.mail.text
