"""Attachments: files and their bytes (part of `SqlStore`)."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from datetime import datetime

from sqlalchemy import ColumnElement, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..services import errors
from ..services.model import Attachment, AttachmentLink, Author, FileClaim
from .base import SqlBase, maybe
from .tables import attachment_links, attachments

# Every column but the bytes: the record, read without loading the file.
_RECORD = [column for column in attachments.c if column.name != "data"]


def _attachment_of(row: Any) -> Attachment:
    values = dict(row)
    return Attachment(**{**values, "uploader": Author(values["uploader"])})


async def claim_files(conn: AsyncConnection, claim: FileClaim, where: list[ColumnElement[bool]],
                      values: dict[str, Any]) -> list[Attachment]:
    """In the caller's transaction: gives the claim's files (of its
    uploader, matching `where`, not sent yet) `values`; raises Conflict
    (the caller's transaction then rolls back) unless all of them matched."""
    wanted = list(dict.fromkeys(claim.ids))
    a = attachments.c
    stmt = (update(attachments)
            .where(a.id.in_(wanted), a.uploader == claim.uploader.value, a.uploader_id == claim.uploader_id,
                   a.client_id.is_(None), *where)
            .values(values).returning(*_RECORD))
    found = {row["id"]: _attachment_of(row) for row in (await conn.execute(stmt)).mappings()}
    if len(found) != len(wanted):
        raise errors.Conflict("an attachment is not yours to send here, or was sent already",
                              attachments=[i for i in wanted if i not in found])
    return [found[i] for i in wanted]


async def carry_chat_files(conn: AsyncConnection, chat_id: str, ticket_id: str) -> None:
    """In the caller's transaction: the chat's sent files belong to the ticket made from it too."""
    a = attachments.c
    await conn.execute(update(attachments).where(a.chat_id == chat_id, a.client_id.is_not(None))
                       .values(ticket_id=ticket_id))


class AttachmentRecords(SqlBase):
    async def add_attachment(self, attachment: Attachment, data: bytes) -> Attachment:
        values = {**dataclasses.asdict(attachment), "uploader": attachment.uploader.value, "data": data}
        async with self._transaction() as conn:
            await conn.execute(insert(attachments).values(values))
        return attachment

    async def attachment_by_id(self, attachment_id: str) -> Attachment | None:
        stmt = select(*_RECORD).where(attachments.c.id == attachment_id)
        return maybe(_attachment_of, await self._first(stmt))

    async def attachment_data(self, attachment_id: str) -> bytes | None:
        row = await self._first(select(attachments.c.data).where(attachments.c.id == attachment_id))
        return None if row is None else bytes(row["data"])

    async def claim_attachments(self, ids: Sequence[str], *, chat_id: str, uploader: Author, uploader_id: str,
                                client_id: str) -> list[Attachment]:
        """One UPDATE that only matches files this message may take: the
        count it changed tells whether all of them could be (on either
        backend, the row locks it takes keep two messages from both taking
        one file)."""
        wanted = list(dict.fromkeys(ids))
        a = attachments.c
        stmt = (update(attachments)
                .where(a.id.in_(wanted), a.chat_id == chat_id, a.uploader == uploader.value,
                       a.uploader_id == uploader_id, or_(a.client_id.is_(None), a.client_id == client_id))
                .values(client_id=client_id)
                .returning(*_RECORD))
        async with self._transaction() as conn:
            found = {row["id"]: _attachment_of(row) for row in (await conn.execute(stmt)).mappings()}
            if len(found) != len(wanted):
                raise errors.Conflict("an attachment is not yours to send in this chat, or was sent already",
                                      attachments=[i for i in wanted if i not in found])
        return [found[i] for i in wanted]

    async def chat_attachments(self, chat_id: str) -> list[Attachment]:
        a = attachments.c
        stmt = (select(*_RECORD).where(a.chat_id == chat_id, a.client_id.is_not(None))
                .order_by(a.created_at, a.id))
        return [_attachment_of(r) for r in await self._all(stmt)]

    async def ticket_attachments(self, ticket_id: str) -> list[Attachment]:
        a = attachments.c
        stmt = (select(*_RECORD).where(a.ticket_id == ticket_id, a.client_id.is_not(None))
                .order_by(a.created_at, a.id))
        return [_attachment_of(r) for r in await self._all(stmt)]

    async def add_attachment_links(self, links: Sequence[AttachmentLink]) -> None:
        if links:
            async with self._transaction() as conn:
                await conn.execute(insert(attachment_links).values([dataclasses.asdict(link) for link in links]))

    async def attachment_by_link(self, token_hash: str, now: datetime) -> Attachment | None:
        a, link = attachments.c, attachment_links.c
        stmt = (select(*_RECORD).join_from(attachment_links, attachments, link.attachment_id == a.id)
                .where(link.token_hash == token_hash, link.expires_at > now))
        return maybe(_attachment_of, await self._first(stmt))

    async def drop_unsent_attachments(self, before: datetime) -> int:
        """Deletes the files uploaded before `before` that no message, ticket or reply took."""
        a = attachments.c
        async with self._transaction() as conn:
            result = await conn.execute(delete(attachments).where(a.client_id.is_(None), a.created_at < before))
        return result.rowcount or 0
