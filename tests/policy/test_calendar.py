"""Business hours: the grammar, open/closed, next opening and closing, across DST."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.policy.calendar import (
    ALWAYS,
    Interval,
    WeeklyHours,
    closes_at,
    is_open,
    next_opening,
    parse_hours,
)

NY = ZoneInfo("America/New_York")
DESK = "mon-fri 09:00-18:00"
SPLIT = "mon-fri 08:00-12:00,13:00-17:00"
GROUPS = "mon-fri 09:00-12:00,13:00-18:00; sat 10:00-14:00"
OVERNIGHT = "mon-fri 22:00-24:00; tue-sat 00:00-06:00"
# 2026 in America/New_York: clocks spring forward Sun 03-08 02:00 -> 03:00
# (07:00 UTC) and fall back Sun 11-01 02:00 -> 01:00 (06:00 UTC).
CHRISTMAS = date(2026, 12, 25)  # a Friday


def ny(text: str, fold: int = 0) -> datetime:
    """A New York wall time, as the aware UTC instant policy code receives."""
    return datetime.fromisoformat(text).replace(tzinfo=NY, fold=fold).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def shown(hours: WeeklyHours) -> dict[str, str]:
    """{day: "09:00-12:00,13:00-18:00"} for the days that have hours."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return {names[d]: ",".join(map(str, ivs)) for d, ivs in enumerate(hours.days) if ivs}


WEEKDAYS_9_18 = {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}


