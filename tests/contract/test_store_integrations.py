"""The Store contract for integration tokens and the public API's pages,
on SQLite and PostgreSQL: a token is found by its hash until revoked, the
cap is one atomic count, and keyset pages neither repeat nor skip."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from server.services import audit
from server.services.listing_types import After, ChatFilter
from server.services.model import IntegrationToken, Scope
from server.store import SqlStore
from tests.contract.factories import T0, a_chat, new_id

MINUTE = timedelta(minutes=1)


def a_token(name: str = "script", site_id: str | None = None) -> IntegrationToken:
    return IntegrationToken(id=new_id(), name=name, scope=Scope.READ, site_id=site_id, created_by=None,
                            token_hash=new_id() + new_id(), created_at=T0)


def an_entry(action: str, token: IntegrationToken):
    return audit.entry(action, f"token:{token.id}", T0)


async def test_a_token_opens_until_it_is_revoked_and_its_audit_stands_with_it(store: SqlStore) -> None:
    token = a_token()
    assert await store.add_integration_token(token, an_entry("integration_token_add", token), limit=5) == token
    assert await store.integration_token_login(token.token_hash) == token
    await store.touch_integration_token(token.id, T0 + MINUTE)
    assert (await store.integration_token_login(token.token_hash)).last_used_at == T0 + MINUTE
    revoked = await store.revoke_integration_token(token.id, T0 + 2 * MINUTE,
                                                   an_entry("integration_token_revoke", token))
    assert revoked.revoked_at == T0 + 2 * MINUTE
    assert await store.integration_token_login(token.token_hash) is None
    assert await store.integration_tokens() == []
    assert (await store.integration_token_by_id(token.id)).name == "script"
    assert await store.revoke_integration_token(token.id, T0, an_entry("integration_token_revoke", token)) is None
    actions = [e.action for e in await store.audit_log(target=f"token:{token.id}")]
    assert sorted(actions) == ["integration_token_add", "integration_token_revoke"]


async def test_the_cap_holds_when_two_are_made_at_once(store: SqlStore) -> None:
    first = a_token("first")
    await store.add_integration_token(first, an_entry("integration_token_add", first), limit=2)
    racing = [a_token("a"), a_token("b")]
    made = await asyncio.gather(*(store.add_integration_token(t, an_entry("integration_token_add", t), limit=2)
                                  for t in racing))
    assert sum(m is not None for m in made) == 1
    assert len(await store.integration_tokens()) == 2


async def test_a_page_of_chats_starts_after_its_key(store: SqlStore) -> None:
    chats = [await a_chat(store) for _ in range(4)]
    newest_first = sorted(chats, key=lambda c: (c.started_at, c.id), reverse=True)
    first = await store.chats_page(ChatFilter(), 2)
    after = After(first[-1].started_at, first[-1].id)
    second = await store.chats_page(ChatFilter(after=after), 10)
    assert [c.id for c in first + second] == [c.id for c in newest_first]
