"""The desk over REST: the agents with their presence, the queue in order,
a visitor's earlier chats; and the server's time in the console's session."""
from __future__ import annotations

from datetime import datetime

from server.services.model import Role
from tests.web.test_api import agent, call, client, error_code  # noqa: F401 (fixtures)


async def test_the_agents_list_shows_shift_presence_and_load(harness, agent):  # noqa: F811
    ann, ann_token = await harness.add_agent("Ann", tier=2, skills=("billing",), capacity=2)
    await harness.add_agent("Bob", shift="sat 09:00-10:00", role=Role.SUPERVISOR, on_call=True)
    peer = await harness.agent(ann_token)
    visitor = await harness.visitor()
    await visitor.next("session")
    assert (await visitor.call("chat:start", {"text": "hi"}))["ok"]
    await peer.next("chat:assigned")
    listed = {a["name"]: a for a in (await call(agent, "GET", "/api/agents"))["agents"]}
    assert listed["Ann"] == {"id": ann.id, "name": "Ann", "role": "agent", "tier": 2, "skills": ["billing"],
                             "capacity": 2, "on_call": False, "shift": "always", "on_shift": True,
                             "status": "available", "connected": True, "load": 1}
    bob = listed["Bob"]
    assert (bob["role"], bob["on_call"], bob["shift"]) == ("supervisor", True, "sat 09:00-10:00")
    assert (bob["status"], bob["connected"], bob["load"], bob["on_shift"]) == ("away", False, 0, False)
    assert "email" not in bob


async def test_the_queue_lists_waiting_chats_in_order(harness, agent):  # noqa: F811
    assert (await call(agent, "GET", "/api/queue"))["queue"] == []
    first = await harness.visitor()
    visitor_id = (await first.next("session"))["visitor_id"]
    started = (await first.call("chat:start", {"text": "hi", "name": "Vic"}))["chat"]
    harness.clock.advance(30)
    second = await harness.visitor()
    await second.next("session")
    later = (await second.call("chat:start", {"text": "down!"}))["chat"]
    harness.clock.advance(10)
    queue = (await call(agent, "GET", "/api/queue"))["queue"]
    assert [(q["chat_id"], q["position"], q["waiting_s"]) for q in queue] == [(started["id"], 1, 40),
                                                                              (later["id"], 2, 10)]
    assert queue[0] == {"chat_id": started["id"], "priority": "medium", "topic": None, "position": 1,
                        "waiting_s": 40, "started_at": started["started_at"], "priority_support": False,
                        "visitor": {"id": visitor_id, "name": "Vic", "verified": False},
                        "waiting": {"reason": "nobody_available", "skill": None, "min_tier": 1, "fallback_at": None}}


async def test_the_context_lists_the_visitors_ended_chats(harness, agent):  # noqa: F811
    ann, ann_token = await harness.add_agent("Ann")
    peer = await harness.agent(ann_token)
    visitor = await harness.visitor()
    session = await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "hi", "topic": None}))["chat"]
    await peer.next("chat:assigned")
    harness.clock.advance(90)
    assert (await peer.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    context = await call(agent, "GET", f"/api/visitors/{session['visitor_id']}/context")
    [previous] = context["previous_chats"]
    assert previous == {"id": chat["id"], "topic": None, "started_at": chat["started_at"],
                        "ended_at": previous["ended_at"], "end_reason": "agent",
                        "agent": {"id": ann.id, "name": "Ann"}}
    assert (datetime.fromisoformat(previous["ended_at"]) - datetime.fromisoformat(chat["started_at"])).seconds == 90


async def test_the_agent_session_carries_the_servers_time_and_sla_limits(harness):
    harness.clock.advance(3600)
    _, token = await harness.add_agent("Ann")
    peer = await harness.peer("/agent", {"token": token}).connect()
    session = await peer.next("session")
    assert datetime.fromisoformat(session["now"]) == harness.clock.now()
    assert session["now"].endswith("Z")
    assert session["sla_limits"] == {"first_response": 60, "response_gap": 120, "duration": 1200}


async def test_agents_and_queue_need_credentials(harness):
    async with client(harness) as anonymous:
        for path in ("/api/agents", "/api/queue", "/api/canned"):
            assert await error_code(anonymous, "GET", path, 401) == "unauthorized"
