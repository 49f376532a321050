"""The Store contract for surveys and alerts, on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from server.services import errors
from server.services.model import Alert, Chat, ChatStatus, Priority, Survey
from server.store import SqlStore
from tests.contract.factories import T0, a_chat, a_site, a_visitor, new_id


def a_survey(chat: Chat, rating: int, at_s: int = 0, **fields) -> Survey:
    return Survey(id=new_id(), chat_id=chat.id, site_id=chat.site_id, visitor_id=chat.visitor_id, rating=rating,
                  created_at=T0 + timedelta(seconds=at_s), **fields)


async def test_a_chat_has_at_most_one_survey(store: SqlStore) -> None:
    chat = await a_chat(store)
    saved = await store.save_survey(a_survey(chat, 4, comment="fine"))
    assert saved == await store.survey_of_chat(chat.id) == await store.survey_by_id(saved.id)
    with pytest.raises(errors.Conflict):
        await store.save_survey(a_survey(chat, 1))
    assert (await store.survey_of_chat(chat.id)).rating == 4


async def test_excluding_a_survey_keeps_who_why_and_when(store: SqlStore) -> None:
    chat = await a_chat(store)
    saved = await store.save_survey(a_survey(chat, 1))
    excluded = await store.exclude_survey(saved.id, "the outage", "lead-1", T0 + timedelta(hours=1))
    assert excluded == dataclasses.replace(saved, excluded_reason="the outage", excluded_by="lead-1",
                                           excluded_at=T0 + timedelta(hours=1))
    assert await store.exclude_survey("missing", "x", "lead-1", T0) is None


async def test_recent_surveys_are_an_accounts_newest_first(store: SqlStore) -> None:
    site = await a_site(store)
    mine, theirs = [], []
    for n in range(3):
        for account, kept in (("acct-1", mine), ("acct-2", theirs)):
            visitor = await a_visitor(store, site, verified=True, account_id=account)
            chat, _ = await store.create_chat(Chat(id=new_id(), site_id=site.id, visitor_id=visitor.id,
                                                   status=ChatStatus.QUEUED, priority=Priority.LOW,
                                                   started_at=T0), None)
            kept.append(await store.save_survey(a_survey(chat, n + 1, at_s=n, account_id=account)))
    recent = await store.recent_surveys(site.id, account_id="acct-1", visitor_id="ignored", limit=2)
    assert [s.id for s in recent] == [mine[2].id, mine[1].id]
    one = mine[0]
    by_visitor = await store.recent_surveys(site.id, account_id=None, visitor_id=one.visitor_id, limit=5)
    assert [s.id for s in by_visitor] == [one.id]


async def test_list_surveys_pages_through_every_site_newest_first(store: SqlStore) -> None:
    chats = [await a_chat(store) for _ in range(3)]  # each on a site of its own
    saved = [await store.save_survey(a_survey(chat, n + 1, at_s=n)) for n, chat in enumerate(chats)]
    assert await store.list_surveys() == saved[::-1]
    assert await store.list_surveys(limit=1, offset=1) == [saved[1]]


async def test_chats_on_a_topic_are_counted_per_account_after_an_instant(store: SqlStore) -> None:
    site = await a_site(store)
    verified = await a_visitor(store, site, verified=True, account_id="acct-9")
    other_browser = await a_visitor(store, site, verified=True, account_id="acct-9")
    claims_it = await a_visitor(store, site, verified=False, account_id="acct-9")  # an unverified claim
    for n, (visitor, topic) in enumerate([(verified, "dns"), (other_browser, "dns"), (verified, "billing"),
                                          (claims_it, "dns")]):
        chat = Chat(id=new_id(), site_id=site.id, visitor_id=visitor.id, status=ChatStatus.ENDED,
                    priority=Priority.LOW, started_at=T0 + timedelta(minutes=n), topic=topic)
        await store.create_chat(chat, None)
    count = store.count_chats_on_topic
    assert await count(site.id, account_id="acct-9", visitor_id=verified.id, topic="dns", since=T0 - timedelta(1)) == 2
    assert await count(site.id, account_id="acct-9", visitor_id=verified.id, topic="dns", since=T0) == 1  # after
    assert await count(site.id, account_id=None, visitor_id=claims_it.id, topic="dns", since=T0) == 1


async def test_alerts_keep_their_evidence_and_list_newest_first(store: SqlStore) -> None:
    site = await a_site(store)
    first = await store.add_alert(Alert(id=new_id(), at=T0, kind="flag", site_id=site.id, chat_ids=("c1",),
                                        agent_id="a1", reason="rude"))
    second = await store.add_alert(Alert(id=new_id(), at=T0 + timedelta(minutes=1), kind="negative_surveys",
                                         site_id=site.id, chat_ids=("c2", "c3"), account_id="acct",
                                         evidence={"ratings": [1, 2]}))
    assert await store.list_alerts() == [second, first]
    assert await store.list_alerts(kind="flag") == [first]
    assert await store.list_alerts(since=T0 + timedelta(seconds=30)) == [second]
    assert await store.list_alerts(limit=1, offset=1) == [first]
    assert second.chat_ids == ("c2", "c3") and second.evidence == {"ratings": [1, 2]}
