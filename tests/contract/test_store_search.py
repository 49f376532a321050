"""The store's full-text search and the lead's past-chat list
(store/search.py), on SQLite (FTS5) and PostgreSQL (`simple` text search)."""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from server.services.model import (Agent, Author, ChatStatus, Message, NewMessage, Priority, SlaEvent, Survey, Tag,
                                   Ticket, TicketReply, TicketStatus)
from server.services.search import words
from server.services.search_types import HitKind, PastChatFilter, SearchQuery
from server.store import SqlStore, open_store
from server.store.batch_sqlite import SEARCH_BATCH
from tests.contract.factories import T0, a_chat, new_id, visitor_says
from tests.contract.test_store_ticket_sla import _alembic
from tests.dbtemplate import copy_sqlite


def asked(text: str, agent_id: str | None = None, **fields: object) -> SearchQuery:
    return SearchQuery(text=text, terms=words(text), agent_id=agent_id, **fields)  # type: ignore[arg-type]


async def an_agent(store: SqlStore, name: str) -> Agent:
    return await store.save_agent(Agent(id=new_id(), email=f"{name.lower()}@desk.test", name=name))


async def a_ticket(store: SqlStore, subject: str, description: str = "details", **fields: object) -> Ticket:
    return await store.create_ticket(Ticket(
        id=new_id(), site_id=fields.pop("site_id"), subject=subject, description=description,  # type: ignore[arg-type]
        priority=Priority.MEDIUM, status=TicketStatus.OPEN, created_at=T0, updated_at=T0,
        response_due_at=T0 + timedelta(hours=1), resolution_due_at=T0 + timedelta(days=1), **fields))


async def test_a_word_of_a_message_finds_its_chat_once_with_the_newest_match(store: SqlStore) -> None:
    chat = await a_chat(store, first="My invoice shows a double charge")
    later = dataclasses.replace(visitor_says(chat.id, "the INVOICE again"), at=T0 + timedelta(minutes=2))
    await store.append_message(later)
    other = await a_chat(store, first="nothing to see here")
    hits = await store.search(asked("invoice"))
    assert [(h.kind, h.chat.id if h.chat else None, h.seq, h.text) for h in hits] == [
        (HitKind.CHAT, chat.id, 2, "the INVOICE again")]
    assert hits[0].at == T0 + timedelta(minutes=2)
    assert await store.search(asked("double charge")) and not await store.search(asked("double refund"))
    assert [h.chat.id for h in await store.search(asked("here")) if h.chat] == [other.id]


async def test_an_agent_finds_only_what_they_took_part_in(store: SqlStore) -> None:
    ann, bob = await an_agent(store, "Ann"), await an_agent(store, "Bob")
    anns = await a_chat(store, first="router keeps rebooting")
    bobs = await a_chat(store, first="router on fire")
    moved = await a_chat(store, first="router moved to Ann later")
    await store.assign_chat(anns.id, ann.id, T0, first=True)
    await store.assign_chat(bobs.id, bob.id, T0, first=True)
    await store.assign_chat(moved.id, bob.id, T0, first=True)
    await store.assign_chat(moved.id, ann.id, T0 + timedelta(minutes=1), first=False)  # a transfer
    found = {h.chat.id for h in await store.search(asked("router", ann.id)) if h.chat}
    assert found == {anns.id, moved.id}
    assert {h.chat.id for h in await store.search(asked("fire", ann.id)) if h.chat} == set()
    assert {h.chat.id for h in await store.search(asked("router")) if h.chat} == {anns.id, bobs.id, moved.id}


async def test_tickets_are_found_by_subject_description_and_reply_within_scope(store: SqlStore) -> None:
    ann, bob = await an_agent(store, "Ann"), await an_agent(store, "Bob")
    chat = await a_chat(store, first="hello")
    await store.assign_chat(chat.id, ann.id, T0, first=True)
    from_chat = await a_ticket(store, "Modem firmware", site_id=chat.site_id, chat_id=chat.id)
    opened = await a_ticket(store, "Billing", "the modem light blinks", site_id=chat.site_id, created_by=ann.id)
    others = await a_ticket(store, "Modem swap", site_id=chat.site_id, created_by=bob.id)
    replied = await a_ticket(store, "Other", site_id=chat.site_id, created_by=bob.id)
    await store.add_ticket_reply(TicketReply(id=new_id(), ticket_id=replied.id, author="agent", author_id=ann.id,
                                             text="Try the modem reset", at=T0 + timedelta(hours=1)))
    def ids(hits: list) -> set[str]:
        return {h.ticket.id for h in hits if h.kind is HitKind.TICKET}
    assert ids(await store.search(asked("modem", ann.id))) == {from_chat.id, opened.id, replied.id}
    assert ids(await store.search(asked("modem", bob.id))) == {others.id, replied.id}
    assert ids(await store.search(asked("modem"))) == {from_chat.id, opened.id, others.id, replied.id}
    reply_hit = [h for h in await store.search(asked("reset")) if h.kind is HitKind.TICKET]
    assert [(h.ticket.id, h.text) for h in reply_hit] == [(replied.id, "Try the modem reset")]


