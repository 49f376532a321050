"""Three nodes on PostgreSQL and Redis behind nginx, configured by
docs/examples/nginx.conf: clients on websockets and on long-polling reach
any node; a node is taken out of the pool and killed under load, and its
clients come back through nginx with their chats, losing no acknowledged
message."""
from __future__ import annotations

import asyncio
import itertools

from tests import pgutil
from tests.cluster import Nginx, nginx_binary
from tests.multinode.conftest import agent_token
from tests.peers import Peer
from tests.serverproc import free_port

VISITORS = 8


async def test_a_node_removed_and_killed_under_load_behind_nginx_loses_nothing(make_cluster, tmp_path):
    binary = nginx_binary()
    if binary is None:
        pgutil.unavailable("nginx is not installed (apt-get install nginx)")
    cluster = make_cluster(env={"SHIFTDESK_SERVER_TRUSTED_PROXIES": "127.0.0.1",
                                "SHIFTDESK_LIMITS_MESSAGES_PER_MINUTE": "100000"})
    nginx = Nginx({name: node.port for name, node in cluster.nodes.items()}, free_port(), binary=binary,
                  dir=tmp_path / "nginx").start()
    tokens = [agent_token(cluster, f"agent{i}@example.test", capacity=VISITORS) for i in range(2)]
    agents = [await Peer(nginx.url, "/agent", {"token": t}).connect() for t in tokens]
    visitors = [await Peer(nginx.url, "/visitor", {"site": "acme"},
                           transports=("polling",) if i % 2 else ("websocket",)).connect()
                for i in range(VISITORS)]
    back: list[Peer] = []
    try:
        for agent in agents:
            assert (await agent.call("agent:status", {"status": "available"}))["ok"]
        sessions = [await v.next("session") for v in visitors]
        chats = [(await v.call("chat:start", {"text": "hello"}))["chat"]["id"] for v in visitors]
        # where each visitor landed: its engine.io session id names the node
        landed = {v.sio.eio.sid.split("-")[0] for v in visitors}
        assert len(landed) >= 2, landed  # the pool spreads new sessions

        acked: dict[str, list[int]] = {chat: [] for chat in chats}
        counter = itertools.count()

        async def pump(visitor: Peer, chat_id: str) -> None:
            while True:
                n = next(counter)
                try:
                    ack = await visitor.call("chat:send", {"chat_id": chat_id, "client_id": f"m{n}",
                                                           "text": f"message {n}"}, timeout=3)
                except Exception:  # its node went away: the pump ends, the visitor comes back below
                    return
                if ack.get("ok"):
                    acked[chat_id].append(ack["seq"])
                await asyncio.sleep(0.02)

        pumps = [asyncio.create_task(pump(v, c)) for v, c in zip(visitors, chats)]
        await asyncio.sleep(1.5)
        victim = "n1" if any(v.sio.eio.sid.startswith("n1-") for v in visitors) else sorted(landed)[0]
        nginx.remove(victim)
        nginx.reload()
        cluster.kill(victim)
        await asyncio.sleep(1.5)
        for task in pumps:
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)

        # every visitor, through nginx again (a new session, on a node that is up), gets its chat back
        for session, chat_id, visitor in zip(sessions, chats, visitors):
            await visitor.close()
            peer = await Peer(nginx.url, "/visitor", {"site": "acme", "token": session["visitor_token"]},
                              transports=visitor.transports).connect()
            back.append(peer)
            again = await peer.next("session")
            assert again["chat"]["id"] == chat_id and again["chat"]["status"] == "active"
            assert not peer.sio.eio.sid.startswith(f"{victim}-")
            stored = await whole_history(peer, chat_id)
            assert stored == list(range(1, len(stored) + 1))
            assert set(acked[chat_id]) <= set(stored), f"acknowledged messages of {chat_id} lost"
        assert sum(len(seqs) for seqs in acked.values()) > 50
        # and the chats still reach their agents across nodes: an agent whose node
        # died comes back through nginx within its grace period and keeps its chats
        owner = next(i for i, a in enumerate(agents)
                     if any(e[0] == "chat:assigned" and e[1]["chat"]["id"] == chats[0] for e in a.events))
        receiver = agents[owner]
        if not receiver.sio.connected:
            receiver = await Peer(nginx.url, "/agent", {"token": tokens[owner]}).connect()
            back.append(receiver)
            assert chats[0] in [c["id"] for c in (await receiver.next("session"))["chats"]]
        sent = await back[0].call("chat:send", {"chat_id": chats[0], "client_id": "after", "text": "after"})
        assert sent["ok"], sent
        got = await receiver.next("chat:message", lambda m: m["text"] == "after", timeout=10)
        assert got["seq"] == sent["seq"]
    finally:
        for peer in (*agents, *visitors, *back):
            await peer.close()
        nginx.stop()


async def whole_history(peer: Peer, chat_id: str) -> list[int]:
    """Every stored seq of the chat, page after page (a page stops at 500:
    a slow machine lets the pumps run long enough to pass that)."""
    seqs: list[int] = []
    while True:
        page = await peer.call("chat:history", {"chat_id": chat_id, "after_seq": seqs[-1] if seqs else 0})
        seqs += [m["seq"] for m in page["messages"]]
        if not page["more"]:
            return seqs
