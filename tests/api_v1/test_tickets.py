"""/api/v1/tickets over a real server: opening on a visitor's behalf (the
console's intake rules), the list and its pages, status and assignee
changes audited as the token, replies as an agent; scope and site."""
from __future__ import annotations

import pytest

from server.services.model import Site, Visitor
from server.services.tickets import TicketRequest
from server.services.tokens import hash_token, new_id, new_token
from tests.api_v1.kit import new_token as integration_token, send, token_named, v1

# Room for the pages' tickets, all of one visitor (5 an hour by default).
CONFIG_TOPICS = {"topics": {"api": {"evidence": ["api_call"]}},
                 "limits": {"tickets_per_hour": 20, "tickets_per_hour_per_email": 20}}


@pytest.fixture
def config_overrides() -> dict:
    return CONFIG_TOPICS


async def a_visitor(harness, site_id: str | None = None) -> Visitor:
    return await harness.store.save_visitor(Visitor(
        id=new_id(), site_id=site_id or harness.site.id, token_hash=hash_token(new_token()),
        created_at=harness.clock.now(), email="vic@example.test", name="Vic"))


async def an_open_ticket(harness, visitor: Visitor, subject: str = "DNS change"):
    async with harness.services.desk.events.unit():
        return await harness.services.tickets.open(
            visitor, TicketRequest(subject=subject, text="Point www to the new host.", email=visitor.email),
            client="127.0.0.1")


async def test_a_ticket_opened_for_a_visitor_waits_for_confirmation(harness, writer, reader):
    visitor = await a_visitor(harness)
    body = {"visitor_id": visitor.id, "subject": "Refund", "text": "Order 12 twice", "priority": "high"}
    ticket = (await send(writer, "POST", "/tickets", 201, json=body))["ticket"]
    token = await token_named(harness, "writer")
    assert ticket["status"] == "pending_confirmation" and ticket["created_by"] == f"token:{token.id}"
    assert ticket["assignee_id"] is None and ticket["number"].startswith("SD-") and ticket["site"] == "acme"
    assert (await send(reader, "GET", f"/tickets/{ticket['id']}"))["ticket"] == ticket
    assert (await send(reader, "POST", "/tickets", 403, json=body))["error"]["code"] == "forbidden"
    assert (await send(writer, "PATCH", f"/tickets/{ticket['id']}", 409, json={"status": "solved"}))["error"][
        "code"] == "conflict"


async def test_the_topics_evidence_is_asked_for(harness, writer):
    visitor = await a_visitor(harness)
    body = {"visitor_id": visitor.id, "subject": "500s", "text": "It fails", "topic": "api"}
    error = (await send(writer, "POST", "/tickets", 400, json=body))["error"]
    assert error["code"] == "evidence_missing" and error["missing"] == ["api_call"]
    body["evidence"] = {"api_call": "GET /v1/orders"}
    ticket = (await send(writer, "POST", "/tickets", 201, json=body))["ticket"]
    assert ticket["evidence"] == {"api_call": "GET /v1/orders"}


@pytest.mark.parametrize("body", [{}, {"visitor_id": "x", "subject": "", "text": "t"},
                                  {"visitor_id": "x", "subject": "s", "text": "t", "priority": "urgent"},
                                  {"visitor_id": "x", "subject": "s", "text": "t", "extra": True},
                                  {"visitor_id": "x y", "subject": "s", "text": "t"}])
async def test_a_bad_ticket_is_400(writer, body):
    assert (await send(writer, "POST", "/tickets", 400, json=body))["error"]["code"] == "bad_request"


