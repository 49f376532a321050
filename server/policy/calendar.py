"""Business hours and shifts: the weekly grammar, and open/closed in a time zone.

Pure: no I/O, no clock. Every function takes `now` as a timezone-aware
datetime (UTC by convention) and returns aware UTC datetimes.

Grammar (case-insensitive, whitespace around `;`, `,` and `-` ignored)::

    spec     := "always" | group (";" group)*
    group    := days intervals
    days     := dayspec ("," dayspec)*          mon | mon-fri | sat,sun | mon-wed,fri
    dayspec  := day | day "-" day               a range may wrap: sat-mon = sat,sun,mon
    day      := mon|tue|...|sun, or any longer prefix of the full name (tues, monday)
    intervals:= HH:MM-HH:MM ("," HH:MM-HH:MM)*  00:00 <= start < end <= 24:00

`mon-mon` is just Monday. An interval cannot run past midnight: an overnight
shift is two groups, `mon-fri 22:00-24:00; tue-sat 00:00-06:00`, and
`closes_at` treats the two halves as one period.

Local time is the wall clock of the zone. Across daylight-saving changes:
- a wall time that does not exist (02:30 on a spring-forward day in
  America/New_York) is skipped: an opening inside the gap happens at the first
  instant after it (03:00 EDT), unless the interval ends inside the gap too;
- a wall time that happens twice (01:30 on a fall-back day) is inside the
  hours both times, so an interval ending in the repeated hour can reopen
  when the clocks go back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 1440
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOUR_S = 3600
_CLOSES_AT_HORIZON_DAYS = 400
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})")
_SEPARATOR_RE = re.compile(r"\s*([,-])\s*")


@dataclass(frozen=True)
class Interval:
    """Minutes from local midnight, half-open: open at `start`, closed at `end`.

    Raises ValueError unless 0 <= start < end <= 1440.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"bad interval {self.start}-{self.end} (minutes, 0 <= start < end <= 1440)")

    def __str__(self) -> str:
        return f"{_fmt_minute(self.start)}-{_fmt_minute(self.end)}"


@dataclass(frozen=True)
class WeeklyHours:
    """Opening intervals for each weekday, Monday first (7 entries); from
    `parse_hours` each day's intervals are sorted and disjoint (they may touch).

    `always` means 24/7 with no closed dates at all (holidays do not apply);
    its `days` are then all 00:00-24:00. Raises ValueError unless 7 days.
    """

    days: tuple[tuple[Interval, ...], ...]
    always: bool = False

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError(f"WeeklyHours needs 7 days (Monday first), got {len(self.days)}")


ALWAYS = WeeklyHours(days=((Interval(0, MINUTES_PER_DAY),),) * 7, always=True)


# --- parsing -------------------------------------------------------------


def parse_hours(spec: str) -> WeeklyHours:
    """Parse an hours or shift spec (grammar in the module docstring).

    Raises ValueError naming the bad part: empty spec or group, unknown day,
    bad day range, bad time, end not after start, overlapping intervals on a
    day, `always` combined with other groups.
    """
    text = spec.strip()
    if not text:
        raise ValueError("empty hours spec")
    if text.lower() == "always":
        return ALWAYS
    per_day: list[list[Interval]] = [[] for _ in range(7)]
    for group in text.split(";"):
        days, intervals = _parse_group(group.strip(), text)
        for day in days:
            per_day[day].extend(intervals)
    return WeeklyHours(days=tuple(_sorted_disjoint(per_day[d], d, text) for d in range(7)))


def _parse_group(group: str, spec: str) -> tuple[list[int], list[Interval]]:
    """One `DAYS HH:MM-HH:MM[,...]` group -> (weekday indexes, intervals)."""
    if not group:
        raise ValueError(f'empty group in "{spec}"')
    if group.lower() == "always":
        raise ValueError(f'"always" cannot be combined with other groups in "{spec}"')
    first_digit = next((i for i, ch in enumerate(group) if ch.isdigit()), None)
    if first_digit is None:
        raise ValueError(f'missing times in "{group}"')
    days_text = _normalize(group[:first_digit])
    if not days_text:
        raise ValueError(f'missing days in "{group}"')
    days = [d for item in days_text.split(",") for d in _parse_dayspec(item, group)]
    times_text = _normalize(group[first_digit:])
    return days, [_parse_interval(item, group) for item in times_text.split(",")]


