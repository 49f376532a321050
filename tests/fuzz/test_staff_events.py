"""Every /agent and /supervisor event, fuzzed by an agent with a chat of its
own and by a supervisor acting on that chat's visitor, beside a victim whose
record must not change and a normal client whose round trip stays under a
second."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.services.model import AgentStatus, ChatStatus
from tests.fuzz.conftest import check_the_normal_client, open_desk
from tests.fuzz.desk import Desk
from tests.fuzz.events import Driver, fuzz_events

ROLL_EVERY = 50  # examples between two hour-long moves of the clock
AGENT_REFS = ["own_chat", "own_ended_chat", "customer", "victim_chat", "probe_chat", "victim_visitor", "alice",
              "fuzzy", "lead", "nobody"]
# A supervisor may rightly reassign or suspend anyone: its inputs name the
# fuzzing agent's customers, never the victim or the probe.
SUPERVISOR_REFS = ["own_chat", "own_ended_chat", "customer", "survey", "alice", "fuzzy", "lead", "site_key",
                   "nobody"]


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Iterator[Desk]:
    yield from open_desk(tmp_path_factory, "fuzz-staff", helpers=False)


class StaffScene:
    """Fuzzy, the fuzzing agent, has an active chat with a customer (a new
    one whenever the fuzzer ended, moved or converted the last), is
    available, and one survey of its chats exists for supervisors."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.customer = None
        desk.run(self._agents())
        self.agent = Driver(desk, "/agent", lambda: {"token": self.token})
        self.supervisor = Driver(desk, "/supervisor", lambda: {"token": desk.lead_token})

    async def _agents(self) -> None:
        fuzzy, self.token = await self.desk.harness.add_agent("Fuzzy", capacity=3, tier=1)
        lead = next(a for a in await self.desk.store.list_agents() if a.name == "Lead")
        self.desk.ids.update(fuzzy=fuzzy.id, lead=lead.id, site_key=self.desk.harness.site.key)

    def prepare(self) -> None:
        if self.desk.examples and self.desk.examples % ROLL_EVERY == 0:
            self.desk.roll()
        self.desk.run(self._scene())

    async def _scene(self) -> None:
        desk, fuzzy = self.desk, self.desk.ids["fuzzy"]
        await self.agent.ready()
        presence = await desk.harness.services.desk.live.presence(fuzzy)
        if presence is None or presence.status is not AgentStatus.AVAILABLE:
            assert (await self.agent.scene("agent:status", {"status": "available"}))["ok"]
        if "survey" not in desk.ids:
            desk.ids["survey"] = await self._survey()
        mine = [c for c in await desk.store.chats_with_status(ChatStatus.ACTIVE) if c.agent_id == fuzzy]
        if not mine:
            mine = [await self._new_customer()]
        desk.ids["own_chat"] = mine[0].id
        desk.ids["customer"] = mine[0].visitor_id

    async def _new_customer(self):
        """A visitor whose chat Fuzzy takes (Alice has no room); the last
        one's chat ends first, so the queue does not grow with the run."""
        if self.customer is not None:
            if self.customer.sio.connected:
                chat_id = self.desk.ids.get("customer_chat")
                await self.customer.call("chat:end", {"chat_id": chat_id})
                self.desk.ids["own_ended_chat"] = chat_id
            await self.customer.close()
            self.desk.harness.peers.remove(self.customer)
        self.customer = await self.desk.harness.visitor()
        ack = await self.customer.call("chat:start", {"text": "a customer of the fuzzing agent"})
        assert ack["ok"] and ack["chat"]["status"] == "active", ack
        self.desk.ids["customer_chat"] = ack["chat"]["id"]
        return await self.desk.store.chat_by_id(ack["chat"]["id"])

    async def _survey(self) -> str:
        chat = await self._new_customer()
        assert (await self.customer.call("chat:end", {"chat_id": chat.id}))["ok"]
        ack = await self.customer.call("survey:submit", {"chat_id": chat.id, "rating": 2, "comment": "meh"})
        assert ack["ok"], ack
        self.desk.ids["own_ended_chat"] = chat.id
        return ack["survey_id"]


@pytest.fixture(scope="module")
def scene(desk) -> StaffScene:
    return StaffScene(desk)


def test_every_agent_event_keeps_its_promises(desk, scene):
    fuzz_events(desk, scene.agent, AGENT_REFS, scene.prepare)
    check_the_normal_client(desk)


def test_every_supervisor_event_keeps_its_promises(desk, scene):
    fuzz_events(desk, scene.supervisor, SUPERVISOR_REFS, scene.prepare)
    check_the_normal_client(desk)
