"""Canned replies, and a visitor's earlier chats for the console's context
(part of `SqlStore`)."""
from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import delete, insert, select, update

from ..services import errors
from ..services.model import AuditEntry, CannedReply, Chat, ChatStatus
from . import rows
from .base import SqlBase, maybe, returned
from .tables import canned_replies, chats


def _canned_of(row: Any) -> CannedReply:
    return CannedReply(**dict(row))


class CannedRecords(SqlBase):
    async def list_canned(self) -> list[CannedReply]:
        """Every canned reply, ordered by shortcut."""
        stmt = select(canned_replies).order_by(canned_replies.c.shortcut)
        return [_canned_of(r) for r in await self._all(stmt)]

    async def canned_by_id(self, reply_id: str) -> CannedReply | None:
        stmt = select(canned_replies).where(canned_replies.c.id == reply_id)
        return maybe(_canned_of, await self._first(stmt))

    async def add_canned(self, reply: CannedReply, audit: AuditEntry | None = None) -> CannedReply:
        """Store it. Raises Conflict if its shortcut is taken."""
        stmt = insert(canned_replies).values(dataclasses.asdict(reply)).returning(*canned_replies.c)
        try:
            return _canned_of(returned(await self._write(stmt, audit)))
        except errors.Conflict:
            raise errors.Conflict(f"the shortcut /{reply.shortcut} is taken") from None

    async def update_canned(self, reply: CannedReply, audit: AuditEntry | None = None) -> CannedReply | None:
        """Its shortcut, title, text, `updated_at` and `updated_by` replaced;
        None if there is no reply with its id. Raises Conflict if the new
        shortcut is another reply's."""
        changes = {"shortcut": reply.shortcut, "title": reply.title, "text": reply.text,
                   "updated_at": reply.updated_at, "updated_by": reply.updated_by}
        stmt = (update(canned_replies).where(canned_replies.c.id == reply.id).values(changes)
                .returning(*canned_replies.c))
        try:
            return maybe(_canned_of, await self._write(stmt, audit))
        except errors.Conflict:
            raise errors.Conflict(f"the shortcut /{reply.shortcut} is taken") from None

    async def remove_canned(self, reply_id: str, audit: AuditEntry | None = None) -> CannedReply | None:
        """The reply removed; None if there was none."""
        stmt = delete(canned_replies).where(canned_replies.c.id == reply_id).returning(*canned_replies.c)
        return maybe(_canned_of, await self._write(stmt, audit))

    # what the console shows beside a chat
    async def ended_chats_of_visitor(self, visitor_id: str, limit: int = 10) -> list[Chat]:
        """The visitor's ended chats, the latest ended first."""
        c = chats.c
        stmt = (select(chats).where(c.visitor_id == visitor_id, c.status == ChatStatus.ENDED.value)
                .order_by(c.ended_at.desc(), c.id).limit(limit))
        return [rows.chat_of(r) for r in await self._all(stmt)]
