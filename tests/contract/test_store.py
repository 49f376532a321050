"""The Store contract (services/ports.py), run on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, select

from server.services import errors
from server.services.model import (Agent, AgentStatus, Assigned, Assignment, Author, Chat, ChatStatus, IdentityMode,
                                   Message, NewMessage, Priority, QueuedMail, Role, Site, SlaEvent, Ticket,
                                   TicketStatus, Visitor)
from server.store import SqlStore, open_store
from server.store import writer as writer_module
from server.store.engine import async_url
from server.store.search import is_search_schema
from server.store.sql import insert_mails
from server.store.tables import metadata, outbox
from server.store.writer import StoreClosed
from tests.contract.factories import (T0, a_chat, a_mail, a_site, a_visitor, new_id, stored,
                                     visitor_says)


# sites and agents

async def test_site_round_trips_and_upserts_by_key_keeping_its_id(store: SqlStore) -> None:
    site = Site(id=new_id(), key="acme", secret="one", origins=("https://acme.test",),
                identity=IdentityMode.REQUIRED)
    assert await store.save_site(site) == site
    again = Site(id=new_id(), key="acme", secret="two", origins=("https://a.test", "https://b.test"))
    saved = await store.save_site(again)
    assert saved == dataclasses.replace(again, id=site.id)
    assert await store.site_by_key("acme") == saved
    assert await store.site_by_id(site.id) == saved
    assert await store.site_by_id(again.id) is None
    assert await store.site_by_key("nope") is None


async def test_agent_round_trips_and_upserts_by_email_keeping_its_id(store: SqlStore) -> None:
    agent = Agent(id=new_id(), email="ann@desk.test", name="Ann", role=Role.SUPERVISOR, tier=3,
                  skills=("billing", "network"), capacity=5, shift="mon-fri 08:00-16:00",
                  password_hash="argon", token_hash="t-ann", status=AgentStatus.AVAILABLE)
    assert await store.save_agent(agent) == agent
    renamed = Agent(id=new_id(), email="ann@desk.test", name="Ann B", token_hash="t-ann2")
    saved = await store.save_agent(renamed)
    assert saved == dataclasses.replace(renamed, id=agent.id)
    assert await store.agent_by_id(agent.id) == saved
    assert await store.agent_by_email("ann@desk.test") == saved
    assert await store.agent_by_token_hash("t-ann2") == saved
    assert await store.agent_by_token_hash("t-ann") is None
    assert await store.agent_by_id(renamed.id) is None
    assert await store.agent_by_email("bob@desk.test") is None


async def test_list_agents_and_set_status(store: SqlStore) -> None:
    bob = await store.save_agent(Agent(id=new_id(), email="bob@desk.test", name="Bob"))
    ann = await store.save_agent(Agent(id=new_id(), email="ann@desk.test", name="Ann"))
    await store.set_agent_status(bob.id, AgentStatus.AVAILABLE)
    assert await store.list_agents() == [ann, dataclasses.replace(bob, status=AgentStatus.AVAILABLE)]


async def test_an_id_taken_by_another_key_is_a_conflict(store: SqlStore) -> None:
    site = await a_site(store)
    with pytest.raises(errors.Conflict):
        await store.save_site(Site(id=site.id, key="other", secret="x"))


# visitors

async def test_visitor_round_trips_and_updates_by_id(store: SqlStore) -> None:
    site = await a_site(store)
    visitor = await a_visitor(store, site)
    assert await store.visitor_by_id(visitor.id) == visitor
    verified = dataclasses.replace(visitor, verified=True, external_id="u-7", account_id="acct-9",
                                   name="Vee", email="vee@customer.test", plan="pro")
    assert await store.save_visitor(verified) == verified
    assert await store.visitor_by_id(visitor.id) == verified
    assert await store.visitor_by_token_hash(site.id, visitor.token_hash) == verified
    assert await store.visitor_by_external_id(site.id, "u-7") == verified
    assert await store.visitor_by_id(new_id()) is None


async def test_visitor_lookups_stay_inside_their_site(store: SqlStore) -> None:
    site, other = await a_site(store), await a_site(store)
    visitor = await a_visitor(store, site, verified=True, external_id="u-1")
    assert await store.visitor_by_token_hash(other.id, visitor.token_hash) is None
    assert await store.visitor_by_external_id(other.id, "u-1") is None


async def test_visitors_are_found_by_name_email_account_or_id_newest_first(store: SqlStore) -> None:
    site = await a_site(store)
    kim = await a_visitor(store, site, name="Kim Lee", email="kim@shop.test")
    acme = await store.save_visitor(Visitor(id=new_id(), site_id=site.id, token_hash=new_id(),
                                            created_at=T0 + timedelta(hours=1), verified=True,
                                            external_id="u-42", account_id="acme-42", email="ops@acme.test"))
    await a_visitor(store, site, name="100%_sure")
    assert await store.search_visitors("KIM") == [kim]
    assert await store.search_visitors("acme") == [acme]
    assert await store.search_visitors("u-42") == [acme]
    assert await store.search_visitors(kim.id) == [kim]
    assert await store.search_visitors(".test") == [acme, kim]  # the newest first
    assert await store.search_visitors(".test", limit=1) == [acme]
    assert [v.name for v in await store.search_visitors("%")] == ["100%_sure"]
    assert [v.name for v in await store.search_visitors("0%_")] == ["100%_sure"]
    assert await store.search_visitors("m_lee") == []  # "_" is a character, not a wildcard


# chats

async def test_create_chat_without_a_first_message(store: SqlStore) -> None:
    chat = await a_chat(store)
    assert chat.last_seq == 0
    assert await store.chat_by_id(chat.id) == chat
    assert await stored(store, chat.id) == []


async def test_create_chat_stores_its_first_message_as_seq_1(store: SqlStore) -> None:
    site = await a_site(store)
    visitor = await a_visitor(store, site)
    chat = Chat(id=new_id(), site_id=site.id, visitor_id=visitor.id, status=ChatStatus.QUEUED,
                priority=Priority.HIGH, started_at=T0, topic="billing")
    created, first = await store.create_chat(chat, visitor_says(chat.id, "hello", "c-1"))
    assert created == dataclasses.replace(chat, last_seq=1)
    assert first == Message(chat.id, 1, Author.VISITOR, "hello", T0, client_id="c-1")
    assert await store.chat_by_id(chat.id) == created
    assert await stored(store, chat.id) == [first]
    assert await store.append_message(visitor_says(chat.id, "hello", "c-1")) == first
    assert (await store.append_message(visitor_says(chat.id, "again"))).seq == 2


async def test_create_chat_refuses_a_second_open_chat_of_a_visitor(store: SqlStore) -> None:
    chat = await a_chat(store)
    second = dataclasses.replace(chat, id=new_id())
    with pytest.raises(errors.ChatActive) as refused:
        await store.create_chat(second, visitor_says(second.id, "me again"))
    assert refused.value.code == "chat_active"
    assert await store.chat_by_id(second.id) is None
    await store.end_chat(chat.id, "visitor", T0)
    created, _ = await store.create_chat(second, None)
    assert await store.open_chat_of_visitor(chat.visitor_id) == created


async def test_create_chat_refuses_a_first_message_of_another_chat(store: SqlStore) -> None:
    chat = await a_chat(store)
    stranger = await a_visitor(store, chat.site_id)
    other = dataclasses.replace(chat, id=new_id(), visitor_id=stranger.id)
    with pytest.raises(errors.BadRequest):
        await store.create_chat(other, visitor_says(chat.id, "lost"))


async def test_assign_transfer_requeue_and_end(store: SqlStore) -> None:
    chat = await a_chat(store)
    ann = await store.save_agent(Agent(id=new_id(), email="ann@desk.test", name="Ann"))
    bob = await store.save_agent(Agent(id=new_id(), email="bob@desk.test", name="Bob"))
    t1, t2, t3 = (T0 + timedelta(seconds=s) for s in (10, 20, 30))
    assigned = await store.assign_chat(chat.id, ann.id, t1, first=True)
    assert assigned == dataclasses.replace(chat, status=ChatStatus.ACTIVE, agent_id=ann.id, assigned_at=t1)
    moved = await store.assign_chat(chat.id, bob.id, t2, first=False)
    assert moved == dataclasses.replace(assigned, agent_id=bob.id)  # the duration clock keeps running
    await store.assign_chat(chat.id, ann.id, t3, first=False)  # back to Ann: still two who handled it
    await store.assign_chat(chat.id, bob.id, t3, first=False)
    assert await store.chat_agents(chat.id) == [ann.id, bob.id]
    requeued = await store.requeue_chat(chat.id, Priority.CRITICAL, need_skill="dns", min_tier=2, at=t3)
    assert requeued == dataclasses.replace(moved, status=ChatStatus.QUEUED, agent_id=None,
                                           priority=Priority.CRITICAL, need_skill="dns", min_tier=2, queued_at=t3)
    ended = await store.end_chat(chat.id, "agent", t3)
    assert ended == dataclasses.replace(requeued, status=ChatStatus.ENDED, ended_at=t3, end_reason="agent")
    assert await store.chat_by_id(chat.id) == ended


async def test_a_routing_pass_stores_its_assignments_together_with_what_each_agent_is_shown(store: SqlStore) -> None:
    waiting = await a_chat(store, first="hello")
    await store.append_message(visitor_says(waiting.id, "anyone?"))
    fired = SlaEvent(chat_id=waiting.id, kind="first_response", stage="warning", anchor_at=T0,
                     at=T0 + timedelta(seconds=60), limit_s=120, elapsed_s=60)
    await store.record_sla_event(fired)
    visitor = await store.visitor_by_id(waiting.visitor_id)
    ticket = await store.create_ticket(Ticket(
        id=new_id(), site_id=waiting.site_id, subject="Broken", description="It broke", priority=Priority.MEDIUM,
        status=TicketStatus.OPEN, created_at=T0, updated_at=T0, response_due_at=T0 + timedelta(hours=1),
        resolution_due_at=T0 + timedelta(days=1), visitor_id=visitor.id))
    requeued = await a_chat(store)  # had an agent before: keeps its assignment time
    ann = await store.save_agent(Agent(id=new_id(), email="ann@desk.test", name="Ann"))
    bob = await store.save_agent(Agent(id=new_id(), email="bob@desk.test", name="Bob"))
    earlier = T0 + timedelta(seconds=5)
    await store.assign_chat(requeued.id, ann.id, earlier, first=True)
    await store.requeue_chat(requeued.id, Priority.MEDIUM)
    gone = await a_chat(store)
    await store.end_chat(gone.id, "visitor", T0)
    at = T0 + timedelta(seconds=90)

    first, again, ended = await store.assign_chats([
        Assignment(waiting.id, ann.id, first=True), Assignment(requeued.id, bob.id, first=False),
        Assignment(gone.id, bob.id, first=True)], at)

    assert first.chat == dataclasses.replace(waiting, status=ChatStatus.ACTIVE, agent_id=ann.id, assigned_at=at,
                                             last_seq=2)
    assert (first.visitor, first.sla_events, first.open_tickets) == (visitor, [fired], [ticket])
    assert [m.text for m in first.messages] == ["hello", "anyone?"]
    assert (again.chat.agent_id, again.chat.assigned_at, again.messages, again.open_tickets) == (bob.id, earlier, [], [])
    assert ended == Assigned(None)
    assert await store.chat_agents(requeued.id) == [ann.id, bob.id]
    assert await store.chat_by_id(waiting.id) == first.chat
    assert await store.chat_by_id(gone.id) == dataclasses.replace(gone, status=ChatStatus.ENDED, ended_at=T0,
                                                                 end_reason="visitor")
    assert await store.assign_chats([], at) == []


async def test_an_ended_chat_does_not_change(store: SqlStore) -> None:
    chat = await a_chat(store)
    ended = await store.end_chat(chat.id, "visitor", T0)
    assert await store.end_chat(chat.id, "agent", T0 + timedelta(hours=1)) is None
    assert await store.assign_chat(chat.id, new_id(), T0, first=True) is None
    assert await store.requeue_chat(chat.id, Priority.LOW) is None
    assert await store.chat_by_id(chat.id) == ended
    assert await store.open_chat_of_visitor(chat.visitor_id) is None


async def test_open_chats_asked_at_once_are_read_together(store: SqlStore) -> None:
    open_chats = [await a_chat(store) for _ in range(3)]
    ended = await a_chat(store)
    await store.end_chat(ended.id, "visitor", T0)
    asked = [c.visitor_id for c in open_chats] + [ended.visitor_id, new_id(), open_chats[0].visitor_id]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        found = await asyncio.gather(*(store.open_chat_of_visitor(v) for v in asked))
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)
    assert found == open_chats + [None, None, open_chats[0]]
    assert len([s for s in statements if "FROM chats" in s]) == 1, statements
    await store.end_chat(open_chats[1].id, "agent", T0)  # a read asked after a commit sees it
    assert await store.open_chat_of_visitor(open_chats[1].visitor_id) is None


async def test_unknown_chats_are_none(store: SqlStore) -> None:
    missing = new_id()
    assert await store.chat_by_id(missing) is None
    assert await store.end_chat(missing, "agent", T0) is None
    assert await store.assign_chat(missing, new_id(), T0, first=True) is None
    assert await store.requeue_chat(missing, Priority.LOW) is None


async def test_chats_with_status(store: SqlStore) -> None:
    queued, to_assign, to_end = await a_chat(store), await a_chat(store), await a_chat(store)
    agent = await store.save_agent(Agent(id=new_id(), email="ann@desk.test", name="Ann"))
    active = await store.assign_chat(to_assign.id, agent.id, T0, first=True)
    ended = await store.end_chat(to_end.id, "visitor", T0)
    assert await store.chats_with_status(ChatStatus.QUEUED) == [queued]
    assert await store.chats_with_status(ChatStatus.ACTIVE) == [active]
    both = await store.chats_with_status(ChatStatus.QUEUED, ChatStatus.ACTIVE)
    assert sorted(c.id for c in both) == sorted([queued.id, to_assign.id])
    assert await store.chats_with_status(ChatStatus.ENDED) == [ended]
    assert await store.chats_with_status() == []


async def test_mark_read_keeps_the_larger_seq_up_to_the_last(store: SqlStore) -> None:
    chat = await a_chat(store)
    for i in range(5):
        await store.append_message(visitor_says(chat.id, f"m{i}"))
    await store.mark_read(chat.id, "agent", 3)
    await store.mark_read(chat.id, "agent", 2)
    await store.mark_read(chat.id, "visitor", 99)
    read = await store.chat_by_id(chat.id)
    assert read is not None
    assert (read.agent_read_seq, read.visitor_read_seq) == (3, 5)
    with pytest.raises(errors.BadRequest):
        await store.mark_read(chat.id, "system", 1)


# messages

async def test_seqs_run_1_to_n_without_gaps(store: SqlStore) -> None:
    chat = await a_chat(store)
    sent = [await store.append_message(visitor_says(chat.id, f"m{i}")) for i in range(10)]
    assert [m.seq for m in sent] == list(range(1, 11))
    assert await stored(store, chat.id) == sent
    after = await store.chat_by_id(chat.id)
    assert after is not None and after.last_seq == 10


async def test_a_resent_client_id_gets_the_stored_message_across_batches(store: SqlStore) -> None:
    chat = await a_chat(store)
    first = await store.append_message(visitor_says(chat.id, "hi", "c-1"))
    resent = await store.append_message(visitor_says(chat.id, "hi (resent)", "c-1"))
    assert resent == first
    nxt = await store.append_message(visitor_says(chat.id, "next", "c-2"))
    assert nxt.seq == first.seq + 1
    assert await stored(store, chat.id) == [first, nxt]


async def test_duplicates_within_one_batch_get_the_same_message(store: SqlStore) -> None:
    chat = await a_chat(store)
    calls = [store.append_message(visitor_says(chat.id, t, c))
             for t, c in (("a", "c-a"), ("b", "c-b"), ("a again", "c-a"), ("c", None), ("a 3", "c-a"))]
    a, b, a2, c, a3 = await asyncio.gather(*calls)
    assert a == a2 == a3 and a.text == "a"
    assert [a.seq, b.seq, c.seq] == [1, 2, 3]
    assert await stored(store, chat.id) == [a, b, c]


async def test_resends_mixed_with_new_messages_leave_no_gap(store: SqlStore) -> None:
    chat = await a_chat(store)
    old = await store.append_message(visitor_says(chat.id, "old", "c-old"))
    calls = [store.append_message(visitor_says(chat.id, "new 1", "c-1")),
             store.append_message(visitor_says(chat.id, "old", "c-old")),
             store.append_message(visitor_says(chat.id, "new 2"))]
    n1, resent, n2 = await asyncio.gather(*calls)
    assert resent == old
    assert (n1.seq, n2.seq) == (2, 3)
    assert [m.seq for m in await stored(store, chat.id)] == [1, 2, 3]
    after = await store.chat_by_id(chat.id)
    assert after is not None and after.last_seq == 3


async def test_client_ids_are_per_chat_and_author(store: SqlStore) -> None:
    chat, other = await a_chat(store), await a_chat(store)
    agent_says = NewMessage(chat_id=chat.id, author=Author.AGENT, text="a", at=T0,
                            author_id=new_id(), client_id="same")
    sent = await asyncio.gather(store.append_message(visitor_says(chat.id, "v", "same")),
                                store.append_message(agent_says),
                                store.append_message(visitor_says(other.id, "o", "same")))
    assert [(m.chat_id, m.seq) for m in sent] == [(chat.id, 1), (chat.id, 2), (other.id, 1)]


async def test_concurrent_appends_share_batches_and_keep_call_order(store: SqlStore) -> None:
    chats = [await a_chat(store) for _ in range(5)]
    before = store.batches_committed
    calls = [(chat.id, i, store.append_message(visitor_says(chat.id, f"{i}", f"c-{i}")))
             for i in range(40) for chat in chats]
    results = [(chat_id, i, await call) for chat_id, i, call in calls]
    assert store.batches_committed - before <= 2 < len(calls)
    for chat in chats:
        seqs = [m.seq for chat_id, _, m in results if chat_id == chat.id]
        assert seqs == list(range(1, 41))
        assert [m.text for m in await stored(store, chat.id)] == [str(i) for i in range(40)]


async def test_a_batch_costs_a_constant_number_of_statements(store: SqlStore) -> None:
    chats = [await a_chat(store) for _ in range(5)]
    resend = await store.append_message(visitor_says(chats[0].id, "old", "c-old"))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        calls = [store.append_message(visitor_says(chat.id, f"{i}", f"c-{i % 50}"))
                 for i in range(60) for chat in chats]
        calls.append(store.append_message(visitor_says(chats[0].id, "old", "c-old")))
        *_, again = await asyncio.gather(*calls)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)
    assert again == resend
    # lock (PostgreSQL), bump, look-up, refund, insert: whatever the size
    assert len(statements) <= 5, statements
    assert [m.seq for m in await stored(store, chats[1].id)] == list(range(1, 51))


async def test_senders_waiting_on_their_acks_still_batch(store: SqlStore) -> None:
    chats = [await a_chat(store) for _ in range(6)]
    before = store.batches_committed

    async def converse(chat: Chat) -> list[int]:
        return [(await store.append_message(visitor_says(chat.id, f"{i}"))).seq for i in range(15)]

    seqs = await asyncio.gather(*(converse(chat) for chat in chats))
    assert all(s == list(range(1, 16)) for s in seqs)
    assert store.batches_committed - before < 6 * 15


async def test_a_batch_larger_than_the_cap_is_split(store: SqlStore) -> None:
    chat = await a_chat(store)
    total = writer_module.MAX_BATCH + 10
    sent = await asyncio.gather(*(store.append_message(visitor_says(chat.id, f"{i}"))
                                  for i in range(total)))
    assert [m.seq for m in sent] == list(range(1, total + 1))
    assert len(await store.messages_after(chat.id, 0, include_notes=True, limit=total)) == total


async def test_a_message_to_an_ended_chat_is_refused(store: SqlStore) -> None:
    chat, open_chat = await a_chat(store), await a_chat(store)
    kept = await store.append_message(visitor_says(chat.id, "before", "c-before"))
    await store.end_chat(chat.id, "agent", T0)
    late = store.append_message(visitor_says(chat.id, "too late"))
    fine = store.append_message(visitor_says(open_chat.id, "fine"))
    resent = store.append_message(visitor_says(chat.id, "before", "c-before"))
    with pytest.raises(errors.ChatEnded) as refused:
        await late
    assert refused.value.code == "chat_ended" and isinstance(refused.value, errors.Conflict)
    assert (await fine).seq == 1
    assert await resent == kept  # the resend of a stored message still gets its ack
    assert await stored(store, chat.id) == [kept]
    ended = await store.chat_by_id(chat.id)
    assert ended is not None and ended.last_seq == 1


async def test_a_message_to_an_unknown_chat_is_not_found(store: SqlStore) -> None:
    with pytest.raises(errors.NotFound):
        await store.append_message(visitor_says(new_id(), "anyone?"))


async def test_notes_are_left_out_unless_asked_for(store: SqlStore) -> None:
    chat = await a_chat(store)
    agent_id = new_id()
    texts = ["q", "internal", "a"]
    for text, note in zip(texts, (False, True, False), strict=True):
        await store.append_message(NewMessage(chat_id=chat.id, author=Author.AGENT, text=text,
                                              at=T0, author_id=agent_id, note=note))
    visible = await store.messages_after(chat.id, 0, include_notes=False)
    assert [(m.text, m.seq) for m in visible] == [("q", 1), ("a", 3)]
    everything = await store.messages_after(chat.id, 0, include_notes=True)
    assert [m.text for m in everything] == texts and everything[1].note
    assert [m.seq for m in await store.messages_after(chat.id, 1, include_notes=True, limit=1)] == [2]


async def test_times_round_trip_as_aware_utc(store: SqlStore) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    local = datetime(2026, 3, 8, 7, 30, 15, 123456, tzinfo=india)
    chat = await a_chat(store)
    sent = await store.append_message(dataclasses.replace(visitor_says(chat.id, "t"), at=local))
    ended = await store.end_chat(chat.id, "visitor", local)
    again = await store.chat_by_id(chat.id)
    [back] = await stored(store, chat.id)
    for value in (sent.at, back.at, again.ended_at if again else None, ended.ended_at if ended else None):
        assert value == local and value.tzinfo == UTC
        assert value.utcoffset() == timedelta(0) and value.microsecond == 123456
    visitor = await store.visitor_by_id(chat.visitor_id)
    assert visitor is not None and visitor.created_at == T0 and visitor.created_at.tzinfo == UTC


async def test_a_naive_time_is_refused(store: SqlStore) -> None:
    chat = await a_chat(store)
    naive = dataclasses.replace(visitor_says(chat.id, "when?"), at=datetime(2026, 1, 1))
    with pytest.raises(errors.BadRequest):
        await store.append_message(naive)
    assert (await store.append_message(visitor_says(chat.id, "now"))).seq == 1


async def test_the_writer_survives_a_failed_batch(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = await a_chat(store)
    real = writer_module.write_with
    failures = [RuntimeError("disk on fire")]

    def flaky(sql: Any, batch: Any) -> Any:
        outcomes = real(sql, batch)
        if failures:
            raise failures.pop()  # after the writes, before the commit: all rolled back
        return outcomes

    monkeypatch.setattr(writer_module, "write_with", flaky)
    doomed = [store.append_message(visitor_says(chat.id, f"{i}")) for i in range(3)]
    for call in doomed:
        with pytest.raises(RuntimeError, match="disk on fire"):
            await call
    assert (await store.append_message(visitor_says(chat.id, "after"))).seq == 1
    assert [m.text for m in await stored(store, chat.id)] == ["after"]


# mail outbox

async def test_queued_mail_is_due_from_its_creation_and_round_trips(store: SqlStore) -> None:
    mail = a_mail(headers=(("Reply-To", "desk@example.test"),), id="m-1")
    await store.queue_mail(mail)
    assert await store.due_mail(T0 - timedelta(seconds=1), 10) == []
    [queued] = await store.due_mail(T0, 10)
    assert queued == QueuedMail(id="m-1", mail=mail, attempts=0, next_attempt_at=queued.next_attempt_at)
    assert queued.next_attempt_at is not None and queued.next_attempt_at > T0


async def test_a_store_given_id_and_no_headers_round_trip(store: SqlStore) -> None:
    await store.queue_mail(a_mail())
    [queued] = await store.due_mail(T0, 10)
    assert queued.id and queued.mail == dataclasses.replace(a_mail(), id=queued.id)


async def test_a_claimed_mail_is_not_due_again_until_its_lease_ends(store: SqlStore) -> None:
    await store.queue_mail(a_mail(id="m-1"))
    assert [q.id for q in await store.due_mail(T0, 10, lease_s=60)] == ["m-1"]
    assert await store.due_mail(T0 + timedelta(seconds=59), 10) == []
    assert [q.id for q in await store.due_mail(T0 + timedelta(seconds=60), 10)] == ["m-1"]


async def test_a_sent_mail_is_never_due_again(store: SqlStore) -> None:
    await store.queue_mail(a_mail(id="m-1"))
    await store.due_mail(T0, 10)
    await store.mail_sent("m-1", T0 + timedelta(seconds=1))
    await store.mail_failed("m-1", "too late", T0)  # a sent mail does not change
    assert await store.due_mail(T0 + timedelta(days=365), 10) == []


async def test_a_failed_mail_counts_attempts_and_is_due_at_its_retry(store: SqlStore) -> None:
    await store.queue_mail(a_mail(id="m-1"))
    await store.due_mail(T0, 10)
    retry = T0 + timedelta(seconds=30)
    await store.mail_failed("m-1", "x" * 5000, retry)
    assert await store.due_mail(retry - timedelta(seconds=1), 10) == []
    [queued] = await store.due_mail(retry, 10)
    assert (queued.attempts, queued.last_error) == (1, "x" * 1000)
    await store.mail_failed("m-1", "refused", retry)
    [queued] = await store.due_mail(retry, 10)
    assert (queued.attempts, queued.last_error) == (2, "refused")


async def test_a_mail_given_up_on_is_never_due_again(store: SqlStore) -> None:
    await store.queue_mail(a_mail(id="m-1"))
    await store.mail_failed("m-1", "no such address", None)
    assert await store.due_mail(T0 + timedelta(days=365), 10) == []


async def test_a_mail_sent_or_given_up_on_keeps_no_body(store: SqlStore) -> None:
    """A password link or a transcript in a sent mail does not stay readable in the database."""
    await store.queue_mail(a_mail(1, id="m-1"))
    await store.queue_mail(a_mail(2, id="m-2"))
    await store.queue_mail(a_mail(3, id="m-3"))
    await store.due_mail(T0 + timedelta(hours=1), 10)
    await store.mail_sent("m-1", T0 + timedelta(hours=1))
    await store.mail_failed("m-2", "no such address", None)
    await store.mail_failed("m-3", "try later", T0 + timedelta(hours=2))
    async with store._engine.connect() as conn:
        rows = {r["id"]: r for r in (await conn.execute(select(outbox))).mappings()}
    assert (rows["m-1"]["body_text"], rows["m-2"]["body_text"]) == ("", "")
    assert rows["m-3"]["body_text"] == a_mail(3).text  # still to be sent
    assert (rows["m-1"]["subject"], rows["m-1"]["to_addr"]) == (a_mail(1).subject, a_mail(1).to)


async def test_queueing_the_same_id_twice_stores_one_mail(store: SqlStore) -> None:
    await store.queue_mail(a_mail(1, id="m-1"))
    await store.queue_mail(a_mail(2, id="m-1"))
    assert [q.mail.subject for q in await store.due_mail(T0 + timedelta(hours=1), 10)] == ["Ticket 1"]


async def test_due_mail_takes_the_longest_waiting_up_to_the_limit(store: SqlStore) -> None:
    for n in (2, 0, 3, 1):
        await store.queue_mail(a_mail(n, id=f"m-{n}"))
    now = T0 + timedelta(minutes=1)
    assert [q.id for q in await store.due_mail(now, 3)] == ["m-0", "m-1", "m-2"]
    assert [q.id for q in await store.due_mail(now, 3)] == ["m-3"]


async def test_mail_is_queued_in_the_callers_transaction_or_not_at_all(store: SqlStore) -> None:
    site = Site(id=new_id(), key=new_id(), secret="s")
    with pytest.raises(RuntimeError):
        async with store.engine.begin() as conn:
            await insert_mails(conn, [a_mail(id="m-1")])
            raise RuntimeError("the change failed after queueing its mail")
    async with store.engine.begin() as conn:
        await conn.execute(sites_insert(site))
        await insert_mails(conn, [a_mail(id="m-2"), a_mail(id="m-3")])
    assert await store.site_by_id(site.id) is not None
    assert [q.id for q in await store.due_mail(T0, 10)] == ["m-2", "m-3"]


def sites_insert(site: Site) -> Any:
    from server.store.rows import site_values
    from server.store.tables import sites
    return sites.insert().values(site_values(site))


async def test_two_workers_never_claim_the_same_mail(store: SqlStore, store_url: str) -> None:
    other = await open_store(store_url)
    try:
        for n in range(40):
            await store.queue_mail(a_mail(n % 10, id=f"m-{n:02}"))
        now = T0 + timedelta(minutes=1)
        claims = await asyncio.gather(*(node.due_mail(now, 7) for _ in range(4)
                                        for node in (store, other)))
    finally:
        await other.close()
    ids = [q.id for claim in claims for q in claim]
    assert sorted(ids) == sorted(set(ids))
    assert len(ids) == 40


# lifecycle

async def test_migrate_twice_is_harmless(store: SqlStore) -> None:
    chat = await a_chat(store, first="hello")
    await store.migrate()
    assert await store.chat_by_id(chat.id) == chat
    assert len(await stored(store, chat.id)) == 1


async def test_migrations_build_exactly_the_tables_module(store: SqlStore) -> None:
    def differences(conn: Any) -> list[Any]:
        # The search index (migration 0013) is raw DDL outside tables.py.
        skip_search = lambda name, _type, _parents: not is_search_schema(name)  # noqa: E731
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": skip_search})
        return compare_metadata(context, metadata)

    async with store.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_connections_are_set_up_for_durable_commits(store: SqlStore) -> None:
    async with store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            pragmas = [(await conn.exec_driver_sql(f"PRAGMA {p}")).scalar()
                       for p in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")]
            assert pragmas == ["wal", 2, 1, 10_000]  # synchronous 2 is FULL
        else:
            assert (await conn.exec_driver_sql("SHOW synchronous_commit")).scalar() == "on"


async def test_every_acknowledged_message_survives_close_and_reopen(store_url: str) -> None:
    store = await open_store(store_url)
    await store.migrate()
    chat = await a_chat(store)
    acked = [await store.append_message(visitor_says(chat.id, f"acked {i}")) for i in range(5)]
    in_flight = [store.append_message(visitor_says(chat.id, f"late {i}")) for i in range(20)]
    await store.close()  # flushes what was appended but not yet awaited
    acked += [await call for call in in_flight]
    with pytest.raises(StoreClosed):
        await store.append_message(visitor_says(chat.id, "after close"))

    reopened = await open_store(store_url)
    try:
        await reopened.migrate()
        assert await reopened.messages_after(chat.id, 0, include_notes=True) == acked
        assert [m.seq for m in acked] == list(range(1, 26))
    finally:
        await reopened.close()


async def test_two_nodes_migrating_at_once_both_succeed(empty_store_url: str) -> None:
    nodes = [await open_store(empty_store_url) for _ in range(2)]
    try:
        await asyncio.gather(*(node.migrate() for node in nodes))
        assert await nodes[1].site_by_key("none") is None
    finally:
        for node in nodes:
            await node.close()


async def test_two_nodes_writing_the_same_chats_never_collide(store: SqlStore, store_url: str) -> None:
    other = await open_store(store_url)
    try:
        chats = [await a_chat(store) for _ in range(4)]
        nodes = (store, other)
        calls = [nodes[i % 2].append_message(visitor_says(chat.id, f"{i}", f"c-{i // 2}"))
                 for i in range(60) for chat in chats]
        results = await asyncio.gather(*calls)
    finally:
        await other.close()
    for chat in chats:
        mine = [m for m in results if m.chat_id == chat.id]
        # the same client_id sent through both nodes is stored once
        assert sorted({m.seq for m in mine}) == list(range(1, 31))
        assert [m.seq for m in await stored(store, chat.id)] == list(range(1, 31))


# URLs

def test_urls_get_their_async_driver() -> None:
    assert async_url("sqlite:///data/x.db").render_as_string() == "sqlite+aiosqlite:///data/x.db"
    assert async_url("sqlite:////abs/x.db").database == "/abs/x.db"
    assert async_url("postgresql://me@db:5432/desk").drivername == "postgresql+asyncpg"
    for bad in ("sqlite://", "sqlite:///:memory:", "mysql://me@db/desk"):
        with pytest.raises(ValueError):
            async_url(bad)


async def test_a_relative_sqlite_path_is_created_under_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = await open_store("sqlite:///data/nested/desk.db")
    try:
        await store.migrate()
        assert (tmp_path / "data" / "nested" / "desk.db").is_file()
    finally:
        await store.close()
