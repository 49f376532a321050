"""The Store contract for an agent's own account (their password, sessions
and named API tokens), on SQLite and PostgreSQL: each change touches only
the agent's own rows and stands or falls with its audit entry."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from server.services import audit
from server.services.model import ApiToken
from server.store import SqlStore
from tests.contract.factories import T0, new_id
from tests.contract.test_store_sessions import HOUR, a_session, an_agent

MINUTE = timedelta(minutes=1)


def a_token(agent_id: str, name: str = "script", at=T0) -> ApiToken:
    return ApiToken(id=new_id(), agent_id=agent_id, name=name, token_hash=new_id() + new_id(), created_at=at)


def an_entry(action: str, agent_id: str):
    return audit.entry(action, audit.agent_target(agent_id), T0, actor_id=agent_id)


async def test_a_new_password_revokes_the_agents_other_sessions_only(store: SqlStore) -> None:
    agent, other = await an_agent(store), await an_agent(store)
    kept, ended = await a_session(store, agent), await a_session(store, agent)
    others = await a_session(store, other)
    revoked = await store.change_password(agent.id, "new-hash", keep_session=kept.id, at=T0 + MINUTE,
                                          audit=an_entry("password_change", agent.id))
    assert revoked == [ended.id]
    assert [s.id for s in await store.console_sessions_of(agent.id, since=T0 - HOUR)] == [kept.id]
    assert (await store.agent_by_id(agent.id)).password_hash == "new-hash"
    assert await store.valid_console_sessions({others.id}, since=T0 - HOUR) == {others.id}
    assert [e.action for e in await store.audit_log(actor_id=agent.id)] == ["password_change"]


async def test_an_agent_ends_their_own_session_and_no_one_elses(store: SqlStore) -> None:
    agent, other = await an_agent(store), await an_agent(store)
    first = await a_session(store, agent, T0)
    second = await a_session(store, agent, T0 + MINUTE)
    others = await a_session(store, other)
    assert [s.id for s in await store.console_sessions_of(agent.id, since=T0 - HOUR)] == [second.id, first.id]
    assert not await store.end_console_session(agent.id, others.id, T0, an_entry("session_end", agent.id))
    assert await store.end_console_session(agent.id, first.id, T0, an_entry("session_end", agent.id))
    assert not await store.end_console_session(agent.id, first.id, T0, an_entry("session_end", agent.id))
    assert [s.id for s in await store.console_sessions_of(agent.id, since=T0 - HOUR)] == [second.id]
    assert len(await store.audit_log(actor_id=agent.id)) == 1  # a change that changed nothing is not audited
    assert await store.valid_console_sessions({others.id}, since=T0 - HOUR) == {others.id}


async def test_a_token_opens_its_agent_until_revoked_or_the_agent_removed(store: SqlStore) -> None:
    agent, other = await an_agent(store), await an_agent(store)
    token = await store.add_api_token(a_token(agent.id), an_entry("token_create", agent.id), limit=20)
    found = await store.api_token_login(token.token_hash)
    assert found is not None and found[0] == token and found[1].id == agent.id
    await store.touch_api_token(token.id, T0 + MINUTE)
    assert (await store.api_tokens_of(agent.id))[0].last_used_at == T0 + MINUTE
    assert await store.revoke_api_token(other.id, token.id, T0, an_entry("token_revoke", other.id)) is None
    assert await store.valid_api_tokens({token.id}) == {token.id}
    revoked = await store.revoke_api_token(agent.id, token.id, T0 + HOUR, an_entry("token_revoke", agent.id))
    assert revoked.revoked_at == T0 + HOUR
    assert await store.api_token_login(token.token_hash) is None
    assert await store.valid_api_tokens({token.id}) == set() and await store.api_tokens_of(agent.id) == []
    assert await store.revoke_api_token(agent.id, token.id, T0, an_entry("token_revoke", agent.id)) is None
    kept = await store.add_api_token(a_token(agent.id), an_entry("token_create", agent.id), limit=20)
    await store.save_agent(dataclasses.replace(agent, removed_at=T0))
    assert await store.api_token_login(kept.token_hash) is None and await store.valid_api_tokens({kept.id}) == set()


async def test_no_more_tokens_than_the_limit_even_asked_at_once(store: SqlStore) -> None:
    agent = await an_agent(store)
    made = await asyncio.gather(*(store.add_api_token(a_token(agent.id, f"t{n}"), an_entry("token_create", agent.id),
                                                      limit=3) for n in range(6)))
    assert sum(m is not None for m in made) == 3
    assert len(await store.api_tokens_of(agent.id)) == 3
    assert len(await store.audit_log(actor_id=agent.id)) == 3
