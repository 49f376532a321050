"""Sites over REST (supervisors only): add, change origins and identity
mode, rotate the identity secret with a grace period; secrets only ever in
the answer that made them, never in a list, the audit log or the logs."""
from __future__ import annotations

import json
import logging

import pytest

from server.services.model import IdentityMode, Role
from tests.web.test_api import agent, call, client, error_code, lead  # noqa: F401 (fixtures)
from tests.web.test_console_login import PASSWORD, csrf_of, log_in

SHOP = {"origins": ["https://shop.example.com"], "identity": "optional"}
VIEW = {"id", "key", "origins", "identity", "rotating", "previous_until"}


async def test_a_lead_adds_a_site_and_sees_its_secret_once(harness, lead, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)  # what `run.py serve` logs (the drivers log statements at DEBUG)
    added = await call(lead, "POST", "/api/sites", 201, json={**SHOP, "key": "shop"})
    secret = added["secret"]
    assert len(secret) >= 43  # 32 random bytes
    assert set(added["site"]) == VIEW and added["site"]["key"] == "shop"
    stored = await harness.store.site_by_key("shop")
    assert stored.secret == secret and stored.origins == ("https://shop.example.com",)
    generated = await call(lead, "POST", "/api/sites", 201, json={"origins": [], "identity": "required"})
    assert generated["site"]["key"] and generated["secret"] != secret
    listed = (await call(lead, "GET", "/api/sites"))["sites"]
    assert [s["key"] for s in listed] == sorted(["acme", "shop", generated["site"]["key"]])
    assert all(set(s) == VIEW for s in listed)
    audit = await call(lead, "GET", "/api/audit")
    assert [e["action"] for e in audit["entries"]] == ["site_add", "site_add"]
    for text in (json.dumps(listed), json.dumps(audit), caplog.text):
        assert secret not in text and generated["secret"] not in text


async def test_a_lead_changes_origins_and_identity_and_origins_are_normalised(harness, lead):  # noqa: F811
    site = (await call(lead, "POST", "/api/sites", 201, json={**SHOP, "key": "shop"}))["site"]
    harness.clock.advance(60)  # the audit log lists the newest first
    body = {"origins": ["HTTPS://Shop.Example.com:443/", "http://localhost:8080", "https://shop.example.com",
                        "http://[::1]:3000"], "identity": "required"}
    changed = (await call(lead, "PATCH", f"/api/sites/{site['id']}", json=body))["site"]
    assert changed["origins"] == ["https://shop.example.com", "http://localhost:8080", "http://[::1]:3000"]
    assert changed["identity"] == "required" and changed["key"] == "shop"
    stored = await harness.store.site_by_id(site["id"])
    assert stored.identity is IdentityMode.REQUIRED and stored.secret  # the secret stays
    entry = (await call(lead, "GET", "/api/audit"))["entries"][0]
    assert entry["action"] == "site_update" and entry["target"] == "site:shop"
    assert entry["data"]["was"] == {"key": "shop", "origins": ["https://shop.example.com"], "identity": "optional"}


async def test_a_rotation_keeps_the_old_secret_for_the_grace_chosen(harness, lead):  # noqa: F811
    before = harness.site.secret
    rotated = await call(lead, "POST", f"/api/sites/{harness.site.id}/rotate", json={"grace_hours": 48})
    assert rotated["secret"] != before and rotated["site"]["rotating"] is True
    assert rotated["site"]["previous_until"] == "2026-11-25T15:00:00Z"  # the harness clock, 48 h on
    stored = await harness.store.site_by_id(harness.site.id)
    assert (stored.secret, stored.previous_secret) == (rotated["secret"], before)
    entry = (await call(lead, "GET", "/api/audit"))["entries"][0]
    assert entry["action"] == "site_rotate" and entry["data"]["grace_hours"] == 48
    assert before not in json.dumps(entry) and rotated["secret"] not in json.dumps(entry)
    harness.clock.advance(48 * 3600)
    acme = (await call(lead, "GET", "/api/sites"))["sites"][0]
    assert acme["rotating"] is False and acme["previous_until"] is None
    again = await call(lead, "POST", f"/api/sites/{harness.site.id}/rotate", json={"grace_hours": 0})
    stored = await harness.store.site_by_id(harness.site.id)
    assert stored.secret == again["secret"] and stored.previous_secret is None and not again["site"]["rotating"]


async def test_agents_get_403_on_every_site_route(harness, agent):  # noqa: F811
    site_path = f"/api/sites/{harness.site.id}"
    for method, path, body in (("GET", "/api/sites", None), ("POST", "/api/sites", SHOP),
                               ("PATCH", site_path, SHOP), ("POST", f"{site_path}/rotate", {"grace_hours": 1})):
        assert await error_code(agent, method, path, 403, json=body) == "forbidden", (method, path)
    # before the body is read: a bad body still says 403
    assert await error_code(agent, "POST", "/api/sites", 403, data=b"{") == "forbidden"
    assert (await harness.store.site_by_id(harness.site.id)).secret == harness.site.secret


