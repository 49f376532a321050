"""People over REST (/api/people) and the public password link page: a
supervisor lists, adds, edits, disables and re-enables agents and makes
one-time password links; an agent reaches none of it. Disabling or a new
role ends the agent's sessions and sockets at once (not at the next look
of services/sessions.py, which these tests keep from looking) and puts
their chats at the front of the queue."""
from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from server.services import sessions
from server.services.model import Role
from server.services.tokens import hash_token
from tests.peers import Refused
from tests.smtp import inbox, smtp_port  # noqa: F401 (fixtures)
from tests.web.test_api import agent, call, client, error_code, lead  # noqa: F401 (agent, lead: fixtures)
from tests.web.test_console_login import PASSWORD, csrf_of, log_in
from tests.web.test_sessions import console  # noqa: F401 (fixture)

NEW = {"email": "Sam@Example.test", "name": "Sam Rivera", "skills": ["billing", "network"], "capacity": 2,
       "shift": "mon-fri 09:00-17:00", "tier": 2}
LINK = re.compile(r"/console/reset/([A-Za-z0-9_-]{32})$")
NEW_PASSWORD = "a brand new password"
ROUTES = [("GET", "/api/people"), ("POST", "/api/people"), ("PATCH", "/api/people/x1"),
          ("POST", "/api/people/x1/disable"), ("POST", "/api/people/x1/enable"), ("POST", "/api/people/x1/reset")]


@pytest.fixture(autouse=True)
def no_session_watch(monkeypatch):
    """The store watch looks once at start-up and then not for an hour:
    what closes here closes because the change itself closed it."""
    monkeypatch.setattr(sessions, "WATCH_S", 3600.0)


def here(harness, url: str) -> str:
    """The link on the test's server (links carry `[server] public_url`, here the default host and port)."""
    return harness.url + url[url.index("/console/reset/"):]


async def set_password(harness, url: str, password: str = NEW_PASSWORD, confirm: str | None = None) -> tuple[int, str]:
    url = here(harness, url)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        token = await csrf_of(browser, f"{harness.url}/console/login")  # the browser session's: a dead link has no form
        async with browser.post(url, data={"csrf_token": token, "password": password,
                                           "confirm": password if confirm is None else confirm}) as answer:
            return answer.status, await answer.text()


async def closed_within(peer, seconds: float = 1.0) -> None:
    """Closed by the change itself: the store watch would take an hour here."""
    async def gone() -> None:
        while peer.sio.connected:
            await asyncio.sleep(0.02)
    await asyncio.wait_for(gone(), seconds)


async def page_status(harness, url: str) -> int:
    url = here(harness, url)
    async with aiohttp.ClientSession() as browser, browser.get(url) as page:
        return page.status


# who may


@pytest.mark.parametrize("method, path", ROUTES)
async def test_an_agent_gets_403_on_every_people_route(agent, method, path):
    kwargs = {"json": {}} if method != "GET" else {}
    assert await error_code(agent, method, path, 403, **kwargs) == "forbidden"


@pytest.mark.parametrize("method, path", ROUTES)
async def test_without_credentials_every_people_route_is_401(harness, method, path):
    async with client(harness) as anonymous:
        assert await error_code(anonymous, method, path, 401) == "unauthorized"


async def test_the_people_page_is_for_supervisors_only(harness, console):  # noqa: F811
    plain, _ = await harness.add_agent("Pat", password=PASSWORD)
    browser = await console(plain.email)
    async with browser.http.get(f"{harness.url}/console/dashboard/people", allow_redirects=False) as page:
        assert page.status == 403
    async with aiohttp.ClientSession() as nobody:
        async with nobody.get(f"{harness.url}/console/dashboard/people", allow_redirects=False) as page:
            assert page.status == 302 and page.headers["Location"].startswith("/console/login")


async def test_a_console_session_needs_the_csrf_token_to_change_people(harness, console):  # noqa: F811
    boss, _ = await harness.add_agent("Boss", role=Role.SUPERVISOR, password=PASSWORD)
    browser = await console(boss.email)
    async with browser.http.post(f"{harness.url}/api/people", json=NEW) as answer:
        assert answer.status == 403
    assert await harness.store.agent_by_email("sam@example.test") is None


# adding, and the first password


