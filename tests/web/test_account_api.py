"""An agent's own account over REST (/api/me): their password, their console
sessions and their named API tokens. Only their own: another agent's
session or token id is a 404. A token is shown once and stored hashed; a
revoked one opens nothing at once, on REST and on the socket; a new password
ends every other session and token socket at once and keeps this one.

"At once" is checked with the session watch slowed to an hour: what closes
here is closed by the change itself, not by the watch's next look."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest

from server.services import auth, sessions
from server.services import own_account as account
from server.services.model import Role
from server.services.tokens import hash_token
from tests.realtime.test_sla import settle
from tests.peers import Refused
from tests.web.test_console_login import PASSWORD, csrf_of, log_in

NEW_PASSWORD = "a brand new passphrase"
CLOSE_S = 1.5  # real seconds: far below the watch's hour, ample for a close to cross the loopback


@pytest.fixture(autouse=True)
def no_watch(monkeypatch):
    """The watch looks once as the server starts, then not for an hour."""
    monkeypatch.setattr(sessions, "WATCH_S", 3600.0)


class Browser:
    """A logged-in console: its cookie jar and the page's CSRF token."""

    def __init__(self, harness, http: aiohttp.ClientSession, csrf: str) -> None:
        self.harness, self.http, self.csrf = harness, http, csrf
        self.cookie = "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)

    async def call(self, method: str, path: str, status: int = 200, *, csrf: bool = True, **kwargs) -> dict:
        headers = {"X-CSRF-Token": self.csrf} if csrf and method != "GET" else {}
        async with self.http.request(method, self.harness.url + path, headers=headers, **kwargs) as response:
            answer = await response.json()
            assert response.status == status, answer
            return answer

    async def socket(self, namespace: str = "/agent"):
        peer = await self.harness.peer(namespace, None, {"Cookie": self.cookie}).connect()
        await peer.next("session")
        return peer


@pytest.fixture
async def browser(harness):
    opened: list[aiohttp.ClientSession] = []

    async def open_browser(email: str, password: str = PASSWORD) -> Browser:
        http, response = await log_in(harness, email, password)
        opened.append(http)
        assert response.status == 303
        return Browser(harness, http, await csrf_of(http, f"{harness.url}/console"))
    yield open_browser
    for http in opened:
        await http.close()


async def bearer(harness, token: str, method: str = "GET", path: str = "/api/tickets", **kwargs) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.request(
            method, harness.url + path, headers={"Authorization": f"Bearer {token}"}, **kwargs) as response:
        return response.status, await response.json()


async def login_status(harness, email: str, password: str) -> int:
    http, response = await log_in(harness, email, password)
    await http.close()
    return response.status


async def closed(peer) -> None:
    async def until_closed() -> None:
        while peer.sio.connected:
            await asyncio.sleep(0.02)
    await asyncio.wait_for(until_closed(), CLOSE_S)


async def test_me_names_the_agent_to_a_session_or_a_token_and_nobody_else(harness, browser):
    agent, legacy = await harness.add_agent("Ava", password=PASSWORD, skills=("billing",))
    me = (await (await browser(agent.email)).call("GET", "/api/me"))
    assert me["console"] is True and me["agent"]["email"] == agent.email and me["agent"]["skills"] == ["billing"]
    assert "password_hash" not in me["agent"] and "token_hash" not in me["agent"]
    status, answer = await bearer(harness, legacy, path="/api/me")
    assert status == 200 and answer["console"] is False and answer["agent"]["id"] == agent.id
    async with aiohttp.ClientSession() as anonymous, anonymous.get(harness.url + "/api/me/tokens") as response:
        assert response.status == 401
    async with aiohttp.ClientSession() as anonymous, anonymous.get(harness.url + "/console/account",
                                                                   allow_redirects=False) as page:
        assert page.status == 302 and page.headers["Location"].startswith("/console/login?next=")


async def test_an_api_token_manages_nothing_of_the_account(harness, browser):
    agent, legacy = await harness.add_agent("Ben", password=PASSWORD)
    named = (await (await browser(agent.email)).call("POST", "/api/me/tokens", 201, json={"name": "ci"}))["secret"]
    for token in (legacy, named):
        for method, path, body in (("GET", "/api/me/tokens", None), ("POST", "/api/me/tokens", {"name": "more"}),
                                   ("GET", "/api/me/sessions", None),
                                   ("POST", "/api/me/password", {"current": PASSWORD, "new": NEW_PASSWORD})):
            status, answer = await bearer(harness, token, method, path, json=body)
            assert (status, answer["error"]["code"]) == (403, "forbidden"), (method, path)
    assert await login_status(harness, agent.email, PASSWORD) == 303  # the password did not change


