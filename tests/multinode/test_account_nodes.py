"""An agent's own account on a desk of two nodes: what they end on one node
(a named API token, the other sessions by a new password) closes the
sockets it opened on the other at once, well before the session watch's
next look (every 2 s on each node) could."""
from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import aiohttp

from tests.peers import Peer, Refused
from tests.web.test_console_login import PASSWORD, csrf_of, log_in

AT_ONCE_S = 1.0  # a close crossing Redis takes milliseconds; the watch, up to 2 s


async def closed_within(peer: Peer, seconds: float = AT_ONCE_S) -> None:
    deadline = time.monotonic() + seconds
    while peer.sio.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not peer.sio.connected, f"still connected after {seconds} s"


async def call(http: aiohttp.ClientSession, url: str, csrf: str, method: str, path: str, **kwargs) -> dict:
    async with http.request(method, url + path, headers={"X-CSRF-Token": csrf}, **kwargs) as response:
        answer = await response.json()
        assert answer["ok"], answer
        return answer


async def test_a_revoked_token_and_a_new_password_close_sockets_on_the_other_node(make_cluster):
    cluster = make_cluster(nodes=2)
    email = "ann@example.test"
    cluster.cli("agent", "add", email, "--name", "Ann", "--password", PASSWORD, "--shift", "always")
    n1, n2 = cluster.url("n1"), cluster.url("n2")
    here, _ = await log_in(SimpleNamespace(url=n1), email)
    elsewhere, _ = await log_in(SimpleNamespace(url=n2), email)
    peers: list[Peer] = []
    try:
        csrf = await csrf_of(here, f"{n1}/console")
        secret = (await call(here, n1, csrf, "POST", "/api/me/tokens", json={"name": "bot"}))["secret"]
        token_id = (await call(here, n1, csrf, "GET", "/api/me/tokens"))["tokens"][0]["id"]
        cookie = "; ".join(f"{c.key}={c.value}" for c in elsewhere.cookie_jar)
        token_socket = await Peer(n2, "/agent", {"token": secret}).connect()
        other_session = await Peer(n2, "/agent", None, {"Cookie": cookie}).connect()
        peers += [token_socket, other_session]

        await call(here, n1, csrf, "DELETE", f"/api/me/tokens/{token_id}")
        await closed_within(token_socket)
        try:
            await Peer(n2, "/agent", {"token": secret}).connect()
            raise AssertionError("a revoked token was let in on the other node")
        except Refused as refused:
            assert refused.data["code"] == "unauthorized"
        assert other_session.sio.connected

        answer = await call(here, n1, csrf, "POST", "/api/me/password",
                            json={"current": PASSWORD, "new": "a brand new passphrase"})
        assert answer["sessions_ended"] == 1
        await closed_within(other_session)
    finally:
        for peer in peers:
            await peer.close()
        await here.close()
        await elsewhere.close()