async def test_notes_are_found_and_marked(store: SqlStore) -> None:
    chat = await a_chat(store, first="hello")
    await store.append_message(NewMessage(chat_id=chat.id, author=Author.AGENT, text="suspicious caller",
                                          at=T0 + timedelta(seconds=1), note=True))
    [hit] = await store.search(asked("suspicious"))
    assert hit.note and hit.seq == 2


@pytest.mark.parametrize("hostile", ['refund" NEAR( cancel* -date', 'refund AND (cancel OR date) "near"',
                                     "refund^ near: cancel + date ''", 'NEAR(refund cancel) date near'])
async def test_a_hostile_query_is_words_not_syntax(store: SqlStore, hostile: str) -> None:
    chat = await a_chat(store, first="A refund, or cancel near the date and that is all")
    await a_chat(store, first="refund only")
    hits = await store.search(asked(hostile))
    assert [h.chat.id for h in hits if h.chat] == [chat.id]


@pytest.mark.parametrize(("query", "finds"), [('"', False), ("*", False), ("-", False), ('")(*-^:', False),
                                               ("NEAR(", True), ('"near', True), ("near*", True)])
async def test_operators_alone_are_no_words_and_never_raise(store: SqlStore, query: str, finds: bool) -> None:
    chat = await a_chat(store, first='" * - NEAR( near')
    hits = await store.search(asked(query))
    assert [h.chat.id for h in hits if h.chat] == ([chat.id] if finds else [])


async def test_search_pages_newest_first(store: SqlStore) -> None:
    made = []
    for n in range(5):
        chat = await a_chat(store)
        await store.append_message(dataclasses.replace(visitor_says(chat.id, f"printer jam {n}"),
                                                       at=T0 + timedelta(minutes=n)))
        made.append(chat.id)
    first = await store.search(asked("printer", limit=2))
    second = await store.search(asked("printer", limit=2, offset=2))
    assert [h.chat.id for h in first + second] == made[::-1][:4]


async def test_rows_stored_before_the_index_are_found_after_migrating_again(store: SqlStore) -> None:
    chat = await a_chat(store, first="legacy words")
    await store.migrate()  # at head: changes nothing, finds the same
    assert [h.chat.id for h in await store.search(asked("legacy"))] == [chat.id]


# the lead's past chats

async def test_past_chats_filter_by_each_field(store: SqlStore) -> None:
    ann, bob = await an_agent(store, "Ann"), await an_agent(store, "Bob")
    good, bad, still_open = await a_chat(store), await a_chat(store), await a_chat(store)
    await store.assign_chat(good.id, ann.id, T0, first=True)
    await store.assign_chat(bad.id, bob.id, T0, first=True)
    await store.end_chat(good.id, "visitor", T0 + timedelta(minutes=5))
    await store.end_chat(bad.id, "converted", T0 + timedelta(minutes=25))
    await store.save_survey(Survey(id=new_id(), chat_id=good.id, site_id=good.site_id, visitor_id=good.visitor_id,
                                   rating=5, created_at=T0 + timedelta(minutes=6)))
    await store.record_sla_event(SlaEvent(chat_id=bad.id, kind="first_response", stage="breach", anchor_at=T0,
                                          at=T0 + timedelta(seconds=60), limit_s=60, elapsed_s=60))

    async def ids(**filters: object) -> list[str]:
        return [p.chat.id for p in await store.past_chats(PastChatFilter(**filters))]  # type: ignore[arg-type]

    assert set(await ids()) == {good.id, bad.id}  # ended only
    assert await ids(agent_id=ann.id) == [good.id]
    assert await ids(rating=5) == [good.id]
    assert await ids(rating=1) == []
    assert await ids(outcome="converted") == [bad.id]
    assert await ids(sla_breached=True) == [bad.id]
    assert await ids(sla_breached=False) == [good.id]
    assert set(await ids(since=T0, until=T0 + timedelta(days=1))) == {good.id, bad.id}
    assert await ids(since=T0 + timedelta(seconds=1)) == []
    assert await ids(topic="billing") == []
    [shown] = await store.past_chats(PastChatFilter(agent_id=ann.id))
    assert (shown.rating, shown.sla_breached, shown.chat.status) == (5, False, ChatStatus.ENDED)
    assert still_open.id not in await ids()