async def test_unsafe_routes_need_the_pages_csrf_token(harness, browser):
    agent, _ = await harness.add_agent("Cal", password=PASSWORD)
    console = await browser(agent.email)
    for method, path, body in (("POST", "/api/me/tokens", {"name": "x"}), ("DELETE", "/api/me/tokens/abc", None),
                               ("DELETE", "/api/me/sessions/abc", None),
                               ("POST", "/api/me/password", {"current": PASSWORD, "new": NEW_PASSWORD})):
        answer = await console.call(method, path, 403, csrf=False, json=body)
        assert answer["error"]["code"] == "forbidden"
    assert (await console.call("GET", "/api/me/tokens"))["tokens"] == []


async def test_a_token_is_shown_once_stored_hashed_and_opens_rest_and_the_socket(harness, browser):
    agent, _ = await harness.add_agent("Dee", password=PASSWORD)
    console = await browser(agent.email)
    made = await console.call("POST", "/api/me/tokens", 201, json={"name": "  reporting script  "})
    secret = made["secret"]
    assert len(secret) >= 22 and made["token"]["name"] == "reporting script"  # >= 128 bits, name stripped
    assert made["token"]["last_used_at"] is None and set(made["token"]) == {"id", "name", "created_at", "last_used_at"}
    stored = await harness.store.api_tokens_of(agent.id)
    assert [t.token_hash for t in stored] == [hash_token(secret)]
    listed = await console.call("GET", "/api/me/tokens")
    assert listed["tokens"] == [made["token"]] and secret not in str(listed) and hash_token(secret) not in str(listed)
    harness.clock.advance(5)
    status, answer = await bearer(harness, secret)
    assert status == 200 and answer["ok"]
    peer = await harness.agent(secret)
    assert peer.received("session")[0]["agent"]["id"] == agent.id
    used = (await console.call("GET", "/api/me/tokens"))["tokens"][0]["last_used_at"]
    assert used is not None
    harness.clock.advance(30)  # within the minute: last_used_at is not written again
    assert (await bearer(harness, secret))[0] == 200
    assert (await console.call("GET", "/api/me/tokens"))["tokens"][0]["last_used_at"] == used
    harness.clock.advance(60)
    assert (await bearer(harness, secret))[0] == 200
    assert (await console.call("GET", "/api/me/tokens"))["tokens"][0]["last_used_at"] > used


async def test_a_revoked_token_is_refused_at_once_on_rest_and_on_the_socket(harness, browser):
    lead, legacy = await harness.add_agent("Eve", role=Role.SUPERVISOR, password=PASSWORD)
    console = await browser(lead.email)
    kept = (await console.call("POST", "/api/me/tokens", 201, json={"name": "kept"}))["secret"]
    made = await console.call("POST", "/api/me/tokens", 201, json={"name": "leaked"})
    secret = made["secret"]
    agent_socket = await harness.agent(secret, available=False)
    dashboard = await harness.peer("/supervisor", {"token": secret}).connect()
    others = [await harness.agent(kept, available=False), await harness.agent(legacy, available=False),
              await console.socket()]
    revoked = await console.call("DELETE", f"/api/me/tokens/{made['token']['id']}")
    assert revoked["token"]["id"] == made["token"]["id"]
    await closed(agent_socket)
    await closed(dashboard)
    assert (await bearer(harness, secret))[0] == 401
    with pytest.raises(Refused) as refused:
        await harness.peer("/agent", {"token": secret}).connect()
    assert refused.value.data["code"] == "unauthorized"
    await settle(*others)  # a close sent before would have come before this round trip's answer
    assert all(peer.sio.connected for peer in others)  # another token, the legacy one, the console: untouched
    assert [t["name"] for t in (await console.call("GET", "/api/me/tokens"))["tokens"]] == ["kept"]
    assert (await console.call("DELETE", f"/api/me/tokens/{made['token']['id']}", 404))["error"]["code"] == "not_found"


