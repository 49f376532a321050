"""Scratch PostgreSQL databases for tests: plain functions, so any test
package can build its own fixtures on them.

The server is found at `SHIFTDESK_TEST_PG` (an admin URL, default
`postgresql://postgres@127.0.0.1:5432/postgres`). Tests that need it skip
when it does not answer, unless `SHIFTDESK_REQUIRE_SERVICES=1`, in which
case they fail: CI must not go green by skipping.
"""
from __future__ import annotations

import asyncio
import os
import secrets

import asyncpg
import pytest
from sqlalchemy.engine import make_url

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_S = 3.0


def admin_url() -> str:
    return os.environ.get("SHIFTDESK_TEST_PG", DEFAULT_ADMIN_URL)


def services_required() -> bool:
    return os.environ.get("SHIFTDESK_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> None:
    """Skip the calling test or fixture, or fail it when services are required."""
    if services_required():
        pytest.fail(f"{reason} (SHIFTDESK_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


def _dsn(url: str) -> str:
    # asyncpg wants a plain libpq URL, without SQLAlchemy's `+driver`.
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(drivername="postgresql", database=name).render_as_string(hide_password=False)


async def _admin() -> asyncpg.Connection:
    return await asyncpg.connect(_dsn(admin_url()), timeout=CONNECT_TIMEOUT_S)


async def create_scratch_database(prefix: str = "shiftdesk_test") -> str:
    """Create an empty database with a random name; its SQLAlchemy URL
    (`postgresql://...`). Raises OSError/asyncpg errors if the server does
    not answer."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    conn = await _admin()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _with_database(admin_url(), name)


async def drop_scratch_database(url: str) -> None:
    """Drop a database made by `create_scratch_database`, even if some
    connection to it was left open."""
    name = make_url(url).database
    conn = await _admin()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def reset_database(url: str) -> None:
    """Empty a scratch database: drop and recreate its `public` schema."""
    conn = await asyncpg.connect(_dsn(url), timeout=CONNECT_TIMEOUT_S)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


def scratch_database_or_skip(prefix: str = "shiftdesk_test") -> str:
    """For a synchronous session fixture: create the database in a loop of
    its own (asyncpg connections do not outlive it) or skip/fail."""
    try:
        return asyncio.run(create_scratch_database(prefix))
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as exc:
        unavailable(f"PostgreSQL at {make_url(admin_url()).render_as_string()} "
                    f"does not answer: {exc!r}")
        raise  # not reached: unavailable() skips or fails


def drop_in_own_loop(url: str) -> None:
    asyncio.run(drop_scratch_database(url))


def reset_in_own_loop(url: str) -> None:
    asyncio.run(reset_database(url))


async def empty_database(url: str) -> None:
    """Empty a scratch database of its rows, keeping its schema when it is
    at the newest revision (tests/dbtemplate.py); faster than a reset."""
    from tests.dbtemplate import empty_rows
    conn = await asyncpg.connect(_dsn(url), timeout=CONNECT_TIMEOUT_S)
    try:
        await empty_rows(conn)
    finally:
        await conn.close()


def empty_in_own_loop(url: str) -> None:
    asyncio.run(empty_database(url))