# the tag filter (store/tags.py's chat_has_tag and ticket_has_tag)

async def a_tag(store: SqlStore, name: str) -> str:
    tag = Tag(id=new_id(), name=name, created_at=T0, updated_at=T0, updated_by="lead-1")
    return (await store.add_tag(tag)).id


async def test_a_tag_narrows_the_past_chats_to_those_carrying_it(store: SqlStore) -> None:
    vip, billing = await a_tag(store, "vip"), await a_tag(store, "billing")
    tagged, both, plain = await a_chat(store), await a_chat(store), await a_chat(store)
    for chat in (tagged, both, plain):
        await store.end_chat(chat.id, "visitor", T0 + timedelta(minutes=5))
    await store.add_tag_to("chat", tagged.id, vip, T0, None)
    await store.add_tag_to("chat", both.id, vip, T0, None)
    await store.add_tag_to("chat", both.id, billing, T0, None)  # two tags: the chat is listed once

    async def ids(**filters: object) -> set[str]:
        found = [p.chat.id for p in await store.past_chats(PastChatFilter(**filters))]  # type: ignore[arg-type]
        assert len(found) == len(set(found))
        return set(found)

    assert await ids() == {tagged.id, both.id, plain.id}
    assert await ids(tag=vip) == {tagged.id, both.id}
    assert await ids(tag=billing) == {both.id}
    assert await ids(tag=billing, outcome="converted") == set()  # with the other filters: all of them
    assert await ids(tag=new_id()) == set()


async def test_a_tag_narrows_search_to_the_chats_and_tickets_carrying_it(store: SqlStore) -> None:
    vip = await a_tag(store, "vip")
    tagged = await a_chat(store, first="the modem blinks red")
    plain = await a_chat(store, first="my modem is fine")
    again = dataclasses.replace(visitor_says(tagged.id, "modem again"), at=T0 + timedelta(minutes=1))
    await store.append_message(again)
    tagged_ticket = await a_ticket(store, "Modem swap", site_id=tagged.site_id)
    plain_ticket = await a_ticket(store, "Modem return", site_id=tagged.site_id, chat_id=tagged.id)
    replied = await a_ticket(store, "Other", site_id=tagged.site_id)
    await store.add_ticket_reply(TicketReply(id=new_id(), ticket_id=replied.id, author="agent", author_id="a-1",
                                             text="a new modem is on its way", at=T0 + timedelta(hours=1)))
    await store.add_tag_to("chat", tagged.id, vip, T0, None)
    await store.add_tag_to("ticket", tagged_ticket.id, vip, T0, None)
    await store.add_tag_to("ticket", replied.id, vip, T0, None)

    def found(hits: list) -> set[tuple[str, str]]:
        return {(h.kind.value, (h.chat or h.ticket).id) for h in hits}

    everything = found(await store.search(asked("modem")))
    assert everything == {("chat", tagged.id), ("chat", plain.id), ("ticket", tagged_ticket.id),
                          ("ticket", plain_ticket.id), ("ticket", replied.id)}
    narrowed = await store.search(asked("modem", tag=vip))
    # a ticket is found by its own tags, not by those of the chat it came from
    assert found(narrowed) == {("chat", tagged.id), ("ticket", tagged_ticket.id), ("ticket", replied.id)}
    assert len(narrowed) == 3  # the tagged chat's two matches are still one hit
    assert await store.search(asked("modem", tag=new_id())) == []
    ann = await an_agent(store, "Ann")  # an agent's scope and the tag: both apply
    assert await store.search(asked("modem", ann.id, tag=vip)) == []


# SQLite: chat messages join the index in batches (migration 0022)

@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = await open_store(copy_sqlite(tmp_path / "store" / "shiftdesk.db"))
    yield store
    await store.close()


