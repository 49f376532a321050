"""At least once across kill -9: events committed while the receiver was
down, the server killed before it could deliver them, restarted with the
receiver up: every event arrives (receivers dedupe by event id), each
chat's messages in order."""
from __future__ import annotations

import asyncio
import secrets

from server.store import open_store
from tests.peers import Peer
from tests.serverproc import ServerProcess, cli, free_port
from tests.webhooks.receiver import Receiver

SECRET = "whsec_" + "k" * 32
MESSAGES = 8


async def test_every_committed_event_arrives_after_a_kill_minus_9(tmp_path, monkeypatch):
    for key, value in {"SHIFTDESK_WEBHOOKS_HTTP_HOSTS": "127.0.0.1", "SHIFTDESK_WEBHOOKS_ALLOW_HOSTS": "127.0.0.1",
                       "SHIFTDESK_WEBHOOKS_FIRST_RETRY_S": "4"}.items():
        monkeypatch.setenv(key, value)  # the commands and the server alike
    # The first retry comes after the kill: with 1 s, a loaded machine once took that long to
    # send the messages, the retry's claim (leased for over a minute) was taken just before the
    # kill, and the restarted server could not send it within the wait below.
    database = f"sqlite:///{tmp_path}/crash.db"
    token = secrets.token_urlsafe(24)
    port = free_port()  # the receiver's, down for now: nothing can be delivered
    cli("site", "add", "acme", database=database)
    cli("agent", "add", "a@example.test", "--name", "A", f"--token={token}", "--shift", "always", database=database)
    cli("webhook", "add", "acme", f"http://127.0.0.1:{port}/hook", "--secret", SECRET, database=database)
    server = ServerProcess(database, log=tmp_path / "server.log").start()
    receiver = Receiver(secret=SECRET)
    try:
        agent = await Peer(server.url, "/agent", {"token": token}).connect()
        await agent.call("agent:status", {"status": "available"})
        visitor = await Peer(server.url, "/visitor", {"site": "acme"}).connect()
        chat_id = (await visitor.call("chat:start", {"text": "start"}))["chat"]["id"]
        for n in range(MESSAGES):
            ack = await visitor.call("chat:send", {"chat_id": chat_id, "client_id": f"m{n}", "text": f"message {n}"})
            assert ack["ok"], ack  # committed, with its webhook row
        server.kill()
        for peer in (agent, visitor):
            try:
                await asyncio.wait_for(peer.sio.disconnect(), 2)
            except Exception:
                pass
        store = await open_store(database)
        try:
            hook = (await store.list_webhooks())[0]
            queued = await store.webhook_deliveries(hook.id, 100)
        finally:
            await store.close()
        assert not any(d.delivered_at for d in queued)  # nothing reached anyone before the kill
        await receiver.start(port)
        server = ServerProcess(database, port=server.port, log=tmp_path / "server.log").start()
        for _ in range(300):  # real time: the server's clock is the system's (first retry after 4 s)
            if {e["id"] for e in receiver.events} >= {d.event_id for d in queued}:
                break
            await asyncio.sleep(0.1)
    finally:
        server.kill()
        await receiver.stop()
    arrived = {e["id"]: e for e in receiver.events}
    assert set(arrived) == {d.event_id for d in queued} and receiver.rejected == 0
    first_arrivals = [arrived[i] for i in dict.fromkeys(e["id"] for e in receiver.events)]  # deduped by id
    seqs = [e["data"]["message"]["seq"] for e in first_arrivals if e["type"] == "chat.message"]
    assert seqs == list(range(1, MESSAGES + 2))  # the first message and the eight, in order
    assert {e["type"] for e in arrived.values()} == {"chat.started", "chat.message", "chat.assigned"}
