"""The visitor's context beside each chat: the widget reports the page the
visitor is on (again as it navigates), its browser's language, time zone
and user agent, and the host page's own fields (`Shiftdesk.setContext`).

Stored durably (the pages seen too, the last `[limits] context_pages`), so
a console on any node, a reload and a lead's later look at the chat show
it; the chat's agent and the supervisors get `chat:context` after the
commit. Everything here is what a visitor's browser said: shown as text,
never trusted.
"""
from __future__ import annotations

from typing import Any

import msgspec

from . import events as ev
from . import rooms
from .chats import Actor, ChatService
from .context import Desk
from .errors import ChatEnded, RateLimited, TooLarge
from .model import ChatStatus
from .views import visit_view
from .visit_types import Visit, VisitUpdate

# The host page's fields together, as JSON: each is bounded at the door
# (name 40, value 200 characters, 20 fields), this bounds what they add to
# every chat:assigned and chat:context.
CUSTOM_MAX_BYTES = 2048
_encoder = msgspec.json.Encoder()


class VisitService:
    def __init__(self, desk: Desk, chats: ChatService) -> None:
        self._desk = desk
        self._chats = chats

    async def report(self, actor: Actor, chat_id: str, update: VisitUpdate) -> Visit:
        """The visitor's own open chat's context, updated. Raises NotFound,
        Forbidden, ChatEnded, TooLarge (custom fields over CUSTOM_MAX_BYTES),
        RateLimited (`[limits] context_per_minute` per visitor)."""
        desk, now = self._desk, self._desk.clock.now()
        chat = await self._chats.own(actor, chat_id)
        if chat.status is ChatStatus.ENDED:
            raise ChatEnded("this chat has ended")
        if update.custom is not None and len(_encoder.encode(update.custom)) > CUSTOM_MAX_BYTES:
            raise TooLarge(f"custom context fields take at most {CUSTOM_MAX_BYTES} bytes together")
        limit = desk.config.limits.context_per_minute
        if not await desk.live.hit_rate(f"context:{actor.id}", limit, 60, now):
            raise RateLimited(f"at most {limit} context updates a minute")
        visit = await desk.store.update_visit(chat.id, update, now, keep_pages=desk.config.limits.context_pages)
        told = {"chat_id": chat.id, "visit": visit_view(visit)}
        if chat.agent_id is not None:
            desk.events.add(ev.ChatContext(rooms.agent(chat.agent_id), told))
        desk.events.add(ev.ChatContext(rooms.SUPERVISORS, told))
        return visit

    async def of_chat(self, chat_id: str) -> dict[str, Any] | None:
        """VISIT of the chat, or None before anything was reported."""
        return visit_view(await self._desk.store.visit_of_chat(chat_id))