async def test_a_lead_adds_an_agent_who_sets_a_password_by_the_link_and_logs_in(harness, lead):
    added = await call(lead, "POST", "/api/people", 201, json=NEW)
    person, link = added["agent"], added["link"]
    assert person["email"] == "sam@example.test" and person["skills"] == ["billing", "network"]
    assert (person["tier"], person["capacity"], person["shift"], person["role"]) == (2, 2, "mon-fri 09:00-17:00",
                                                                                   "agent")
    assert person["disabled"] is False and link["mailed_to"] is None
    assert LINK.search(link["url"])
    assert (await log_in(harness, "sam@example.test", PASSWORD))[1].status == 401  # no password yet
    assert await page_status(harness, link["url"]) == 200
    status, text = await set_password(harness, link["url"])
    assert status == 200 and 'data-sd="reset-done"' in text
    http, response = await log_in(harness, "sam@example.test", NEW_PASSWORD)
    await http.close()
    assert response.status == 303
    # the link works once
    assert await page_status(harness, link["url"]) == 404
    status, text = await set_password(harness, link["url"], "another password here")
    assert status == 404 and "does not work" in text
    people = (await call(lead, "GET", "/api/people"))["people"]
    assert [p["email"] for p in people if p["name"] == "Sam Rivera"] == ["sam@example.test"]


async def test_the_token_is_stored_hashed_and_audit_never_holds_it(harness, lead):
    link = (await call(lead, "POST", "/api/people", 201, json=NEW))["link"]
    token = LINK.search(link["url"]).group(1)
    assert await harness.store.password_reset(token) is None
    assert await harness.store.password_reset(hash_token(token)) is not None
    harness.clock.advance(60)
    await set_password(harness, link["url"])
    entries = (await call(lead, "GET", "/api/audit"))["entries"]
    by_action = {e["action"]: e for e in entries}
    assert entries[0]["action"] == "password_reset" and set(by_action) == {"password_reset", "password_link",
                                                                          "agent_add"}
    assert token not in repr(entries) and NEW_PASSWORD not in repr(entries)
    sam = await harness.store.agent_by_email("sam@example.test")
    assert {e["target"] for e in entries} == {f"agent:{sam.id}"}
    assert entries[0]["actor_id"] == sam.id and by_action["agent_add"]["data"]["email"] == "sam@example.test"


async def test_a_link_expires_on_the_desk_clock(harness, lead):
    link = (await call(lead, "POST", "/api/people", 201, json=NEW))["link"]
    harness.clock.advance(24 * 3600 - 1)
    assert await page_status(harness, link["url"]) == 200
    harness.clock.advance(1)
    assert await page_status(harness, link["url"]) == 404
    assert (await set_password(harness, link["url"]))[0] == 404
    assert (await harness.store.agent_by_email("sam@example.test")).password_hash is None


async def test_unknown_and_malformed_links_get_the_same_page(harness):
    for token in ("A" * 32, "short", "x" * 300):
        assert await page_status(harness, f"/console/reset/{token}") == 404


async def test_a_new_link_voids_the_older_one(harness, lead):
    added = await call(lead, "POST", "/api/people", 201, json=NEW)
    newer = (await call(lead, "POST", f"/api/people/{added['agent']['id']}/reset", 201))["link"]
    assert await page_status(harness, added["link"]["url"]) == 404
    assert (await set_password(harness, newer["url"]))[0] == 200


@pytest.mark.parametrize("password, confirm, message", [
    ("short", None, "at least 10"),
    (NEW_PASSWORD, "something else entirely", "not the same"),
])
async def test_a_bad_new_password_is_refused_and_the_link_still_works(harness, lead, password, confirm, message):
    link = (await call(lead, "POST", "/api/people", 201, json=NEW))["link"]
    status, text = await set_password(harness, link["url"], password, confirm)
    assert status == 400 and message in text
    assert (await set_password(harness, link["url"]))[0] == 200


async def test_the_link_form_needs_its_csrf_token(harness, lead):
    link = (await call(lead, "POST", "/api/people", 201, json=NEW))["link"]
    async with aiohttp.ClientSession() as browser:
        form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        async with browser.post(here(harness, link["url"]), data=form) as answer:
            assert answer.status == 403
    assert await page_status(harness, link["url"]) == 200