def _normalize(text: str) -> str:
    """Lowercase, trim, and drop whitespace around `,` and `-`."""
    return _SEPARATOR_RE.sub(r"\1", text.strip().lower())


def _parse_dayspec(item: str, group: str) -> list[int]:
    """`mon` or `mon-fri` (wrapping allowed: `sat-mon`) -> weekday indexes."""
    if "-" not in item:
        return [_parse_day(item, group)]
    parts = item.split("-")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f'bad day range "{item}" in "{group}"')
    first, last = (_parse_day(p, group) for p in parts)
    return [(first + k) % 7 for k in range((last - first) % 7 + 1)]


def _parse_day(name: str, group: str) -> int:
    """A day name: three letters or more of the full English name."""
    if not name:
        raise ValueError(f'missing day in "{group}"')
    if len(name) >= 3:
        for index, full in enumerate(DAY_NAMES):
            if full.startswith(name):
                return index
    raise ValueError(f'unknown day "{name}" in "{group}"')


def _parse_interval(item: str, group: str) -> Interval:
    """`HH:MM-HH:MM` -> Interval; 24:00 only as an end."""
    parts = item.split("-")
    if not item:
        raise ValueError(f'missing interval in "{group}"')
    if len(parts) != 2:
        raise ValueError(f'bad interval "{item}" in "{group}"')
    start = _parse_time(parts[0], group, is_end=False)
    end = _parse_time(parts[1], group, is_end=True)
    if end <= start:
        raise ValueError(f'bad interval "{item}" in "{group}": end must be after start')
    return Interval(start, end)


def _parse_time(text: str, group: str, *, is_end: bool) -> int:
    """`HH:MM` -> minutes from midnight (00:00-23:59, or 24:00 as an end)."""
    match = _TIME_RE.fullmatch(text)
    if match:
        minutes = int(match[1]) * 60 + int(match[2])
        limit = MINUTES_PER_DAY if is_end else MINUTES_PER_DAY - 1
        if int(match[2]) < 60 and minutes <= limit:
            return minutes
        if minutes == MINUTES_PER_DAY:
            raise ValueError(f'bad time "{text}" in "{group}": 24:00 can only end an interval')
    raise ValueError(f'bad time "{text}" in "{group}"')


def _sorted_disjoint(intervals: list[Interval], day: int, spec: str) -> tuple[Interval, ...]:
    """Sort one day's intervals; raise if two overlap (touching is fine)."""
    ordered = sorted(intervals, key=lambda iv: iv.start)
    for before, after in zip(ordered, ordered[1:]):
        if after.start < before.end:
            raise ValueError(f'overlapping intervals {before} and {after} on {DAY_NAMES[day][:3]} in "{spec}"')
    return tuple(ordered)


def _fmt_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# --- open / closed -------------------------------------------------------


def is_open(hours: WeeklyHours, tz: ZoneInfo, now: datetime, closed: frozenset[date] = frozenset()) -> bool:
    """Is `now` (aware) inside `hours` on the wall clock of `tz`?

    `closed` holds local dates that are off all day (public holidays,
    closures); they do not apply to `always`. Raises ValueError if `now` is
    naive.
    """
    _require_aware(now)
    if hours.always:
        return True
    local = now.astimezone(tz)
    if local.date() in closed:
        return False
    minute = local.hour * 60 + local.minute  # seconds can't cross a whole-minute bound
    return any(iv.start <= minute < iv.end for iv in hours.days[local.weekday()])


def next_opening(
    hours: WeeklyHours,
    tz: ZoneInfo,
    now: datetime,
    closed: frozenset[date] = frozenset(),
    horizon_days: int = 400,
) -> datetime | None:
    """The first instant (aware UTC) at or after `now` at which `is_open` is true.

    `now` itself (in UTC) if open now; None if it does not open within the
    local dates from today to today + `horizon_days`. See the module
    docstring for daylight-saving gaps and repeats.
    """
    if is_open(hours, tz, now, closed):
        return now.astimezone(UTC)
    if not any(hours.days):
        return None
    return _first_change(hours, tz, now, closed, to_open=True, horizon_days=horizon_days)


