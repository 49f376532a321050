"""Surveys, and the abuse alerts raised to supervisors (part of `SqlStore`)."""
from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select, update

from ..services import errors
from ..services.model import Alert, AuditEntry, ChatStatus, Survey
from .base import SqlBase, maybe, returned
from .tables import alerts, chats, surveys, visitors


def _survey_of(row: Any) -> Survey:
    return Survey(**dict(row))


def _alert_values(alert: Alert) -> dict[str, Any]:
    return {**dataclasses.asdict(alert), "chat_ids": list(alert.chat_ids)}


def _alert_of(row: Any) -> Alert:
    return Alert(**{**dict(row), "chat_ids": tuple(row["chat_ids"])})


class TrustRecords(SqlBase):
    # surveys
    async def save_survey(self, survey: Survey) -> Survey:
        """Store a survey. Raises Conflict if the chat has one already."""
        stmt = insert(surveys).values(dataclasses.asdict(survey)).returning(*surveys.c)
        try:
            return _survey_of(returned(await self._write(stmt)))
        except errors.Conflict:
            raise errors.Conflict("this chat has been rated already") from None

    async def survey_by_id(self, survey_id: str) -> Survey | None:
        return maybe(_survey_of, await self._first(select(surveys).where(surveys.c.id == survey_id)))

    async def survey_of_chat(self, chat_id: str) -> Survey | None:
        return maybe(_survey_of, await self._first(select(surveys).where(surveys.c.chat_id == chat_id)))

    async def exclude_survey(self, survey_id: str, reason: str, by: str, at: datetime,
                             audit: AuditEntry | None = None) -> Survey | None:
        """Leave a survey out of the agents' scores; None if there is no such survey."""
        stmt = (update(surveys).where(surveys.c.id == survey_id)
                .values(excluded_reason=reason, excluded_by=by, excluded_at=at).returning(*surveys.c))
        return maybe(_survey_of, await self._write(stmt, audit))

    async def list_surveys(self, *, limit: int = 50, offset: int = 0) -> list[Survey]:
        """Every site's surveys, newest first (the dashboard's list)."""
        s = surveys.c
        stmt = select(surveys).order_by(s.created_at.desc(), s.id.desc()).limit(limit).offset(offset)
        return [_survey_of(r) for r in await self._all(stmt)]

    async def recent_surveys(self, site_id: str, *, account_id: str | None, visitor_id: str,
                             limit: int) -> list[Survey]:
        """The newest `limit` surveys of an account (of the visitor, without
        one), newest first."""
        s = surveys.c
        stmt = (select(surveys).where(s.site_id == site_id, _of(s.account_id, s.visitor_id, account_id, visitor_id))
                .order_by(s.created_at.desc(), s.id.desc()).limit(limit))
        return [_survey_of(r) for r in await self._all(stmt)]

    async def unrated_chat(self, visitor_id: str, *, reasons: Collection[str], since: datetime) -> str | None:
        """The visitor's latest chat that an agent handled, that ended at
        `since` or later for one of `reasons`, and has no survey yet."""
        c = chats.c
        rated = select(surveys.c.chat_id).where(surveys.c.chat_id == c.id).exists()
        stmt = (select(c.id).where(c.visitor_id == visitor_id, c.status == ChatStatus.ENDED.value,
                                   c.assigned_at.is_not(None), c.end_reason.in_(list(reasons)),
                                   c.ended_at >= since, ~rated)
                .order_by(c.ended_at.desc()).limit(1))
        row = await self._first(stmt)
        return row["id"] if row else None

    # what a visitor has been asking
    async def count_chats_on_topic(self, site_id: str, *, account_id: str | None, visitor_id: str,
                                   topic: str, since: datetime) -> int:
        """Chats on `topic` started after `since` by the account (its
        verified visitors) or, without one, by the visitor."""
        c, v = chats.c, visitors.c
        who = (v.account_id == account_id) & v.verified if account_id is not None else c.visitor_id == visitor_id
        stmt = (select(func.count()).select_from(chats.join(visitors, v.id == c.visitor_id))
                .where(c.site_id == site_id, c.topic == topic, c.started_at > since, who))
        return int(await self._scalar(stmt))

    # alerts
    async def add_alert(self, alert: Alert) -> Alert:
        stmt = insert(alerts).values(_alert_values(alert)).returning(*alerts.c)
        return _alert_of(returned(await self._write(stmt)))

    async def list_alerts(self, *, kind: str | None = None, since: datetime | None = None,
                          limit: int = 50, offset: int = 0) -> list[Alert]:
        """Newest first."""
        a = alerts.c
        conditions = [a.kind == kind] if kind is not None else []
        if since is not None:
            conditions.append(a.at >= since)
        stmt = (select(alerts).where(*conditions).order_by(a.at.desc(), a.id.desc())
                .limit(limit).offset(offset))
        return [_alert_of(r) for r in await self._all(stmt)]


def _of(account_column: Any, visitor_column: Any, account_id: str | None,
        visitor_id: str) -> ColumnElement[bool]:
    return account_column == account_id if account_id is not None else visitor_column == visitor_id
