"""Suspensions and bans, and the audit log (part of `SqlStore`).

A suspension is one transaction: the suspension, the end of every chat of
its target not ended yet, and its audit entry. The group-commit writer
refuses a message to an ended chat at commit, so once that transaction has
committed no message of the target is stored. No chat of the target can be
created beside it either: on SQLite its first statement, a write, takes the
database's write lock; on PostgreSQL it locks the chats table first
(EXCLUSIVE: plain reads go on, chat writes wait the few milliseconds it
takes). A chat created right after it is for `ChatService.start` to end.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..services import errors
from ..services.model import AuditEntry, Chat, ChatStatus, EndReason, Suspension
from . import rows
from ..services.webhook_types import HookRow
from .base import SqlBase, first_row, insert_audit, insert_hooks, matching, maybe
from .tables import audit_log, chats, suspensions, visitors

S = suspensions.c
NEWEST_FIRST = (audit_log.c.at.desc(), audit_log.c.id.desc())


def suspension_of(row: Any) -> Suspension:
    return Suspension(**dict(row))


def _audit_of(row: Any) -> AuditEntry:
    return AuditEntry(**dict(row))


def _active(now: datetime) -> ColumnElement[bool]:
    """Not lifted, and a ban or not run out at `now`."""
    return and_(S.lifted_at.is_(None), or_(S.until.is_(None), S.until > now))


def keeping_out(site_id: str, account_id: str | None, visitor_id: str, now: datetime) -> Select:
    """The query of `active_suspension`."""
    covers = S.visitor_id == visitor_id
    if account_id is not None:
        covers = or_(covers, and_(S.site_id == site_id, S.account_id == account_id))
    return (select(suspensions).where(covers, _active(now))
            .order_by(S.ban.desc(), S.until.desc(), S.id).limit(1))


def _target(site_id: str, account_id: str | None, visitor_id: str | None) -> ColumnElement[bool]:
    """The suspensions of exactly that target: one visitor, or else an account of the site."""
    if visitor_id is not None:
        return S.visitor_id == visitor_id
    if account_id is not None:
        return and_(S.site_id == site_id, S.account_id == account_id, S.visitor_id.is_(None))
    raise errors.BadRequest("an account or a visitor is needed")


def _chats_of(suspension: Suspension) -> ColumnElement[bool]:
    """The chats of the suspension's visitor, or of every verified visitor of its account."""
    if suspension.visitor_id is not None:
        return chats.c.visitor_id == suspension.visitor_id
    v = visitors.c
    return chats.c.visitor_id.in_(select(v.id).where(v.site_id == suspension.site_id, v.verified.is_(True),
                                                      v.account_id == suspension.account_id))


