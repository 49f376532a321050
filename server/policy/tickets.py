"""Ticket due dates: response and resolution targets per priority, in business time.

Pure: no I/O, no clock. Instants in and out are timezone-aware (out: UTC);
`hours`, `tz` and `closed` are the desk's calendar (see `calendar`), with
`closed` the local dates off (public holidays and closures).

Business time is the real (elapsed) time during which the desk is open: an
hour of business time is 3600 s inside the open periods, so a daylight-saving
change inside an open period counts as the hour it really was. A start
outside the hours begins counting at the next opening.

A business day is the open hours of one working day (a local date with open
hours that is not closed). `add_business_days` lands at the same point of the
working day N working days later: with uniform hours, the same local time of
day; a start at or before a day's opening (or outside hours) counts that day
whole, so it ends at the close of the Nth working day counting that one (a
ticket opened on Saturday with 1 business day is due at Monday's close, not
Tuesday's opening). If the target day has fewer open hours than the start's
day had already used, the due date is the target day's close.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from server.policy.calendar import WeeklyHours, closes_at, next_opening

_MINUTE_S = 60
_HOUR_S = 3600
# The longest a run of closed days can be before a calendar counts as never open.
_SEARCH_DAYS = 400


class Clock(Enum):
    """How a target is counted."""

    WALL = "wall"  # elapsed time, 24/7: business hours do not apply
    BUSINESS = "business"  # seconds of open time
    BUSINESS_DAYS = "business_days"  # working days, see the module docstring


@dataclass(frozen=True)
class Target:
    """`amount` in the unit of `clock`: seconds for WALL and BUSINESS, days for BUSINESS_DAYS."""

    amount: int
    clock: Clock


@dataclass(frozen=True)
class PriorityTargets:
    """Response and resolution targets of one priority."""

    response: Target
    resolution: Target


TARGETS: MappingProxyType[str, PriorityTargets] = MappingProxyType(
    {
        "critical": PriorityTargets(Target(15 * _MINUTE_S, Clock.WALL), Target(4 * _HOUR_S, Clock.WALL)),
        "high": PriorityTargets(Target(1 * _HOUR_S, Clock.BUSINESS), Target(8 * _HOUR_S, Clock.BUSINESS)),
        "medium": PriorityTargets(Target(4 * _HOUR_S, Clock.BUSINESS), Target(1, Clock.BUSINESS_DAYS)),
        "low": PriorityTargets(Target(1, Clock.BUSINESS_DAYS), Target(3, Clock.BUSINESS_DAYS)),
    }
)


def ticket_due(
    priority: str, created_at: datetime, hours: WeeklyHours, tz: ZoneInfo, closed: frozenset[date]
) -> tuple[datetime, datetime]:
    """(response due, resolution due), aware UTC, for a ticket created at
    `created_at` (aware). Raises ValueError for an unknown priority or a
    calendar that never opens."""
    targets = TARGETS.get(priority)
    if targets is None:
        raise ValueError(f'unknown priority "{priority}" (expected one of {", ".join(TARGETS)})')
    return (
        due_at(targets.response, created_at, hours, tz, closed),
        due_at(targets.resolution, created_at, hours, tz, closed),
    )


def due_at(target: Target, start: datetime, hours: WeeklyHours, tz: ZoneInfo, closed: frozenset[date]) -> datetime:
    """`start` (aware) plus `target` on its clock, aware UTC."""
    if target.clock is Clock.WALL:
        return start.astimezone(UTC) + timedelta(seconds=target.amount)
    if target.clock is Clock.BUSINESS:
        return add_business_time(hours, tz, start, target.amount, closed)
    return add_business_days(hours, tz, start, target.amount, closed)


def add_business_time(
    hours: WeeklyHours, tz: ZoneInfo, start: datetime, seconds: int, closed: frozenset[date] = frozenset()
) -> datetime:
    """The instant (aware UTC) at which `seconds` of open time have passed
    since `start` (aware). Counting starts at the next opening if `start` is
    outside hours; a target that ends exactly at a closing is due at that
    closing. Raises ValueError if `seconds` < 0 or the desk never opens."""
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    at, remaining = start, timedelta(seconds=seconds)
    while True:
        at = _opening(hours, tz, at, closed)
        end = closes_at(hours, tz, at, closed)
        if end is None or remaining <= end - at:  # None: open for the next 400 days
            return at + remaining
        remaining -= end - at
        at = end


def business_seconds(
    hours: WeeklyHours, tz: ZoneInfo, start: datetime, end: datetime, closed: frozenset[date] = frozenset()
) -> int:
    """Whole seconds of open time between `start` and `end` (aware); 0 if end <= start."""
    total, at = timedelta(0), start.astimezone(UTC)
    while at < end:
        opening = next_opening(hours, tz, at, closed)
        if opening is None or opening >= end:
            break
        closing = closes_at(hours, tz, opening, closed) or end
        total += min(closing, end) - opening
        at = closing
    return int(total.total_seconds())


def add_business_days(
    hours: WeeklyHours, tz: ZoneInfo, start: datetime, days: int, closed: frozenset[date] = frozenset()
) -> datetime:
    """The same point of the working day `days` working days after `start`'s
    (aware UTC); the rule, and what a start outside hours does, is in the
    module docstring. `days` = 0 gives the next opening. Raises ValueError if
    `days` < 0 or the desk never opens."""
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    at = _opening(hours, tz, start, closed)
    if days == 0:
        return at
    day = at.astimezone(tz).date()
    used = business_seconds(hours, tz, _first_opening(hours, tz, day, closed) or at, at, closed)
    if used == 0:  # at the day's opening: the whole of this day is the first one
        return _point_of_day(hours, tz, _working_day_after(hours, tz, day, days - 1, closed), None, closed)
    return _point_of_day(hours, tz, _working_day_after(hours, tz, day, days, closed), used, closed)


def _point_of_day(hours: WeeklyHours, tz: ZoneInfo, day: date, used: int | None, closed: frozenset[date]) -> datetime:
    """The instant after `used` seconds of open time on working day `day`;
    the day's close if `used` is None or more than the day's open time."""
    opening = _first_opening(hours, tz, day, closed)
    if opening is None:
        raise ValueError(f"{day} is not a working day")  # callers pass working days only
    length = business_seconds(hours, tz, opening, _midnight(tz, day + timedelta(days=1)), closed)
    return add_business_time(hours, tz, opening, length if used is None else min(used, length), closed)


def _working_day_after(hours: WeeklyHours, tz: ZoneInfo, day: date, count: int, closed: frozenset[date]) -> date:
    """The `count`th working day after `day` (`day` itself if count is 0)."""
    for _ in range(count):
        day = _next_working_day(hours, tz, day, closed)
    return day


def _next_working_day(hours: WeeklyHours, tz: ZoneInfo, day: date, closed: frozenset[date]) -> date:
    """The first local date after `day` with open time. Raises ValueError if none within 400 days."""
    for offset in range(1, _SEARCH_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if _first_opening(hours, tz, candidate, closed) is not None:
            return candidate
    raise ValueError(f"no working day within {_SEARCH_DAYS} days after {day}")


def _first_opening(hours: WeeklyHours, tz: ZoneInfo, day: date, closed: frozenset[date]) -> datetime | None:
    """The first open instant (aware UTC) on local date `day`, None if the desk is not open that day."""
    if day in closed and not hours.always:
        return None
    opening = next_opening(hours, tz, _midnight(tz, day), closed, horizon_days=1)
    return opening if opening is not None and opening.astimezone(tz).date() == day else None


def _opening(hours: WeeklyHours, tz: ZoneInfo, at: datetime, closed: frozenset[date]) -> datetime:
    """`next_opening`, raising ValueError instead of returning None."""
    opening = next_opening(hours, tz, at, closed)
    if opening is None:
        raise ValueError("the desk hours never open within 400 days")
    return opening


def _midnight(tz: ZoneInfo, day: date) -> datetime:
    """The first instant (aware UTC) of local date `day` (first occurrence if repeated)."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
