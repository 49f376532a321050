"""An event to a room is encoded once, whoever is in the room: the desk's
manager (realtime/roomindex.py) builds one packet per emit and queues that
same packet to every socket of the room, as long as the emit asks no acks
(Shiftdesk's never do). Encoding per recipient would multiply the cost of
every emit to an agent with several consoles open, or to the supervisors."""
from __future__ import annotations

from server.app import SIO


async def test_a_message_to_an_agent_with_three_consoles_is_encoded_once(harness):
    sio = harness.server.app[SIO]
    encoded: list[str] = []

    class Counting(sio.packet_class):
        def encode(self):
            if isinstance(self.data, list) and self.data and isinstance(self.data[0], str):
                encoded.append(self.data[0])
            return super().encode()

    sio.packet_class = Counting
    _, token = await harness.add_agent()
    consoles = [await harness.agent(token) for _ in range(3)]
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "hello"}))["chat"]
    ack = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "c1", "text": "anyone there?"})
    assert ack["ok"], ack
    for console in consoles:
        got = await console.next("chat:message")
        assert (got["client_id"], got["seq"]) == ("c1", ack["seq"])
    assert encoded.count("chat:message") == 1
