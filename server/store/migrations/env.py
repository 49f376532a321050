"""Alembic's entry point. Runs only on a connection handed over by
`server.store.migrate` (online mode); there is no alembic.ini."""
from __future__ import annotations

from alembic import context

from server.store.tables import metadata


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through server.store (Store.migrate)")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite alters tables by copying them; later revisions need this.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_online()
