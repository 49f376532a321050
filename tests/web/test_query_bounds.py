"""No 500 from a parameter: every query and path parameter of every route
in server/web/ is bounded, and a value out of bounds is refused with 400
`bad_request`, on SQLite and on PostgreSQL (which refuses a NUL in text and
an integer past 64 bits where SQLite shrugs)."""
from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from server.services.model import Role, Visitor
from server.services.tokens import hash_token, new_id, new_token
from tests.both_stores import database_url, pg_database  # noqa: F401 (fixtures)
from tests.web.test_console_login import PASSWORD, log_in

HUGE = "99999999999999999999"  # past 64 bits
LONG = "x" * 300


@pytest.fixture
async def lead(harness) -> AsyncIterator[aiohttp.ClientSession]:
    _, token = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    async with aiohttp.ClientSession(base_url=harness.url, headers={"Authorization": f"Bearer {token}"}) as http:
        yield http


QUERIES = [
    # GET /api/tickets
    "/api/tickets?offset=" + HUGE, "/api/tickets?offset=-1", "/api/tickets?limit=" + HUGE, "/api/tickets?limit=0",
    "/api/tickets?status=nope", "/api/tickets?priority=nope", "/api/tickets?q=" + LONG, "/api/tickets?q=a%00b",
    "/api/tickets?visitor_id=a%00b", "/api/tickets?account=a%00b", "/api/tickets?topic=a%00b",
    "/api/tickets?limit=1.5", "/api/tickets?nope=1", "/api/tickets?limit=1&limit=2",
    # GET /api/audit
    "/api/audit?offset=" + HUGE, "/api/audit?limit=" + HUGE, "/api/audit?action=a%00b", "/api/audit?actor=a%00b",
    "/api/audit?target=a%00b", "/api/audit?since=0001-01-01T00:00:00%2B14:00",
    "/api/audit?until=9999-12-31T23:59:59-14:00", "/api/audit?since=2026-11-23T15:00:00",  # no offset
    # GET /api/alerts
    "/api/alerts?offset=" + HUGE, "/api/alerts?kind=nope", "/api/alerts?limit=-5",
    # GET /api/reports(.csv)
    "/api/reports?from=0001-01-01&to=0001-01-02", "/api/reports?from=9999-12-30&to=9999-12-31",
    "/api/reports?from=2026-11-23&to=2026-11-23&agent_id=a%00b", "/api/reports?from=2026-11-24&to=2026-11-23",
    "/api/reports?to=2026-11-23", "/api/reports.csv?from=9999-12-31&to=9999-12-31",
    # the dashboard's
    "/api/chats?status=ended", "/api/chats?status=a%00b", "/api/reports/hourly?day=9999-12-31",
    "/api/reports/hourly?day=0001-01-01", "/api/reports/daily?from=9999-12-30&to=9999-12-31",
    "/api/reports/daily?from=0001-01-01&to=0001-01-01",
    # path parameters
    "/api/tickets/a%00b", "/api/tickets/" + LONG, "/api/visitors/a%00b/context", "/api/chats/a%00b",
    "/api/chats/" + LONG,
]


@pytest.mark.parametrize("path", QUERIES)
async def test_a_parameter_out_of_bounds_is_a_400(harness, lead, path):
    async with lead.get(path) as answer:
        body = await answer.json()
        assert answer.status == 400, body
    assert body["ok"] is False and body["error"]["code"] == "bad_request"


WRITES = [
    ("POST", "/api/tickets/a%00b/status", {"status": "open"}),
    ("POST", "/api/tickets/a%00b/replies", {"text": "hi"}),
    ("POST", "/api/canned/a%00b", {"shortcut": "hi", "title": "Hi", "text": "Hello"}),
    ("DELETE", "/api/canned/a%00b", None),
    ("DELETE", "/api/closures/a%00b", None),
]


@pytest.mark.parametrize(("method", "path", "payload"), WRITES)
async def test_a_bad_path_id_on_a_write_is_a_400(harness, lead, method, path, payload):
    async with lead.request(method, path, json=payload) as answer:
        body = await answer.json()
        assert answer.status == 400, body
    assert body["error"]["code"] == "bad_request"


async def test_well_formed_unknown_ids_are_404_and_bounds_still_answer(harness, lead):
    async with lead.get("/api/tickets/" + "a" * 32) as answer:
        assert answer.status == 404
    async with lead.get("/api/tickets?offset=1000000&limit=200") as answer:  # the deepest page allowed
        assert answer.status == 200 and (await answer.json())["tickets"] == []
    async with lead.get("/api/audit?since=2026-11-23T15:00:00Z&until=2026-11-24T00:00:00-05:00") as answer:
        assert answer.status == 200


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("token", ["a%00b", LONG])
async def test_a_malformed_confirmation_link_is_no_500(harness, method, token):
    """The GET is only a button; the POST says the link is not valid (the
    service checks the token's shape before any store read)."""
    async with aiohttp.ClientSession(base_url=harness.url) as http, \
            http.request(method, f"/tickets/confirm/{token}") as page:
        assert page.status == (200 if method == "GET" else 404)


async def test_the_dashboard_chat_page_refuses_a_bad_id_with_a_400(harness):
    lead, _ = await harness.add_agent("Lead", role=Role.SUPERVISOR, password=PASSWORD)
    session, _ = await log_in(harness, lead.email)
    try:
        async with session.get(f"{harness.url}/console/dashboard/chats/a%00b") as page:
            assert page.status == 400
        async with session.get(f"{harness.url}/console/dashboard/chats/{'a' * 32}") as page:
            assert page.status == 200
    finally:
        await session.close()


async def test_a_nul_in_a_body_is_a_400_not_a_500(harness, lead):
    """PostgreSQL stores no NUL in text: a body carrying one is refused at
    the door, on both stores alike."""
    visitor = await harness.store.save_visitor(Visitor(
        id=new_id(), site_id=harness.site.id, token_hash=hash_token(new_token()), created_at=harness.clock.now(),
        email="v@example.test"))
    bodies = [("POST", "/api/tickets", {"visitor_id": visitor.id, "subject": "hi", "text": "a\x00b"}),
              ("POST", "/api/closures", {"day": "2026-12-24", "reason": "a\x00b"}),
              ("POST", "/api/canned", {"shortcut": "hi", "title": "a\x00b", "text": "Hello"})]
    for method, path, payload in bodies:
        async with lead.request(method, path, json=payload) as answer:
            assert answer.status == 400, (path, await answer.text())
            assert (await answer.json())["error"]["code"] == "bad_request"
    form = {"site": harness.site.key, "email": "v@example.test", "subject": "help", "text": "a\x00b"}
    async with aiohttp.ClientSession() as http, http.post(f"{harness.url}/widget/tickets", json=form) as answer:
        assert answer.status == 400
