"""The dashboard's charts: chats per desk-local hour of a day, the spread of
first-response waits, and the desk's figures day by day. Counted over the
same facts as the reports (`Store.report_facts`, `services.reports`), so a
chart and a report never disagree.

- `started`: chats that began in the hour (arrivals; every chat starts with
  the visitor's first message, so each is in the facts' conversations);
- `handled`: assignments to an agent in the hour (a transfer counts again,
  as in the reports' `chats`);
- the first-response histogram counts the first answers of the day.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from ..config import PolicyConfig
from ..policy.figures import answers, day_start, histogram, local_day
from .errors import BadRequest
from .facts import ReportFacts
from .ports import Store
from .reports import MAX_DAYS, figures, flat, ledger

HOURS = 24
# Seconds; the policy's warning and limit are added, so the share within
# target reads off a bucket (as for /metrics).
FIRST_RESPONSE_BOUNDS = (10, 20, 30, 45, 60, 90, 120, 180, 300, 600)


def _in(at: datetime, since: datetime, until: datetime) -> bool:
    return since <= at < until


def hours_of(facts: ReportFacts, since: datetime, until: datetime, tz: tzinfo) -> list[dict[str, int]]:
    """Started and handled chats per desk-local hour (0-23) of [since, until).
    On the day clocks go back, the repeated hour's chats add up under one
    hour; on the day they go forward, the skipped hour stays at zero."""
    rows = [{"hour": hour, "started": 0, "handled": 0} for hour in range(HOURS)]
    for conversation in facts.conversations:
        if _in(conversation.started_at, since, until):
            rows[conversation.started_at.astimezone(tz).hour]["started"] += 1
    for handled in facts.handled:
        if _in(handled.at, since, until):
            rows[handled.at.astimezone(tz).hour]["handled"] += 1
    return rows


def first_response_spread(facts: ReportFacts, since: datetime, until: datetime,
                          policy: PolicyConfig) -> dict[str, Any]:
    """`{"limit_s", "count", "buckets": [{"le": seconds | None, "count"}]}`:
    the first answers given in [since, until), each counted in the first
    bucket whose bound (`le`, seconds) it does not exceed; `le` None is
    above every bound."""
    waits = [answer.waited_s for c in facts.conversations for answer in answers(c.started_at, c.messages)
             if answer.first and _in(answer.at, since, until)]
    spread = histogram(waits, {*FIRST_RESPONSE_BOUNDS, policy.first_response_warn_s, policy.first_response_s})
    bounds: Iterable[float | None] = (*spread.bounds, None)
    return {"limit_s": policy.first_response_s, "count": spread.count,
            "buckets": [{"le": bound, "count": count} for bound, count in zip(bounds, spread.counts)]}


def only_day(facts: ReportFacts, since: datetime, until: datetime) -> ReportFacts:
    """The facts of [since, until) out of a longer window's (conversations
    stay whole: `ledger` picks their answers by time)."""
    return ReportFacts(conversations=facts.conversations,
                       handled=tuple(h for h in facts.handled if _in(h.at, since, until)),
                       ended=tuple(c for c in facts.ended if c.ended_at and _in(c.ended_at, since, until)),
                       breaches=tuple(e for e in facts.breaches if _in(e.at, since, until)),
                       ratings=tuple(r for r in facts.ratings if _in(r.at, since, until)))


@dataclasses.dataclass(frozen=True)
class Trends:
    store: Store
    tz: tzinfo
    policy: PolicyConfig

    def today(self, now: datetime) -> date:
        return local_day(now, self.tz)

    async def hourly(self, day: date) -> dict[str, Any]:
        """`{"day", "tz", "hours": [{"hour", "started", "handled"}] (24), "first_response": spread}`;
        `tz` names the desk's time zone, whose hours these are."""
        since, until = day_start(day, self.tz), day_start(day + timedelta(days=1), self.tz)
        facts = await self.store.report_facts(since, until)
        return {"day": day.isoformat(), "tz": getattr(self.tz, "key", None) or str(self.tz),
                "hours": hours_of(facts, since, until, self.tz),
                "first_response": first_response_spread(facts, since, until, self.policy)}

    async def daily(self, first: date, last: date) -> list[dict[str, Any]]:
        """The desk's figures of each day from `first` to `last` (both
        included, empty days too), flattened as a report's totals, with
        `day`. Raises BadRequest for a bad range."""
        if not first <= last < first + timedelta(days=MAX_DAYS):
            raise BadRequest(f"from must be on or before to, and at most {MAX_DAYS} days before it")
        facts = await self.store.report_facts(day_start(first, self.tz), day_start(last + timedelta(days=1), self.tz))
        found = []
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            since, until = day_start(day, self.tz), day_start(day + timedelta(days=1), self.tz)
            book = ledger(only_day(facts, since, until), since, until, self.tz)
            found.append({"day": day.isoformat(), **flat(figures(book.total, self.policy))})
        return found
