"""The Store contract for attachments, on SQLite and PostgreSQL: bytes kept
exactly, a file given to one message of its uploader in its chat, and a
resent message taking its own files again; a ticket, a ticket reply and a
converted chat taking files, all or nothing; mailed links found by their
hash until they expire; unsent files swept."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from server.services import errors
from server.services.model import Attachment, AttachmentLink, Author, FileClaim, TicketReply
from server.store import SqlStore
from tests.contract.factories import T0, a_chat, new_id
from tests.contract.test_store_policy import HOUR, a_receipt, a_ticket

BYTES = bytes(range(256)) * 40  # every byte value, NUL included


def a_file(chat_id: str | None, uploader_id: str, **fields) -> Attachment:
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


async def test_a_ticket_takes_its_forms_files_or_is_not_stored(store: SqlStore) -> None:
    chat = await a_chat(store)
    visitor = chat.visitor_id
    one = await store.add_attachment(a_file(None, visitor), BYTES)
    two = await store.add_attachment(a_file(None, visitor, name="b.pdf"), b"%PDF-")
    in_chat = await store.add_attachment(a_file(chat.id, visitor), BYTES)
    refused = a_ticket(chat.site_id)
    with pytest.raises(errors.Conflict):  # a chat's file is not the form's
        await store.create_ticket(refused, files=FileClaim((one.id, in_chat.id), Author.VISITOR, visitor))
    assert await store.ticket_by_id(refused.id) is None
    assert (await store.attachment_by_id(one.id)).ticket_id is None
    with pytest.raises(errors.Conflict):  # another visitor's
        await store.create_ticket(a_ticket(chat.site_id), files=FileClaim((one.id,), Author.VISITOR, "someone"))
    ticket = await store.create_ticket(a_ticket(chat.site_id), files=FileClaim((two.id, one.id), Author.VISITOR,
                                                                               visitor))
    assert ticket.number == 1  # the refused ones gave their numbers back
    taken = await store.ticket_attachments(ticket.id)
    assert {a.id for a in taken} == {one.id, two.id}
    assert {(a.ticket_id, a.client_id) for a in taken} == {(ticket.id, ticket.id)}
    with pytest.raises(errors.Conflict):  # sent once
        await store.create_ticket(a_ticket(chat.site_id), files=FileClaim((one.id,), Author.VISITOR, visitor))


async def test_a_reply_takes_files_uploaded_into_its_ticket(store: SqlStore) -> None:
    chat = await a_chat(store)
    ticket, other = await store.create_ticket(a_ticket(chat.site_id)), await store.create_ticket(a_ticket(chat.site_id))
    mine = await store.add_attachment(a_file(None, "agent-1", uploader=Author.AGENT, ticket_id=ticket.id), BYTES)
    elsewhere = await store.add_attachment(a_file(None, "agent-1", uploader=Author.AGENT, ticket_id=other.id), BYTES)
    assert await store.ticket_attachments(ticket.id) == []  # not sent yet

    def reply() -> TicketReply:
        return TicketReply(id=new_id(), ticket_id=ticket.id, author="agent", text="see", at=T0, author_id="agent-1")
    with pytest.raises(errors.Conflict):
        await store.add_ticket_reply(reply(), files=FileClaim((mine.id, elsewhere.id), Author.AGENT, "agent-1"))
    assert await store.ticket_replies(ticket.id) == []
    stored = await store.add_ticket_reply(reply(), files=FileClaim((mine.id,), Author.AGENT, "agent-1"))
    assert [(a.id, a.client_id) for a in await store.ticket_attachments(ticket.id)] == [(mine.id, stored.id)]


async def test_a_converted_chat_gives_its_sent_files_to_the_ticket(store: SqlStore) -> None:
    chat = await a_chat(store)
    sent = await store.add_attachment(a_file(chat.id, chat.visitor_id), BYTES)
    unsent = await store.add_attachment(a_file(chat.id, chat.visitor_id), BYTES)
    await store.claim_attachments([sent.id], chat_id=chat.id, uploader=Author.VISITOR, uploader_id=chat.visitor_id,
                                  client_id="m1")
    _, ticket, _ = await store.convert_chat(chat.id, T0 + HOUR, a_ticket(chat.site_id), a_receipt(chat))
    assert [a.id for a in await store.ticket_attachments(ticket.id)] == [sent.id]
    assert (await store.attachment_by_id(unsent.id)).ticket_id is None
    assert [a.id for a in await store.chat_attachments(chat.id)] == [sent.id]  # still the chat's too


async def test_a_link_finds_its_file_until_it_expires(store: SqlStore) -> None:
    chat = await a_chat(store)
    file = await store.add_attachment(a_file(chat.id, chat.visitor_id), BYTES)
    await store.add_attachment_links([AttachmentLink("a" * 64, file.id, T0, T0 + HOUR)])
    assert (await store.attachment_by_link("a" * 64, T0)).id == file.id
    assert await store.attachment_by_link("a" * 64, T0 + HOUR) is None
    assert await store.attachment_by_link("b" * 64, T0) is None


async def test_files_nothing_sent_are_swept_after_a_while(store: SqlStore) -> None:
    chat = await a_chat(store)
    old = await store.add_attachment(a_file(None, chat.visitor_id), BYTES)
    sent = await store.add_attachment(a_file(chat.id, chat.visitor_id), BYTES)
    await store.claim_attachments([sent.id], chat_id=chat.id, uploader=Author.VISITOR, uploader_id=chat.visitor_id,
                                  client_id="m1")
    fresh = await store.add_attachment(a_file(chat.id, chat.visitor_id, created_at=T0 + timedelta(hours=2)), BYTES)
    assert await store.drop_unsent_attachments(T0 + HOUR) == 1
    assert await store.attachment_by_id(old.id) is None and await store.attachment_data(old.id) is None
    assert await store.attachment_by_id(sent.id) is not None and await store.attachment_by_id(fresh.id) is not None
