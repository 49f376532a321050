"""Attachments: files and their bytes (part of `SqlStore`)."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, or_, select, update

from ..services import errors
from ..services.model import Attachment, Author
from .base import SqlBase, maybe
from .tables import attachments

# Every column but the bytes: the record, read without loading the file.
_RECORD = [column for column in attachments.c if column.name != "data"]


def _attachment_of(row: Any) -> Attachment:
    values = dict(row)
    return Attachment(**{**values, "uploader": Author(values["uploader"])})


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
