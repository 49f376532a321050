"""The dashboard's per-hour counts are desk-local hours, daylight saving
time included (pure: facts in, counts out)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.policy.figures import day_start
from server.services.facts import Conversation, Handled, ReportFacts
from server.services.trends import hours_of

NEW_YORK = ZoneInfo("America/New_York")


def facts(*starts: datetime) -> ReportFacts:
    return ReportFacts(conversations=tuple(Conversation(f"c{i}", at, ()) for i, at in enumerate(starts)),
                       handled=tuple(Handled(f"c{i}", "ann", at) for i, at in enumerate(starts)),
                       ended=(), breaches=(), ratings=())


def counts(found: list[dict]) -> dict[int, int]:
    return {row["hour"]: row["started"] for row in found if row["started"]}


def test_the_repeated_hour_of_the_fall_back_day_adds_up_under_one_hour() -> None:
    day = date(2026, 11, 1)  # 01:00-02:00 happens twice in New York
    since, until = day_start(day, NEW_YORK), day_start(day + timedelta(days=1), NEW_YORK)
    assert until - since == timedelta(hours=25)
    first_one_am = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second_one_am = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
    found = hours_of(facts(first_one_am, second_one_am, until, since - timedelta(seconds=1)), since, until, NEW_YORK)
    assert len(found) == 24 and counts(found) == {1: 2}  # the chats outside the day are left out
    assert sum(row["handled"] for row in found) == 2


def test_a_chat_counts_in_the_desk_local_hour_it_started() -> None:
    day = date(2026, 11, 23)
    since, until = day_start(day, NEW_YORK), day_start(day + timedelta(days=1), NEW_YORK)
    late = datetime(2026, 11, 24, 4, 59, tzinfo=UTC)  # 23:59 in New York, still the 23rd
    assert counts(hours_of(facts(late), since, until, NEW_YORK)) == {23: 1}
