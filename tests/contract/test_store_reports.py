"""The Store contract for the figures (`report_facts`, `desk_totals`), on
SQLite and PostgreSQL: what falls in a half-open window [since, until)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert

from server.policy.sla import MessageMark
from server.services.model import Agent, Author, Chat, NewMessage, SlaEvent
from server.store import SqlStore
from server.store.tables import surveys
from tests.contract.factories import T0, a_chat, new_id

SINCE, UNTIL = T0 + timedelta(hours=1), T0 + timedelta(hours=2)  # the window of these tests


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def an_agent(store: SqlStore, name: str) -> Agent:
    return await store.save_agent(Agent(id=new_id(), email=f"{name.lower()}-{new_id()[:6]}@desk.test", name=name))


async def say(store: SqlStore, chat: Chat, minutes: float, author: str, author_id: str | None = None,
              note: bool = False) -> None:
    await store.append_message(NewMessage(chat.id, Author(author), f"at {minutes}", at(minutes),
                                          author_id=author_id, note=note))


async def a_survey(store: SqlStore, chat: Chat, minutes: float, rating: int, excluded: str | None = None) -> None:
    """Inserted as a row: the survey service's own methods are not what is tested here."""
    async with store.engine.begin() as conn:
        await conn.execute(insert(surveys).values(
            id=new_id(), chat_id=chat.id, site_id=chat.site_id, visitor_id=chat.visitor_id, rating=rating,
            created_at=at(minutes), excluded_reason=excluded))


def a_breach(chat: Chat, minutes: float, kind: str = "first_response", stage: str = "breach",
             agent_id: str | None = None) -> SlaEvent:
    return SlaEvent(chat.id, kind, stage, anchor_at=at(minutes) - timedelta(seconds=60), at=at(minutes),
                    limit_s=60, elapsed_s=60, agent_id=agent_id)


async def test_conversations_are_the_chats_open_in_the_window_with_earlier_messages(store: SqlStore) -> None:
    ann = await an_agent(store, "Ann")
    spans = await a_chat(store, first="hi")  # started at T0, before the window, still open
    await say(store, spans, 50, "visitor", spans.visitor_id)
    await say(store, spans, 61, "agent", ann.id, note=True)
    await say(store, spans, 62, "agent", ann.id)
    await say(store, spans, 120, "agent", ann.id)  # at `until`: not in
    done_before = await a_chat(store, first="bye")
    await store.end_chat(done_before.id, "visitor", at(59))
    facts = await store.report_facts(SINCE, UNTIL)
    assert [(c.chat_id, c.started_at) for c in facts.conversations] == [(spans.id, T0)]
    assert facts.conversations[0].messages == (
        MessageMark(T0, "visitor", None), MessageMark(at(50), "visitor", spans.visitor_id),
        MessageMark(at(61), "note", ann.id), MessageMark(at(62), "agent", ann.id))


async def test_a_chat_that_ended_in_the_window_or_starts_at_its_end(store: SqlStore) -> None:
    ended_in = await a_chat(store, first="hi")
    await store.end_chat(ended_in.id, "agent", SINCE)
    facts = await store.report_facts(SINCE, UNTIL)
    assert [c.chat_id for c in facts.conversations] == [ended_in.id]
    assert [c.id for c in facts.ended] == [ended_in.id]
    assert facts.ended[0].end_reason == "agent" and facts.ended[0].ended_at == SINCE
    assert (await store.report_facts(T0 - timedelta(hours=1), T0)).conversations == ()  # started at `until`


async def test_from_the_start_takes_everything_before_until(store: SqlStore) -> None:
    chat = await a_chat(store, first="hi")
    await store.end_chat(chat.id, "abandoned", at(10))
    facts = await store.report_facts(None, SINCE)
    assert [c.chat_id for c in facts.conversations] == [chat.id] and [c.id for c in facts.ended] == [chat.id]


