"""The Store contract for canned replies and a visitor's earlier chats, on
SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from server.services import errors
from server.services.model import CannedReply, Chat, ChatStatus, Priority
from server.store import SqlStore
from tests.contract.factories import T0, a_site, a_visitor, new_id


def a_reply(shortcut: str, **fields) -> CannedReply:
    values = {"id": new_id(), "shortcut": shortcut, "title": f"About {shortcut}", "text": f"Text of {shortcut}",
              "created_at": T0, "updated_at": T0, "updated_by": "lead-1"}
    return CannedReply(**(values | fields))


async def test_canned_replies_list_by_shortcut(store: SqlStore) -> None:
    greet = await store.add_canned(a_reply("greet"))
    bye = await store.add_canned(a_reply("bye", text="Bye ✓\nfor now"))
    assert greet == await store.canned_by_id(greet.id)
    assert await store.list_canned() == [bye, greet]
    assert bye.text == "Bye ✓\nfor now"


async def test_a_shortcut_is_taken_once(store: SqlStore) -> None:
    first = await store.add_canned(a_reply("greet"))
    with pytest.raises(errors.Conflict):
        await store.add_canned(a_reply("greet"))
    other = await store.add_canned(a_reply("bye"))
    with pytest.raises(errors.Conflict):
        await store.update_canned(dataclasses.replace(other, shortcut="greet"))
    assert await store.list_canned() == [other, first]


async def test_an_update_replaces_the_text_and_who_changed_it(store: SqlStore) -> None:
    reply = await store.add_canned(a_reply("greet"))
    later = T0 + timedelta(hours=1)
    changed = dataclasses.replace(reply, shortcut="hello", title="Hello", text="Hi!", updated_at=later,
                                  updated_by="lead-2", created_at=later)  # created_at is not changed
    assert await store.update_canned(changed) == dataclasses.replace(changed, created_at=T0)
    assert await store.update_canned(a_reply("ghost")) is None


async def test_removing_returns_the_reply_once(store: SqlStore) -> None:
    reply = await store.add_canned(a_reply("greet"))
    assert await store.remove_canned(reply.id) == reply
    assert await store.remove_canned(reply.id) is None
    assert await store.canned_by_id(reply.id) is None
    assert await store.list_canned() == []


async def test_a_visitors_ended_chats_come_latest_first(store: SqlStore) -> None:
    site = await a_site(store)
    visitor, other = await a_visitor(store, site), await a_visitor(store, site)
    ended = []
    for n in range(12):
        chat, _ = await store.create_chat(Chat(id=new_id(), site_id=site.id, visitor_id=visitor.id,
                                               status=ChatStatus.QUEUED, priority=Priority.LOW,
                                               started_at=T0 + timedelta(hours=n), topic=f"t{n}"), None)
        ended.append(await store.end_chat(chat.id, "visitor", T0 + timedelta(hours=n, minutes=5)))
    open_chat, _ = await store.create_chat(Chat(id=new_id(), site_id=site.id, visitor_id=visitor.id,
                                                status=ChatStatus.QUEUED, priority=Priority.LOW,
                                                started_at=T0 + timedelta(days=1)), None)
    theirs, _ = await store.create_chat(Chat(id=new_id(), site_id=site.id, visitor_id=other.id,
                                             status=ChatStatus.QUEUED, priority=Priority.LOW, started_at=T0), None)
    await store.end_chat(theirs.id, "agent", T0 + timedelta(days=2))
    found = await store.ended_chats_of_visitor(visitor.id)
    assert found == ended[::-1][:10]
    assert open_chat.id not in {c.id for c in found}
    assert await store.ended_chats_of_visitor(visitor.id, limit=2) == ended[:-3:-1]
