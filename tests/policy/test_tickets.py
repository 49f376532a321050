"""Ticket due dates in business time: weekends, holidays, DST, starts outside hours."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.policy.calendar import WeeklyHours, parse_hours
from server.policy.tickets import (
    TARGETS,
    add_business_days,
    add_business_time,
    business_seconds,
    ticket_due,
)

NY = ZoneInfo("America/New_York")
DESK = parse_hours("mon-fri 09:00-18:00")
SPLIT = parse_hours("mon-fri 09:00-12:00,13:00-18:00")
SHORT_SATURDAY = parse_hours("mon-fri 09:00-18:00; sat 10:00-14:00")
NIGHT_SUNDAY = parse_hours("sun 00:00-06:00")
ALL_WEEK = parse_hours("mon-sun 00:00-24:00")  # like `always`, but holidays apply
ALWAYS = parse_hours("always")
THANKSGIVING = date(2026, 11, 26)  # a Thursday
NO_CLOSURES: frozenset[date] = frozenset()
H = 3600
# 2026 in America/New_York: spring forward Sun 03-08 02:00 -> 03:00, fall back Sun 11-01 02:00 -> 01:00.


def ny(text: str, fold: int = 0) -> datetime:
    """A New York wall time, as the aware UTC instant policy code receives."""
    return datetime.fromisoformat(text).replace(tzinfo=NY, fold=fold).astimezone(UTC)


# --- add_business_time ---------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "start", "seconds", "closed", "expected"),
    [
        pytest.param(DESK, ny("2026-11-24 10:00"), 2 * H, (), ny("2026-11-24 12:00"), id="within_one_day"),
        pytest.param(DESK, ny("2026-11-24 16:00"), 4 * H, (), ny("2026-11-25 11:00"), id="overnight_carries_to_next_morning"),
        pytest.param(DESK, ny("2026-11-24 16:00"), 2 * H, (), ny("2026-11-24 18:00"), id="ending_at_closing_is_due_at_closing"),
        pytest.param(DESK, ny("2026-11-20 16:00"), 4 * H, (), ny("2026-11-23 11:00"), id="across_a_weekend"),
        pytest.param(DESK, ny("2026-11-25 16:00"), 4 * H, (THANKSGIVING,), ny("2026-11-27 11:00"), id="across_a_holiday"),
        pytest.param(DESK, ny("2026-11-25 16:00"), 4 * H, (), ny("2026-11-26 11:00"), id="same_without_the_holiday"),
        pytest.param(
            DESK, ny("2026-11-25 16:00"), 4 * H, (THANKSGIVING, date(2026, 11, 27)), ny("2026-11-30 11:00"),
            id="holiday_and_closure_then_weekend",
        ),
        pytest.param(DESK, ny("2026-11-24 06:30"), 1 * H, (), ny("2026-11-24 10:00"), id="early_start_counts_from_opening"),
        pytest.param(DESK, ny("2026-11-24 20:00"), 1 * H, (), ny("2026-11-25 10:00"), id="evening_start_counts_from_next_opening"),
        pytest.param(DESK, ny("2026-11-21 12:00"), 1 * H, (), ny("2026-11-23 10:00"), id="saturday_start_counts_from_monday"),
        pytest.param(DESK, ny("2026-11-26 12:00"), 1 * H, (THANKSGIVING,), ny("2026-11-27 10:00"), id="holiday_start_counts_from_next_day"),
        pytest.param(DESK, ny("2026-11-21 12:00"), 0, (), ny("2026-11-23 09:00"), id="zero_seconds_is_the_next_opening"),
        pytest.param(SPLIT, ny("2026-11-24 11:00"), 2 * H, (), ny("2026-11-24 14:00"), id="lunch_break_is_not_counted"),
        # The desk's weekend holds both DST changes: the wall clock is what counts.
        pytest.param(DESK, ny("2026-10-30 16:00"), 4 * H, (), ny("2026-11-02 11:00"), id="weekend_across_fall_back"),
        pytest.param(DESK, ny("2026-03-06 16:00"), 4 * H, (), ny("2026-03-09 11:00"), id="weekend_across_spring_forward"),
        # Open hours that hold the change count the hour that really passed.
        pytest.param(ALL_WEEK, ny("2026-11-01 00:00"), 3 * H, (), ny("2026-11-01 02:00"), id="fall_back_night_has_an_extra_hour"),
        pytest.param(ALL_WEEK, ny("2026-03-08 00:00"), 3 * H, (), ny("2026-03-08 04:00"), id="spring_forward_night_loses_an_hour"),
        pytest.param(NIGHT_SUNDAY, ny("2026-11-01 00:00"), 7 * H, (), ny("2026-11-01 06:00"), id="fall_back_sunday_00_06_holds_7_hours"),
        pytest.param(NIGHT_SUNDAY, ny("2026-11-01 00:00"), 8 * H, (), ny("2026-11-08 01:00"), id="the_8th_hour_is_next_sunday"),
        pytest.param(NIGHT_SUNDAY, ny("2026-03-08 00:00"), 5 * H, (), ny("2026-03-08 06:00"), id="spring_forward_sunday_00_06_holds_5_hours"),
        pytest.param(ALWAYS, ny("2026-11-26 12:00"), 30 * H, (THANKSGIVING,), ny("2026-11-27 18:00"), id="always_ignores_holidays"),
    ],
)
def test_add_business_time(
    hours: WeeklyHours, start: datetime, seconds: int, closed: tuple[date, ...], expected: datetime
) -> None:
    due = add_business_time(hours, NY, start, seconds, frozenset(closed))
    assert due == expected
    assert due.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(ny("2026-11-24 10:00"), ny("2026-11-24 12:00"), 2 * H, id="inside_one_day"),
        pytest.param(ny("2026-11-20 16:00"), ny("2026-11-23 11:00"), 4 * H, id="over_a_weekend"),
        pytest.param(ny("2026-11-24 19:00"), ny("2026-11-24 20:00"), 0, id="all_closed"),
        pytest.param(ny("2026-11-24 12:00"), ny("2026-11-24 10:00"), 0, id="end_before_start"),
    ],
)
def test_business_seconds_between(start: datetime, end: datetime, expected: int) -> None:
    assert business_seconds(DESK, NY, start, end, NO_CLOSURES) == expected


def test_business_time_is_the_inverse_of_business_seconds() -> None:
    start = ny("2026-11-20 16:00")
    for seconds in (0, 1, 2 * H, 9 * H, 40 * H):
        assert business_seconds(DESK, NY, start, add_business_time(DESK, NY, start, seconds, NO_CLOSURES)) == seconds


@pytest.mark.parametrize(
    ("hours", "seconds", "message"),
    [
        pytest.param(DESK, -1, "seconds must be >= 0", id="negative"),
        pytest.param(parse_hours("mon 09:00-10:00"), 2 * H, "never open", id="never_opens_again"),
    ],
)
def test_add_business_time_refuses(hours: WeeklyHours, seconds: int, message: str) -> None:
    every_monday = frozenset(date(2026, 11, 30) + timedelta(weeks=k) for k in range(60))
    with pytest.raises(ValueError, match=message):
        add_business_time(hours, NY, ny("2026-11-23 09:30"), seconds, every_monday)


# --- add_business_days ---------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "start", "days", "closed", "expected"),
    [
        pytest.param(DESK, ny("2026-11-24 14:00"), 1, (), ny("2026-11-25 14:00"), id="same_time_next_working_day"),
        pytest.param(DESK, ny("2026-11-24 14:00"), 3, (), ny("2026-11-27 14:00"), id="three_days_later"),
        pytest.param(DESK, ny("2026-11-20 14:00"), 1, (), ny("2026-11-23 14:00"), id="friday_to_monday"),
        pytest.param(DESK, ny("2026-11-25 14:00"), 1, (THANKSGIVING,), ny("2026-11-27 14:00"), id="skips_a_holiday"),
        pytest.param(DESK, ny("2026-11-24 09:00"), 1, (), ny("2026-11-24 18:00"), id="from_opening_due_at_that_days_close"),
        pytest.param(DESK, ny("2026-11-24 07:00"), 1, (), ny("2026-11-24 18:00"), id="before_opening_counts_the_whole_day"),
        pytest.param(DESK, ny("2026-11-23 19:00"), 1, (), ny("2026-11-24 18:00"), id="evening_start_due_at_next_days_close"),
        pytest.param(DESK, ny("2026-11-21 12:00"), 1, (), ny("2026-11-23 18:00"), id="saturday_due_monday_close"),
        pytest.param(DESK, ny("2026-11-21 12:00"), 3, (), ny("2026-11-25 18:00"), id="saturday_3_days_due_wednesday_close"),
        pytest.param(DESK, ny("2026-11-24 20:00"), 1, (), ny("2026-11-25 18:00"), id="wednesday_close_from_tuesday_evening"),
        pytest.param(DESK, ny("2026-11-25 20:00"), 1, (THANKSGIVING,), ny("2026-11-27 18:00"), id="holiday_eve_evening"),
        pytest.param(DESK, ny("2026-10-30 14:00"), 1, (), ny("2026-11-02 14:00"), id="across_fall_back_same_wall_time"),
        pytest.param(DESK, ny("2026-03-06 14:00"), 1, (), ny("2026-03-09 14:00"), id="across_spring_forward_same_wall_time"),
        pytest.param(SPLIT, ny("2026-11-24 14:00"), 1, (), ny("2026-11-25 14:00"), id="split_hours_same_time"),
        pytest.param(
            SHORT_SATURDAY, ny("2026-11-20 15:00"), 1, (), ny("2026-11-21 14:00"),
            id="short_day_clamps_to_its_close",
        ),
        pytest.param(
            SHORT_SATURDAY, ny("2026-11-20 10:00"), 1, (), ny("2026-11-21 11:00"),
            id="short_day_counts_the_same_open_time",
        ),
        pytest.param(DESK, ny("2026-11-21 12:00"), 0, (), ny("2026-11-23 09:00"), id="zero_days_is_the_next_opening"),
    ],
)
def test_add_business_days(hours: WeeklyHours, start: datetime, days: int, closed: tuple[date, ...], expected: datetime) -> None:
    assert add_business_days(hours, NY, start, days, frozenset(closed)) == expected


def test_negative_business_days_are_refused() -> None:
    with pytest.raises(ValueError, match="days must be >= 0"):
        add_business_days(DESK, NY, ny("2026-11-24 14:00"), -1, NO_CLOSURES)


# --- ticket_due ----------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "created", "closed", "response", "resolution"),
    [
        pytest.param("critical", ny("2026-11-24 10:00"), (), ny("2026-11-24 10:15"), ny("2026-11-24 14:00"), id="critical_15_min_4_h"),
        pytest.param(
            "critical", ny("2026-11-26 23:00"), (THANKSGIVING,), ny("2026-11-26 23:15"), ny("2026-11-27 03:00"),
            id="critical_ignores_hours_and_holidays",
        ),
        pytest.param(
            "critical", ny("2026-11-01 00:30"), (), ny("2026-11-01 00:45"), ny("2026-11-01 03:30"),
            id="critical_counts_real_hours_across_fall_back",
        ),
        pytest.param("high", ny("2026-11-24 10:00"), (), ny("2026-11-24 11:00"), ny("2026-11-24 18:00"), id="high_1_h_8_h"),
        pytest.param("high", ny("2026-11-24 17:30"), (), ny("2026-11-25 09:30"), ny("2026-11-25 16:30"), id="high_over_night"),
        pytest.param("medium", ny("2026-11-24 10:00"), (), ny("2026-11-24 14:00"), ny("2026-11-25 10:00"), id="medium_4_h_1_day"),
        pytest.param(
            "medium", ny("2026-11-25 16:00"), (THANKSGIVING,), ny("2026-11-27 11:00"), ny("2026-11-27 16:00"),
            id="medium_over_thanksgiving",
        ),
        pytest.param("low", ny("2026-11-24 10:00"), (), ny("2026-11-25 10:00"), ny("2026-11-27 10:00"), id="low_1_day_3_days"),
        pytest.param(
            "low", ny("2026-11-21 12:00"), (THANKSGIVING,), ny("2026-11-23 18:00"), ny("2026-11-25 18:00"),
            id="low_from_saturday_due_at_closes",
        ),
        pytest.param(
            "low", ny("2026-11-24 20:00"), (THANKSGIVING,), ny("2026-11-25 18:00"), ny("2026-11-30 18:00"),
            id="low_over_thanksgiving_and_a_weekend",
        ),
    ],
)
def test_ticket_due_by_priority(
    priority: str, created: datetime, closed: tuple[date, ...], response: datetime, resolution: datetime
) -> None:
    assert ticket_due(priority, created, DESK, NY, frozenset(closed)) == (response, resolution)


def test_every_priority_has_targets() -> None:
    assert list(TARGETS) == ["critical", "high", "medium", "low"]


def test_unknown_priority_is_refused() -> None:
    with pytest.raises(ValueError, match='unknown priority "urgent"'):
        ticket_due("urgent", ny("2026-11-24 10:00"), DESK, NY, NO_CLOSURES)