# --- parse_hours ---------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(DESK, WEEKDAYS_9_18, id="weekday_range"),
        pytest.param(
            SPLIT, {d: "08:00-12:00,13:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}, id="split_shift"
        ),
        pytest.param(
            GROUPS,
            {**{d: "09:00-12:00,13:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}, "sat": "10:00-14:00"},
            id="several_groups",
        ),
        pytest.param("sat,sun 10:00-14:00", {"sat": "10:00-14:00", "sun": "10:00-14:00"}, id="day_list"),
        pytest.param("wed 10:00-11:00", {"wed": "10:00-11:00"}, id="single_day"),
        pytest.param(
            "sat-mon 10:00-14:00", {"mon": "10:00-14:00", "sat": "10:00-14:00", "sun": "10:00-14:00"}, id="range_wraps"
        ),
        pytest.param("mon-mon 10:00-11:00", {"mon": "10:00-11:00"}, id="one_day_range_is_that_day"),
        pytest.param(
            "mon-tue,fri 07:00-08:00",
            {"mon": "07:00-08:00", "tue": "07:00-08:00", "fri": "07:00-08:00"},
            id="ranges_and_lists_mix",
        ),
        pytest.param("fri 18:00-24:00", {"fri": "18:00-24:00"}, id="24_00_ends_the_day"),
        pytest.param("sun 00:00-24:00", {"sun": "00:00-24:00"}, id="whole_day"),
        pytest.param(
            "  MON - Wed  9:00 - 12:00 , 13:00-14:00  ;  Sat 10:00-11:00 ",
            {**{d: "09:00-12:00,13:00-14:00" for d in ("mon", "tue", "wed")}, "sat": "10:00-11:00"},
            id="case_and_whitespace_tolerant",
        ),
        pytest.param(
            "monday,tues,thursday 08:00-09:00",
            {"mon": "08:00-09:00", "tue": "08:00-09:00", "thu": "08:00-09:00"},
            id="longer_day_names",
        ),
        pytest.param(
            "mon-fri 09:00-12:00; mon 12:00-13:00",
            {"mon": "09:00-12:00,12:00-13:00", **{d: "09:00-12:00" for d in ("tue", "wed", "thu", "fri")}},
            id="groups_add_up_on_a_day_and_may_touch",
        ),
        pytest.param(
            "mon 13:00-14:00,09:00-10:00", {"mon": "09:00-10:00,13:00-14:00"}, id="intervals_are_sorted"
        ),
    ],
)
def test_parse_hours_reads_the_weekly_grammar(spec: str, expected: dict[str, str]) -> None:
    hours = parse_hours(spec)
    assert not hours.always
    assert shown(hours) == expected


@pytest.mark.parametrize("spec", ["always", "ALWAYS", "  Always  "])
def test_always_is_24_7(spec: str) -> None:
    hours = parse_hours(spec)
    assert hours.always
    assert hours == ALWAYS
    assert all(day == (Interval(0, 1440),) for day in hours.days)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("", "empty hours spec", id="empty"),
        pytest.param("   ", "empty hours spec", id="blank"),
        pytest.param("mon-fri 09:00-18:00;", 'empty group in "mon-fri 09:00-18:00;"', id="empty_group"),
        pytest.param("; mon 09:00-10:00", "empty group", id="leading_semicolon"),
        pytest.param("always; sat 10:00-14:00", '"always" cannot be combined', id="always_with_groups"),
        pytest.param("mon-fri", 'missing times in "mon-fri"', id="no_times"),
        pytest.param("09:00-18:00", 'missing days in "09:00-18:00"', id="no_days"),
        pytest.param("mox-fri 09:00-18:00", 'unknown day "mox" in "mox-fri 09:00-18:00"', id="unknown_day"),
        pytest.param("mo 09:00-18:00", 'unknown day "mo"', id="day_too_short"),
        pytest.param("weekdays 09:00-18:00", 'unknown day "weekdays"', id="day_word_not_supported"),
        pytest.param("mon fri 09:00-18:00", 'unknown day "mon fri"', id="days_without_separator"),
        pytest.param("mon,,fri 09:00-18:00", 'missing day in "mon,,fri 09:00-18:00"', id="empty_day_in_list"),
        pytest.param("mon- 09:00-18:00", 'bad day range "mon-"', id="open_day_range"),
        pytest.param("mon-wed-fri 09:00-18:00", 'bad day range "mon-wed-fri"', id="three_part_day_range"),
        pytest.param("mon-fri 09:00-25:00", 'bad time "25:00" in "mon-fri 09:00-25:00"', id="hour_past_24"),
        pytest.param("mon 09:60-10:00", 'bad time "09:60"', id="minute_past_59"),
        pytest.param("mon 24:30-24:45", 'bad time "24:30"', id="past_24_00"),
        pytest.param("mon 24:00-24:00", '"24:00" in "mon 24:00-24:00": 24:00 can only end', id="24_00_as_start"),
        pytest.param("mon 9h-10h", 'bad time "9h"', id="not_hh_mm"),
        pytest.param("mon 0900-1000", 'bad time "0900"', id="no_colon"),
        pytest.param("mon 09:00", 'bad interval "09:00"', id="interval_without_end"),
        pytest.param("mon 09:00-10:00-11:00", 'bad interval "09:00-10:00-11:00"', id="interval_with_three_times"),
        pytest.param("mon 09:00-10:00 11:00-12:00", 'bad interval "09:00-10:00 11:00-12:00"', id="missing_comma"),
        pytest.param("mon 09:00-12:00,", 'missing interval in "mon 09:00-12:00,"', id="trailing_comma"),
        pytest.param("mon-fri 18:00-09:00", 'bad interval "18:00-09:00".*end must be after start', id="end_before_start"),
        pytest.param("mon 09:00-09:00", 'bad interval "09:00-09:00"', id="end_equals_start"),
        pytest.param(
            "mon 09:00-12:00,11:00-13:00",
            'overlapping intervals 09:00-12:00 and 11:00-13:00 on mon in "mon 09:00-12:00,11:00-13:00"',
            id="overlap_in_a_group",
        ),
        pytest.param(
            "mon-fri 09:00-18:00; wed 17:00-20:00",
            "overlapping intervals 09:00-18:00 and 17:00-20:00 on wed",
            id="overlap_across_groups",
        ),
        pytest.param("sat,sat 10:00-11:00", "overlapping intervals 10:00-11:00 and 10:00-11:00 on sat", id="day_twice"),
    ],
)
def test_parse_error_names_the_bad_part(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_hours(spec)


@pytest.mark.parametrize(
    ("start", "end"), [(-1, 10), (10, 10), (20, 10), (0, 1441)], ids=["negative", "empty", "reversed", "past_24_00"]
)
def test_interval_rejects_bad_minutes(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="bad interval"):
        Interval(start, end)


def test_weekly_hours_needs_seven_days() -> None:
    with pytest.raises(ValueError, match="7 days"):
        WeeklyHours(days=((),) * 6)


# --- is_open -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "now", "closed", "expected"),
    [
        pytest.param(DESK, ny("2026-03-04 12:00"), (), True, id="weekday_noon_is_open"),
        pytest.param(DESK, ny("2026-03-04 09:00"), (), True, id="opens_at_the_opening_minute"),
        pytest.param(DESK, ny("2026-03-04 08:59:59"), (), False, id="closed_a_second_before_opening"),
        pytest.param(DESK, ny("2026-03-04 17:59:59"), (), True, id="open_a_second_before_closing"),
        pytest.param(DESK, ny("2026-03-04 18:00"), (), False, id="closed_at_the_closing_minute"),
        pytest.param(DESK, ny("2026-03-07 12:00"), (), False, id="saturday_is_closed"),
        pytest.param(DESK, ny("2026-03-08 12:00"), (), False, id="sunday_is_closed"),
        pytest.param(DESK, utc("2026-03-04 15:00"), (), True, id="judged_in_local_time_10_00_est"),
        pytest.param(DESK, utc("2026-03-04 23:30"), (), False, id="utc_evening_is_local_18_30"),
        pytest.param(DESK, ny(f"{CHRISTMAS} 12:00"), (CHRISTMAS,), False, id="holiday_is_closed"),
        pytest.param(DESK, ny("2026-12-24 12:00"), (CHRISTMAS,), True, id="day_before_holiday_is_open"),
        pytest.param("always", ny(f"{CHRISTMAS} 12:00"), (CHRISTMAS,), True, id="always_ignores_holidays"),
        pytest.param("always", ny("2026-03-08 02:30"), (), True, id="always_at_night_on_a_sunday"),
        pytest.param(SPLIT, ny("2026-03-04 11:59"), (), True, id="split_shift_morning"),
        pytest.param(SPLIT, ny("2026-03-04 12:30"), (), False, id="split_shift_lunch_break"),
        pytest.param(SPLIT, ny("2026-03-04 13:00"), (), True, id="split_shift_afternoon"),
        pytest.param(GROUPS, ny("2026-03-07 11:00"), (), True, id="saturday_group_open"),
        pytest.param(GROUPS, ny("2026-03-07 14:00"), (), False, id="saturday_group_closed_after_14"),
        pytest.param("fri 18:00-24:00", ny("2026-03-06 23:59:59"), (), True, id="24_00_open_to_midnight"),
        pytest.param("fri 18:00-24:00", ny("2026-03-07 00:00"), (), False, id="24_00_closed_at_midnight"),
        pytest.param(OVERNIGHT, ny("2026-03-03 03:00"), (), True, id="overnight_second_half"),
        pytest.param("sun 02:30-10:00", ny("2026-03-08 03:00"), (), True, id="spring_forward_first_instant_after_gap"),
        pytest.param("sun 01:00-01:30", utc("2026-11-01 05:15"), (), True, id="fall_back_repeated_hour_first_time"),
        pytest.param("sun 01:00-01:30", utc("2026-11-01 06:15"), (), True, id="fall_back_repeated_hour_second_time"),
    ],
)
def test_is_open_on_the_local_wall_clock(spec: str, now: datetime, closed: tuple[date, ...], expected: bool) -> None:
    assert is_open(parse_hours(spec), NY, now, frozenset(closed)) is expected


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(parse_hours(DESK), NY, datetime(2026, 3, 4, 12, 0))


