"""The topics leads keep in the dashboard (part of `SqlStore`); what they
change of the file's topics is services/topics.py's."""
from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import delete, insert, select, update

from ..services import errors
from ..services.model import AuditEntry, DeskTopic
from .base import SqlBase, maybe, returned
from .tables import topics


def _topic_of(row: Any) -> DeskTopic:
    return DeskTopic(**dict(row))


class TopicRecords(SqlBase):
    async def list_topics(self) -> list[DeskTopic]:
        """Every dashboard topic, ordered by name."""
        return [_topic_of(r) for r in await self._all(select(topics).order_by(topics.c.name))]

    async def add_topic(self, topic: DeskTopic, audit: AuditEntry | None = None) -> DeskTopic:
        """Store it. Raises Conflict if the dashboard has a topic of that name."""
        stmt = insert(topics).values(dataclasses.asdict(topic)).returning(*topics.c)
        try:
            return _topic_of(returned(await self._write(stmt, audit)))
        except errors.Conflict:
            raise errors.Conflict(f'the topic "{topic.name}" is in the dashboard already') from None

    async def update_topic(self, topic: DeskTopic, audit: AuditEntry | None = None) -> DeskTopic | None:
        """Every field of the dashboard topic of its name replaced; None if there is none."""
        changes = {k: v for k, v in dataclasses.asdict(topic).items() if k != "name"}
        stmt = update(topics).where(topics.c.name == topic.name).values(changes).returning(*topics.c)
        return maybe(_topic_of, await self._write(stmt, audit))

    async def remove_topic(self, name: str, audit: AuditEntry | None = None) -> DeskTopic | None:
        """The dashboard topic removed; None if there was none."""
        stmt = delete(topics).where(topics.c.name == name).returning(*topics.c)
        return maybe(_topic_of, await self._write(stmt, audit))