async def many_words(store: SqlStore, chat_id: str, count: int) -> list[Message]:
    """`word0`, `word1`, ... sent at once: they share the group commit's batches."""
    return await asyncio.gather(*(store.append_message(visitor_says(chat_id, f"word{n}", client_id=f"c{n}"))
                                  for n in range(count)))

async def _counts(store: SqlStore) -> tuple[int, int]:
    """(messages in the FTS5 index, messages queued for it)."""
    async with store.engine.connect() as conn:
        indexed = (await conn.exec_driver_sql("SELECT count(*) FROM search_fts WHERE kind = 'message'")).scalar_one()
        queued = (await conn.exec_driver_sql("SELECT count(*) FROM search_fts_pending")).scalar_one()
    return indexed, queued


async def test_sqlite_queues_messages_for_the_index_and_a_search_finds_them_even_after_a_restart(
        tmp_path: Path) -> None:
    url = copy_sqlite(tmp_path / "store" / "shiftdesk.db")
    store = await open_store(url)
    chat = await a_chat(store, first="kettle descaling")
    await store.append_message(visitor_says(chat.id, "the kettle again"))
    assert await _counts(store) == (0, 2)  # stored, acknowledged, not yet indexed
    await store.close()  # a restart: the queue is a table, committed with the messages

    store = await open_store(url)
    try:
        assert await _counts(store) == (0, 2)
        hits = await store.search(asked("kettle"))
        assert [(h.chat.id if h.chat else None, h.seq) for h in hits] == [(chat.id, 2)]
        assert await _counts(store) == (2, 0)
        await store.append_message(visitor_says(chat.id, "descaling done"))
        assert [h.seq for h in await store.search(asked("done"))] == [3]  # each search catches up
    finally:
        await store.close()


async def test_sqlite_indexes_the_queue_every_search_batch_messages_without_a_search(sqlite_store: SqlStore) -> None:
    store = sqlite_store
    chat = await a_chat(store)
    await many_words(store, chat.id, SEARCH_BATCH + 10)
    indexed, queued = await _counts(store)
    assert indexed >= SEARCH_BATCH and indexed + queued == SEARCH_BATCH + 10, (indexed, queued)
    assert queued < SEARCH_BATCH
    assert len(await store.search(asked(f"word{SEARCH_BATCH + 9}"))) == 1


async def test_sqlite_migrating_down_indexes_the_queue_and_up_again_queues(sqlite_store: SqlStore) -> None:
    store = sqlite_store
    chat = await a_chat(store, first="queued words")
    async with store.engine.begin() as conn:
        await conn.run_sync(_alembic, "downgrade", "0021")
    async with store.engine.connect() as conn:
        tables = {r[0] for r in await conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        indexed = (await conn.exec_driver_sql("SELECT count(*) FROM search_fts")).scalar_one()
    assert "search_fts_pending" not in tables and indexed == 1
    await store.append_message(visitor_says(chat.id, "indexed at once by 0013's trigger"))
    async with store.engine.begin() as conn:
        await conn.run_sync(_alembic, "upgrade", "head")
    assert await _counts(store) == (2, 0)
    await store.append_message(visitor_says(chat.id, "queued again"))
    assert await _counts(store) == (2, 1)
    assert {h.seq for h in await store.search(asked("queued"))} == {3}  # one hit per chat, the newest


async def test_sqlite_a_broken_index_fails_neither_the_messages_nor_the_search_beside_them(
        sqlite_store: SqlStore) -> None:
    store = sqlite_store
    chat = await a_chat(store)
    async with store.engine.begin() as conn:  # the index gone: every attempt to index fails
        await conn.exec_driver_sql("ALTER TABLE search_fts RENAME TO search_fts_away")
    sent = await many_words(store, chat.id, SEARCH_BATCH + 10)
    assert [m.seq for m in sent] == list(range(1, SEARCH_BATCH + 11))  # every one stored and acknowledged
    with pytest.raises(Exception):  # noqa: B017 (the query of a missing table; the indexing before it did not raise)
        await store.search(asked("word1"))
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE search_fts_away RENAME TO search_fts")
    assert [h.seq for h in await store.search(asked(f"word{SEARCH_BATCH + 9}"))] == [SEARCH_BATCH + 10]
    assert await _counts(store) == (SEARCH_BATCH + 10, 0)  # the queue kept them all until the index was back
