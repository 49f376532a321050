"""The Store contract for the policy engine's state (agents on call,
closures, SLA events, tickets, converting a chat), on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest

from server.services import errors
from server.services.model import (TICKET_LABEL, Agent, AuditEntry, Author, Chat, ChatStatus, Closure, NewMessage,
                                   Priority, SlaEvent, Ticket, TicketReply, TicketStatus)
from server.store import SqlStore, open_store
from tests.contract.factories import T0, a_chat, a_mail, a_site, a_visitor, new_id, stored, visitor_says

HOUR = timedelta(hours=1)
LATER = T0 + timedelta(days=30)  # when every mail queued by these tests is due


@pytest.fixture
async def other_node(store: SqlStore, store_url: str) -> AsyncIterator[SqlStore]:
    """A second store on the same database, as a second server node has."""
    other = await open_store(store_url)
    yield other
    await other.close()


def a_ticket(site_id: str, n: int = 0, **fields: Any) -> Ticket:
    at = T0 + timedelta(minutes=n)
    values: dict[str, Any] = {
        "id": new_id(), "site_id": site_id, "subject": f"Subject {n}", "description": "It broke",
        "priority": Priority.MEDIUM, "status": TicketStatus.OPEN, "created_at": at, "updated_at": at,
        "response_due_at": at + HOUR, "resolution_due_at": at + 24 * HOUR}
    return Ticket(**(values | fields))


async def mail_subjects(store: SqlStore) -> list[str]:
    return [q.mail.subject for q in await store.due_mail(LATER, 100)]


# agents

async def test_an_agent_on_call_round_trips(store: SqlStore) -> None:
    agent = Agent(id=new_id(), email="ann@desk.test", name="Ann", on_call=True)
    assert await store.save_agent(agent) == agent
    assert await store.agent_by_id(agent.id) == agent
    off = await store.save_agent(dataclasses.replace(agent, on_call=False))
    assert off.on_call is False and (await store.list_agents()) == [off]


# closures

def a_closure(day: date, reason: str = "inventory") -> Closure:
    return Closure(id=new_id(), day=day, reason=reason, created_at=T0, created_by=new_id())


async def test_closures_are_listed_by_day_and_removed(store: SqlStore) -> None:
    late, early = a_closure(date(2026, 12, 31), "year end"), a_closure(date(2026, 12, 24))
    assert await store.add_closure(late) == late
    assert await store.add_closure(early) == early
    assert await store.list_closures() == [early, late]
    assert await store.remove_closure(late.id) == late
    assert await store.remove_closure(late.id) is None
    assert await store.list_closures() == [early]


async def test_a_day_closed_twice_is_a_conflict(store: SqlStore) -> None:
    first = await store.add_closure(a_closure(date(2026, 12, 24)))
    with pytest.raises(errors.Conflict):
        await store.add_closure(a_closure(date(2026, 12, 24), "again"))
    assert await store.list_closures() == [first]


async def test_a_change_and_its_audit_entry_stand_or_fall_together(store: SqlStore) -> None:
    """One transaction per use case: the entry is stored with the change,
    and not at all when the change is refused or finds nothing to change."""
    def entry(action: str) -> AuditEntry:
        return AuditEntry(id=new_id(), at=T0, action=action, target="closure:2026-12-24", actor_id=None,
                          reason=None, data={"n": 1})
    first = await store.add_closure(a_closure(date(2026, 12, 24)), entry("closure_add"))
    with pytest.raises(errors.Conflict):
        await store.add_closure(a_closure(date(2026, 12, 24), "again"), entry("refused"))
    assert await store.remove_closure(new_id(), entry("nothing")) is None
    assert await store.remove_closure(first.id, entry("closure_remove")) == first
    assert sorted(e.action for e in await store.audit_log()) == ["closure_add", "closure_remove"]


# SLA events

def an_sla_event(chat: Chat, stage: str = "warning", anchor_s: int = 0, at_s: int = 60) -> SlaEvent:
    return SlaEvent(chat_id=chat.id, kind="first_response", stage=stage,
                    anchor_at=T0 + timedelta(seconds=anchor_s), at=T0 + timedelta(seconds=at_s),
                    limit_s=120, elapsed_s=at_s - anchor_s)


async def test_an_sla_stage_is_recorded_once_per_clock_start(store: SqlStore) -> None:
    chat = await a_chat(store)
    event = an_sla_event(chat)
    assert await store.record_sla_event(event) is True
    assert await store.record_sla_event(dataclasses.replace(event, at=T0 + HOUR, elapsed_s=1)) is False
    restarted = an_sla_event(chat, anchor_s=300, at_s=360)  # the clock started again
    assert await store.record_sla_event(restarted) is True
    assert await store.sla_events(chat_id=chat.id) == [event, restarted]


async def test_two_nodes_firing_the_same_stage_record_it_once(store: SqlStore,
                                                              other_node: SqlStore) -> None:
    chat = await a_chat(store)
    agent = await store.save_agent(Agent(id=new_id(), email="ann@desk.test", name="Ann"))
    event = dataclasses.replace(an_sla_event(chat, "breach"), agent_id=agent.id)
    results = await asyncio.gather(*(node.record_sla_event(event)
                                     for _ in range(5) for node in (store, other_node)))
    assert sorted(results) == [False] * 9 + [True]
    assert await store.sla_events() == [event]


async def test_sla_events_filter_by_chat_stage_and_half_open_time_range(store: SqlStore) -> None:
    chat, other = await a_chat(store), await a_chat(store)
    warning, breach = an_sla_event(chat, "warning", at_s=60), an_sla_event(chat, "breach", at_s=120)
    elsewhere = an_sla_event(other, "warning", at_s=90)
    for event in (breach, elsewhere, warning):
        await store.record_sla_event(event)
    assert await store.sla_events() == [warning, elsewhere, breach]
    assert await store.sla_events(chat_id=chat.id, stage="warning") == [warning]
    assert await store.sla_events(stage="warning") == [warning, elsewhere]
    since, until = T0 + timedelta(seconds=60), T0 + timedelta(seconds=120)
    assert await store.sla_events(since=since, until=until) == [warning, elsewhere]
    assert await store.sla_events(since=since + timedelta(seconds=1)) == [elsewhere, breach]


async def test_the_latest_sla_events_of_a_stage_come_newest_first_up_to_the_limit(store: SqlStore) -> None:
    chat, other = await a_chat(store), await a_chat(store)
    old, warning = an_sla_event(chat, "breach", at_s=60), an_sla_event(chat, "warning", at_s=200)
    newer, newest = an_sla_event(other, "breach", at_s=120), an_sla_event(chat, "breach", anchor_s=150, at_s=300)
    for event in (newer, old, newest, warning):
        await store.record_sla_event(event)
    assert await store.latest_sla_events(stage="breach") == [newest, newer, old]
    assert await store.latest_sla_events(stage="breach", limit=2) == [newest, newer]
    assert await store.latest_sla_events(stage="convert") == []


# tickets: numbers

async def test_ticket_numbers_start_at_1_and_grow(store: SqlStore) -> None:
    site = await a_site(store)
    made = [await store.create_ticket(a_ticket(site.id, n, number=99)) for n in range(3)]
    assert [t.number for t in made] == [1, 2, 3]
    assert made[0].label == "SD-000001"
    assert made[0] == dataclasses.replace(a_ticket(site.id, 0, id=made[0].id), number=1)


async def test_concurrent_tickets_on_two_nodes_get_distinct_numbers(store: SqlStore,
                                                                    other_node: SqlStore) -> None:
    site = await a_site(store)
    made = await asyncio.gather(*(node.create_ticket(a_ticket(site.id, n))
                                  for n in range(10) for node in (store, other_node)))
    assert sorted(t.number for t in made) == list(range(1, 21))


async def test_a_refused_ticket_gives_its_number_back_and_queues_no_mail(store: SqlStore) -> None:
    site = await a_site(store)
    first = await store.create_ticket(a_ticket(site.id))
    with pytest.raises(errors.Conflict):
        await store.create_ticket(a_ticket(site.id, id=first.id), [a_mail(subject="lost")])
    assert (await store.create_ticket(a_ticket(site.id))).number == 2
    assert await mail_subjects(store) == []


async def test_a_ticket_round_trips_every_field(store: SqlStore) -> None:
    chat = await a_chat(store)
    ticket = a_ticket(chat.site_id, visitor_id=chat.visitor_id, account_id="acct-7", chat_id=chat.id,
                      email="vee@customer.test", topic="billing", department="finance",
                      transcript="visitor: help", warranty=True, created_by=new_id(),
                      confirm_hash="c0ffee", status=TicketStatus.PENDING_CONFIRMATION,
                      priority=Priority.HIGH)
    made = await store.create_ticket(ticket)
    assert made == dataclasses.replace(ticket, number=1)
    assert await store.ticket_by_id(ticket.id) == made
    assert await store.ticket_by_number(1) == made
    assert await store.ticket_by_confirm_hash("c0ffee") == made
    assert await store.ticket_by_number(2) is None
    assert await store.ticket_by_id(new_id()) is None


async def test_create_ticket_queues_its_mail_with_the_label(store: SqlStore) -> None:
    site = await a_site(store)
    await store.create_ticket(a_ticket(site.id))
    mail = a_mail(subject=f"Your ticket {TICKET_LABEL}", text=f"We opened {TICKET_LABEL} for you: {{ticket}}.")
    await store.create_ticket(a_ticket(site.id), [mail])
    [queued] = await store.due_mail(LATER, 10)
    assert (queued.mail.subject, queued.mail.text) == ("Your ticket SD-000002",
                                                       "We opened SD-000002 for you: {ticket}.")  # typed text stays


# tickets: listing

async def test_list_tickets_filters_newest_first(store: SqlStore) -> None:
    site, other_site = await a_site(store), await a_site(store)
    visitor = await a_visitor(store, site)
    plain = await store.create_ticket(a_ticket(site.id, 0))
    mine = await store.create_ticket(a_ticket(site.id, 1, visitor_id=visitor.id, account_id="acct-1",
                                              topic="billing", priority=Priority.HIGH))
    solved = await store.create_ticket(a_ticket(site.id, 2, status=TicketStatus.SOLVED, topic="billing"))
    elsewhere = await store.create_ticket(a_ticket(other_site.id, 3))
    assert await store.list_tickets() == [elsewhere, solved, mine, plain]
    assert await store.list_tickets(site_id=site.id) == [solved, mine, plain]
    assert await store.list_tickets(statuses=[TicketStatus.SOLVED, TicketStatus.CLOSED]) == [solved]
    assert await store.list_tickets(visitor_id=visitor.id) == [mine]
    assert await store.list_tickets(account_id="acct-1") == [mine]
    assert await store.list_tickets(topic="billing") == [solved, mine]
    assert await store.list_tickets(priority=Priority.HIGH) == [mine]
    assert await store.list_tickets(site_id=other_site.id, topic="billing") == []


async def test_tickets_made_at_the_same_time_list_by_number_newest_first(store: SqlStore) -> None:
    site = await a_site(store)
    made = [await store.create_ticket(a_ticket(site.id)) for _ in range(3)]
    assert await store.list_tickets() == made[::-1]


async def test_list_tickets_query_matches_subject_label_or_number(store: SqlStore) -> None:
    site = await a_site(store)
    printer = await store.create_ticket(a_ticket(site.id, 0, subject="Printer on FIRE"))
    refund = await store.create_ticket(a_ticket(site.id, 1, subject="Refund please"))
    assert await store.list_tickets(query="fire") == [printer]
    assert await store.list_tickets(query="  REFUND ") == [refund]
    for label in ("SD-000002", "sd-2", "#2", "2"):
        assert await store.list_tickets(query=label) == [refund], label
    assert await store.list_tickets(query="SD-000003") == []
    assert await store.list_tickets(query="") == [refund, printer]


async def test_list_tickets_query_takes_like_wildcards_literally(store: SqlStore) -> None:
    site = await a_site(store)
    discount = await store.create_ticket(a_ticket(site.id, 0, subject="50% discount missing"))
    await store.create_ticket(a_ticket(site.id, 1, subject="500 error"))
    await store.create_ticket(a_ticket(site.id, 2, subject="a back\\slash and /slash"))
    assert await store.list_tickets(query="50%") == [discount]
    assert await store.list_tickets(query="%") == [discount]
    assert await store.list_tickets(query="_") == []
    assert len(await store.list_tickets(query="\\")) == 1
    assert len(await store.list_tickets(query="/")) == 1


async def test_list_tickets_pages(store: SqlStore) -> None:
    site = await a_site(store)
    made = [await store.create_ticket(a_ticket(site.id, n)) for n in range(5)]
    newest_first = made[::-1]
    assert await store.list_tickets(limit=2) == newest_first[:2]
    assert await store.list_tickets(limit=2, offset=2) == newest_first[2:4]
    assert await store.list_tickets(limit=2, offset=4) == newest_first[4:]
    assert await store.list_tickets(limit=2, offset=6) == []


# tickets: changes

async def test_update_ticket_gives_before_and_after(store: SqlStore) -> None:
    site = await a_site(store)
    before = await store.create_ticket(a_ticket(site.id, status=TicketStatus.PENDING_CONFIRMATION,
                                                confirm_hash="c0ffee"))
    at = T0 + HOUR
    changed = await store.update_ticket(before.id, at, status=TicketStatus.OPEN, clear_confirm=True,
                                        mails=[a_mail(subject=f"{TICKET_LABEL} confirmed")])
    after = dataclasses.replace(before, status=TicketStatus.OPEN, confirm_hash=None, updated_at=at)
    assert changed == (before, after)
    assert await store.ticket_by_id(before.id) == after
    assert await store.ticket_by_confirm_hash("c0ffee") is None
    assert await mail_subjects(store) == ["SD-000001 confirmed"]
    again = await store.update_ticket(before.id, at + HOUR, priority=Priority.LOW)
    assert again == (after, dataclasses.replace(after, priority=Priority.LOW, updated_at=at + HOUR))


async def test_updating_a_missing_ticket_is_none_and_queues_no_mail(store: SqlStore) -> None:
    assert await store.update_ticket(new_id(), T0, status=TicketStatus.CLOSED, mails=[a_mail()]) is None
    assert await mail_subjects(store) == []


async def test_replies_list_oldest_first_and_touch_the_ticket(store: SqlStore) -> None:
    site = await a_site(store)
    ticket = await store.create_ticket(a_ticket(site.id))
    late = TicketReply(id=new_id(), ticket_id=ticket.id, author="agent", text="fixed",
                       at=T0 + 2 * HOUR, author_id=new_id())
    early = TicketReply(id=new_id(), ticket_id=ticket.id, author="visitor", text="still broken",
                        at=T0 + HOUR)
    assert await store.add_ticket_reply(late, [a_mail(subject=f"Re: {TICKET_LABEL}")]) == late
    assert await store.add_ticket_reply(early) == early
    assert await store.ticket_replies(ticket.id) == [early, late]
    touched = await store.ticket_by_id(ticket.id)
    assert touched is not None and touched.updated_at == early.at  # the reply stored last
    assert await mail_subjects(store) == ["Re: SD-000001"]


async def test_replies_written_at_the_same_instant_list_in_writing_order(store: SqlStore) -> None:
    site = await a_site(store)
    ticket = await store.create_ticket(a_ticket(site.id))
    written = [TicketReply(id=new_id(), ticket_id=ticket.id, author="agent", text=f"reply {n}", at=T0 + HOUR,
                           author_id=new_id()) for n in range(8)]  # random ids: 1 in 8! to pass by luck
    for reply in written:
        await store.add_ticket_reply(reply)
    assert [r.text for r in await store.ticket_replies(ticket.id)] == [r.text for r in written]


async def test_a_reply_to_a_missing_ticket_is_not_found_and_queues_no_mail(store: SqlStore) -> None:
    reply = TicketReply(id=new_id(), ticket_id=new_id(), author="visitor", text="hello?", at=T0)
    with pytest.raises(errors.NotFound):
        await store.add_ticket_reply(reply, [a_mail()])
    assert await mail_subjects(store) == []
    assert await store.ticket_replies(reply.ticket_id) == []


# tickets: counting and open ones

async def test_count_tickets_of_an_account_or_a_visitor_since_a_time(store: SqlStore) -> None:
    site, other_site = await a_site(store), await a_site(store)
    visitor = await a_visitor(store, site)
    made_at_minute: list[dict[str, Any]] = [
        {"account_id": "acct-1"},
        {"account_id": "acct-1", "status": TicketStatus.PENDING_CONFIRMATION},
        {"account_id": "acct-1", "warranty": True},
        {"account_id": "acct-1", "status": TicketStatus.CLOSED},
        {"visitor_id": visitor.id},
        {"visitor_id": visitor.id, "account_id": "acct-2"}]
    for minute, fields in enumerate(made_at_minute):
        await store.create_ticket(a_ticket(site.id, minute, **fields))
    await store.create_ticket(a_ticket(other_site.id, account_id="acct-1"))
    assert await store.count_tickets(site.id, account_id="acct-1") == 3
    assert await store.count_tickets(site.id, account_id="acct-1", include_warranty=True) == 4
    assert await store.count_tickets(site.id, account_id="acct-1", since=T0 + timedelta(minutes=1)) == 2
    assert await store.count_tickets(site.id, visitor_id=visitor.id) == 2
    assert await store.count_tickets(site.id, account_id="acct-2", visitor_id=visitor.id) == 1
    with pytest.raises(errors.BadRequest):
        await store.count_tickets(site.id)


async def test_open_tickets_of_an_account_or_a_visitor_by_topic(store: SqlStore) -> None:
    site = await a_site(store)
    visitor = await a_visitor(store, site)
    statuses = [TicketStatus.PENDING_CONFIRMATION, TicketStatus.OPEN, TicketStatus.PENDING,
                TicketStatus.SOLVED, TicketStatus.CLOSED]
    made = [await store.create_ticket(a_ticket(site.id, n, status=s, account_id="acct-1", topic="billing"))
            for n, s in enumerate(statuses)]
    network = await store.create_ticket(a_ticket(site.id, 9, account_id="acct-1", topic="network"))
    of_visitor = await store.create_ticket(a_ticket(site.id, 10, visitor_id=visitor.id))
    assert await store.open_tickets(site.id, account_id="acct-1") == [network, *made[2::-1]]
    assert await store.open_tickets(site.id, account_id="acct-1", topic="billing") == made[2::-1]
    assert await store.open_tickets(site.id, visitor_id=visitor.id) == [of_visitor]
    assert await store.open_tickets(site.id, account_id="acct-9", visitor_id=visitor.id) == []


# converting a chat

def a_receipt(chat: Chat) -> NewMessage:
    return NewMessage(chat_id=chat.id, author=Author.SYSTEM, at=T0 + HOUR,
                      text=f"We made this chat ticket {TICKET_LABEL}; we will answer by mail.")


async def test_convert_chat_ends_it_with_a_receipt_ticket_and_mail(store: SqlStore) -> None:
    site = await a_site(store)
    await store.create_ticket(a_ticket(site.id))
    chat = await a_chat(store, first="help")
    await store.append_message(visitor_says(chat.id, "anyone?"))
    at = T0 + HOUR
    mail = a_mail(subject=f"Ticket {TICKET_LABEL} opened", text=f"Your reference: {TICKET_LABEL}")
    audited = AuditEntry(id=new_id(), at=at, action="convert", target=f"chat:{chat.id}", actor_id=None,
                         reason=None, data={"ticket": TICKET_LABEL, "department": None})
    result = await store.convert_chat(chat.id, at, a_ticket(chat.site_id), a_receipt(chat), [mail], audited)
    assert result is not None
    assert [e.data for e in await store.audit_log()] == [{"ticket": "SD-000002", "department": None}]
    ended, ticket, receipt = result
    assert ended == dataclasses.replace(chat, status=ChatStatus.ENDED, end_reason="converted",
                                        ended_at=at, last_seq=3)
    assert (ticket.number, ticket.chat_id) == (2, chat.id)
    assert await store.ticket_by_number(2) == ticket
    assert (receipt.seq, receipt.author) == (3, Author.SYSTEM)
    assert receipt.text == "We made this chat ticket SD-000002; we will answer by mail."
    assert (await stored(store, chat.id))[-1] == receipt
    assert await store.chat_by_id(chat.id) == ended
    [queued] = await store.due_mail(LATER, 10)
    assert (queued.mail.subject, queued.mail.text) == ("Ticket SD-000002 opened", "Your reference: SD-000002")


async def test_converting_an_ended_chat_writes_nothing(store: SqlStore) -> None:
    chat = await a_chat(store, first="help")
    first = await store.convert_chat(chat.id, T0, a_ticket(chat.site_id), a_receipt(chat), [a_mail()])
    assert first is not None
    messages = await stored(store, chat.id)
    again = await store.convert_chat(chat.id, T0 + HOUR, a_ticket(chat.site_id), a_receipt(chat),
                                     [a_mail(subject="twice")])
    assert again is None
    assert await store.chat_by_id(chat.id) == first[0]
    assert await stored(store, chat.id) == messages
    assert [t.id for t in await store.list_tickets()] == [first[1].id]
    assert await mail_subjects(store) == ["Ticket 0"]
    assert (await store.create_ticket(a_ticket(chat.site_id))).number == 2  # no number used up
    missing = dataclasses.replace(chat, id=new_id())
    assert await store.convert_chat(missing.id, T0, a_ticket(chat.site_id), a_receipt(missing)) is None


async def test_a_receipt_for_another_chat_is_refused(store: SqlStore) -> None:
    chat, other = await a_chat(store), await a_chat(store)
    with pytest.raises(errors.BadRequest):
        await store.convert_chat(chat.id, T0, a_ticket(chat.site_id), a_receipt(other))
    assert await store.list_tickets() == []


async def test_convert_chat_amid_appends_from_two_nodes_keeps_seqs_gapless(
        store: SqlStore, other_node: SqlStore) -> None:
    chats = [await a_chat(store) for _ in range(3)]
    await asyncio.gather(*(convert_amid_appends(store, other_node, chat) for chat in chats))


async def convert_amid_appends(store: SqlStore, other_node: SqlStore, chat: Chat) -> None:
    """Appends through both nodes, the conversion among them: the receipt
    takes the seq after the last message stored, and later ones are refused."""
    nodes = (store, other_node)

    def appends(start: int) -> list[asyncio.Future[Any]]:
        return [asyncio.ensure_future(nodes[i % 2].append_message(visitor_says(chat.id, f"{i}")))
                for i in range(start, start + 20)]

    before = appends(0)
    converting = asyncio.ensure_future(
        store.convert_chat(chat.id, T0 + HOUR, a_ticket(chat.site_id), a_receipt(chat)))
    outcomes = await asyncio.gather(*before, converting, *appends(20), return_exceptions=True)
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(isinstance(o, errors.ChatEnded) for o in refused), refused
    converted = outcomes[20]
    assert isinstance(converted, tuple)
    ended, _, receipt = converted
    seqs = [m.seq for m in await stored(store, chat.id)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert receipt.seq == seqs[-1] == ended.last_seq == len(outcomes) - len(refused)
