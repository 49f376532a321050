"""What a client builds from its `session` plus the events it receives
equals what a fresh `session` says, after every action (Zulip's
test_events is the model). A client that misses an event, or an event
that says less than the session does, shows a stale state until a reload:
this test is where that shows.

Each client's state is reduced from its first `session`, the events that
followed, and the acks of its own calls (the sending tab gets its
message's seq in the ack, not as an event). It is compared with the
`session` of a new connection of the same visitor or agent, on what both
carry: for a visitor its chat (status, agent, last seq), its place in the
queue, the survey it is offered, the duration warning and whether the desk
is online; for an agent its status, its shift, and each of its chats
(status, last seq, SLA clocks and their version).
"""
from __future__ import annotations

from typing import Any

from tests.peers import Peer

ROUND_TRIP = "state:round-trip"  # no such event: acked at once, in order behind what was sent before


# visitors
def visitor_state(session: dict) -> dict[str, Any]:
    chat = session.get("chat")
    warning = session.get("warning")
    return {"online": session["online"], "next_open": session.get("next_open"),
            "chat": None if chat is None else {"id": chat["id"], "status": chat["status"],
                                               "agent": (chat.get("agent") or {}).get("name"),
                                               "last_seq": chat["last_seq"]},
            "position": session.get("position"), "survey": session.get("survey"),
            "warning": None if warning is None else (warning["chat_id"], warning["kind"])}


def visitor_reduce(state: dict, event: str, data: Any) -> None:
    chat = state["chat"]
    if event == "ack:chat:start":  # the tab that started the chat has it from the ack
        state["chat"] = visitor_state({"online": True, "chat": data["chat"]})["chat"]
        state["position"] = data["position"] or None
    elif event == "chat:queued" and chat and chat["id"] == data["chat_id"]:
        state["position"] = data["position"]
    elif event == "chat:assigned" and chat and chat["id"] == data["chat_id"]:
        chat.update(status="active", agent=data["agent"]["name"])
        state["position"] = None
    elif event == "chat:message" and chat and chat["id"] == data["chat_id"]:
        chat["last_seq"] = max(chat["last_seq"], data["seq"])
    elif event == "chat:warning":
        state["warning"] = (data["chat_id"], data["kind"])
    elif event == "chat:ended" and chat and chat["id"] == data["chat_id"]:
        state.update(chat=None, position=None, warning=None)
    elif event == "survey:request":
        state["survey"] = {"chat_id": data["chat_id"]}
    elif event == "desk":
        state.update(online=data["online"], next_open=data.get("next_open"))


# agents
def agent_chat(chat: dict) -> dict[str, Any]:
    return {"status": chat["status"], "last_seq": chat["last_seq"], "sla": chat["sla"],
            "sla_version": chat["sla_version"]}


def agent_state(session: dict) -> dict[str, Any]:
    return {"status": session["agent"]["status"], "on_shift": session["on_shift"],
            "chats": {chat["id"]: agent_chat(chat) for chat in session["chats"]}}


def agent_reduce(state: dict, event: str, data: Any) -> None:
    chats = state["chats"]
    if event == "chat:assigned":
        chats[data["chat"]["id"]] = agent_chat(data["chat"])
    elif event == "chat:ended":
        chats.pop(data["chat_id"], None)
    elif event == "chat:message" and data["chat_id"] in chats:
        chats[data["chat_id"]]["last_seq"] = max(chats[data["chat_id"]]["last_seq"], data["seq"])
    elif event == "sla:clocks" and data["chat_id"] in chats:
        chats[data["chat_id"]].update(sla=data["sla"], sla_version=data["version"])
    elif event == "agent:status":
        state["status"] = data["status"]
    elif event == "shift":
        state["on_shift"] = data["on_shift"]


