"""The agent's workspace across nodes: a visitor on n1, an agent on n2 and a
lead on n3 share one chat's files, the visitor's page, tags and search, as
on one node (files in PostgreSQL, events through Redis)."""
from __future__ import annotations

import aiohttp

from tests.multinode.conftest import agent_token
from tests.peers import Peer

STEPS = b"1. Open Settings\n2. Choose Billing\n"


async def test_files_context_tags_and_search_reach_every_node(make_cluster):
    cluster = make_cluster()
    token = agent_token(cluster, "ann@example.test")
    lead_token = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
    agent = await Peer(cluster.url("n2"), "/agent", {"token": token}).connect()
    lead = await Peer(cluster.url("n3"), "/supervisor", {"token": lead_token}).connect()
    visitor = await Peer(cluster.url("n1"), "/visitor", {"site": "acme"}).connect()
    bearer = {"Authorization": f"Bearer {lead_token}"}
    try:
        visitor_token = (await visitor.next("session"))["visitor_token"]
        assert (await agent.call("agent:status", {"status": "available"}))["ok"]
        started = await visitor.call("chat:start", {"text": "my invoice shows twice"})
        chat_id = started["chat"]["id"]
        await agent.next("chat:assigned", lambda d: d["chat"]["id"] == chat_id)

        # the visitor's page, reported on n1, beside the chat on n2 and on the lead's n3
        page = {"chat_id": chat_id, "url": "https://shop.example/billing", "title": "Billing"}
        assert (await visitor.call("chat:context", page))["ok"]
        for peer in (agent, lead):
            told = await peer.next("chat:context", lambda d: d["chat_id"] == chat_id)
            assert told["visit"]["url"] == page["url"] and told["visit"]["title"] == "Billing"

        # a file uploaded to n1, sent, fetched by the agent from n3
        async with aiohttp.ClientSession() as http:
            body = aiohttp.FormData()
            for key, value in {"site": "acme", "token": visitor_token, "chat_id": chat_id}.items():
                body.add_field(key, value)
            body.add_field("file", STEPS, filename="steps.txt", content_type="text/plain")
            async with http.post(f"{cluster.url('n1')}/widget/attachments", data=body) as response:
                assert response.status == 201, await response.text()
                attachment = (await response.json())["attachment"]
            sent = await visitor.call("chat:send", {"chat_id": chat_id, "client_id": "f1", "text": "",
                                                    "attachments": [attachment["id"]]})
            assert sent["ok"], sent
            message = await agent.next("chat:message", lambda m: m.get("attachments"))
            assert [a["id"] for a in message["attachments"]] == [attachment["id"]]
            async with http.get(f"{cluster.url('n3')}/api/attachments/{attachment['id']}",
                                headers={"Authorization": f"Bearer {token}"}) as response:
                assert response.status == 200 and await response.read() == STEPS

            # a tag the lead adds on n3 is offered on n2; the agent's tag reaches the lead
            async with http.post(f"{cluster.url('n3')}/api/tags", json={"name": "Billing"}, headers=bearer) as r:
                assert r.status == 201, await r.text()
                tag = (await r.json())["tag"]
            await agent.next("tags", lambda d: True)
            tagged = await agent.call("chat:tag", {"chat_id": chat_id, "tag_id": tag["id"]})
            assert [t["name"] for t in tagged["tags"]] == ["Billing"], tagged
            told = await lead.next("chat:tags", lambda d: d["chat_id"] == chat_id)
            assert [t["id"] for t in told["tags"]] == [tag["id"]]

            # the ended chat is found on n1 by a word of its first message, with its tag
            assert (await agent.call("chat:end", {"chat_id": chat_id}))["ok"]
            async with http.get(f"{cluster.url('n1')}/api/search", params={"q": "invoice", "tag": tag["id"]},
                                headers=bearer) as r:
                found = await r.json()
            assert r.status == 200, found
            assert [(h["kind"], h["id"]) for h in found["results"]] == [("chat", chat_id)], found
    finally:
        for peer in (agent, lead, visitor):
            await peer.close()
