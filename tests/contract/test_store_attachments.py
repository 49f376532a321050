"""The Store contract for attachments, on SQLite and PostgreSQL: bytes kept
exactly, a file given to one message of its uploader in its chat, and a
resent message taking its own files again."""
from __future__ import annotations

import asyncio

import pytest

from server.services import errors
from server.services.model import Attachment, Author
from server.store import SqlStore
from tests.contract.factories import T0, a_chat, new_id

BYTES = bytes(range(256)) * 40  # every byte value, NUL included


def a_file(chat_id: str, uploader_id: str, **fields) -> Attachment:
    values = {"id": new_id(), "chat_id": chat_id, "uploader": Author.VISITOR, "uploader_id": uploader_id,
              "name": "scan ✓.png", "content_type": "image/png", "size": len(BYTES), "sha256": "0" * 64,
              "created_at": T0}
    return Attachment(**(values | fields))


async def test_a_file_and_its_bytes_are_kept_exactly(store: SqlStore) -> None:
    chat = await a_chat(store)
    stored = await store.add_attachment(a_file(chat.id, chat.visitor_id), BYTES)
    assert await store.attachment_by_id(stored.id) == stored
    assert await store.attachment_data(stored.id) == BYTES
    assert await store.attachment_by_id("nothing") is None and await store.attachment_data("nothing") is None
    assert await store.chat_attachments(chat.id) == []  # not sent yet


async def test_a_message_takes_its_uploaders_files_once(store: SqlStore) -> None:
    chat = await a_chat(store)
    one = await store.add_attachment(a_file(chat.id, chat.visitor_id), BYTES)
    two = await store.add_attachment(a_file(chat.id, chat.visitor_id, name="b.pdf"), b"%PDF-")
    claimed = await store.claim_attachments([two.id, one.id], chat_id=chat.id, uploader=Author.VISITOR,
                                            uploader_id=chat.visitor_id, client_id="m1")
    assert [a.id for a in claimed] == [two.id, one.id] and {a.client_id for a in claimed} == {"m1"}
    again = await store.claim_attachments([one.id], chat_id=chat.id, uploader=Author.VISITOR,
                                          uploader_id=chat.visitor_id, client_id="m1")
    assert again[0].client_id == "m1"  # the resent message
    with pytest.raises(errors.Conflict):
        await store.claim_attachments([one.id], chat_id=chat.id, uploader=Author.VISITOR,
                                      uploader_id=chat.visitor_id, client_id="m2")
    assert {a.id for a in await store.chat_attachments(chat.id)} == {one.id, two.id}


async def test_nothing_is_taken_unless_every_file_may_be(store: SqlStore) -> None:
    chat, other = await a_chat(store), await a_chat(store)
    mine = await store.add_attachment(a_file(chat.id, chat.visitor_id), BYTES)
    theirs = await store.add_attachment(a_file(other.id, other.visitor_id), BYTES)
    agents = await store.add_attachment(a_file(chat.id, "agent-1", uploader=Author.AGENT), BYTES)
    for ids in ([mine.id, theirs.id], [mine.id, agents.id], [mine.id, "missing"]):
        with pytest.raises(errors.Conflict):
            await store.claim_attachments(ids, chat_id=chat.id, uploader=Author.VISITOR,
                                          uploader_id=chat.visitor_id, client_id="m1")
    assert (await store.attachment_by_id(mine.id)).client_id is None


async def test_two_messages_racing_for_one_file_one_gets_it(store: SqlStore) -> None:
    chat = await a_chat(store)
    shared = await store.add_attachment(a_file(chat.id, chat.visitor_id), BYTES)

    async def claim(client_id: str) -> bool:
        try:
            await store.claim_attachments([shared.id], chat_id=chat.id, uploader=Author.VISITOR,
                                          uploader_id=chat.visitor_id, client_id=client_id)
        except errors.Conflict:
            return False
        return True
    assert sorted(await asyncio.gather(claim("a"), claim("b"))) == [False, True]
