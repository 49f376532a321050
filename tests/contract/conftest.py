"""One store contract, two backends: every test taking `store` runs on
SQLite (a temp file) and on PostgreSQL (a scratch database per run)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.store import SqlStore, open_store
from tests import pgutil
from tests.both_stores import pg_database  # noqa: F401 (a fixture)
from tests.dbtemplate import copy_sqlite


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of the parametrized backend at the newest schema, with no
    rows (tests/dbtemplate.py). Synchronous, so that the PostgreSQL set-up
    runs in loops of its own, outside the test's."""
    if request.param == "sqlite":
        return copy_sqlite(tmp_path / "store" / "shiftdesk.db")
    url: str = request.getfixturevalue("pg_database")
    pgutil.empty_in_own_loop(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of the parametrized backend with no schema at all: for
    tests of migrating."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'shiftdesk.db'}"
    url: str = request.getfixturevalue("pg_database")
    pgutil.reset_in_own_loop(url)
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(store_url)
    await opened.migrate()
    yield opened
    await opened.close()
