"""PostgreSQL goes away for a few seconds (every connection cut, none
accepted) and comes back: nothing is acknowledged while it is down, the
node does not crash, and its pool recovers by itself."""
from __future__ import annotations

import asyncio
import time

from sqlalchemy.engine import make_url

from tests.multinode.conftest import agent_token
from tests.peers import Peer
from tests.redisutil import Proxy
from tests.serverproc import ServerProcess


async def test_a_postgresql_outage_acks_nothing_and_the_pool_recovers(make_cluster, scratch_pg, tmp_path):
    cluster = make_cluster(nodes=1)  # the desk's schema, site and Redis prefix; its own node is not used
    token = agent_token(cluster, "ann@example.test")
    pg = make_url(scratch_pg)
    proxy = Proxy(target=(pg.host or "127.0.0.1", pg.port or 5432))
    await proxy.start()
    through_proxy = pg.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    node = ServerProcess(through_proxy, log=tmp_path / "behind-proxy.log",
                         env={**cluster.env, "SHIFTDESK_SERVER_NODE": "p1"}).launch()
    await asyncio.to_thread(node.ready)  # the proxy runs on this loop: wait without blocking it
    agent = await Peer(cluster.url("n1"), "/agent", {"token": token}).connect()
    visitor = await Peer(node.url, "/visitor", {"site": "acme"}).connect()
    try:
        assert (await agent.call("agent:status", {"status": "available"}))["ok"]
        chat_id = (await visitor.call("chat:start", {"text": "before"}))["chat"]["id"]
        await agent.next("chat:assigned", lambda d: d["chat"]["id"] == chat_id)

        await proxy.stop()
        answers = []
        for n in range(5):
            answers.append(await visitor.call("chat:send", {"chat_id": chat_id, "client_id": f"down{n}",
                                                            "text": f"down {n}"}, timeout=15))
            await asyncio.sleep(0.5)
        assert answers and not any(a["ok"] for a in answers), answers  # nothing acked while it is down
        assert {a["error"]["code"] for a in answers} == {"unavailable"}, answers
        assert node.proc.poll() is None
        await proxy.start()

        deadline = time.monotonic() + 20
        while True:
            answer = await visitor.call("chat:send", {"chat_id": chat_id, "client_id": "up", "text": "up"},
                                        timeout=15)
            if answer["ok"] or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        assert answer["ok"], answer
        assert (await agent.next("chat:message", lambda m: m["text"] == "up"))["seq"] == answer["seq"]
        history = await visitor.call("chat:history", {"chat_id": chat_id, "after_seq": 0})
        assert [m["text"] for m in history["messages"]] == ["before", "up"]  # the refused ones are not there
    finally:
        for peer in (agent, visitor):
            await peer.close()
        node.stop()
        await proxy.stop()
