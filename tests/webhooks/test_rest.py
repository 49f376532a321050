"""Webhooks over REST (supervisors only): add with a secret shown once,
list, enable, disable, remove, the delivery log and redelivery; agents get
403, the anonymous 401, the console's session needs its CSRF token;
secrets never in a list, the audit log or the logs."""
from __future__ import annotations

import json
import logging

import pytest

from server.policy.webhooks import EVENT_TYPES
from server.services.model import Role
from tests.web.test_api import agent, call, client, error_code, lead  # noqa: F401 (fixtures)
from tests.web.test_console_login import PASSWORD, csrf_of, log_in

VIEW = {"id", "site", "url", "events", "enabled", "disabled_reason", "failures", "created_at", "last_delivery_at"}
HOOK = {"site": "acme", "url": "https://crm.example.com/hooks?token=t0ps3cret", "events": ["chat.started"]}


@pytest.fixture
def config_overrides() -> dict:
    # crm.example.com resolves to nothing here: taken, and checked again at each connection
    return {"webhooks": {"allow_hosts": "127.0.0.2"}}


async def test_a_lead_adds_a_webhook_and_sees_its_secret_once(harness, lead, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)
    added = await call(lead, "POST", "/api/webhooks", 201, json=HOOK)
    secret = added["secret"]
    assert secret.startswith("whsec_") and len(secret) >= 6 + 32  # 192 bits
    assert set(added["webhook"]) == VIEW
    assert added["webhook"] | {"id": "", "created_at": ""} == {
        "id": "", "site": "acme", "url": HOOK["url"], "events": ["chat.started"], "enabled": True,
        "disabled_reason": None, "failures": 0, "created_at": "", "last_delivery_at": None}
    stored = await harness.store.webhook_by_id(added["webhook"]["id"])
    harness.clock.advance(1)  # listed in the order added
    assert stored.secret == secret  # kept recoverable: every delivery is signed with it
    own = await call(lead, "POST", "/api/webhooks", 201, json={**HOOK, "events": [], "secret": "x" * 20})
    assert own["secret"] == "x" * 20
    listed = (await call(lead, "GET", "/api/webhooks"))["webhooks"]
    assert [h["id"] for h in listed] == [added["webhook"]["id"], own["webhook"]["id"]]
    assert all(set(h) == VIEW for h in listed)
    assert (await call(lead, "GET", "/api/webhooks?site=acme"))["webhooks"] == listed
    assert await error_code(lead, "GET", "/api/webhooks?site=nosuch", 404) == "not_found"
    audit = await call(lead, "GET", "/api/audit")
    entries = [e for e in audit["entries"] if e["action"].startswith("webhook")]
    assert [e["action"] for e in entries] == ["webhook_add", "webhook_add"]
    assert entries[0]["data"]["url"] == "https://crm.example.com/hooks"  # without the query's token
    for text in (json.dumps(listed), json.dumps(audit), caplog.text):
        assert secret not in text and "x" * 20 not in text
    assert "t0ps3cret" not in json.dumps(audit) and "t0ps3cret" not in caplog.text


async def test_the_event_names_are_listed(harness, lead):  # noqa: F811
    assert (await call(lead, "GET", "/api/webhooks/events"))["events"] == list(EVENT_TYPES)
    assert len(EVENT_TYPES) == 13


@pytest.mark.parametrize(("fields", "says"), [
    pytest.param({"url": "http://crm.example.com/h"}, "must be https", id="http"),
    pytest.param({"url": "ftp://crm.example.com/h"}, "https://", id="ftp"),
    pytest.param({"url": "https://user:pw@crm.example.com/h"}, "user name", id="credentials"),
    pytest.param({"url": "https://10.1.2.3/h"}, "private", id="private address"),
    pytest.param({"url": "https://169.254.169.254/latest"}, "private", id="link-local metadata"),
    pytest.param({"url": "https://[::1]/h"}, "private", id="IPv6 loopback"),
    pytest.param({"url": "https://[::ffff:10.0.0.1]/h"}, "private", id="IPv4-mapped private"),
    pytest.param({"url": "https://0.0.0.0/h"}, "private", id="unspecified"),
    pytest.param({"url": "https://localhost/h"}, "private", id="a name of a loopback address"),
    pytest.param({"events": ["chat.nope"]}, "unknown event", id="unknown event"),
    pytest.param({"secret": "short"}, "secret", id="short secret"),
    pytest.param({"secret": "with a space in it!!"}, "secret", id="secret with spaces"),
])
async def test_bad_webhooks_are_refused_with_a_clear_message(harness, lead, fields, says):  # noqa: F811
    answer = await call(lead, "POST", "/api/webhooks", 400, json={**HOOK, **fields})
    assert answer["error"]["code"] == "bad_request" and says in answer["error"]["message"]
    assert await harness.store.list_webhooks() == []


async def test_an_allow_listed_address_is_taken(harness, lead):  # noqa: F811
    await call(lead, "POST", "/api/webhooks", 201, json={**HOOK, "url": "https://127.0.0.2:9/h"})


