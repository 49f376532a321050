"""Tags: the list supervisors keep, and the tags on chats and tickets
(part of `SqlStore`). `chat_has_tag` and `ticket_has_tag` are the filter
that any query of chats or tickets adds to keep only what carries a tag:
the reports use it, and so can a search or a list of past chats."""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, exists, select, update

from ..services import errors
from ..services.model import AuditEntry, Tag, TagColour
from .base import SqlBase, dialect_insert, maybe, returned
from .tables import chat_tags, tags, ticket_tags

# what carries tags: the link table and its column naming the chat or ticket
_LINKS: dict[str, tuple[Table, str]] = {"chat": (chat_tags, "chat_id"), "ticket": (ticket_tags, "ticket_id")}


def chat_has_tag(chat_id: ColumnElement[Any], tag_id: str) -> ColumnElement[bool]:
    """True where the chat whose id is `chat_id` (a column of the query:
    `chats.c.id`, `messages.c.chat_id`, `sla_events.c.chat_id`, ...) carries
    the tag `tag_id`. An EXISTS on the link table's primary key: it never
    multiplies the query's rows. Several tags: one condition each (all of
    them), or `or_` them (any)."""
    return exists().where(chat_tags.c.chat_id == chat_id, chat_tags.c.tag_id == tag_id)


def ticket_has_tag(ticket_id: ColumnElement[Any], tag_id: str) -> ColumnElement[bool]:
    """The same for tickets (`tickets.c.id`): the ticket's own tags."""
    return exists().where(ticket_tags.c.ticket_id == ticket_id, ticket_tags.c.tag_id == tag_id)


def tag_key(name: str) -> str:
    """What makes two names one tag: case and surrounding blanks do not count."""
    return name.strip().casefold()


def _by_name(found: Iterable[Tag]) -> list[Tag]:
    return sorted(found, key=lambda t: (tag_key(t.name), t.id))


def _tag_of(row: Any) -> Tag:
    values = {key: row[key] for key in ("id", "name", "created_at", "updated_at", "updated_by", "archived_at")}
    return Tag(colour=TagColour(row["colour"]) if row["colour"] else None, **values)


def _values(tag: Tag) -> dict[str, Any]:
    values = dataclasses.asdict(tag)
    values["colour"] = tag.colour.value if tag.colour else None
    return values | {"name_key": tag_key(tag.name)}


class TagRecords(SqlBase):
    async def list_tags(self) -> list[Tag]:
        """Every tag, archived ones too, by name (case-folded, by code
        point: the same order on both backends, whatever their collation)."""
        return _by_name(_tag_of(r) for r in await self._all(select(tags)))

    async def tag_by_id(self, tag_id: str) -> Tag | None:
        return maybe(_tag_of, await self._first(select(tags).where(tags.c.id == tag_id)))

    async def add_tag(self, tag: Tag, audit: AuditEntry | None = None) -> Tag:
        """Store it. Raises Conflict if its name (regardless of case) is taken."""
        stmt = tags.insert().values(_values(tag)).returning(*tags.c)
        try:
            return _tag_of(returned(await self._write(stmt, audit)))
        except errors.Conflict:
            raise errors.Conflict(f"there is a tag named {tag.name!r} already") from None

    async def update_tag(self, tag: Tag, audit: AuditEntry | None = None) -> Tag | None:
        """Its name, colour, `archived_at`, `updated_at` and `updated_by`
        replaced; None if there is no tag with its id. Raises Conflict if
        the name is another tag's."""
        changes = {key: value for key, value in _values(tag).items() if key not in ("id", "created_at")}
        stmt = update(tags).where(tags.c.id == tag.id).values(changes).returning(*tags.c)
        try:
            return maybe(_tag_of, await self._write(stmt, audit))
        except errors.Conflict:
            raise errors.Conflict(f"there is a tag named {tag.name!r} already") from None

    # what carries tags: kind is "chat" or "ticket"
    async def add_tag_to(self, kind: str, owner_id: str, tag_id: str, at: datetime, by: str | None,
                         audit: AuditEntry | None = None) -> bool:
        """Puts the tag on the chat or ticket; False (and no audit) if it
        was there already."""
        table, column = _LINKS[kind]
        stmt = (dialect_insert(self._engine.dialect.name, table)
                .values({column: owner_id, "tag_id": tag_id, "added_at": at, "added_by": by})
                .on_conflict_do_nothing(index_elements=[column, "tag_id"]).returning(table.c.tag_id))
        return await self._write(stmt, audit) is not None

    async def remove_tag_from(self, kind: str, owner_id: str, tag_id: str,
                              audit: AuditEntry | None = None) -> bool:
        """Takes the tag off; False (and no audit) if it was not there."""
        table, column = _LINKS[kind]
        stmt = (delete(table).where(and_(table.c[column] == owner_id, table.c.tag_id == tag_id))
                .returning(table.c.tag_id))
        return await self._write(stmt, audit) is not None

    async def tags_of(self, kind: str, owner_ids: Collection[str]) -> dict[str, list[Tag]]:
        """The tags on each of the chats or tickets (by name; an id without
        tags is left out)."""
        if not owner_ids:
            return {}
        table, column = _LINKS[kind]
        stmt = (select(table.c[column].label("owner_id"), tags).join(tags, tags.c.id == table.c.tag_id)
                .where(table.c[column].in_(list(owner_ids))))
        found: dict[str, list[Tag]] = defaultdict(list)
        for row in await self._all(stmt):
            found[row["owner_id"]].append(_tag_of(row))
        return {owner: _by_name(carried) for owner, carried in found.items()}

