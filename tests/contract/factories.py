"""Values and rows the contract tests build on, shared by their modules."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from server.services.model import (Author, Chat, ChatStatus, Message, NewMessage, OutgoingMail,
                                   Priority, Site, Visitor)
from server.store import SqlStore

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def new_id() -> str:
    return uuid.uuid4().hex


async def a_site(store: SqlStore) -> Site:
    return await store.save_site(Site(id=new_id(), key=new_id(), secret="s3cret"))


async def a_visitor(store: SqlStore, site: Site | str, **fields: Any) -> Visitor:
    site_id = site if isinstance(site, str) else site.id
    return await store.save_visitor(Visitor(id=new_id(), site_id=site_id, token_hash=new_id(),
                                            created_at=T0, **fields))


async def a_chat(store: SqlStore, first: str | None = None) -> Chat:
    site = await a_site(store)
    visitor = await a_visitor(store, site)
    chat = Chat(id=new_id(), site_id=site.id, visitor_id=visitor.id,
                status=ChatStatus.QUEUED, priority=Priority.MEDIUM, started_at=T0)
    message = None if first is None else visitor_says(chat.id, first)
    created, _ = await store.create_chat(chat, message)
    return created


def visitor_says(chat_id: str, text: str, client_id: str | None = None, **fields: Any) -> NewMessage:
    return NewMessage(chat_id=chat_id, author=Author.VISITOR, text=text, at=T0,
                      client_id=client_id, **fields)


async def stored(store: SqlStore, chat_id: str) -> list[Message]:
    return await store.messages_after(chat_id, 0, include_notes=True)


def a_mail(n: int = 0, **fields: Any) -> OutgoingMail:
    values: dict[str, Any] = {"to": f"v{n}@example.test", "subject": f"Ticket {n}",
                              "text": "Hello\nthere", "created_at": T0 + timedelta(seconds=n)}
    return OutgoingMail(**(values | fields))
