"""The look-up of a visitor's open chat (every chat:start, every
reconnect) uses the partial index on open chats, whatever plan the
database keeps: on PostgreSQL also a generic plan of the prepared
statement, which cannot use the index when the "not ended" condition is a
bound parameter (a scan of every chat ever stored)."""
from __future__ import annotations

from sqlalchemy import text

from server.store import SqlStore
from server.store.sql import _OPEN_CHAT, _OPEN_CHAT_ID


async def test_the_open_chat_look_up_uses_the_partial_index(store: SqlStore) -> None:
    dialect = store.engine.dialect
    async with store.engine.connect() as conn:
        for stmt in (_OPEN_CHAT, _OPEN_CHAT_ID):
            sql = stmt.compile(dialect=dialect).string
            if dialect.name == "postgresql":
                await conn.execute(text("SET plan_cache_mode = force_generic_plan"))
                await conn.exec_driver_sql(f"PREPARE open_chat (text) AS {sql}")
                plan = (await conn.exec_driver_sql("EXPLAIN EXECUTE open_chat ('v1')")).scalars().all()
                await conn.exec_driver_sql("DEALLOCATE open_chat")
            else:
                plan = [row[-1] for row in (await conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {sql}", ("v1",))).all()]
            assert any("uq_chats_open_visitor" in line for line in plan), plan
