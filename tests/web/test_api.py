"""The agents' REST API (/api) and the public ticket confirmation link,
against the harness's real server."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from server.services.mail import parse_mailbox
from server.services.model import Role, Visitor
from server.services.tickets import TicketRequest
from server.services.tokens import hash_token, new_id, new_token
from server.web.api import MAX_BODY
from tests.web.test_console_login import PASSWORD, csrf_of, log_in

CONFIRM_LINK = re.compile(r"/tickets/confirm/([A-Za-z0-9_-]+)")


@pytest.fixture
def config_overrides() -> dict:
    return {"plans": {"gold": {"tickets_included": 1}}}


def client(harness, token: str | None = None) -> aiohttp.ClientSession:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return aiohttp.ClientSession(base_url=harness.url, headers=headers)


@pytest.fixture
async def agent(harness) -> AsyncIterator[aiohttp.ClientSession]:
    _, token = await harness.add_agent("Agent")
    async with client(harness, token) as session:
        yield session


@pytest.fixture
async def lead(harness) -> AsyncIterator[aiohttp.ClientSession]:
    # on the desk hours, not "always": closures would not take an "always" lead off
    _, token = await harness.add_agent("Lead", role=Role.SUPERVISOR, shift="")
    async with client(harness, token) as session:
        yield session


async def call(session: aiohttp.ClientSession, method: str, path: str, status: int = 200, **kwargs) -> dict:
    async with session.request(method, path, **kwargs) as response:
        answer = await response.json()
        assert response.status == status, answer
        assert answer["ok"] is (status < 400)
        return answer


async def error_code(session: aiohttp.ClientSession, method: str, path: str, status: int, **kwargs) -> str:
    return (await call(session, method, path, status, **kwargs))["error"]["code"]


async def a_visitor(harness, *, plan: str | None = None, account: str | None = None,
                    email: str | None = "vic@example.test") -> Visitor:
    return await harness.store.save_visitor(Visitor(
        id=new_id(), site_id=harness.site.id, token_hash=hash_token(new_token()), created_at=harness.clock.now(),
        verified=plan is not None, account_id=account, email=email, name="Vic", plan=plan))


def ticket_body(visitor: Visitor, **fields) -> dict:
    return {"visitor_id": visitor.id, "subject": "DNS change", "text": "Point www to the new host.", **fields}


async def mail_to(harness, address: str) -> list:
    """The queued mail to `address` (its `to` may carry the visitor's name too)."""
    return [q.mail for q in await harness.store.due_mail(harness.clock.now(), 10)
            if parse_mailbox(q.mail.to).addr_spec == address]


# who may call


async def test_the_api_refuses_requests_without_credentials_or_with_a_bad_token(harness):
    async with client(harness) as anonymous:
        assert await error_code(anonymous, "GET", "/api/tickets", 401) == "unauthorized"
    async with client(harness, "x" * 32) as forged:
        assert await error_code(forged, "GET", "/api/closures", 401) == "unauthorized"
    async with client(harness) as basic:
        assert await error_code(basic, "GET", "/api/closures", 401, headers={"Authorization": "Basic eDp5"}) \
            == "unauthorized"


async def test_a_console_session_posts_only_with_its_csrf_token(harness):
    lead, _ = await harness.add_agent("Lead", role=Role.SUPERVISOR, password=PASSWORD)
    session, _ = await log_in(harness, lead.email)
    closure = {"day": "2026-12-24", "reason": "Christmas Eve"}
    try:
        assert (await call(session, "GET", f"{harness.url}/api/closures"))["closures"] == []
        assert await error_code(session, "POST", f"{harness.url}/api/closures", 403, json=closure) == "forbidden"
        assert await error_code(session, "POST", f"{harness.url}/api/closures", 403, json=closure,
                                headers={"X-CSRF-Token": "wrong-é"}) == "forbidden"
        token = await csrf_of(session, f"{harness.url}/console")
        added = await call(session, "POST", f"{harness.url}/api/closures", 201, json=closure,
                           headers={"X-CSRF-Token": token})
        assert added["closure"]["day"] == "2026-12-24"
    finally:
        await session.close()


async def test_a_bearer_token_posts_without_a_csrf_token(lead):
    added = await call(lead, "POST", "/api/closures", 201, json={"day": "2026-12-24", "reason": "Christmas Eve"})
    assert added["closure"]["reason"] == "Christmas Eve"


async def test_answers_are_private_to_the_browser(agent):
    async with agent.get("/api/closures") as response:
        assert response.headers["Cache-Control"] == "no-store"


# bodies and queries

GOOD_CLOSURE = b'{"day": "2026-12-24", "reason": "Christmas Eve"}'


@pytest.mark.parametrize("data, status", [
    pytest.param(b"{", 400, id="not json"),
    pytest.param(b"", 400, id="empty body"),
    pytest.param(b'["2026-12-24"]', 400, id="an array, not an object"),
    pytest.param(GOOD_CLOSURE[:-1] + b', "extra": 1}', 400, id="unknown field"),
    pytest.param(b'{"day": "24/12/2026", "reason": "Christmas Eve"}', 400, id="bad date"),
    pytest.param(b'{"day": "2026-12-24"}', 400, id="missing field"),
    pytest.param(b'{"day": "2026-12-24", "reason": "' + b"x" * MAX_BODY + b'"}', 413, id="body over 64 KiB"),
])
async def test_bad_bodies_are_refused(lead, data, status):
    await call(lead, "POST", "/api/closures", status, data=data, headers={"Content-Type": "application/json"})


async def test_text_over_message_chars_is_too_large(harness, agent):
    visitor = await a_visitor(harness)
    limit = harness.config.limits.message_chars
    answer = await call(agent, "POST", "/api/tickets", 413, json=ticket_body(visitor, text="x" * (limit + 1)))
    assert answer["error"] == {"code": "too_large", "message": f"text is longer than {limit} characters",
                               "limit": limit}


@pytest.mark.parametrize("query", [
    pytest.param("status=open,lost", id="unknown status"),
    pytest.param("priority=urgent", id="unknown priority"),
    pytest.param("limit=0", id="limit below 1"),
    pytest.param("limit=201", id="limit above 200"),
    pytest.param("limit=ten", id="limit not a number"),
    pytest.param("offset=-1", id="negative offset"),
    pytest.param("colour=red", id="unknown parameter"),
])
async def test_bad_ticket_queries_are_refused(agent, query):
    assert await error_code(agent, "GET", f"/api/tickets?{query}", 400) == "bad_request"


# tickets


async def test_a_ticket_opened_on_behalf_waits_for_the_visitors_confirmation(harness, agent):
    visitor = await a_visitor(harness)
    opened = (await call(agent, "POST", "/api/tickets", 201, json=ticket_body(visitor, priority="high")))["ticket"]
    assert opened["status"] == "pending_confirmation" and opened["priority"] == "high"
    assert opened["email"] == visitor.email and opened["replies"] == []
    [mail] = await mail_to(harness, visitor.email)
    assert opened["number"] in mail.subject
    token = CONFIRM_LINK.search(mail.text).group(1)

    async with aiohttp.ClientSession(base_url=harness.url) as browser:  # the visitor: no login
        async with browser.get(f"/tickets/confirm/{token}") as page:  # what a mail scanner fetches
            assert page.status == 200 and 'method="post"' in await page.text()
        assert (await call(agent, "GET", f"/api/tickets/{opened['id']}"))["ticket"]["status"] == "pending_confirmation"
        async with browser.post(f"/tickets/confirm/{token}") as page:
            assert page.status == 200 and f"Ticket {opened['number']} is confirmed" in await page.text()
        async with browser.post(f"/tickets/confirm/{token}") as again:
            assert again.status == 404
    assert (await call(agent, "GET", f"/api/tickets/{opened['id']}"))["ticket"]["status"] == "open"
    assert any("Please confirm" not in m.subject for m in await mail_to(harness, visitor.email))  # the receipt

    solved = await call(agent, "POST", f"/api/tickets/{opened['id']}/status", json={"status": "solved"})
    assert solved["ticket"]["status"] == "solved"
    reply = (await call(agent, "POST", f"/api/tickets/{opened['id']}/replies", 201,
                        json={"text": "Done: www points to the new host."}))["reply"]
    assert reply["author"] == "agent" and reply["ticket_id"] == opened["id"]
    detail = (await call(agent, "GET", f"/api/tickets/{opened['id']}"))["ticket"]
    assert [r["text"] for r in detail["replies"]] == ["Done: www points to the new host."]


async def test_only_the_link_confirms_a_ticket(harness, agent):
    visitor = await a_visitor(harness)
    opened = (await call(agent, "POST", "/api/tickets", 201, json=ticket_body(visitor)))["ticket"]
    assert await error_code(agent, "POST", f"/api/tickets/{opened['id']}/status", 409,
                            json={"status": "open"}) == "conflict"
    assert await error_code(agent, "POST", f"/api/tickets/{opened['id']}/status", 400,
                            json={"status": "pending_confirmation"}) == "bad_request"


async def test_a_ticket_for_an_unknown_visitor_or_one_without_email_is_refused(harness, agent):
    assert await error_code(agent, "POST", "/api/tickets", 404, json={
        "visitor_id": "nobody", "subject": "Hi", "text": "Hello"}) == "not_found"
    no_email = await a_visitor(harness, email=None)
    assert await error_code(agent, "POST", "/api/tickets", 409, json=ticket_body(no_email)) == "conflict"
    assert await error_code(agent, "GET", "/api/tickets/nothing-here", 404) == "not_found"


@pytest.mark.parametrize("token", [pytest.param("x" * 32, id="unknown token"), pytest.param("short", id="malformed")])
async def test_a_bad_confirmation_link_is_an_error_page(harness, token):
    async with aiohttp.ClientSession(base_url=harness.url) as browser:
        async with browser.post(f"/tickets/confirm/{token}") as page:
            assert page.status == 404 and "not valid" in await page.text()


async def test_confirmation_attempts_are_rate_limited_per_address(harness):
    async with aiohttp.ClientSession(base_url=harness.url) as browser:
        for _ in range(20):
            assert (await browser.post(f"/tickets/confirm/{'x' * 32}")).status == 404
        assert (await browser.post(f"/tickets/confirm/{'x' * 32}")).status == 429
        harness.clock.advance(61)
        assert (await browser.post(f"/tickets/confirm/{'x' * 32}")).status == 404


async def test_the_ticket_list_filters_and_pages(harness, agent):
    ann, bob = await a_visitor(harness, email="ann@example.test"), await a_visitor(harness, email="bob@example.test")
    await call(agent, "POST", "/api/tickets", 201, json=ticket_body(ann, subject="Printer jam", priority="low"))
    harness.clock.advance(60)
    await call(agent, "POST", "/api/tickets", 201, json=ticket_body(bob, subject="DNS change", topic="dns"))
    harness.clock.advance(60)
    async with harness.services.desk.events.unit():  # as the widget's request runs it
        mine = await harness.services.tickets.open(  # the visitor's own: open at once
            bob, TicketRequest(subject="Refund", text="Please refund me.", email=bob.email), client="127.0.0.1")

    async def subjects(query: str = "") -> list[str]:
        return [t["subject"] for t in (await call(agent, "GET", f"/api/tickets?{query}"))["tickets"]]

    assert await subjects() == ["Refund", "DNS change", "Printer jam"]  # newest first
    assert await subjects("status=open") == ["Refund"]
    assert await subjects("status=open,pending_confirmation&priority=low") == ["Printer jam"]
    assert await subjects("topic=dns") == ["DNS change"]
    assert await subjects("q=printer") == ["Printer jam"]
    assert await subjects(f"q={mine.label}") == ["Refund"]
    assert await subjects(f"visitor_id={bob.id}") == ["Refund", "DNS change"]
    assert await subjects("limit=1&offset=1") == ["DNS change"]
    assert await subjects("offset=3") == []
    [listed] = (await call(agent, "GET", "/api/tickets?limit=1"))["tickets"]
    assert listed["number"] == mine.label and listed["email"] == "bob@example.test"
    assert listed["response_due_at"] and listed["resolution_due_at"] and listed["updated_at"]


# a visitor's context


async def test_the_visitor_context_counts_the_plans_tickets(harness, agent):
    visitor = await a_visitor(harness, plan="gold", account="acct-7")
    context = await call(agent, "GET", f"/api/visitors/{visitor.id}/context")
    assert context["visitor"]["account"] == "acct-7" and context["open_tickets"] == []
    assert context["quota"] == {"plan": "gold", "used": 0, "included": 1, "over": False}

    first = (await call(agent, "POST", "/api/tickets", 201, json=ticket_body(visitor)))
    assert first["quota"]["used"] == 1
    await call(agent, "POST", "/api/tickets", 201, json=ticket_body(visitor, subject="Broken disk", warranty=True))
    second = await call(agent, "POST", "/api/tickets", 201, json=ticket_body(visitor, subject="Another"))
    assert second["quota"] == {"plan": "gold", "used": 2, "included": 1, "over": True}

    context = await call(agent, "GET", f"/api/visitors/{visitor.id}/context")
    assert len(context["open_tickets"]) == 3 and context["quota"]["over"] is True
    assert (await call(agent, "GET", f"/api/tickets/{first['ticket']['id']}"))["quota"]["used"] == 2


async def test_an_unknown_visitor_has_no_context_and_a_planless_one_no_quota(harness, agent):
    assert await error_code(agent, "GET", "/api/visitors/nobody/context", 404) == "not_found"
    visitor = await a_visitor(harness)
    assert (await call(agent, "GET", f"/api/visitors/{visitor.id}/context"))["quota"] is None


# closures


async def test_only_supervisors_add_and_remove_closures(agent, lead):
    closure = {"day": "2026-12-24", "reason": "Christmas Eve"}
    assert await error_code(agent, "POST", "/api/closures", 403, json=closure) == "forbidden"
    added = (await call(lead, "POST", "/api/closures", 201, json=closure))["closure"]
    assert (await call(agent, "GET", "/api/closures"))["closures"] == [added]
    assert await error_code(agent, "DELETE", f"/api/closures/{added['id']}", 403) == "forbidden"
    assert (await call(lead, "DELETE", f"/api/closures/{added['id']}"))["closure"] == added
    assert (await call(agent, "GET", "/api/closures"))["closures"] == []
    assert await error_code(lead, "DELETE", f"/api/closures/{added['id']}", 404) == "not_found"


async def test_a_past_day_or_an_empty_reason_is_no_closure(lead):
    assert await error_code(lead, "POST", "/api/closures", 400, json={"day": "2026-11-22", "reason": "x"}) \
        == "bad_request"
    assert await error_code(lead, "POST", "/api/closures", 400, json={"day": "2026-12-24", "reason": " "}) \
        == "bad_request"


async def test_a_closure_today_takes_the_desk_offline(harness, lead):
    await harness.add_agent("Weekday", shift="")  # works the desk hours: Monday 10:00 in New York is open
    assert (await (await harness.visitor()).next("session"))["online"] is True
    today = harness.clock.now().astimezone(harness.services.desk.tz).date().isoformat()
    added = (await call(lead, "POST", "/api/closures", 201, json={"day": today, "reason": "Office move"}))
    session = await (await harness.visitor()).next("session")
    assert session["online"] is False and session["next_open"] == "2026-11-24T14:00:00Z"
    await call(lead, "DELETE", f"/api/closures/{added['closure']['id']}")
    assert (await (await harness.visitor()).next("session"))["online"] is True
