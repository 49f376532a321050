"""The Store contract for people as supervisors change them (store/people.py):
agents added and changed with their audit entry, and password links that
work once, before they expire, for an agent not removed; on SQLite and
PostgreSQL."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from server.services import errors
from server.services.audit import entry
from server.services.model import Agent, PasswordReset, Role
from server.store import SqlStore
from tests.contract.factories import T0, a_mail, new_id

DAY = timedelta(days=1)


def audited(action: str, agent_id: str):
    return entry(action, f"agent:{agent_id}", T0, actor_id="lead")


async def an_agent(store: SqlStore, email: str = "ann@example.test") -> Agent:
    agent = Agent(id=new_id(), email=email, name="Ann", skills=("billing",), password_hash="old")
    return await store.add_agent(agent, audited("agent_add", agent.id))


async def a_link(store: SqlStore, agent: Agent, mails=()) -> PasswordReset:
    reset = PasswordReset(id=new_id(), agent_id=agent.id, created_at=T0, expires_at=T0 + DAY, created_by="lead")
    await store.add_password_reset(reset, audited("password_link", agent.id), mails)
    return reset


async def test_an_agent_is_added_with_its_audit_entry_and_an_email_once(store: SqlStore) -> None:
    ann = await an_agent(store)
    assert (await store.agent_by_email("ann@example.test")) == ann and ann.skills == ("billing",)
    with pytest.raises(errors.Conflict):
        await an_agent(store)
    assert [e.action for e in await store.audit_log(target=f"agent:{ann.id}")] == ["agent_add"]


async def test_a_change_stores_the_profile_and_a_new_epoch_only_when_asked(store: SqlStore) -> None:
    ann = await an_agent(store)
    changed = await store.change_agent(dataclasses.replace(ann, tier=3, skills=(), role=Role.SUPERVISOR,
                                                           password_hash="ignored"), audited("agent_edit", ann.id),
                                       new_epoch=True)
    assert (changed.tier, changed.skills, changed.role, changed.epoch) == (3, (), Role.SUPERVISOR, ann.epoch + 1)
    assert changed.password_hash == "old"  # not a supervisor's to change
    again = await store.change_agent(dataclasses.replace(changed, removed_at=T0), audited("agent_disable", ann.id))
    assert again.removed and again.epoch == changed.epoch
    assert await store.change_agent(dataclasses.replace(ann, id=new_id()), audited("agent_edit", "x")) is None
    assert len(await store.audit_log(target=f"agent:{ann.id}")) == 3


async def test_a_link_works_once_sets_the_password_and_moves_the_epoch(store: SqlStore) -> None:
    ann = await an_agent(store)
    reset = await a_link(store, ann, [a_mail()])
    assert (await store.password_reset(reset.id)).expires_at == T0 + DAY
    assert len(await store.due_mail(T0 + DAY, 10)) == 1  # queued with it
    used = await store.use_password_reset(reset, T0 + DAY - timedelta(seconds=1), "new", audited("password_reset",
                                                                                                  ann.id))
    assert used.password_hash == "new" and used.epoch == ann.epoch + 1
    assert await store.use_password_reset(reset, T0, "newer", audited("password_reset", ann.id)) is None
    assert (await store.agent_by_id(ann.id)).password_hash == "new"


async def test_an_expired_link_or_a_removed_agents_link_changes_nothing(store: SqlStore) -> None:
    ann = await an_agent(store)
    expired = await a_link(store, ann)
    assert await store.use_password_reset(expired, T0 + DAY, "new", audited("password_reset", ann.id)) is None
    fresh = await a_link(store, ann)
    assert await store.password_reset(expired.id) is None  # voided by the newer one
    await store.change_agent(dataclasses.replace(ann, removed_at=T0), audited("agent_disable", ann.id))
    assert await store.use_password_reset(fresh, T0, "new", audited("password_reset", ann.id)) is None
    assert await store.password_reset(fresh.id) is None  # voided by the removal: re-enabling brings it not back
    assert (await store.agent_by_id(ann.id)).password_hash == "old"
    actions = [e.action for e in await store.audit_log(target=f"agent:{ann.id}")]
    assert "password_reset" not in actions
