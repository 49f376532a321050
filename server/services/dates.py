"""Times as people read them, in mail and pages: "Thursday 3 December 2026,
13:41 EST", in the desk's time zone (or the reader's). The wire keeps ISO
8601 UTC (`views.iso`): clients format those themselves.

English names, not the process's locale: a server's locale is an accident
of where it runs, and every mail the desk writes is in English.
"""
from __future__ import annotations

from datetime import datetime, tzinfo

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def spoken(at: datetime, tz: tzinfo) -> str:
    """"Thursday 3 December 2026, 13:41 EST": `at` (timezone-aware) in `tz`."""
    return f"{day(at, tz)}, {clock(at, tz)}"


def day(at: datetime, tz: tzinfo) -> str:
    """"Thursday 3 December 2026": the day `at` falls on in `tz`."""
    local = at.astimezone(tz)
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}"


def clock(at: datetime, tz: tzinfo) -> str:
    """"13:41 EST": the time of day in `tz`, with the zone's abbreviation,
    or its offset from UTC where the zone has none ("UTC+05:45")."""
    local = at.astimezone(tz)
    return f"{local:%H:%M} {zone(local)}"


def zone(local: datetime) -> str:
    name = local.tzname() or ""
    if name.isalpha():
        return name
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")
