"""Public holidays and closures: the dates a desk is off."""
from __future__ import annotations

from datetime import date

import pytest

from server.policy.holidays import closed_dates

THANKSGIVING_2026 = date(2026, 11, 26)
FAMILY_DAY_2026 = date(2026, 2, 16)  # Ontario, not Quebec
ST_JEAN_BAPTISTE_2026 = date(2026, 6, 24)  # Quebec, not Ontario


@pytest.mark.parametrize(
    ("spec", "day", "expected"),
    [
        pytest.param("US", THANKSGIVING_2026, True, id="us_thanksgiving_is_closed"),
        pytest.param("US", date(2026, 11, 27), False, id="us_day_after_thanksgiving_is_open"),
        pytest.param("us", THANKSGIVING_2026, True, id="country_code_is_case_insensitive"),
        pytest.param(" US ", THANKSGIVING_2026, True, id="spaces_are_ignored"),
        pytest.param("USA", THANKSGIVING_2026, True, id="alpha_3_code_is_accepted_as_holidays_does"),
        pytest.param("US", date(2026, 7, 3), True, id="observed_weekday_of_a_saturday_holiday_is_closed"),
        pytest.param("US-NY", date(2026, 2, 12), True, id="new_york_lincolns_birthday"),
        pytest.param("US", date(2026, 2, 12), False, id="lincolns_birthday_not_federal"),
        pytest.param("CA-ON", FAMILY_DAY_2026, True, id="ontario_family_day"),
        pytest.param("CA-QC", FAMILY_DAY_2026, False, id="quebec_has_no_family_day"),
        pytest.param("CA-QC", ST_JEAN_BAPTISTE_2026, True, id="quebec_st_jean_baptiste"),
        pytest.param("CA-ON", ST_JEAN_BAPTISTE_2026, False, id="ontario_works_on_st_jean_baptiste"),
        pytest.param("CA", date(2026, 7, 1), True, id="canada_day_nationwide"),
        pytest.param("", THANKSGIVING_2026, False, id="empty_spec_has_no_holidays"),
    ],
)
def test_public_holidays_of_a_country_or_subdivision(spec: str, day: date, expected: bool) -> None:
    assert (day in closed_dates(spec, [2026])) is expected


def test_only_the_years_asked_for() -> None:
    dates = closed_dates("US", [2026])
    assert THANKSGIVING_2026 in dates
    assert date(2027, 11, 25) not in dates
    assert date(2027, 11, 25) in closed_dates("US", [2026, 2027])


@pytest.mark.parametrize("spec", ["", "US"])
def test_one_off_closures_are_added(spec: str) -> None:
    closure = date(2026, 3, 4)
    assert closed_dates(spec, [2026], extra=[closure]) >= {closure}
    assert closure not in closed_dates(spec, [2026])


def test_no_spec_no_closures_is_empty() -> None:
    assert closed_dates("", [2026]) == frozenset()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("XX", 'unknown holidays country "XX"', id="unknown_country"),
        pytest.param("ZZZ", 'unknown holidays country "ZZZ"', id="unknown_three_letter_code"),
        pytest.param("CA-ZZ", 'unknown subdivision "ZZ" of CA', id="unknown_subdivision"),
        pytest.param("CA-", 'unknown subdivision "" of CA', id="empty_subdivision"),
        pytest.param("-ON", 'unknown holidays country ""', id="missing_country"),
        pytest.param("CA ON", 'unknown holidays country "CA ON"', id="space_instead_of_dash"),
    ],
)
def test_unknown_spec_is_refused_even_without_years(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        closed_dates(spec, ())
