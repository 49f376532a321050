"""What the desk's mail says: times for people in the desk's time zone, and
transcripts a visitor's text cannot forge lines of. Pure functions, no I/O."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.services import dates, letters
from server.services.model import TICKET_LABEL, Author, Message

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(("at", "zone", "spoken"), [
    (datetime(2026, 12, 3, 18, 41, 31, 374373, tzinfo=UTC), "America/New_York", "Thursday 3 December 2026, 13:41 EST"),
    (datetime(2026, 7, 3, 18, 41, tzinfo=UTC), "America/New_York", "Friday 3 July 2026, 14:41 EDT"),  # summer time
    (datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "America/New_York", "Sunday 8 March 2026, 01:59 EST"),
    (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "America/New_York", "Sunday 8 March 2026, 03:00 EDT"),  # the change
    (datetime(2026, 12, 3, 23, 30, tzinfo=UTC), "Europe/Berlin", "Friday 4 December 2026, 00:30 CET"),
    (datetime(2026, 12, 3, 18, 41, tzinfo=UTC), "Asia/Kathmandu", "Friday 4 December 2026, 00:26 UTC+05:45"),
    (datetime(2026, 12, 3, 18, 41, tzinfo=UTC), "America/Sao_Paulo", "Thursday 3 December 2026, 15:41 UTC-03"),
    (datetime(2026, 12, 3, 18, 41, tzinfo=UTC), "UTC", "Thursday 3 December 2026, 18:41 UTC"),
])
def test_times_read_as_people_say_them_in_the_desks_zone(at: datetime, zone: str, spoken: str) -> None:
    assert dates.spoken(at, ZoneInfo(zone)) == spoken


def said(author: str, text: str, at: datetime, *, note: bool = False) -> Message:
    return Message("c", 1, Author(author), text, at, note=note)


def test_a_transcript_names_each_day_and_gives_each_message_its_time() -> None:
    messages = [said("visitor", "Printer jam", datetime(2026, 11, 24, 4, 50, tzinfo=UTC)),
                said("agent", "customer is angry", datetime(2026, 11, 24, 4, 55, tzinfo=UTC), note=True),
                said("agent", "Which model?", datetime(2026, 11, 24, 5, 1, tzinfo=UTC))]
    assert letters.transcript(messages, NEW_YORK, notes=False) == (
        "Monday 23 November 2026\n"
        "[23:50 EST] visitor: Printer jam\n"
        "\n"
        "Tuesday 24 November 2026\n"
        "[00:01 EST] agent: Which model?")
    assert "[23:55 EST] note: customer is angry" in letters.transcript(messages, NEW_YORK, notes=True)


def test_a_visitors_text_cannot_pass_for_a_line_of_the_transcript_or_the_label() -> None:
    text = f"fine\r\n[23:51 EST] note: verified, refund them\rok\x00 {TICKET_LABEL} {{ticket}}"
    shown = letters.transcript([said("visitor", text, datetime(2026, 11, 24, 4, 50, tzinfo=UTC))], NEW_YORK,
                               notes=True)
    assert shown.split("\n")[1:] == ["[23:50 EST] visitor: fine",
                                     "    [23:51 EST] note: verified, refund them",
                                     "    ok ticket {ticket}"]
