"""The per-account login backoff, as a table: failures so far, time since
the latest, and the wait that leaves."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.policy.logins import Backoff, wait_s

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def failures(count: int) -> list[datetime]:
    """`count` failures a second apart, the latest at T0."""
    return [T0 - timedelta(seconds=count - 1 - n) for n in range(count)]


@pytest.mark.parametrize(("count", "since_s", "wait"), [
    (0, 0, 0.0),       # nothing failed
    (5, 0, 0.0),       # five typos cost nothing
    (6, 0, 1.0),       # the sixth: a second
    (7, 0, 2.0),       # then doubling
    (8, 0.5, 3.5),     # counted from the latest failure
    (10, 0, 16.0),
    (14, 0, 256.0),
    (15, 0, 300.0),    # capped at five minutes
    (60, 0, 300.0),    # however many
    (60, 299, 1.0),
    (60, 300, 0.0),    # and then the next attempt is checked
    (60, 9999, 0.0),
])
def test_the_wait_doubles_after_five_failures_up_to_five_minutes(count, since_s, wait):
    assert wait_s(failures(count), T0 + timedelta(seconds=since_s)) == wait


def test_the_numbers_are_the_callers_to_choose():
    strict = Backoff(free=1, base_s=10, cap_s=60)
    assert wait_s(failures(1), T0, strict) == 0
    assert wait_s(failures(2), T0, strict) == 10
    assert wait_s(failures(4), T0, strict) == 40
    assert wait_s(failures(5), T0, strict) == 60
