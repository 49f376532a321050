"""The Store contract for tags (the list, what carries them, and the
`chat_has_tag` / `ticket_has_tag` filter the reports use), on SQLite and
PostgreSQL."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.services import errors
from server.services.model import AuditEntry, Tag, TagColour
from server.store import SqlStore
from server.store.tables import chats, tickets
from server.store.tags import chat_has_tag, ticket_has_tag
from tests.contract.factories import T0, a_chat, new_id
from tests.contract.test_store_policy import a_ticket
from tests.contract.test_store_reports import a_breach, a_survey, an_agent, at, say

SINCE, UNTIL = T0, T0 + timedelta(hours=2)


def a_tag(name: str, **fields) -> Tag:
    values = {"id": new_id(), "name": name, "created_at": T0, "updated_at": T0, "updated_by": "lead-1"}
    return Tag(**(values | fields))


def an_entry(action: str, target: str) -> AuditEntry:
    return AuditEntry(id=new_id(), at=T0, action=action, target=target, actor_id="lead-1")


async def test_tags_list_by_name_regardless_of_case(store: SqlStore) -> None:
    vip = await store.add_tag(a_tag("vip", colour=TagColour.PURPLE))
    billing = await store.add_tag(a_tag("Billing ✓"))
    assert await store.tag_by_id(vip.id) == vip
    assert vip.colour is TagColour.PURPLE and billing.colour is None
    assert await store.list_tags() == [billing, vip]
    assert await store.tag_by_id("nope") is None


async def test_a_name_is_taken_once_whatever_its_case(store: SqlStore) -> None:
    first = await store.add_tag(a_tag("Billing"))
    with pytest.raises(errors.Conflict):
        await store.add_tag(a_tag("billing"))
    other = await store.add_tag(a_tag("refund"))
    with pytest.raises(errors.Conflict):
        await store.update_tag(dataclasses.replace(other, name="BILLING"))
    assert await store.list_tags() == [first, other]


async def test_an_update_renames_recolours_and_archives(store: SqlStore) -> None:
    tag = await store.add_tag(a_tag("vip"), an_entry("tag_add", "tag:x"))
    later = T0 + timedelta(hours=1)
    changed = dataclasses.replace(tag, name="VIP", colour=TagColour.RED, archived_at=later, updated_at=later,
                                  updated_by="lead-2")
    assert await store.update_tag(changed) == changed
    assert (await store.tag_by_id(tag.id)).archived
    assert await store.update_tag(a_tag("ghost")) is None
    assert [e.action for e in await store.audit_log(target="tag:x")] == ["tag_add"]


async def test_a_tag_goes_on_a_chat_once_and_comes_off_once(store: SqlStore) -> None:
    chat, other = await a_chat(store), await a_chat(store)
    vip, billing = await store.add_tag(a_tag("vip")), await store.add_tag(a_tag("billing"))
    target = f"chat:{chat.id}"
    assert await store.add_tag_to("chat", chat.id, vip.id, T0, "agent-1", an_entry("chat_tag", target))
    assert not await store.add_tag_to("chat", chat.id, vip.id, T0, "agent-1", an_entry("chat_tag", target))
    assert await store.add_tag_to("chat", chat.id, billing.id, T0, None)
    assert await store.add_tag_to("chat", other.id, vip.id, T0, None)
    assert await store.tags_of("chat", [chat.id, other.id, "none"]) == {chat.id: [billing, vip], other.id: [vip]}
    assert await store.remove_tag_from("chat", chat.id, vip.id, an_entry("chat_untag", target))
    assert not await store.remove_tag_from("chat", chat.id, vip.id, an_entry("chat_untag", target))
    assert await store.tags_of("chat", [chat.id]) == {chat.id: [billing]}
    assert await store.tags_of("chat", []) == {}
    assert sorted(e.action for e in await store.audit_log(target=target)) == ["chat_tag", "chat_untag"]


async def test_tickets_carry_tags_of_their_own(store: SqlStore) -> None:
    chat = await a_chat(store)
    ticket = await store.create_ticket(a_ticket(chat.site_id))
    vip = await store.add_tag(a_tag("vip"))
    assert await store.add_tag_to("ticket", ticket.id, vip.id, T0, "agent-1")
    assert await store.tags_of("ticket", [ticket.id]) == {ticket.id: [vip]}
    assert await store.tags_of("chat", [chat.id]) == {}
    assert await store.remove_tag_from("ticket", ticket.id, vip.id)
    assert await store.tags_of("ticket", [ticket.id]) == {}


async def test_the_filter_keeps_what_carries_the_tag_once(store: SqlStore) -> None:
    """The piece a search or a list of chats adds to its own query."""
    tagged, untagged = await a_chat(store), await a_chat(store)
    vip, billing = await store.add_tag(a_tag("vip")), await store.add_tag(a_tag("billing"))
    await store.add_tag_to("chat", tagged.id, vip.id, T0, None)
    await store.add_tag_to("chat", tagged.id, billing.id, T0, None)
    ticket = await store.create_ticket(a_ticket(tagged.site_id))
    await store.create_ticket(a_ticket(tagged.site_id, 1))
    await store.add_tag_to("ticket", ticket.id, billing.id, T0, None)
    async with store.engine.connect() as conn:
        found = (await conn.execute(select(chats.c.id).where(chat_has_tag(chats.c.id, vip.id)))).scalars().all()
        both = (await conn.execute(select(chats.c.id).where(chat_has_tag(chats.c.id, vip.id),
                                                            chat_has_tag(chats.c.id, billing.id)))).scalars().all()
        ticketed = (await conn.execute(select(tickets.c.id).where(ticket_has_tag(tickets.c.id, billing.id)))
                    ).scalars().all()
        none = (await conn.execute(select(tickets.c.id).where(ticket_has_tag(tickets.c.id, vip.id)))).scalars().all()
    assert found == [tagged.id] and both == [tagged.id]
    assert untagged.id not in found
    assert ticketed == [ticket.id] and none == []


async def test_report_facts_of_a_tag_are_those_of_its_chats_only(store: SqlStore) -> None:
    ann = await an_agent(store, "Ann")
    vip = await store.add_tag(a_tag("vip"))
    counted, other = await a_chat(store, first="hi"), await a_chat(store, first="hello")
    for chat in (counted, other):
        await store.assign_chat(chat.id, ann.id, at(1), first=True)
        await say(store, chat, 2, "agent", ann.id)
        await store.record_sla_event(a_breach(chat, 3, agent_id=ann.id))
        await store.end_chat(chat.id, "agent", at(4))
        await a_survey(store, chat, 5, 4)
    await store.add_tag_to("chat", counted.id, vip.id, T0, None)
    everything = await store.report_facts(SINCE, UNTIL)
    facts = await store.report_facts(SINCE, UNTIL, vip.id)
    assert {c.chat_id for c in everything.conversations} == {counted.id, other.id}
    assert [c.chat_id for c in facts.conversations] == [counted.id]
    assert [h.chat_id for h in facts.handled] == [counted.id]
    assert [c.id for c in facts.ended] == [counted.id]
    assert [e.chat_id for e in facts.breaches] == [counted.id]
    assert [r.chat_id for r in facts.ratings] == [counted.id]
    archived = await store.update_tag(dataclasses.replace(vip, archived_at=at(10)))
    assert [c.id for c in (await store.report_facts(SINCE, UNTIL, archived.id)).ended] == [counted.id]
    assert (await store.report_facts(SINCE, UNTIL, "no-such-tag")).ended == ()