async def test_without_a_login_the_api_says_401_and_the_page_redirects(harness):
    async with client(harness) as anonymous:
        assert await error_code(anonymous, "GET", "/api/sites", 401) == "unauthorized"
        assert await error_code(anonymous, "POST", "/api/sites", 401, json=SHOP) == "unauthorized"
        async with anonymous.get("/console/dashboard/sites", allow_redirects=False) as response:
            assert response.status == 302 and "/console/login" in response.headers["Location"]


async def test_the_page_is_for_supervisors_and_the_api_needs_the_csrf_token(harness):
    ann, _ = await harness.add_agent("Ann", password=PASSWORD)
    lena, _ = await harness.add_agent("Lena", role=Role.SUPERVISOR, password=PASSWORD)
    session, _ = await log_in(harness, ann.email)
    try:
        async with session.get(f"{harness.url}/console/dashboard/sites") as response:
            assert response.status == 403
    finally:
        await session.close()
    session, _ = await log_in(harness, lena.email)
    try:
        async with session.get(f"{harness.url}/console/dashboard/sites") as response:
            assert response.status == 200 and 'data-page="sites"' in await response.text()
        assert await error_code(session, "POST", f"{harness.url}/api/sites", 403, json=SHOP) == "forbidden"
        rotate = f"{harness.url}/api/sites/{harness.site.id}/rotate"
        assert await error_code(session, "POST", rotate, 403, json={"grace_hours": 1}) == "forbidden"
        token = await csrf_of(session, f"{harness.url}/console/dashboard/sites")
        await call(session, "POST", f"{harness.url}/api/sites", 201, json=SHOP, headers={"X-CSRF-Token": token})
    finally:
        await session.close()


@pytest.mark.parametrize("fields", [
    pytest.param({"origins": ["https://shop.example.com/path"]}, id="a path"),
    pytest.param({"origins": ["https://shop.example.com?q=1"]}, id="a query"),
    pytest.param({"origins": ["ftp://shop.example.com"]}, id="another scheme"),
    pytest.param({"origins": ["shop.example.com"]}, id="no scheme"),
    pytest.param({"origins": ["https://"]}, id="no host"),
    pytest.param({"origins": ["https://user@shop.example.com"]}, id="a user"),
    pytest.param({"origins": ["https://shop.example.com:99999"]}, id="port past 65535"),
    pytest.param({"origins": ["https://shop.example.com:0"]}, id="port 0"),
    pytest.param({"origins": ["https://*.example.com"]}, id="a wildcard"),
    pytest.param({"origins": ["https://exa mple.com"]}, id="a space"),
    pytest.param({"origins": [f"https://{'a' * 200}.com"]}, id="origin too long"),
    pytest.param({"origins": [f"https://s{i}.example.com" for i in range(21)]}, id="21 origins"),
    pytest.param({"identity": "sometimes"}, id="an unknown identity mode"),
    pytest.param({"key": "-shop"}, id="key starts with a dash"),
    pytest.param({"key": "sh op"}, id="key with a space"),
    pytest.param({"key": ""}, id="empty key"),
    pytest.param({"key": "k" * 65}, id="key over 64"),
    pytest.param({"secret": "mine"}, id="a secret (never chosen over REST)"),
    pytest.param({"extra": 1}, id="an unknown field"),
])
async def test_bad_sites_are_refused(harness, lead, fields):  # noqa: F811
    assert await error_code(lead, "POST", "/api/sites", 400, json={**SHOP, "key": "shop", **fields}) == "bad_request"
    # a key (which never changes) or a secret is an unknown field of a change
    assert await error_code(lead, "PATCH", f"/api/sites/{harness.site.id}", 400,
                            json={**SHOP, **fields}) == "bad_request"
    assert await harness.store.site_by_key("shop") is None
    assert (await harness.store.site_by_id(harness.site.id)).origins == ()


@pytest.mark.parametrize("grace", [-1, 169, 1.5, "24", None])
async def test_a_grace_outside_0_to_168_hours_is_refused(harness, lead, grace):  # noqa: F811
    path = f"/api/sites/{harness.site.id}/rotate"
    assert await error_code(lead, "POST", path, 400, json={"grace_hours": grace}) == "bad_request"
    assert (await harness.store.site_by_id(harness.site.id)).secret == harness.site.secret


async def test_a_taken_key_is_a_conflict_and_an_unknown_site_is_not_found(lead):  # noqa: F811
    await call(lead, "POST", "/api/sites", 201, json={**SHOP, "key": "shop"})
    assert await error_code(lead, "POST", "/api/sites", 409, json={**SHOP, "key": "shop"}) == "conflict"
    assert await error_code(lead, "PATCH", "/api/sites/nope", 404, json=SHOP) == "not_found"
    assert await error_code(lead, "POST", "/api/sites/nope/rotate", 404, json={"grace_hours": 1}) == "not_found"


async def test_site_changes_are_rate_limited_per_lead(harness, lead):  # noqa: F811
    path = f"/api/sites/{harness.site.id}"
    for _ in range(30):
        await call(lead, "PATCH", path, json=SHOP)
    assert await error_code(lead, "PATCH", path, 429, json=SHOP) == "rate_limited"
    harness.clock.advance(61)
    await call(lead, "PATCH", path, json=SHOP)
