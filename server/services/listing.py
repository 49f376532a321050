"""Chats and tickets a page at a time, for programs (the public API):
filters, and keyset pages (after the last item's sort key, the newest
first) that stay right while new chats and tickets arrive, unlike offsets."""
from __future__ import annotations

from .context import Desk
from .listing_types import After, ChatFilter, TicketFilter
from .model import Chat, Message, Ticket


async def chats(desk: Desk, filters: ChatFilter, limit: int) -> list[Chat]:
    """At most `limit` chats matching `filters`, the latest started first."""
    return await desk.store.chats_page(filters, limit)


async def tickets(desk: Desk, filters: TicketFilter, limit: int) -> list[Ticket]:
    """At most `limit` tickets matching `filters`, the newest first."""
    return await desk.store.tickets_page(filters, limit)


def chat_key(chat: Chat) -> After:
    return After(chat.started_at, chat.id)


def ticket_key(ticket: Ticket) -> After:
    return After(ticket.created_at, ticket.id)


async def transcript(desk: Desk, chat_id: str, after_seq: int, limit: int) -> list[Message]:
    """At most `limit` of the chat's messages after `after_seq`, in order,
    without agents' internal notes."""
    return await desk.store.messages_after(chat_id, after_seq, include_notes=False, limit=limit)
