"""Console sessions end for good: a cookie captured before logout, a
password change, a role change or a removal opens nothing afterwards, and
the sockets opened with it close at once. The command line runs as its own
process against the server's database, as operators run it."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from server.services.model import Role
from tests.peers import Peer, Refused
from tests.serverproc import ROOT
from tests.web.test_console_login import PASSWORD, csrf_of, log_in

CLOSE_S = 8.0  # real seconds: the server looks at the store every 2 s (services/sessions.py)


async def cli(harness, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "run.py", *args, "--database", harness.config.server.database, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return out.decode()


class Console:
    """A logged-in browser; `cookie` is its session cookie, as an attacker
    who copied it would replay it."""

    def __init__(self, harness, http: aiohttp.ClientSession) -> None:
        self.harness, self.http = harness, http
        self.cookie = "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)

    async def socket(self, namespace: str = "/agent") -> Peer:
        peer = await self.harness.peer(namespace, None, {"Cookie": self.cookie}).connect()
        await peer.next("session")
        return peer

    async def log_out(self) -> None:
        token = await csrf_of(self.http, f"{self.harness.url}/console")
        async with self.http.post(f"{self.harness.url}/console/logout", data={"csrf_token": token},
                                  allow_redirects=False) as out:
            assert out.status == 303


@pytest.fixture
async def console(harness) -> AsyncIterator:
    opened: list[aiohttp.ClientSession] = []

    async def open_console(email: str, password: str = PASSWORD) -> Console:
        http, response = await log_in(harness, email, password)
        opened.append(http)
        assert response.status == 303
        return Console(harness, http)
    yield open_console
    for http in opened:
        await http.close()


async def replay(harness, cookie: str) -> dict[str, int]:
    """What a copy of the cookie opens: the console page, the REST API, the
    dashboard (0: the socket is refused, 1: it connects)."""
    answers = {}
    async with aiohttp.ClientSession() as thief:
        for path in ("/console", "/api/tickets", "/console/dashboard"):
            async with thief.get(harness.url + path, headers={"Cookie": cookie}, allow_redirects=False) as page:
                answers[path] = page.status
    try:
        await harness.peer("/agent", None, {"Cookie": cookie}).connect()
        answers["/agent"] = 1
    except Refused as refused:
        assert refused.data["code"] == "unauthorized"
        answers["/agent"] = 0
    return answers


REFUSED = {"/console": 302, "/api/tickets": 401, "/console/dashboard": 302, "/agent": 0}


async def closed(peer: Peer) -> None:
    await asyncio.wait_for(_until_closed(peer), CLOSE_S)


async def _until_closed(peer: Peer) -> None:
    while peer.sio.connected:
        await asyncio.sleep(0.02)


async def test_a_cookie_captured_before_logout_opens_nothing_after_it(harness, console):
    lead, _ = await harness.add_agent("Lea", role=Role.SUPERVISOR, password=PASSWORD)
    browser = await console(lead.email)
    assert await replay(harness, browser.cookie) == {"/console": 200, "/api/tickets": 200,
                                                     "/console/dashboard": 200, "/agent": 1}
    await browser.log_out()
    assert await replay(harness, browser.cookie) == REFUSED


async def test_logout_closes_that_sessions_sockets_at_once_and_no_others(harness, console):
    lead, token = await harness.add_agent("Lee", role=Role.SUPERVISOR, password=PASSWORD)
    here, elsewhere = await console(lead.email), await console(lead.email)
    agent_socket, dashboard_socket = await here.socket("/agent"), await here.socket("/supervisor")
    other_browser = await elsewhere.socket("/agent")
    tool = await harness.agent(token, available=False)
    await here.log_out()
    await closed(agent_socket)  # at once: no waiting for the watch
    await closed(dashboard_socket)
    await asyncio.sleep(0.2)
    assert other_browser.sio.connected and tool.sio.connected
    async with aiohttp.ClientSession() as http, \
            http.get(f"{harness.url}/console", headers={"Cookie": elsewhere.cookie}) as page:
        assert page.status == 200


async def test_a_new_password_from_the_command_line_ends_every_session_and_socket(harness, console):
    agent, token = await harness.add_agent("Mia", password=PASSWORD)
    browser = await console(agent.email)
    cookie_socket, token_socket = await browser.socket(), await harness.agent(token)
    out = await cli(harness, "agent", "add", agent.email, "--name", "Mia", "--password", "a-new-passw0rd")
    assert "console sessions and connections end" in out
    await closed(cookie_socket)
    await closed(token_socket)
    assert await replay(harness, browser.cookie) == REFUSED
    assert (await harness.agent(token)).sio.connected  # the API token is another credential: it still works
    assert (await log_in(harness, agent.email, PASSWORD))[1].status == 401
    fresh = await console(agent.email, "a-new-passw0rd")
    assert (await replay(harness, fresh.cookie))["/console"] == 200


async def test_a_role_change_from_the_command_line_ends_the_dashboard(harness, console):
    lead, _ = await harness.add_agent("Ned", role=Role.SUPERVISOR, password=PASSWORD)
    browser = await console(lead.email)
    dashboard = await browser.socket("/supervisor")
    await cli(harness, "agent", "add", lead.email, "--name", "Ned", "--role", "agent")
    await closed(dashboard)
    assert await replay(harness, browser.cookie) == REFUSED
    again = await console(lead.email)
    with pytest.raises(Refused) as refused:
        await harness.peer("/supervisor", None, {"Cookie": again.cookie}).connect()
    assert refused.value.data["code"] == "forbidden"


async def test_a_change_that_is_no_credential_keeps_sessions(harness, console):
    agent, _ = await harness.add_agent("Oli", password=PASSWORD)
    browser = await console(agent.email)
    socket = await browser.socket()
    out = await cli(harness, "agent", "add", agent.email, "--name", "Oli", "--capacity", "5", "--password", PASSWORD)
    assert "sessions" not in out  # the same password again is no change
    await asyncio.sleep(2.5)  # one look of the watch
    assert socket.sio.connected and (await replay(harness, browser.cookie))["/console"] == 200


async def test_a_session_lasts_twelve_hours_on_the_server_whatever_the_cookie_says(harness, console):
    agent, _ = await harness.add_agent("Pam", password=PASSWORD)
    browser = await console(agent.email)
    socket = await browser.socket()
    await harness.advance(12 * 3600 - 60)
    assert (await replay(harness, browser.cookie))["/console"] == 200
    await harness.advance(61)
    assert await replay(harness, browser.cookie) == REFUSED
    await closed(socket)


async def test_removing_an_agent_ends_everything_of_theirs_but_their_name(harness, console):
    ann, ann_token = await harness.add_agent("Ann", capacity=1, password=PASSWORD)
    _, bob_token = await harness.add_agent("Bob")
    _, lead_token = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    browser = await console(ann.email)
    cookie_socket, ann_socket = await browser.socket(), await harness.agent(ann_token)
    first = await harness.visitor()  # a chat Ann handled and ended: history
    first_id = (await first.next("session"))["visitor_id"]
    done = (await first.call("chat:start", {"text": "hello"}))["chat"]
    await ann_socket.next("chat:assigned")
    assert (await ann_socket.call("chat:end", {"chat_id": done["id"]}))["ok"]
    held_by_ann = (await (await harness.visitor()).call("chat:start", {"text": "I need Ann"}))["chat"]
    await ann_socket.next("chat:assigned", lambda a: a["chat"]["id"] == held_by_ann["id"])
    waiting = (await (await harness.visitor()).call("chat:start", {"text": "me too"}))["chat"]
    assert [e.chat_id for e in await harness.services.desk.live.queue()] == [waiting["id"]]

    out = await cli(harness, "agent", "remove", ann.email)
    assert "removed" in out
    await closed(cookie_socket)
    await closed(ann_socket)

    async def requeued_in_front() -> bool:
        return [e.chat_id for e in await harness.services.desk.live.queue()] == [held_by_ann["id"], waiting["id"]]
    await harness.eventually(requeued_in_front, CLOSE_S)
    bob = await harness.agent(bob_token)
    assert (await bob.next("chat:assigned"))["chat"]["id"] == held_by_ann["id"]  # the front of the queue first

    assert await replay(harness, browser.cookie) == REFUSED
    with pytest.raises(Refused) as refused:
        await harness.peer("/agent", {"token": ann_token}).connect()
    assert refused.value.data["code"] == "unauthorized"
    assert (await log_in(harness, ann.email, PASSWORD))[1].status == 401
    async with aiohttp.ClientSession(base_url=harness.url) as http:
        async with http.get("/api/tickets", headers={"Authorization": f"Bearer {ann_token}"}) as answer:
            assert answer.status == 401
        lead = {"Authorization": f"Bearer {lead_token}"}
        async with http.get("/api/agents", headers=lead) as answer:
            assert "Ann" not in [a["name"] for a in (await answer.json())["agents"]]
        async with http.get(f"/api/visitors/{first_id}/context", headers=lead) as answer:
            assert (await answer.json())["previous_chats"][0]["agent"]["name"] == "Ann"
        async with http.get(f"/api/chats/{held_by_ann['id']}", headers=lead) as answer:
            # both got it at the same clock time: their order is the store's tie-break
            assert sorted(a["name"] for a in (await answer.json())["agents"]) == ["Ann", "Bob"]
    assert "already" in await cli(harness, "agent", "remove", ann.email)


async def test_adding_a_removed_agent_again_restores_them(harness, console):
    agent, _ = await harness.add_agent("Rex", password=PASSWORD)
    await cli(harness, "agent", "remove", agent.email)
    assert (await log_in(harness, agent.email, PASSWORD))[1].status == 401
    assert "restored" in await cli(harness, "agent", "add", agent.email, "--name", "Rex")
    browser = await console(agent.email)
    assert (await replay(harness, browser.cookie))["/console"] == 200


async def test_a_named_token_revoked_where_no_close_reached_this_node_ends_within_the_watch(harness):
    """A revocation's close is sent on every node; should one be lost (a
    node that missed the message), the watch finds the socket all the same."""
    from server.services import audit
    from server.services.model import ApiToken
    from server.services.tokens import hash_token, new_id, new_token

    agent, _ = await harness.add_agent("Quin")
    secret, now = new_token(), harness.clock.now()
    token = ApiToken(id=new_id(), agent_id=agent.id, name="bot", token_hash=hash_token(secret), created_at=now)
    entry = audit.entry("token_create", audit.agent_target(agent.id), now, actor_id=agent.id)
    await harness.store.add_api_token(token, entry, limit=20)
    socket = await harness.agent(secret, available=False)
    await harness.store.revoke_api_token(agent.id, token.id, now, audit.entry(
        "token_revoke", audit.agent_target(agent.id), now, actor_id=agent.id))
    await closed(socket)
    with pytest.raises(Refused):
        await harness.agent(secret)
