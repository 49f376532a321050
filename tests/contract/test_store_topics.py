"""The Store contract for the topics leads keep in the dashboard, on SQLite
and PostgreSQL: one per name, replaced whole, removed with its audit entry."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from server.services import audit, errors
from server.services.model import DeskTopic
from server.store import SqlStore
from tests.contract.factories import T0


def a_topic(name: str, **fields) -> DeskTopic:
    return DeskTopic(**({"name": name, "skill": "refunds", "priority": "high", "chat": True,
                         "reason": "", "department": "", "verified_only": False, "updated_at": T0,
                         "updated_by": "lead-1"} | fields))


async def test_topics_list_by_name_with_every_field(store: SqlStore) -> None:
    refunds = await store.add_topic(a_topic("refunds", chat=False, reason="A ticket, please ✓", department="money"))
    billing = await store.add_topic(a_topic("billing", verified_only=True, skill=""))
    assert await store.list_topics() == [billing, refunds]
    assert refunds == a_topic("refunds", chat=False, reason="A ticket, please ✓", department="money")


async def test_a_name_is_kept_once(store: SqlStore) -> None:
    await store.add_topic(a_topic("refunds"))
    with pytest.raises(errors.Conflict):
        await store.add_topic(a_topic("refunds", skill="other"))
    assert [t.skill for t in await store.list_topics()] == ["refunds"]


async def test_an_update_replaces_every_field_and_a_missing_topic_is_none(store: SqlStore) -> None:
    await store.add_topic(a_topic("refunds"))
    changed = a_topic("refunds", skill="", priority="low", chat=False, reason="No", verified_only=True,
                      updated_at=T0 + timedelta(hours=1), updated_by="lead-2")
    assert await store.update_topic(changed) == changed
    assert await store.list_topics() == [changed]
    assert await store.update_topic(dataclasses.replace(changed, name="nothing")) is None


async def test_a_removal_is_audited_only_when_it_removed_something(store: SqlStore) -> None:
    added = await store.add_topic(a_topic("refunds"))
    entry = audit.entry("topic_remove", "topic:refunds", T0, actor_id="lead-1")
    assert await store.remove_topic("refunds", entry) == added
    assert await store.list_topics() == []
    assert await store.remove_topic("refunds", audit.entry("topic_remove", "topic:refunds", T0)) is None
    assert [e.id for e in await store.audit_log(target="topic:refunds")] == [entry.id]
