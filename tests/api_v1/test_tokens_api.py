"""Integration tokens over the console's REST API (leads only): made with
the token shown once, listed without it, revoked at once; audited without
the token; throttled and capped."""
from __future__ import annotations

import json

from server.services import integrations
from server.services.model import Role
from tests.api_v1.kit import send, v1
from tests.web.test_api import agent, call, client, error_code, lead  # noqa: F401 (fixtures)
from tests.web.test_console_login import PASSWORD, csrf_of, log_in

VIEW = {"id", "name", "scope", "site", "created_at", "last_used_at", "created_by"}


async def test_a_lead_makes_lists_and_revokes_a_token(harness, lead):  # noqa: F811
    made = await call(lead, "POST", "/api/integration-tokens", 201,
                      json={"name": "CRM sync", "scope": "write", "site": "acme"})
    secret, token = made["secret"], made["token"]
    assert secret.startswith("sdi_") and set(token) == VIEW
    assert (token["name"], token["scope"], token["site"], token["created_by"]) == ("CRM sync", "write", "acme", "Lead")
    desk = (await call(lead, "POST", "/api/integration-tokens", 201, json={"name": "BI", "scope": "read"}))["token"]
    assert desk["site"] is None
    async with v1(harness, secret) as program:
        await send(program, "GET", "/agents")
    listed = (await call(lead, "GET", "/api/integration-tokens"))["tokens"]
    assert {t["id"] for t in listed} == {token["id"], desk["id"]}
    assert next(t for t in listed if t["id"] == token["id"])["last_used_at"] is not None
    await call(lead, "DELETE", f"/api/integration-tokens/{token['id']}")
    async with v1(harness, secret) as program:
        assert (await send(program, "GET", "/agents", 401))["error"]["code"] == "unauthorized"
    assert [t["id"] for t in (await call(lead, "GET", "/api/integration-tokens"))["tokens"]] == [desk["id"]]
    assert await error_code(lead, "DELETE", f"/api/integration-tokens/{token['id']}", 404) == "not_found"
    audit = (await call(lead, "GET", "/api/audit"))["entries"]
    assert sorted(e["action"] for e in audit) == ["integration_token_add", "integration_token_add",
                                                  "integration_token_revoke"]
    assert secret not in json.dumps(audit) and secret not in json.dumps(listed)


async def test_agents_get_403_and_bad_bodies_400(harness, agent, lead):  # noqa: F811
    for method, path, body in (("GET", "/api/integration-tokens", None),
                               ("POST", "/api/integration-tokens", {"name": "x", "scope": "read"}),
                               ("DELETE", "/api/integration-tokens/abc", None)):
        assert await error_code(agent, method, path, 403, json=body) == "forbidden"
    for body in ({"name": "x", "scope": "admin"}, {"name": "", "scope": "read"}, {"name": "a\nb", "scope": "read"},
                 {"name": "x" * 65, "scope": "read"}, {"name": "x", "scope": "read", "site": "nope"},
                 {"name": "x", "scope": "read", "extra": 1}, {"scope": "read"}):
        assert await error_code(lead, "POST", "/api/integration-tokens", 400, json=body) == "bad_request", body


async def test_the_console_needs_its_csrf_token(harness):
    lena, _ = await harness.add_agent("Lena", role=Role.SUPERVISOR, password=PASSWORD)
    session, _ = await log_in(harness, lena.email)
    try:
        url = f"{harness.url}/api/integration-tokens"
        assert await error_code(session, "POST", url, 403, json={"name": "x", "scope": "read"}) == "forbidden"
        csrf = await csrf_of(session, f"{harness.url}/console/dashboard/sites")
        await call(session, "POST", url, 201, json={"name": "x", "scope": "read"}, headers={"X-CSRF-Token": csrf})
    finally:
        await session.close()


async def test_changes_are_throttled_and_tokens_capped(harness, lead):  # noqa: F811
    for n in range(30):
        await call(lead, "POST", "/api/integration-tokens", 201, json={"name": f"t{n}", "scope": "read"})
    assert await error_code(lead, "POST", "/api/integration-tokens", 429,
                            json={"name": "x", "scope": "read"}) == "rate_limited"
    harness.clock.advance(61)
    for n in range(30, integrations.MAX_TOKENS):
        await call(lead, "POST", "/api/integration-tokens", 201, json={"name": f"t{n}", "scope": "read"})
    assert await error_code(lead, "POST", "/api/integration-tokens", 409,
                            json={"name": "x", "scope": "read"}) == "conflict"
