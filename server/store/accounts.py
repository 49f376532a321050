"""What the lead's accounts view reads of one account or one visitor (part
of `SqlStore`): the account's verified visitors, and the chats, surveys, alerts and
suspensions of either, each newest first and bounded by `limit`.

An account is the verified visitors of a site with the same account id
(an unverified claim is no account, as for suspensions); without an
account id these read one visitor's record.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from ..services import errors
from ..services.model import Alert, Chat, Survey, Suspension, Visitor
from . import rows
from .moderation import suspension_of
from .tables import alerts, chats, surveys, suspensions, visitors
from .trust import _alert_of, _survey_of
from .base import SqlBase


def _members(site_id: str, account_id: str) -> Select:
    v = visitors.c
    return select(v.id).where(v.site_id == site_id, v.verified.is_(True), v.account_id == account_id)


def _whose(visitor_column: Any, site_id: str, account_id: str | None,
           visitor_id: str | None) -> ColumnElement[bool]:
    """Rows of that visitor, or else of every verified visitor of the account."""
    if visitor_id is not None:
        return visitor_column == visitor_id
    if account_id is None:
        raise errors.BadRequest("an account or a visitor is needed")
    return visitor_column.in_(_members(site_id, account_id))


class AccountRecords(SqlBase):
    async def account_visitors(self, site_id: str, account_id: str, limit: int) -> list[Visitor]:
        """The verified visitors of the site with that account, the newest first."""
        v = visitors.c
        stmt = (select(visitors).where(v.site_id == site_id, v.verified.is_(True), v.account_id == account_id)
                .order_by(v.created_at.desc(), v.id).limit(limit))
        return [rows.visitor_of(r) for r in await self._all(stmt)]

    async def chats_of(self, site_id: str, *, account_id: str | None, visitor_id: str | None,
                       limit: int) -> list[Chat]:
        """The visitor's chats (without one, the account's), the latest started first."""
        c = chats.c
        stmt = (select(chats).where(c.site_id == site_id, _whose(c.visitor_id, site_id, account_id, visitor_id))
                .order_by(c.started_at.desc(), c.id).limit(limit))
        return [rows.chat_of(r) for r in await self._all(stmt)]

    async def alerts_of(self, site_id: str, *, account_id: str | None, visitor_id: str | None,
                        limit: int) -> list[Alert]:
        """The alerts raised about the visitor (without one: about the
        account, or any of its visitors), the newest first."""
        a = alerts.c
        about = _whose(a.visitor_id, site_id, account_id, visitor_id)
        if visitor_id is None:
            about = or_(about, a.account_id == account_id)
        stmt = (select(alerts).where(a.site_id == site_id, about)
                .order_by(a.at.desc(), a.id.desc()).limit(limit))
        return [_alert_of(r) for r in await self._all(stmt)]

    async def surveys_of(self, site_id: str, *, account_id: str | None, visitor_id: str | None,
                         limit: int) -> list[Survey]:
        """The visitor's surveys (without one: the account's, or any of its
        visitors'), the newest first."""
        s = surveys.c
        rated = _whose(s.visitor_id, site_id, account_id, visitor_id)
        if visitor_id is None:
            rated = or_(rated, s.account_id == account_id)
        stmt = (select(surveys).where(s.site_id == site_id, rated)
                .order_by(s.created_at.desc(), s.id.desc()).limit(limit))
        return [_survey_of(r) for r in await self._all(stmt)]

    async def suspensions_of(self, site_id: str, *, account_id: str | None, visitor_id: str | None,
                             limit: int) -> list[Suspension]:
        """Every suspension and ban, lifted or not, that held or holds them:
        the account's own (given `account_id`) and the visitor's (without
        `visitor_id`: each of the account's visitors'); the newest first."""
        s = suspensions.c
        held = _whose(s.visitor_id, site_id, account_id, visitor_id)
        if account_id is not None:
            held = or_(held, and_(s.site_id == site_id, s.account_id == account_id, s.visitor_id.is_(None)))
        stmt = select(suspensions).where(held).order_by(s.created_at.desc(), s.id.desc()).limit(limit)
        return [suspension_of(r) for r in await self._all(stmt)]