async def test_enable_disable_remove_and_the_delivery_log(harness, lead):  # noqa: F811
    hook = (await call(lead, "POST", "/api/webhooks", 201, json=HOOK))["webhook"]
    path = f"/api/webhooks/{hook['id']}"
    harness.clock.advance(1)  # the audit log lists the newest first
    off = (await call(lead, "POST", f"{path}/disable"))["webhook"]
    assert off["enabled"] is False and off["disabled_reason"]
    harness.clock.advance(1)
    on = (await call(lead, "POST", f"{path}/enable"))["webhook"]
    assert on["enabled"] is True and on["disabled_reason"] is None and on["failures"] == 0
    assert await call(lead, "GET", f"{path}/deliveries") == {"ok": True, "deliveries": [], "next": None}
    assert await error_code(lead, "POST", f"{path}/deliveries/1/redeliver", 404) == "not_found"
    assert await error_code(lead, "POST", f"{path}/deliveries/x/redeliver", 400) == "bad_request"
    assert await error_code(lead, "GET", f"{path}/deliveries?limit=0", 400) == "bad_request"
    harness.clock.advance(1)
    assert await call(lead, "DELETE", path) == {"ok": True}
    assert await error_code(lead, "DELETE", path, 404) == "not_found"
    assert await error_code(lead, "POST", f"{path}/enable", 404) == "not_found"
    actions = [e["action"] for e in (await call(lead, "GET", "/api/audit"))["entries"]]
    assert actions[:4] == ["webhook_remove", "webhook_enable", "webhook_disable", "webhook_add"]


async def test_agents_get_403_on_every_webhook_route(harness, agent, lead):  # noqa: F811
    hook = (await call(lead, "POST", "/api/webhooks", 201, json=HOOK))["webhook"]
    path = f"/api/webhooks/{hook['id']}"
    for method, route, body in (("GET", "/api/webhooks/events", None), ("GET", "/api/webhooks", None),
                                ("POST", "/api/webhooks", HOOK), ("DELETE", path, None),
                                ("POST", f"{path}/enable", None), ("POST", f"{path}/disable", None),
                                ("GET", f"{path}/deliveries", None),
                                ("POST", f"{path}/deliveries/1/redeliver", None)):
        assert await error_code(agent, method, route, 403, json=body) == "forbidden", (method, route)
    assert await error_code(agent, "POST", "/api/webhooks", 403, data=b"{") == "forbidden"
    async with client(harness) as anonymous:
        for method, route in (("GET", "/api/webhooks"), ("POST", "/api/webhooks"), ("DELETE", path),
                              ("GET", f"{path}/deliveries"), ("POST", f"{path}/disable")):
            assert await error_code(anonymous, method, route, 401, json=HOOK) == "unauthorized", (method, route)
    assert len(await harness.store.list_webhooks()) == 1


async def test_the_console_session_needs_the_csrf_token(harness):
    lena, _ = await harness.add_agent("Lena", role=Role.SUPERVISOR, password=PASSWORD)
    session, _ = await log_in(harness, lena.email)
    try:
        url = f"{harness.url}/api/webhooks"
        assert await error_code(session, "POST", url, 403, json=HOOK) == "forbidden"
        await call(session, "GET", url)  # a safe method needs none
        token = await csrf_of(session, f"{harness.url}/console/dashboard/sites")
        added = await call(session, "POST", url, 201, json=HOOK, headers={"X-CSRF-Token": token})
        hook_url = f"{url}/{added['webhook']['id']}"
        assert await error_code(session, "DELETE", hook_url, 403) == "forbidden"
        assert await call(session, "DELETE", hook_url, headers={"X-CSRF-Token": token}) == {"ok": True}
    finally:
        await session.close()


async def test_changes_are_throttled_like_the_sites(harness, lead):  # noqa: F811
    hook = (await call(lead, "POST", "/api/webhooks", 201, json=HOOK))["webhook"]
    for _ in range(29):
        await call(lead, "POST", f"/api/webhooks/{hook['id']}/disable")
    assert await error_code(lead, "POST", f"/api/webhooks/{hook['id']}/enable", 429) == "rate_limited"
    harness.clock.advance(61)
    await call(lead, "POST", f"/api/webhooks/{hook['id']}/enable")


async def test_a_delivery_being_delivered_is_not_redelivered(harness, lead):  # noqa: F811
    from server.services.webhook_types import HookRow
    hook = (await call(lead, "POST", "/api/webhooks", 201, json=HOOK))["webhook"]
    await harness.store.queue_hooks([HookRow(hook["id"], "evt_held", "chat.ended", None, "{}", harness.clock.now())])
    (held,) = await harness.store.due_deliveries(harness.clock.now(), 10)  # as a worker would, mid-attempt
    path = f"/api/webhooks/{hook['id']}/deliveries/{held.id}/redeliver"
    assert await error_code(lead, "POST", path, 409) == "conflict"
    (log,) = await harness.store.webhook_deliveries(hook["id"], 10)
    assert log.leased_until == held.leased_until and log.state is held.state  # untouched