# --- next_opening --------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "now", "closed", "expected"),
    [
        pytest.param(DESK, ny("2026-03-04 12:00"), (), ny("2026-03-04 12:00"), id="open_now_returns_now"),
        pytest.param(DESK, ny("2026-03-04 07:15"), (), ny("2026-03-04 09:00"), id="early_morning_opens_at_nine"),
        pytest.param(DESK, ny("2026-03-04 18:00"), (), ny("2026-03-05 09:00"), id="evening_opens_next_morning"),
        pytest.param(DESK, ny("2026-02-27 18:30"), (), ny("2026-03-02 09:00"), id="weekend_opens_monday"),
        pytest.param(DESK, ny("2026-02-28 12:00"), (), ny("2026-03-02 09:00"), id="saturday_opens_monday"),
        pytest.param(SPLIT, ny("2026-03-04 12:10"), (), ny("2026-03-04 13:00"), id="lunch_break_opens_at_13"),
        pytest.param(GROUPS, ny("2026-03-06 18:00"), (), ny("2026-03-07 10:00"), id="friday_evening_opens_saturday"),
        pytest.param(GROUPS, ny("2026-03-07 14:00"), (), ny("2026-03-09 09:00"), id="saturday_afternoon_opens_monday"),
        pytest.param(
            DESK, ny("2026-12-24 18:00"), (CHRISTMAS,), ny("2026-12-28 09:00"), id="holiday_pushes_to_next_working_day"
        ),
        pytest.param(
            DESK,
            ny("2026-12-23 20:00"),
            (date(2026, 12, 24), CHRISTMAS, date(2026, 12, 28)),
            ny("2026-12-29 09:00"),
            id="run_of_closed_dates",
        ),
        pytest.param("always", ny(f"{CHRISTMAS} 03:00"), (CHRISTMAS,), ny(f"{CHRISTMAS} 03:00"), id="always_open_on_holidays"),
        # Spring forward: Friday 18:00 EST is 23:00 UTC, Monday 09:00 EDT is 13:00 UTC.
        pytest.param(DESK, utc("2026-03-06 23:00"), (), utc("2026-03-09 13:00"), id="weekend_across_spring_forward"),
        pytest.param(
            "sun 02:30-10:00", utc("2026-03-08 05:00"), (), utc("2026-03-08 07:00"), id="opening_in_the_gap_moves_to_03_00"
        ),
        pytest.param("sun 02:00-03:00", utc("2026-03-08 05:00"), (), utc("2026-03-15 06:00"), id="hours_inside_the_gap_skip_that_day"),
        pytest.param("sun 03:00-04:00", utc("2026-03-08 05:00"), (), utc("2026-03-08 07:00"), id="opening_at_gap_end"),
        # Fall back: Friday 18:00 EDT is 22:00 UTC, Monday 09:00 EST is 14:00 UTC.
        pytest.param(DESK, utc("2026-10-30 22:00"), (), utc("2026-11-02 14:00"), id="weekend_across_fall_back"),
        pytest.param(
            "sun 01:00-01:30", utc("2026-11-01 05:45"), (), utc("2026-11-01 06:00"), id="repeated_hour_opens_again"
        ),
        pytest.param(
            "sun 00:00-01:15", utc("2026-11-01 05:45"), (), utc("2026-11-01 06:00"), id="clocks_going_back_reopen"
        ),
        pytest.param(
            "sun 01:20-01:40", utc("2026-11-01 05:45"), (), utc("2026-11-01 06:20"), id="repeated_hour_mid_interval"
        ),
        pytest.param("sun 03:00-04:00", utc("2026-11-01 06:30"), (), utc("2026-11-01 08:00"), id="opening_after_fall_back"),
        pytest.param(OVERNIGHT, ny("2026-03-07 06:00"), (), ny("2026-03-09 22:00"), id="overnight_shift_opens_monday_night"),
    ],
)
def test_next_opening(spec: str, now: datetime, closed: tuple[date, ...], expected: datetime) -> None:
    opening = next_opening(parse_hours(spec), NY, now, frozenset(closed))
    assert opening == expected
    assert opening is not None and opening.utcoffset() == timedelta(0)