@pytest.mark.parametrize("fields, status, words", [
    pytest.param({"shift": "mon-fri 9-5"}, 400, "shift", id="a bad shift"),
    pytest.param({"shift": "mon-fri 18:00-09:00"}, 400, "shift", id="a shift ending before it starts"),
    pytest.param({"skills": ["Billing!"]}, 400, "skill", id="a bad skill"),
    pytest.param({"capacity": 21}, 400, "capacity", id="capacity over 20"),
    pytest.param({"capacity": -1}, 400, "capacity", id="capacity below 0"),
    pytest.param({"tier": 4}, 400, "tier", id="tier 4"),
    pytest.param({"email": "not an email"}, 400, "email", id="a bad email"),
    pytest.param({"name": "   "}, 400, "name", id="a blank name"),
    pytest.param({"role": "owner"}, 400, "role", id="an unknown role"),
    pytest.param({"password": "x" * 12}, 400, "password", id="an unknown field"),
])
async def test_bad_people_are_refused_with_what_is_wrong(lead, fields, status, words):
    error = (await call(lead, "POST", "/api/people", status, json={**NEW, **fields}))["error"]
    assert words in error["message"]


async def test_an_email_is_taken_once_even_by_a_disabled_agent(harness, lead):
    added = (await call(lead, "POST", "/api/people", 201, json=NEW))["agent"]
    assert await error_code(lead, "POST", "/api/people", 409, json={**NEW, "email": "sam@example.TEST"}) == "conflict"
    await call(lead, "POST", f"/api/people/{added['id']}/disable")
    assert await error_code(lead, "POST", "/api/people", 409, json=NEW) == "conflict"


async def test_always_and_desk_hours_are_shifts(lead):
    for shift in ("always", "", "mon-fri 09:00-12:00,13:00-18:00; sat 10:00-14:00"):
        person = (await call(lead, "POST", "/api/people", 201,
                             json={**NEW, "email": f"p{len(shift)}@example.test", "shift": shift}))["agent"]
        assert person["shift"] == shift


class TestWithMail:
    """The desk mails through a real SMTP server (tests/smtp.py)."""

    @pytest.fixture
    def config_overrides(self, smtp_port: int) -> dict:  # noqa: F811
        return {"mail": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "from": "Desk <desk@example.test>"}}

    async def test_the_link_is_mailed_and_not_shown(self, harness, lead, inbox):  # noqa: F811
        added = await call(lead, "POST", "/api/people", 201, json=NEW)
        assert added["link"]["url"] is None and added["link"]["mailed_to"] == "sam@example.test"

        async def delivered() -> bool:
            return len(inbox.envelopes) == 1
        await harness.eventually(delivered)
        assert inbox.envelopes[0].rcpt_tos == ["sam@example.test"]
        assert inbox.message()["Subject"] == "Your Shiftdesk password link"
        url = re.search(r"http\S+/console/reset/\S+", inbox.body()).group(0)
        assert (await set_password(harness, url))[0] == 200
        entries = (await call(lead, "GET", "/api/audit", params={"action": "password_link"}))["entries"]
        assert entries[0]["data"]["mailed"] is True and url.rsplit("/", 1)[1] not in repr(entries)


# editing


async def test_a_lead_edits_an_agent_and_the_audit_says_what_changed(harness, lead):
    added = (await call(lead, "POST", "/api/people", 201, json=NEW))["agent"]
    path = f"/api/people/{added['id']}"
    edited = (await call(lead, "PATCH", path, json={"skills": ["network"], "capacity": 5, "on_call": True,
                                                      "shift": "always", "name": " Sam  R. "}))["agent"]
    assert (edited["skills"], edited["capacity"], edited["on_call"], edited["shift"], edited["name"]) == \
        (["network"], 5, True, "always", "Sam R.")
    assert edited["tier"] == 2  # left out: unchanged
    entry = (await call(lead, "GET", "/api/audit", params={"action": "agent_edit"}))["entries"][0]
    assert entry["data"] == {"name": "Sam R.", "skills": ["network"], "capacity": 5, "shift": "always",
                             "on_call": True}
    assert await error_code(lead, "PATCH", path, 400, json={"shift": "whenever"}) == "bad_request"
    assert await error_code(lead, "PATCH", "/api/people/nobody", 404, json={"tier": 1}) == "not_found"
    # the roster every agent reads follows at once
    roster = (await call(lead, "GET", "/api/agents"))["agents"]
    assert [a["capacity"] for a in roster if a["id"] == added["id"]] == [5]