class ModerationRecords(SqlBase):
    # suspensions
    async def suspend(self, suspension: Suspension, audit: AuditEntry,
                      ended_hooks: Callable[[list[Chat]], list[HookRow]] | None = None) -> list[Chat]:
        """In one transaction: store `suspension`, end every chat of its
        target not ended yet (reason "suspended", at the suspension's
        `created_at`), and record `audit`, its data given `chats`: the ids
        of the chats ended. Returns those chats. Raises Conflict, and
        writes nothing, if the target has an active suspension already;
        BadRequest unless exactly one of account and visitor is given.
        `ended_hooks`: the webhook rows (chat.ended) of the chats ended,
        stored in the same transaction."""
        if (suspension.account_id is None) == (suspension.visitor_id is None):
            raise errors.BadRequest("a suspension is of an account or of a visitor")
        async with self._transaction() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("LOCK TABLE chats IN EXCLUSIVE MODE"))
            await conn.execute(insert(suspensions).values(dataclasses.asdict(suspension)))
            if await _another_active(conn, suspension):
                raise errors.Conflict("this account or visitor is suspended already: lift that first")
            ended = await _end_chats(conn, suspension)
            if ended_hooks is not None:
                await insert_hooks(conn, ended_hooks(ended))
            await insert_audit(conn, dataclasses.replace(audit, data={**(audit.data or {}),
                                                                      "chats": [c.id for c in ended]}))
        return ended

    async def lift(self, site_id: str, *, account_id: str | None = None, visitor_id: str | None = None,
                   audit: AuditEntry) -> list[Suspension]:
        """Lift every suspension of exactly that target (a visitor, or else
        an account of the site) active at `audit.at`: lifted then, by
        `audit.actor_id`, for `audit.reason`; `audit` recorded in the same
        transaction. The suspensions lifted; [] (nothing written) if none was active."""
        condition = and_(_target(site_id, account_id, visitor_id), _active(audit.at))
        return await self._lift(condition, audit, lifted_at=audit.at)

    async def expire_suspension(self, suspension_id: str, audit: AuditEntry) -> Suspension | None:
        """The suspension lifts by itself: lifted at its `until` (by
        nobody, for `audit.reason`), `audit` recorded in the same
        transaction. None, and nothing written, if it was lifted already,
        is a ban, or has not run out at `audit.at`."""
        condition = and_(S.id == suspension_id, S.lifted_at.is_(None), S.until <= audit.at)
        lifted = await self._lift(condition, audit, lifted_at=S.until)
        return lifted[0] if lifted else None

    async def _lift(self, condition: ColumnElement[bool], audit: AuditEntry, *, lifted_at: Any) -> list[Suspension]:
        stmt = (update(suspensions).where(condition)
                .values(lifted_at=lifted_at, lifted_by=audit.actor_id, lifted_reason=audit.reason)
                .returning(*suspensions.c))
        async with self._transaction() as conn:
            lifted = [suspension_of(r) for r in (await conn.execute(stmt)).mappings()]
            if not lifted:
                await conn.rollback()
                return []
            await insert_audit(conn, audit)
        return sorted(lifted, key=lambda s: (s.created_at, s.id))

    async def active_suspension(self, site_id: str, *, account_id: str | None, visitor_id: str,
                                now: datetime) -> Suspension | None:
        """The suspension that keeps the visitor out of chat at `now`: its
        own, or its account's on the site (give `account_id` only for a
        verified visitor). A ban first, else the one that lasts longest."""
        return maybe(suspension_of, await self._first(keeping_out(site_id, account_id, visitor_id, now)))

    async def suspension_by_id(self, suspension_id: str) -> Suspension | None:
        return maybe(suspension_of, await self._first(select(suspensions).where(S.id == suspension_id)))

    async def open_suspensions(self) -> list[Suspension]:
        """Every suspension not lifted yet (bans too, and those run out but
        not marked lifted), oldest first: what re-arms the lifting timers
        after a restart."""
        stmt = select(suspensions).where(S.lifted_at.is_(None)).order_by(S.created_at, S.id)
        return [suspension_of(r) for r in await self._all(stmt)]

    async def account_sites(self, account_id: str) -> list[str]:
        """The ids of the sites where a verified visitor has that account."""
        v = visitors.c
        stmt = (select(v.site_id).where(v.verified.is_(True), v.account_id == account_id)
                .distinct().order_by(v.site_id))
        return [row["site_id"] for row in await self._all(stmt)]

    # the audit log
    async def record_audit(self, entry: AuditEntry) -> None:
        """Record `entry` in a transaction of its own."""
        async with self._transaction() as conn:
            await insert_audit(conn, entry)

    async def audit_log(self, *, action: str | None = None, actor_id: str | None = None,
                        target: str | None = None, since: datetime | None = None,
                        until: datetime | None = None, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
        """The entries matching every filter given, `at` in [since, until),
        newest first."""
        a = audit_log.c
        conditions = matching((a.action, action), (a.actor_id, actor_id), (a.target, target))
        if since is not None:
            conditions.append(a.at >= since)
        if until is not None:
            conditions.append(a.at < until)
        stmt = select(audit_log).where(*conditions).order_by(*NEWEST_FIRST).limit(limit).offset(offset)
        return [_audit_of(r) for r in await self._all(stmt)]


async def _another_active(conn: AsyncConnection, suspension: Suspension) -> bool:
    stmt = (select(S.id).where(_target(suspension.site_id, suspension.account_id, suspension.visitor_id),
                               _active(suspension.created_at), S.id != suspension.id).limit(1))
    return await first_row(conn, stmt) is not None


async def _end_chats(conn: AsyncConnection, suspension: Suspension) -> list[Chat]:
    stmt = (update(chats)
            .where(chats.c.site_id == suspension.site_id, chats.c.status != ChatStatus.ENDED.value,
                   _chats_of(suspension))
            .values(status=ChatStatus.ENDED.value, end_reason=EndReason.SUSPENDED.value,
                    ended_at=suspension.created_at)
            .returning(*chats.c))
    ended = [rows.chat_of(r) for r in (await conn.execute(stmt)).mappings()]
    return sorted(ended, key=lambda c: c.id)
