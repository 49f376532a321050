"""`upgrade head` through Alembic, programmatically, on the store's own
async engine: no alembic.ini, no second connection URL to keep in sync."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")

# Any constant works; it only has to be the same on every node, so that two
# nodes starting together do not both create the tables.
PG_MIGRATION_LOCK = 0x5D_E5_C0_01


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision, in one transaction. A
    database already at head is left untouched."""
    async with engine.connect() as conn:
        await _begin_exclusive(conn)
        await conn.run_sync(_upgrade_head)
        await conn.commit()


async def _begin_exclusive(conn: AsyncConnection) -> None:
    if conn.dialect.name == "sqlite":
        # pysqlite opens no transaction for DDL by itself, so a failed
        # migration would leave half a schema; IMMEDIATE also takes the write
        # lock up front, so two processes migrate one after the other.
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    await conn.begin()
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})


def _upgrade_head(conn: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
