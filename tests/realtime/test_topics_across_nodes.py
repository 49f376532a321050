"""A topic a lead adds or changes on one node is in effect on the others
without a restart (a store read after the Redis broadcast), and removing it
there brings back the file's. Two nodes in this process, on one PostgreSQL
database and one Redis."""
from __future__ import annotations

from server.services.model import Role
from server.services.topics import TopicDraft
from tests.conftest import Harness, eventually
from tests.realtime.test_closures_across_nodes import two_nodes  # noqa: F401 (a fixture)
from tests.both_stores import pg_database  # noqa: F401 (a fixture)


async def test_a_topic_changed_on_one_node_applies_on_the_other(two_nodes):  # noqa: F811
    clock, a, b = two_nodes
    lead, _ = await Harness("", a, clock, a.desk.config, site=None).add_agent("Lee", role=Role.SUPERVISOR)
    async with a.desk.events.unit():
        await a.topics.add(lead, "refunds", TopicDraft(skill="money", priority="low"))
        await a.topics.update(lead, "network", {"chat": False, "reason": "A ticket, please."})

    async def b_has_them() -> bool:
        return "refunds" in b.desk.topics and not b.desk.topics["network"].chat
    await eventually(b_has_them)
    assert b.desk.skill_of("refunds") == "money" and b.desk.topic("network").refusal == "A ticket, please."
    assert b.topics.view("network")["source"] == "override"

    async with a.desk.events.unit():
        await a.topics.remove(lead, "network")
        await a.topics.remove(lead, "refunds")

    async def b_is_back_to_the_file() -> bool:
        return "refunds" not in b.desk.topics and b.desk.topics["network"].chat
    await eventually(b_is_back_to_the_file)
    assert b.desk.topics["network"] == b.desk.config.topics["network"]