def test_next_opening_is_none_beyond_the_horizon() -> None:
    mondays = frozenset(date(2026, 3, 2) + timedelta(weeks=k) for k in range(8))
    hours = parse_hours("mon 09:00-10:00")
    assert next_opening(hours, NY, ny("2026-03-01 12:00"), mondays, horizon_days=50) is None
    assert next_opening(hours, NY, ny("2026-03-01 12:00"), mondays) == ny("2026-04-27 09:00")


def test_next_opening_with_no_hours_at_all_is_none() -> None:
    assert next_opening(WeeklyHours(days=((),) * 7), NY, ny("2026-03-01 12:00")) is None


# --- closes_at -----------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "now", "closed", "expected"),
    [
        pytest.param(DESK, ny("2026-03-04 12:00"), (), ny("2026-03-04 18:00"), id="closes_at_six"),
        pytest.param(DESK, ny("2026-03-04 19:00"), (), None, id="closed_now_is_none"),
        pytest.param(DESK, ny(f"{CHRISTMAS} 12:00"), (CHRISTMAS,), None, id="holiday_is_none"),
        pytest.param("always", ny("2026-03-04 12:00"), (), None, id="always_never_closes"),
        pytest.param(SPLIT, ny("2026-03-04 10:00"), (), ny("2026-03-04 12:00"), id="split_shift_closes_for_lunch"),
        pytest.param(SPLIT, ny("2026-03-04 13:00"), (), ny("2026-03-04 17:00"), id="split_shift_afternoon"),
        pytest.param(
            "mon 09:00-12:00,12:00-13:00", ny("2026-03-02 10:00"), (), ny("2026-03-02 13:00"), id="touching_intervals_are_one"
        ),
        pytest.param(OVERNIGHT, ny("2026-03-02 23:00"), (), ny("2026-03-03 06:00"), id="24_00_runs_into_next_day"),
        pytest.param(
            "thu 20:00-24:00; fri 00:00-02:00",
            ny("2026-12-24 21:00"),
            (CHRISTMAS,),
            ny(f"{CHRISTMAS} 00:00"),
            id="closed_next_day_ends_at_midnight",
        ),
        pytest.param(
            "mon-sun 00:00-24:00", ny("2026-12-20 12:00"), (CHRISTMAS,), ny(f"{CHRISTMAS} 00:00"), id="all_week_until_holiday"
        ),
        pytest.param("mon-sun 00:00-24:00", ny("2026-03-04 12:00"), (), None, id="never_closes_within_horizon"),
        # 00:30 EDT until 03:00 EST is five real hours; the clocks go back once.
        pytest.param("sun 00:00-03:00", utc("2026-11-01 04:30"), (), utc("2026-11-01 08:00"), id="across_fall_back"),
        pytest.param("sun 00:00-01:15", utc("2026-11-01 04:30"), (), utc("2026-11-01 05:15"), id="before_the_repeat"),
        pytest.param("sun 00:00-01:20", utc("2026-11-01 06:10"), (), utc("2026-11-01 06:20"), id="in_the_repeat"),
        # 00:30 EST until 02:30 that does not exist: the clocks jump to 03:00 EDT at 07:00 UTC.
        pytest.param("sun 00:00-02:30", utc("2026-03-08 05:30"), (), utc("2026-03-08 07:00"), id="end_in_spring_gap"),
        pytest.param("sun 00:00-04:00", utc("2026-03-08 05:30"), (), utc("2026-03-08 08:00"), id="across_spring_forward"),
    ],
)
def test_closes_at(spec: str, now: datetime, closed: tuple[date, ...], expected: datetime | None) -> None:
    assert closes_at(parse_hours(spec), NY, now, frozenset(closed)) == expected


