"""Canned replies over REST: every agent reads them, only supervisors change
them; shortcuts are unique and shaped like `/greet`."""
from __future__ import annotations

import pytest

from tests.web.test_api import agent, call, error_code, lead  # noqa: F401 (fixtures)

GREET = {"shortcut": "greet", "title": "Greeting", "text": "Hello! How can I help you today?"}


async def test_a_supervisor_adds_and_every_agent_lists_sorted_by_shortcut(agent, lead):  # noqa: F811
    assert (await call(agent, "GET", "/api/canned"))["replies"] == []
    greet = (await call(lead, "POST", "/api/canned", 201, json=GREET))["reply"]
    bye = (await call(lead, "POST", "/api/canned", 201,
                      json={"shortcut": "bye", "title": "Goodbye", "text": "Bye!"}))["reply"]
    assert set(greet) == {"id", "shortcut", "title", "text", "updated_at"}
    assert greet["text"] == GREET["text"] and greet["updated_at"].endswith("Z")
    assert (await call(agent, "GET", "/api/canned"))["replies"] == [bye, greet]


async def test_only_supervisors_change_canned_replies(agent, lead):  # noqa: F811
    assert await error_code(agent, "POST", "/api/canned", 403, json=GREET) == "forbidden"
    added = (await call(lead, "POST", "/api/canned", 201, json=GREET))["reply"]
    path = f"/api/canned/{added['id']}"
    assert await error_code(agent, "POST", path, 403, json={**GREET, "text": "Hi"}) == "forbidden"
    assert await error_code(agent, "DELETE", path, 403) == "forbidden"
    assert (await call(agent, "GET", "/api/canned"))["replies"] == [added]


async def test_a_supervisor_updates_and_removes(harness, lead):  # noqa: F811
    added = (await call(lead, "POST", "/api/canned", 201, json=GREET))["reply"]
    harness.clock.advance(60)
    path = f"/api/canned/{added['id']}"
    changed = (await call(lead, "POST", path, json={"shortcut": "hello", "title": "Hi", "text": "Hi there"}))["reply"]
    assert changed["id"] == added["id"] and changed["shortcut"] == "hello" and changed["text"] == "Hi there"
    assert changed["updated_at"] > added["updated_at"]
    harness.clock.advance(60)
    assert (await call(lead, "DELETE", path))["reply"] == changed
    assert await error_code(lead, "DELETE", path, 404) == "not_found"
    assert await error_code(lead, "POST", path, 404, json=GREET) == "not_found"
    actions = [e["action"] for e in (await call(lead, "GET", "/api/audit"))["entries"]]
    assert actions == ["canned_remove", "canned_update", "canned_add"]


async def test_a_shortcut_is_taken_once(lead):  # noqa: F811
    await call(lead, "POST", "/api/canned", 201, json=GREET)
    assert await error_code(lead, "POST", "/api/canned", 409, json=GREET) == "conflict"
    other = (await call(lead, "POST", "/api/canned", 201, json={**GREET, "shortcut": "hi"}))["reply"]
    assert await error_code(lead, "POST", f"/api/canned/{other['id']}", 409, json=GREET) == "conflict"


@pytest.mark.parametrize("fields, status", [
    pytest.param({"shortcut": "Greet"}, 400, id="upper case"),
    pytest.param({"shortcut": "-greet"}, 400, id="starts with a dash"),
    pytest.param({"shortcut": "g" * 33}, 400, id="shortcut over 32"),
    pytest.param({"shortcut": ""}, 400, id="empty shortcut"),
    pytest.param({"shortcut": "gr eet"}, 400, id="a space"),
    pytest.param({"title": " "}, 400, id="blank title"),
    pytest.param({"title": "t" * 101}, 400, id="title over 100"),
    pytest.param({"text": "  "}, 400, id="blank text"),
    pytest.param({"text": "x" * 4001}, 413, id="text over message_chars"),
    pytest.param({"extra": 1}, 400, id="an unknown field"),
])
async def test_bad_canned_replies_are_refused(lead, fields, status):  # noqa: F811
    await call(lead, "POST", "/api/canned", status, json={**GREET, **fields})
    assert (await call(lead, "GET", "/api/canned"))["replies"] == []


async def test_the_longest_shortcut_and_a_digit_first_are_fine(lead):  # noqa: F811
    for shortcut in ("a" + "b_-9" * 7 + "xyz", "404"):
        await call(lead, "POST", "/api/canned", 201, json={**GREET, "shortcut": shortcut})
