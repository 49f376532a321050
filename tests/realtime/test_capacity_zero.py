"""An agent with capacity 0 takes no chats (a lead who only watches): never
routed, never handed one, not counted as someone who could take one, and
the desk is not "online" on its account alone."""
from __future__ import annotations

from server.services.model import Role
from tests.realtime.test_sla import settle


async def test_a_lead_with_capacity_0_is_never_given_a_chat(harness):
    lead, lead_token = await harness.add_agent("Lea", capacity=0, role=Role.SUPERVISOR)
    lead_peer = await harness.agent(lead_token)  # on shift, connected, available
    visitor = await harness.visitor()
    session = await visitor.next("session")
    assert session["online"] is False and "next_open" in session  # nobody on shift takes chats
    refused = await visitor.call("chat:start", {"text": "anyone?"})
    assert refused["error"]["code"] == "offline"

    ann, ann_token = await harness.add_agent("Ann", capacity=1)
    ann_peer = await harness.agent(ann_token)
    first = await harness.visitor()
    await first.next("session")
    taken = await first.call("chat:start", {"text": "one"})
    assert taken["chat"]["agent"]["name"] == "Ann"
    second = await harness.visitor()
    await second.next("session")
    waiting = await second.call("chat:start", {"text": "two"})
    assert waiting["chat"]["status"] == "queued"  # Ann is full; the lead takes none
    await settle(lead_peer)
    assert lead_peer.received("chat:assigned") == []

    moved = await ann_peer.call("chat:transfer", {"chat_id": taken["chat"]["id"], "to": {"agent_id": lead.id}})
    assert moved["error"]["code"] == "conflict" and "takes no chats" in moved["error"]["message"]
    supervisor = await harness.supervisor()
    reassigned = await supervisor.call("chat:reassign", {"chat_id": waiting["chat"]["id"], "agent_id": lead.id})
    assert reassigned["error"]["code"] == "conflict" and "takes no chats" in reassigned["error"]["message"]

    metrics = await supervisor.next("metrics")
    assert metrics["agents"] == {"on_shift": 1, "available": 0, "busy": 1, "away": 0}  # Ann only
