from datetime import UTC, datetime, timedelta

import pytest

from server.policy.budget import Window

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(("stamps", "expected"), [
    ([0, 1, 2], [True, True, True]),
    ([0, 1, 2, 3], [True, True, True, False]),
    ([0, 1, 2, 59.9], [True, True, True, False]),
    ([0, 1, 2, 60], [True, True, True, True]),  # a new window opens at the first unit after the last one ran out
    ([0, 1, 2, 3, 60, 61, 62, 63], [True, True, True, False, True, True, True, False]),
    ([10, 65, 69, 70], [True, True, True, True]),  # the second window opened at 65, not at 70
])
def test_a_window_lets_limit_units_through_per_span(stamps: list[float], expected: list[bool]) -> None:
    window = Window(limit=3, span_s=60)
    assert [window.spend(at(s)) for s in stamps] == expected


def test_a_refused_unit_is_not_counted() -> None:
    window = Window(limit=1, span_s=60)
    assert window.spend(at(0)) and not window.spend(at(1)) and not window.spend(at(2))
    assert window.used == 1
