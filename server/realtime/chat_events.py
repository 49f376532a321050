"""The chat events that visitors and agents share: typing, history, read,
end. Each namespace says who is acting (`_actor`) and what an event costs
(`_budget`)."""
from __future__ import annotations

from typing import Any

from ..services.bundle import Services
from ..services.chats import Actor
from ..services.model import Author
from ..services.views import HISTORY_PAGE, message_views
from . import commands as c


class ChatEvents:
    _s: Services

    def _actor(self, sid: str) -> Actor:
        raise NotImplementedError

    async def _budget(self, sid: str) -> None:
        """Raises RateLimited when the connection has spent its events."""

    def chat_events(self) -> dict:
        return {"chat:typing": self.typing, "chat:history": self.history, "chat:read": self.read,
                "chat:end": self.end}

    async def typing(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.ChatTyping, payload)
        await self._budget(sid)
        await self._s.chats.typing(self._actor(sid), cmd.chat_id, cmd.typing)
        return {"ok": True}

    async def history(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.ChatHistory, payload)
        await self._budget(sid)
        actor = self._actor(sid)
        messages = await self._s.chats.history(actor, cmd.chat_id, cmd.after_seq)
        authors = await self._s.router.authors(messages)
        visitor = actor.author is Author.VISITOR  # a visitor sees an agent's name only
        files = await self._s.attachments.files(cmd.chat_id) if messages else None
        views, more = message_views(messages, self._s.desk.config.limits.history_bytes, HISTORY_PAGE, authors,
                                    visitor=visitor, files=files)
        return {"ok": True, "messages": views, "more": more}

    async def read(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.ChatRead, payload)
        await self._budget(sid)
        await self._s.chats.read(self._actor(sid), cmd.chat_id, cmd.seq)
        return {"ok": True}

    async def end(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.ChatRef, payload)
        await self._budget(sid)
        await self._s.chats.end(self._actor(sid), cmd.chat_id)
        return {"ok": True}