async def test_handled_lists_every_agent_who_got_a_chat_in_the_window(store: SqlStore) -> None:
    ann, bob = await an_agent(store, "Ann"), await an_agent(store, "Bob")
    chat = await a_chat(store, first="hi")
    await store.assign_chat(chat.id, ann.id, at(30), first=True)  # before the window
    await store.assign_chat(chat.id, bob.id, at(65), first=False)  # a transfer
    await store.assign_chat(chat.id, ann.id, at(70), first=False)  # back: Ann got it at 30 already
    facts = await store.report_facts(SINCE, UNTIL)
    assert [(h.chat_id, h.agent_id, h.at) for h in facts.handled] == [(chat.id, bob.id, at(65))]
    everyone = await store.report_facts(None, UNTIL)
    assert sorted((h.agent_id, h.at) for h in everyone.handled) == sorted([(ann.id, at(30)), (bob.id, at(65))])


async def test_breaches_are_the_breach_stages_fired_in_the_window(store: SqlStore) -> None:
    ann = await an_agent(store, "Ann")
    chat = await a_chat(store)
    inside = a_breach(chat, 61, agent_id=ann.id)
    gap = a_breach(chat, 90, kind="response_gap")
    for event in (inside, gap, a_breach(chat, 62, stage="warning"), a_breach(chat, 120), a_breach(chat, 59)):
        await store.record_sla_event(event)
    assert sorted((await store.report_facts(SINCE, UNTIL)).breaches, key=lambda e: e.at) == [inside, gap]


async def test_ratings_leave_out_excluded_surveys_and_name_every_agent(store: SqlStore) -> None:
    ann, bob = await an_agent(store, "Ann"), await an_agent(store, "Bob")
    transferred, excluded, unassigned, before = [await a_chat(store) for _ in range(4)]
    await store.assign_chat(transferred.id, ann.id, at(1), first=True)
    await store.assign_chat(transferred.id, bob.id, at(2), first=False)
    await store.assign_chat(excluded.id, ann.id, at(3), first=True)
    await a_survey(store, transferred, 70, 5)
    await a_survey(store, excluded, 71, 1, excluded="the outage, not the agent")
    await a_survey(store, unassigned, 72, 4)
    await a_survey(store, before, 59, 2)
    ratings = sorted((await store.report_facts(SINCE, UNTIL)).ratings, key=lambda r: r.at)
    assert [(r.chat_id, r.at, r.rating, r.agent_ids) for r in ratings] == [
        (transferred.id, at(70), 5, (ann.id, bob.id)), (unassigned.id, at(72), 4, ())]


async def test_desk_totals_count_since_the_desk_began(store: SqlStore) -> None:
    empty = await store.desk_totals()
    assert (empty.chats_started, empty.ended_by_reason, empty.breaches_by_kind, empty.ratings, empty.excluded) == (
        0, {}, {}, {}, {})
    chats = [await a_chat(store) for _ in range(4)]
    for chat, reason in zip(chats, ("converted", "abandoned", "abandoned")):
        await store.end_chat(chat.id, reason, at(5))
    await store.record_sla_event(a_breach(chats[0], 1))
    await store.record_sla_event(a_breach(chats[1], 1))
    await store.record_sla_event(a_breach(chats[1], 3, kind="response_gap"))
    await store.record_sla_event(a_breach(chats[2], 1, stage="warning"))
    await a_survey(store, chats[0], 10, 5)
    await a_survey(store, chats[1], 10, 1, excluded="spam")
    await a_survey(store, chats[2], 10, 1)
    totals = await store.desk_totals()
    assert totals.chats_started == 4
    assert totals.ended_by_reason == {"converted": 1, "abandoned": 2}
    assert totals.breaches_by_kind == {"first_response": 2, "response_gap": 1}
    assert (totals.ratings, totals.excluded) == ({5: 1, 1: 2}, {1: 1})
