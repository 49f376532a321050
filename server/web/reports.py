"""The reports as CSV: the rows of GET /api/reports, one line each, under a
header row. Numbers are written as they are (a point for decimals, no
units); an empty cell is a figure with nothing to measure."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# A spreadsheet runs a cell that starts with one of these as a formula
# (OWASP "CSV injection"), also after leading blanks, which it trims; an
# agent's name is anyone's text.
FORMULA_START = ("=", "+", "-", "@")
CONTROL_START = ("\t", "\r", "\n")


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and (value.startswith(CONTROL_START) or value.lstrip().startswith(FORMULA_START)):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    writer.writerows([cell(row[column]) for column in columns] for row in rows)
    return out.getvalue()