async def test_a_lead_cannot_change_their_own_role_or_disable_themselves(harness):
    me, token = await harness.add_agent("Me", role=Role.SUPERVISOR)
    async with client(harness, token) as lead:
        message = (await call(lead, "PATCH", f"/api/people/{me.id}", 400, json={"role": "agent"}))["error"]["message"]
        assert "own role" in message
        await error_code(lead, "POST", f"/api/people/{me.id}/disable", 400)
        assert (await call(lead, "PATCH", f"/api/people/{me.id}", json={"role": "supervisor", "tier": 3}))[
            "agent"]["tier"] == 3


async def test_a_new_role_ends_the_agents_sessions_and_sockets_at_once(harness, lead, console):  # noqa: F811
    ann, ann_token = await harness.add_agent("Ann", password=PASSWORD)
    browser = await console(ann.email)
    socket, token_socket = await browser.socket(), await harness.agent(ann_token)
    await call(lead, "PATCH", f"/api/people/{ann.id}", json={"role": "supervisor"})
    await closed_within(socket)
    await closed_within(token_socket)
    async with browser.http.get(f"{harness.url}/console", allow_redirects=False) as page:
        assert page.status == 302
    http, response = await log_in(harness, ann.email)  # her password still works: a new session
    await http.close()
    assert response.status == 303


# disabling


async def test_disabling_ends_everything_at_once_and_requeues_the_chat_in_front(harness, lead, console):  # noqa: F811
    ann, ann_token = await harness.add_agent("Ann", capacity=1, password=PASSWORD)
    _, bob_token = await harness.add_agent("Bob")
    browser = await console(ann.email)
    cookie_socket, ann_socket = await browser.socket(), await harness.agent(ann_token)
    held = (await (await harness.visitor()).call("chat:start", {"text": "I need Ann"}))["chat"]
    await ann_socket.next("chat:assigned", lambda a: a["chat"]["id"] == held["id"])
    waiting = (await (await harness.visitor()).call("chat:start", {"text": "me too"}))["chat"]

    disabled = (await call(lead, "POST", f"/api/people/{ann.id}/disable"))["agent"]
    assert disabled["disabled"] is True and disabled["disabled_at"]
    # the answer came after the re-queue: no waiting on a watch or a grace period
    assert [e.chat_id for e in await harness.services.desk.live.queue()] == [held["id"], waiting["id"]]
    await closed_within(cookie_socket)
    await closed_within(ann_socket)
    bob = await harness.agent(bob_token)
    assert (await bob.next("chat:assigned"))["chat"]["id"] == held["id"]

    with pytest.raises(Refused):
        await harness.peer("/agent", {"token": ann_token}).connect()
    async with client(harness, ann_token) as ann_api:
        assert await error_code(ann_api, "GET", "/api/tickets", 401) == "unauthorized"
    assert (await log_in(harness, ann.email))[1].status == 401
    assert await error_code(lead, "POST", f"/api/people/{ann.id}/disable", 409) == "conflict"
    assert await error_code(lead, "POST", f"/api/people/{ann.id}/reset", 409) == "conflict"
    assert ann.id not in [a["id"] for a in (await call(lead, "GET", "/api/agents"))["agents"]]
    assert [p["disabled"] for p in (await call(lead, "GET", "/api/people"))["people"] if p["id"] == ann.id] == [True]

    harness.clock.advance(60)
    enabled = (await call(lead, "POST", f"/api/people/{ann.id}/enable"))["agent"]
    assert enabled["disabled"] is False
    http, response = await log_in(harness, ann.email)
    await http.close()
    assert response.status == 303
    assert await error_code(lead, "POST", f"/api/people/{ann.id}/enable", 409) == "conflict"
    actions = [e["action"] for e in (await call(lead, "GET", "/api/audit",
                                                params={"target": f"agent:{ann.id}"}))["entries"]]
    assert actions == ["agent_enable", "agent_disable"]


async def test_a_disabled_agents_reset_link_stops_working(harness, lead):
    added = await call(lead, "POST", "/api/people", 201, json=NEW)
    await call(lead, "POST", f"/api/people/{added['agent']['id']}/disable")
    assert await page_status(harness, added["link"]["url"]) == 404  # voided by the disable
    assert (await set_password(harness, added["link"]["url"]))[0] == 404


