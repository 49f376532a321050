"""The durable record (design.md, `server/store/`): SQLAlchemy Core tables,
Alembic migrations, and `SqlStore`, the `services.ports.Store` port on
SQLite (the embedded default) or PostgreSQL (several nodes)."""
from __future__ import annotations

from .engine import create_engine
from .sql import SqlStore

__all__ = ["SqlStore", "open_store"]


async def open_store(url: str) -> SqlStore:
    """A store on `url` (`sqlite:///relative.db`, `sqlite:////abs.db`,
    `postgresql://user@host:5432/db`), after one round trip so that a wrong
    URL fails here. Creates a SQLite file's parent directory. Does not
    create the schema: call `migrate()`. Raises ValueError for an
    unsupported URL, SQLAlchemy's errors if the database does not answer."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
    except BaseException:
        await engine.dispose()
        raise
    return SqlStore(engine)