class Client:
    """A peer and the state it keeps from its session, events and acks."""

    def __init__(self, harness, peer: Peer, auth: dict) -> None:
        self.harness, self.peer, self.auth = harness, peer, auth
        self.is_agent = peer.namespace == "/agent"
        self.acks: list[tuple[int, str, dict]] = []  # (events received before it, as an event, its data)

    async def call(self, event: str, data: dict) -> dict:
        ack = await self.peer.call(event, data)
        assert ack["ok"], ack
        received = len(self.peer.events)
        if event == "chat:send":  # its own message: the ack says what the event says to others
            self.acks.append((received, "chat:message", {"chat_id": data["chat_id"], "seq": ack["seq"]}))
        elif event == "chat:start":
            self.acks.append((received, "ack:chat:start", ack))
        return ack

    def state(self) -> dict[str, Any]:
        events = self.peer.events
        state = (agent_state if self.is_agent else visitor_state)(events[0][1])
        reduce = agent_reduce if self.is_agent else visitor_reduce
        acks = list(self.acks)
        for index, (event, data) in enumerate(events[1:], start=1):
            while acks and acks[0][0] <= index:
                reduce(state, *acks.pop(0)[1:])
            reduce(state, event, data)
        for _, event, data in acks:
            reduce(state, event, data)
        return state

    async def fresh(self) -> dict[str, Any]:
        """What a new connection of the same visitor or agent is told."""
        peer = await Peer(self.harness.url, self.peer.namespace, self.auth).connect()
        try:
            session = await peer.next("session")
        finally:
            await peer.close()
        return (agent_state if self.is_agent else visitor_state)(session)


async def settled(*clients: Client) -> None:
    """Every event sent to each client before now has arrived."""
    for client in clients:
        await client.peer.call(ROUND_TRIP)


async def same(*clients: Client) -> None:
    await settled(*clients)
    for client in clients:
        assert client.state() == await client.fresh(), client.peer.namespace


async def test_each_clients_state_from_its_session_and_events_matches_a_fresh_session(harness):
    ann, ann_token = await harness.add_agent("Ann", capacity=2)
    bob, bob_token = await harness.add_agent("Bob", capacity=2)
    a = Client(harness, await harness.agent(ann_token, available=False), {"token": ann_token})
    visitor_peer = await harness.visitor()
    session = await visitor_peer.next("session")
    v = Client(harness, visitor_peer, {"site": harness.site.key, "token": session["visitor_token"]})
    await same(a, v)

    # a chat waits: nobody is available
    started = await v.call("chat:start", {"text": "My order is late", "name": "Vera"})
    chat_id = started["chat"]["id"]
    assert started["position"] == 1
    await same(a, v)

    # the agent becomes available and takes it
    await a.call("agent:status", {"status": "available"})
    await a.peer.next("chat:assigned")
    await same(a, v)

    # both write; the clocks move
    await v.call("chat:send", {"chat_id": chat_id, "client_id": "v1", "text": "Order 42"})
    await a.call("chat:send", {"chat_id": chat_id, "client_id": "a1", "text": "Looking now"})
    await a.call("chat:send", {"chat_id": chat_id, "client_id": "a2", "text": "for Ann's eyes", "note": True})
    await v.call("chat:send", {"chat_id": chat_id, "client_id": "v2", "text": "Thanks"})
    await same(a, v)

    # time passes: a response gap warning and breach, then the duration warning
    await harness.advance(harness.config.policy.response_gap_s + 1)
    await same(a, v)
    await harness.advance(harness.config.policy.duration_warn_s)
    await v.peer.next("chat:warning")
    await same(a, v)

    # a transfer to Bob: Ann loses the chat, Bob gets it, the visitor hears Bob's name
    b = Client(harness, await harness.agent(bob_token), {"token": bob_token})
    await a.call("chat:transfer", {"chat_id": chat_id, "to": {"agent_id": bob.id}})
    await b.peer.next("chat:assigned")
    await same(a, b, v)

    # Bob ends it: the visitor is offered the survey
    await b.call("chat:end", {"chat_id": chat_id})
    await v.peer.next("survey:request")
    await same(a, b, v)

    # Ann goes away from another tab
    other_tab = await harness.agent(ann_token, available=False)
    assert (await other_tab.call("agent:status", {"status": "away"}))["ok"]
    await same(a, b, v)
