"""Public holidays and one-off closures: the local dates a desk is off.

Pure: no I/O, no clock. The dates come from the `holidays` package (its
public holidays, including the "observed" weekdays it lists when a holiday
falls on a weekend) and feed `calendar.is_open(..., closed=...)`.

Spec (the config's `[desk] holidays`)::

    ""          no public holidays
    "US"        a country (ISO 3166-1 alpha-2, case-insensitive; the alpha-3
                codes that `holidays` also knows, "USA", work too)
    "CA-ON"     a country and one of its subdivisions (ISO 3166-2 suffix)
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays


def closed_dates(spec: str, years: Iterable[int], extra: Iterable[date] = ()) -> frozenset[date]:
    """Local dates off for `spec` in `years`, plus the one-off closures `extra`.

    The spec is checked even when `years` is empty, so config validation can
    call `closed_dates(spec, ())`. Raises ValueError for a malformed spec, an
    unknown country, or a subdivision the country does not have.
    """
    country, subdiv = _parse_spec(spec)
    public = frozenset().union(*(_year_dates(country, subdiv, year) for year in years)) if country else frozenset()
    return public | frozenset(extra)


@lru_cache(maxsize=64)
def _parse_spec(spec: str) -> tuple[str, str | None]:
    """`"ca-on"` -> `("CA", "ON")`; `""` -> `("", None)`. Raises ValueError."""
    text = spec.strip().upper()
    if not text:
        return "", None
    country, dash, subdiv = text.partition("-")
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(f'unknown holidays country "{country}" in "{spec}" (expected e.g. "US" or "CA-ON")')
    if dash and subdiv not in supported[country]:
        known = ", ".join(supported[country]) or "none"
        raise ValueError(f'unknown subdivision "{subdiv}" of {country} in "{spec}" (known: {known})')
    return country, subdiv or None


@lru_cache(maxsize=256)
def _year_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    """Public holidays of one validated country/subdivision in one year.

    Cached: the key is immutable and the result is a frozenset.
    """
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))
