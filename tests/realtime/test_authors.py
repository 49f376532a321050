"""Every agent message names the agent who wrote it, wherever it is read:
live, in the history, in the chat an agent gets by a transfer, in the
supervisor's view. The visitor gets the name only."""
from __future__ import annotations

import aiohttp

from server.services.model import Role
from tests.realtime.test_sla import chat_with_agent, say


async def test_each_agent_message_names_its_author_after_a_transfer(harness):
    visitor, ann_peer, chat_id = await chat_with_agent(harness)
    ann = await harness.store.agent_by_id((await harness.store.chat_by_id(chat_id)).agent_id)
    await say(ann_peer, chat_id, "Ann here", "a1")
    await say(ann_peer, chat_id, "checking the account", "n1", note=True)
    bob, bob_token = await harness.add_agent("Bob")
    bob_peer = await harness.agent(bob_token)
    assert (await ann_peer.call("chat:transfer", {"chat_id": chat_id, "to": {"agent_id": bob.id}}))["ok"]
    assigned = await bob_peer.next("chat:assigned")
    by_text = {m["text"]: m.get("agent") for m in assigned["messages"]}
    assert by_text == {"my site is down": None, "Ann here": {"id": ann.id, "name": "Ann"},
                       "checking the account": {"id": ann.id, "name": "Ann"}}

    await say(bob_peer, chat_id, "Bob now", "b1")
    live = await visitor.next("chat:message", lambda m: m["text"] == "Bob now")
    assert live["agent"] == {"name": "Bob"}  # the visitor: a name, no id
    history = await visitor.call("chat:history", {"chat_id": chat_id, "after_seq": 0})
    assert [(m["text"], m.get("agent")) for m in history["messages"]] == [
        ("my site is down", None), ("Ann here", {"name": "Ann"}), ("Bob now", {"name": "Bob"})]
    staff = await bob_peer.call("chat:history", {"chat_id": chat_id, "after_seq": 0})
    assert [m.get("agent") for m in staff["messages"]][1:] == [
        {"id": ann.id, "name": "Ann"}, {"id": ann.id, "name": "Ann"}, {"id": bob.id, "name": "Bob"}]

    _, lead_token = await harness.add_agent("Lead", role=Role.SUPERVISOR)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {lead_token}"}) as http:
        async with http.get(f"{harness.url}/api/chats/{chat_id}") as response:
            detail = await response.json()
    assert [m.get("agent", {}).get("name") for m in detail["messages"]] == [None, "Ann", "Ann", "Bob"]