async def test_a_link_made_before_a_disable_stays_dead_once_the_agent_is_enabled_again(harness, lead):
    """Disabling voids the links: one handed out before (to a leaver, or seen
    by someone it should not have been) would otherwise open the account
    again the moment a lead re-enables it, for the rest of its day."""
    added = await call(lead, "POST", "/api/people", 201, json=NEW)
    agent_id = added["agent"]["id"]
    await call(lead, "POST", f"/api/people/{agent_id}/disable")
    await call(lead, "POST", f"/api/people/{agent_id}/enable")
    assert await page_status(harness, added["link"]["url"]) == 404
    assert (await set_password(harness, added["link"]["url"]))[0] == 404


async def test_setting_a_password_by_link_ends_the_agents_other_sessions(harness, lead, console):  # noqa: F811
    ann, _ = await harness.add_agent("Ann", password=PASSWORD)
    browser = await console(ann.email)
    socket = await browser.socket()
    link = (await call(lead, "POST", f"/api/people/{ann.id}/reset", 201))["link"]
    assert (await log_in(harness, ann.email))[1].status == 303  # the old password works until the link is used
    assert (await set_password(harness, link["url"]))[0] == 200
    await closed_within(socket)
    assert (await log_in(harness, ann.email))[1].status == 401
    http, response = await log_in(harness, ann.email, NEW_PASSWORD)
    await http.close()
    assert response.status == 303


async def test_links_for_one_agent_are_limited_per_hour(harness, lead):
    ann, _ = await harness.add_agent("Ann", password=PASSWORD)
    for _ in range(10):
        await call(lead, "POST", f"/api/people/{ann.id}/reset", 201)
    assert await error_code(lead, "POST", f"/api/people/{ann.id}/reset", 429) == "rate_limited"


async def test_a_new_shift_is_told_to_the_agents_console_at_once(harness, lead):
    ann, token = await harness.add_agent("Ann", shift="always")
    socket = await harness.agent(token)
    await call(lead, "PATCH", f"/api/people/{ann.id}", json={"shift": "sat 10:00-11:00"})  # the clock is a Tuesday
    assert (await socket.next("shift"))["on_shift"] is False
    await call(lead, "PATCH", f"/api/people/{ann.id}", json={"shift": ""})  # the desk hours: 10:00 in New York
    assert (await socket.next("shift", lambda s: s["on_shift"]))["on_shift"] is True


async def test_agents_one_lead_adds_are_limited_per_hour(harness, lead):
    for n in range(30):
        await call(lead, "POST", "/api/people", 201, json={**NEW, "email": f"p{n}@example.test"})
    assert await error_code(lead, "POST", "/api/people", 429, json=NEW) == "rate_limited"
    harness.clock.advance(3601)
    await call(lead, "POST", "/api/people", 201, json=NEW)


async def test_an_edit_keeps_what_the_command_line_set_beyond_the_dashboards_bounds(harness, lead):
    bot, _ = await harness.add_agent("Bot", capacity=200, skills=("Legacy Skill",))
    form = {"name": "Bot", "role": "agent", "tier": 1, "skills": ["Legacy Skill"], "capacity": 200, "shift": "always",
            "on_call": True}  # all of the page's form, one field changed
    assert (await call(lead, "PATCH", f"/api/people/{bot.id}", json=form))["agent"]["on_call"] is True
    assert await error_code(lead, "PATCH", f"/api/people/{bot.id}", 400, json={**form, "capacity": 201}) == \
        "bad_request"


async def test_every_dashboard_hears_of_a_change(harness, lead):
    watching = await harness.supervisor()
    added = (await call(lead, "POST", "/api/people", 201, json=NEW))["agent"]
    told = await watching.next("people")
    assert told["action"] == "add" and told["agent"]["email"] == "sam@example.test"
    await call(lead, "POST", f"/api/people/{added['id']}/disable")
    told = await watching.next("people", lambda t: t["action"] == "disable")
    assert told["agent"]["disabled"] is True


async def test_changes_one_lead_makes_to_people_are_limited_per_minute(harness, lead):
    ann, _ = await harness.add_agent("Ann", password=PASSWORD)
    for n in range(15):  # each edit, disable and enable writes an audit row and has every node read the agents
        await call(lead, "POST", f"/api/people/{ann.id}/disable")
        await call(lead, "POST", f"/api/people/{ann.id}/enable")
    assert await error_code(lead, "PATCH", f"/api/people/{ann.id}", 429, json={"name": "Ann B"}) == "rate_limited"
    harness.clock.advance(61)
    await call(lead, "PATCH", f"/api/people/{ann.id}", json={"name": "Ann B"})