# --- agreement with is_open, minute by minute ----------------------------

DST_WEEKS = [
    pytest.param(utc("2026-03-05 00:00"), id="spring_forward_week"),
    pytest.param(utc("2026-10-29 00:00"), id="fall_back_week"),
]
SPECS = [
    DESK,
    SPLIT,
    GROUPS,
    OVERNIGHT,
    "sun 00:00-01:15",
    "sun 01:20-01:40",
    "sun 01:30-02:30,03:00-04:00",
    "sat-mon 23:00-24:00",
]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("start", DST_WEEKS)
def test_next_opening_and_closes_at_agree_with_is_open(spec: str, start: datetime) -> None:
    """Brute force: New York changes state only on whole UTC minutes, so
    walking UTC minutes finds every opening and closing exactly."""
    hours, closed = parse_hours(spec), frozenset({date(2026, 3, 9), date(2026, 11, 2)})
    minutes = [start + timedelta(minutes=k) for k in range(15 * 1440)]  # a week of starts, then room
    states = [is_open(hours, NY, t, closed) for t in minutes]
    for k in range(0, 7 * 1440, 97):  # starting points across the week
        now = minutes[k] + timedelta(seconds=17)
        later = list(zip(minutes[k + 1 :], states[k + 1 :]))
        change = next((t for t, state in later if state != states[k]), None)
        assert change is not None  # every spec opens and closes within a week
        if states[k]:
            assert next_opening(hours, NY, now, closed) == now
            assert closes_at(hours, NY, now, closed) == change, now
        else:
            assert next_opening(hours, NY, now, closed) == change, now
            assert closes_at(hours, NY, now, closed) is None


# --- a zone whose clocks change at midnight ------------------------------
# America/Santiago 2026: Sat 04-04 24:00 -03 goes back to 23:00 -04 (03:00 UTC);
# Sat 09-05 24:00 -04 jumps to Sun 01:00 -03 (04:00 UTC): that Sunday has no 00:00.
SANTIAGO = ZoneInfo("America/Santiago")


@pytest.mark.parametrize(
    ("spec", "now", "expected_opening", "expected_close"),
    [
        pytest.param("sun 00:00-10:00", utc("2026-09-06 02:00"), utc("2026-09-06 04:00"), None, id="day_without_midnight"),
        pytest.param(
            "sat 22:00-24:00; sun 00:00-02:00",
            utc("2026-09-06 02:30"),
            utc("2026-09-06 02:30"),
            utc("2026-09-06 05:00"),
            id="overnight_across_missing_midnight",
        ),
        pytest.param("sat 23:30-24:00", utc("2026-04-05 03:10"), utc("2026-04-05 03:30"), None, id="last_half_hour_twice"),
        pytest.param(
            "sat 23:30-24:00", utc("2026-04-05 02:45"), utc("2026-04-05 02:45"), utc("2026-04-05 03:00"), id="first_pass"
        ),
    ],
)
def test_clocks_changing_at_midnight(
    spec: str, now: datetime, expected_opening: datetime, expected_close: datetime | None
) -> None:
    hours = parse_hours(spec)
    assert next_opening(hours, SANTIAGO, now) == expected_opening
    assert closes_at(hours, SANTIAGO, now) == expected_close
