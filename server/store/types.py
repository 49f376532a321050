"""Column types that make both backends hand back the same Python values.

SQLite has no time zones and no JSON column worth relying on; these
decorators keep that difference out of the rest of the store.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, always returned as aware UTC.

    PostgreSQL keeps it in `timestamptz`; SQLite keeps naive UTC text (its
    format sorts like time, so ORDER BY and comparisons stay correct).
    Naive datetimes are refused: a naive value has no instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc(value: datetime) -> datetime:
    """`value` in UTC, as `UTCDateTime` stores it; ValueError if naive."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: times must be timezone-aware")
    return value.astimezone(UTC)


class JSONText(TypeDecorator[Any]):
    """A JSON value kept as text, the same on both backends (a list of
    skills or origins never needs to be queried inside)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)
