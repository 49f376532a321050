"""Fixtures for a harness test module that runs each test on SQLite and on
PostgreSQL (a scratch database per importing module and session, emptied
before each test); the module imports both (`from tests.both_stores import
database_url, pg_database`). The store contract tests take `pg_database` too."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pgutil
from tests.dbtemplate import copy_sqlite


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    url = pgutil.scratch_database_or_skip()
    yield url
    pgutil.drop_in_own_loop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at the newest schema with no rows (tests/dbtemplate.py)."""
    if request.param == "sqlite":
        return copy_sqlite(tmp_path / "desk.db")
    url: str = request.getfixturevalue("pg_database")
    pgutil.empty_in_own_loop(url)
    return url