async def test_another_agents_token_or_session_is_not_found(harness, browser):
    ann, _ = await harness.add_agent("Ann", password=PASSWORD)
    bob, _ = await harness.add_agent("Bob", role=Role.SUPERVISOR, password=PASSWORD)
    anns, bobs = await browser(ann.email), await browser(bob.email)
    token = (await anns.call("POST", "/api/me/tokens", 201, json={"name": "mine"}))["token"]
    session = (await anns.call("GET", "/api/me/sessions"))["sessions"][0]
    assert (await bobs.call("DELETE", f"/api/me/tokens/{token['id']}", 404))["error"]["code"] == "not_found"
    assert (await bobs.call("DELETE", f"/api/me/sessions/{session['id']}", 404))["error"]["code"] == "not_found"
    assert (await bobs.call("GET", "/api/me/tokens"))["tokens"] == []  # a supervisor sees only their own too
    assert [s["id"] for s in (await bobs.call("GET", "/api/me/sessions"))["sessions"]] != [session["id"]]
    assert (await anns.call("GET", "/api/me/tokens"))["tokens"] == [token]
    assert (await anns.call("GET", "/api/me"))["ok"]  # Ann's session still stands


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "   "}, {"name": "x" * 65}, {"name": "tab\there"},
                                  {"name": "ok", "extra": 1}, {"name": 5}, {}, [], "name"])
async def test_a_bad_token_name_or_body_is_refused(harness, browser, body):
    agent, _ = await harness.add_agent("Fay", password=PASSWORD)
    console = await browser(agent.email)
    assert (await console.call("POST", "/api/me/tokens", 400, json=body))["error"]["code"] == "bad_request"
    assert (await console.call("GET", "/api/me/tokens"))["tokens"] == []


async def test_bad_paths_and_bodies_are_refused(harness, browser):
    agent, _ = await harness.add_agent("Gus", password=PASSWORD)
    console = await browser(agent.email)
    assert (await console.call("DELETE", "/api/me/tokens/not%20an%20id", 400))["error"]["code"] == "bad_request"
    assert (await console.call("DELETE", "/api/me/sessions/" + "a" * 65, 400))["error"]["code"] == "bad_request"
    assert (await console.call("POST", "/api/me/tokens", 400, data=b"{not json"))["error"]["code"] == "bad_request"
    answer = await console.call("POST", "/api/me/tokens", 413, data=b'{"name": "' + b"x" * 70000 + b'"}')
    assert answer["error"]["code"] == "too_large"
    assert (await console.call("POST", "/api/me/password", 400, json={"current": PASSWORD}))["error"]["code"] \
        == "bad_request"


async def test_at_most_twenty_tokens_and_ten_made_an_hour(harness, browser):
    agent, _ = await harness.add_agent("Hal", password=PASSWORD)
    console = await browser(agent.email)
    made = []
    for n in range(account.TOKENS_MADE[0]):
        made.append((await console.call("POST", "/api/me/tokens", 201, json={"name": f"t{n}"}))["token"])
    answer = await console.call("POST", "/api/me/tokens", 429, json={"name": "one too many"})
    assert answer["error"]["code"] == "rate_limited"
    harness.clock.advance(account.TOKENS_MADE[1] + 1)
    for n in range(account.TOKENS_PER_AGENT - len(made)):
        made.append((await console.call("POST", "/api/me/tokens", 201, json={"name": f"u{n}"}))["token"])
    harness.clock.advance(account.TOKENS_MADE[1] + 1)
    answer = await console.call("POST", "/api/me/tokens", 409, json={"name": "twenty-first"})
    assert answer["error"]["code"] == "conflict" and answer["error"]["limit"] == 20
    await console.call("DELETE", f"/api/me/tokens/{made[0]['id']}")  # a revoked one frees its place
    await console.call("POST", "/api/me/tokens", 201, json={"name": "twenty-first"})
    assert len((await console.call("GET", "/api/me/tokens"))["tokens"]) == 20


async def test_sessions_are_listed_with_this_one_and_another_ends_with_its_sockets(harness, browser):
    agent, legacy = await harness.add_agent("Ida", password=PASSWORD)
    here = await browser(agent.email)
    harness.clock.advance(60)
    elsewhere = await browser(agent.email)
    other_socket, own_socket = await elsewhere.socket(), await here.socket()
    listed = (await here.call("GET", "/api/me/sessions"))["sessions"]
    assert [s["current"] for s in listed] == [False, True]  # the newest first
    assert set(listed[0]) == {"id", "client", "created_at", "last_seen_at", "current"}
    assert all(len(s["id"]) == 32 and s["id"] not in elsewhere.cookie for s in listed)
    answer = await here.call("DELETE", f"/api/me/sessions/{listed[0]['id']}")
    assert answer["current"] is False
    await closed(other_socket)
    assert (await elsewhere.call("GET", "/api/me", 401))["error"]["code"] == "unauthorized"
    await settle(own_socket)
    assert own_socket.sio.connected
    assert [s["current"] for s in (await here.call("GET", "/api/me/sessions"))["sessions"]] == [True]
    assert (await here.call("DELETE", f"/api/me/sessions/{listed[0]['id']}", 404))["error"]["code"] == "not_found"
    entry = (await harness.store.audit_log(actor_id=agent.id, action=account.SESSION_END))[0]
    assert entry.target == f"agent:{agent.id}" and entry.data == {"current": False}
    assert (await here.call("DELETE", f"/api/me/sessions/{listed[1]['id']}"))["current"] is True  # signing out here
    await closed(own_socket)
    assert (await here.call("GET", "/api/me", 401))["error"]["code"] == "unauthorized"


