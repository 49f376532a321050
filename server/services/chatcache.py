"""A node-local cache of open chats, so the hot path does not read the store
for every message. The store stays the judge: a message to a chat that has
ended is refused at commit. Every service that gets a changed chat back from
the store puts it here. TODO(several nodes): invalidate across nodes through
the live state's pub/sub.
"""
from __future__ import annotations

from .errors import NotFound
from .model import Chat, ChatStatus
from .ports import Store

LIMIT = 50_000


class ChatCache:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._open: dict[str, Chat] = {}

    async def get(self, chat_id: str) -> Chat:
        """The chat; raises NotFound."""
        chat = self._open.get(chat_id)
        if chat is None:
            chat = await self._store.chat_by_id(chat_id)
            if chat is None:
                raise NotFound("no such chat")
            self.put(chat)
        return chat

    def put(self, chat: Chat) -> Chat:
        if chat.status is ChatStatus.ENDED:
            self._open.pop(chat.id, None)
        elif len(self._open) < LIMIT or chat.id in self._open:
            self._open[chat.id] = chat
        return chat