async def test_status_and_assignee_change_and_the_assignee_is_audited_as_the_token(harness, writer):
    ann, _ = await harness.add_agent("Ann")
    ticket = await an_open_ticket(harness, await a_visitor(harness))
    changed = (await send(writer, "PATCH", f"/tickets/{ticket.id}",
                          json={"status": "pending", "assignee_id": ann.id}))["ticket"]
    assert (changed["status"], changed["assignee_id"]) == ("pending", ann.id)
    assert (await send(writer, "PATCH", f"/tickets/{ticket.id}", json={"assignee_id": None}))["ticket"][
        "assignee_id"] is None
    assert (await send(writer, "PATCH", f"/tickets/{ticket.id}", 404, json={"assignee_id": "nobody"}))["error"][
        "code"] == "not_found"
    assert (await send(writer, "PATCH", f"/tickets/{ticket.id}", 400, json={"status": "pending_confirmation"}))[
        "error"]["code"] == "bad_request"
    token = await token_named(harness, "writer")
    entries = await harness.services.records.audit(action="ticket_assign", actor_id=f"token:{token.id}",
                                                   target=None, since=None, until=None, limit=10, offset=0)
    assert len(entries) == 2


async def test_a_reply_is_written_as_the_assignee_or_the_agent_named(harness, writer):
    ann, _ = await harness.add_agent("Ann")
    bo, _ = await harness.add_agent("Bo")
    ticket = await an_open_ticket(harness, await a_visitor(harness))
    assert (await send(writer, "POST", f"/tickets/{ticket.id}/replies", 409, json={"text": "Hi"}))["error"][
        "code"] == "conflict"
    await send(writer, "PATCH", f"/tickets/{ticket.id}", json={"assignee_id": ann.id})
    reply = (await send(writer, "POST", f"/tickets/{ticket.id}/replies", 201, json={"text": "Done."}))["reply"]
    assert (reply["author"], reply["agent_id"], reply["text"]) == ("agent", ann.id, "Done.")
    other = (await send(writer, "POST", f"/tickets/{ticket.id}/replies", 201,
                        json={"text": "Also.", "agent_id": bo.id}))["reply"]
    assert other["agent_id"] == bo.id
    replies = (await send(writer, "GET", f"/tickets/{ticket.id}"))["ticket"]["replies"]
    assert [r["text"] for r in replies] == ["Done.", "Also."]
    assert (await send(writer, "POST", f"/tickets/{ticket.id}/replies", 404,
                       json={"text": "x", "agent_id": "nobody"}))["error"]["code"] == "not_found"


async def test_a_site_token_sees_its_sites_tickets_only(harness):
    other = await harness.store.save_site(Site(id=new_id(), key="other", secret="o" * 32))
    ours = await an_open_ticket(harness, await a_visitor(harness))
    theirs = await an_open_ticket(harness, await a_visitor(harness, other.id))
    async with v1(harness, await integration_token(harness, "write", site="other")) as elsewhere:
        assert (await send(elsewhere, "GET", f"/tickets/{ours.id}", 404))["error"]["code"] == "not_found"
        assert (await send(elsewhere, "PATCH", f"/tickets/{ours.id}", 404, json={"status": "solved"}))["error"][
            "code"] == "not_found"
        assert (await send(elsewhere, "POST", f"/tickets/{ours.id}/replies", 404, json={"text": "x"}))["error"][
            "code"] == "not_found"
        body = {"visitor_id": ours.visitor_id, "subject": "s", "text": "t"}
        assert (await send(elsewhere, "POST", "/tickets", 404, json=body))["error"]["code"] == "not_found"
        assert [t["id"] for t in (await send(elsewhere, "GET", "/tickets"))["items"]] == [theirs.id]


async def test_pages_of_tickets_have_no_duplicates_or_gaps(harness, reader):
    visitor = await a_visitor(harness)
    made = []
    for n in range(7):
        made.append((await an_open_ticket(harness, visitor, f"t{n}")).id)
        harness.clock.advance(1 if n % 3 else 0)  # some opened in the same instant: the id orders them
    seen, cursor = [], None
    while True:
        page = await send(reader, "GET", "/tickets?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        assert len(page["items"]) <= 3
        seen += [t["id"] for t in page["items"]]
        if len(seen) == 3:
            await an_open_ticket(harness, visitor, "late")  # a new one comes first, not into the pages
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    filtered = await send(reader, "GET", f"/tickets?status=open&visitor_id={visitor.id}&priority=medium&limit=100")
    assert len(filtered["items"]) == 8 and filtered["next_cursor"] is None
    assert (await send(reader, "GET", "/tickets?status=nope", 400))["error"]["code"] == "bad_request"
