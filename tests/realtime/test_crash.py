"""kill -9 of a server process under load loses no acknowledged message."""
from __future__ import annotations

import asyncio
import secrets

from server.store import open_store
from tests.peers import Peer
from tests.serverproc import ServerProcess, cli

VISITORS = 12


async def test_kill_minus_9_under_load_loses_no_acknowledged_message(tmp_path):
    database = f"sqlite:///{tmp_path}/crash.db"
    token = secrets.token_urlsafe(24)
    cli("site", "add", "acme", database=database)
    cli("agent", "add", "a@example.test", "--name", "A", f"--token={token}", "--capacity", str(VISITORS),
        "--shift", "always", database=database)
    unlimited = {"SHIFTDESK_LIMITS_MESSAGES_PER_MINUTE": "1000000"}
    server = ServerProcess(database, log=tmp_path / "server.log", env=unlimited).start()
    acked: dict[tuple[str, str], int] = {}  # (chat, client_id) -> seq
    texts: dict[tuple[str, str], str] = {}
    try:
        agent = await Peer(server.url, "/agent", {"token": token}).connect()
        await agent.call("agent:status", {"status": "available"})
        visitors = [await Peer(server.url, "/visitor", {"site": "acme"}).connect() for _ in range(VISITORS)]
        chats = [(await v.call("chat:start", {"text": "start"}))["chat"]["id"] for v in visitors]

        async def pump(visitor: Peer, chat_id: str) -> None:
            n = 0
            while True:  # pipelined: several in flight per connection
                batch = []
                for _ in range(5):
                    key = (chat_id, f"m{n}")
                    texts[key] = f"message {n} of {chat_id[:6]}"

                    def record(ack, key=key):
                        if isinstance(ack, dict) and ack.get("ok"):
                            acked[key] = ack["seq"]
                    batch.append(visitor.emit("chat:send", {"chat_id": key[0], "client_id": key[1],
                                                            "text": texts[key]}, callback=record))
                    n += 1
                await asyncio.gather(*batch)
                await asyncio.sleep(0.005)

        pumps = [asyncio.create_task(pump(v, c)) for v, c in zip(visitors, chats)]
        while len(acked) < 400:
            await asyncio.sleep(0.02)
        server.kill()
        for task in pumps:
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        for peer in [agent, *visitors]:
            try:
                await asyncio.wait_for(peer.sio.disconnect(), 2)
            except Exception:
                pass
    finally:
        server.kill()

    store = await open_store(database)
    try:
        for chat_id in chats:
            stored = await store.messages_after(chat_id, 0, include_notes=True)
            assert [m.seq for m in stored] == list(range(1, len(stored) + 1))  # no gaps
            by_client = {m.client_id: m for m in stored if m.client_id}
            for (chat, client_id), seq in acked.items():
                if chat == chat_id:
                    assert client_id in by_client, f"acknowledged {client_id} lost"
                    assert by_client[client_id].seq == seq
                    assert by_client[client_id].text == texts[(chat, client_id)]
    finally:
        await store.close()
    assert len(acked) >= 400