async def test_a_new_password_ends_every_other_session_and_token_socket_at_once(harness, browser):
    agent, legacy = await harness.add_agent("Jo", password=PASSWORD)
    here, elsewhere = await browser(agent.email), await browser(agent.email)
    named = (await here.call("POST", "/api/me/tokens", 201, json={"name": "bot"}))["secret"]
    own, other = await here.socket(), await elsewhere.socket()
    token_sockets = [await harness.agent(legacy, available=False), await harness.agent(named, available=False)]
    answer = await here.call("POST", "/api/me/password", json={"current": PASSWORD, "new": NEW_PASSWORD})
    assert answer["sessions_ended"] == 1
    for peer in (other, *token_sockets):
        await closed(peer)
    await settle(own)
    assert own.sio.connected
    assert (await here.call("GET", "/api/me"))["ok"]
    assert (await elsewhere.call("GET", "/api/me", 401))["error"]["code"] == "unauthorized"
    assert (await bearer(harness, named))[0] == 200 and (await bearer(harness, legacy))[0] == 200  # tokens stay
    assert await login_status(harness, agent.email, PASSWORD) == 401
    assert await login_status(harness, agent.email, NEW_PASSWORD) == 303
    entries = await harness.store.audit_log(actor_id=agent.id)
    assert sorted(e.action for e in entries) == [account.PASSWORD_CHANGE, account.TOKEN_CREATE]
    assert PASSWORD not in str(entries) and NEW_PASSWORD not in str(entries) and named not in str(entries)
    assert hash_token(named) not in str(entries)


@pytest.mark.parametrize("header, client", [
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128 on Linux"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
     "Safari/537.36", "Chrome 126 on Windows 10/11"),
    ("Python/3.11 aiohttp/3.9", None), ("", None), (None, None), ("x" * 5000, None)])
def test_a_session_names_the_browser_it_was_opened_with(header, client):
    assert auth.client_of(header) == client


@pytest.mark.parametrize("current, new, status", [
    ("wrong password", NEW_PASSWORD, 403), (PASSWORD, "short", 400), (PASSWORD, PASSWORD, 400),
    (PASSWORD, "x" * 1025, 400), ("", NEW_PASSWORD, 403)])
async def test_a_bad_password_change_changes_nothing(harness, browser, current, new, status):
    agent, _ = await harness.add_agent("Kim", password=PASSWORD)
    here, elsewhere = await browser(agent.email), await browser(agent.email)
    await here.call("POST", "/api/me/password", status, json={"current": current, "new": new})
    assert (await elsewhere.call("GET", "/api/me"))["ok"]
    assert await login_status(harness, agent.email, PASSWORD) == 303


async def test_password_changes_are_rate_limited_per_agent(harness, browser):
    agent, _ = await harness.add_agent("Lou", password=PASSWORD)
    here = await browser(agent.email)
    tries, window = account.PASSWORD_TRIES
    for _ in range(tries):
        await here.call("POST", "/api/me/password", 403, json={"current": "guess", "new": NEW_PASSWORD})
    answer = await here.call("POST", "/api/me/password", 429, json={"current": PASSWORD, "new": NEW_PASSWORD})
    assert answer["error"]["code"] == "rate_limited"
    harness.clock.advance(window + 1)
    await here.call("POST", "/api/me/password", json={"current": PASSWORD, "new": NEW_PASSWORD})


async def test_a_new_password_voids_a_password_link_still_unused(harness, browser):
    """A link a lead made and passed on (shown once: it may sit in a chat
    or a mail) must not outlive the password the agent chose themselves."""
    lead, _ = await harness.add_agent("Lee", password=PASSWORD, role=Role.SUPERVISOR)
    agent, _ = await harness.add_agent("Max", password=PASSWORD)
    url = (await (await browser(lead.email)).call("POST", f"/api/people/{agent.id}/reset", 201))["link"]["url"]
    url = harness.url + url[url.index("/console/reset/"):]
    await (await browser(agent.email)).call("POST", "/api/me/password", json={"current": PASSWORD, "new": NEW_PASSWORD})
    async with aiohttp.ClientSession() as http, http.get(url) as page:
        assert page.status == 404