def closes_at(
    hours: WeeklyHours, tz: ZoneInfo, now: datetime, closed: frozenset[date] = frozenset()
) -> datetime | None:
    """When the open period around `now` ends (aware UTC): the first instant after
    `now` at which `is_open` is false.

    None if closed now or `always`, and None if it stays open for the next 400
    days. Intervals that touch (`...-24:00` then `00:00-...` the next day, or
    `09:00-12:00,12:00-13:00`) are one period.
    """
    if hours.always or not is_open(hours, tz, now, closed):
        return None
    return _first_change(hours, tz, now, closed, to_open=False, horizon_days=_CLOSES_AT_HORIZON_DAYS)


def _first_change(
    hours: WeeklyHours, tz: ZoneInfo, now: datetime, closed: frozenset[date], *, to_open: bool, horizon_days: int
) -> datetime | None:
    """First instant after `now` where `is_open` becomes `to_open`, else None.

    `is_open` can only change where the wall clock reaches a boundary minute
    (an interval start or end, or midnight) or where the UTC offset changes,
    so only those instants are tried, one local date at a time. A repeated
    hour can put a later date's instants before an earlier one's, so the scan
    starts a day early and goes one date past the first hit.
    """
    today = now.astimezone(tz).date()
    found: list[datetime] = []
    first_hit: date | None = None
    for offset in range(-1, horizon_days + 1):
        day = today + timedelta(days=offset)
        if first_hit is not None and day > first_hit + timedelta(days=1):
            break
        found += [t for t in _boundary_instants(hours, tz, day) if t > now and is_open(hours, tz, t, closed) == to_open]
        if found and first_hit is None:
            first_hit = day
    return min(found, default=None)


def _boundary_instants(hours: WeeklyHours, tz: ZoneInfo, day: date) -> list[datetime]:
    """UTC instants on local `day` where `is_open` may change (see _first_change)."""
    minutes = {0} | {m for iv in hours.days[day.weekday()] for m in (iv.start, iv.end) if m < MINUTES_PER_DAY}
    instants = [t for m in sorted(minutes) for t in _wall_instants(tz, day, m)]
    return instants + _offset_changes(tz, _day_start_ts(tz, day), _day_start_ts(tz, day + timedelta(days=1)))


def _wall_instants(tz: ZoneInfo, day: date, minute: int) -> list[datetime]:
    """The UTC instants at which the wall clock of `tz` reads `day` `minute`:
    none in a spring-forward gap, two in a fall-back repeat, else one."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    instants: list[datetime] = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == wall and instant not in instants:
            instants.append(instant)
    return instants


def _day_start_ts(tz: ZoneInfo, day: date) -> int:
    """POSIX seconds of local midnight of `day` (first occurrence; shifted if in a gap)."""
    return int(datetime.combine(day, time(), tzinfo=tz).timestamp())


def _offset_changes(tz: ZoneInfo, lo: int, hi: int) -> list[datetime]:
    """UTC instants in (lo, hi] (POSIX seconds) where the UTC offset of `tz` changes.

    Sampled hourly, then bisected to the second: tzdata changes fall on whole
    seconds and are never less than an hour apart.
    """
    changes = []
    for start in range(lo, hi, _HOUR_S):
        end = min(start + _HOUR_S, hi)
        if _offset(tz, start) != _offset(tz, end):
            changes.append(datetime.fromtimestamp(_bisect_change(tz, start, end), UTC))
    return changes


def _bisect_change(tz: ZoneInfo, lo: int, hi: int) -> int:
    """The first second in (lo, hi] with the offset at `hi`, given one change there."""
    before = _offset(tz, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(tz, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


def _offset(tz: ZoneInfo, ts: int) -> timedelta | None:
    return datetime.fromtimestamp(ts, tz).utcoffset()


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
