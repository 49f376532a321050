"""A node-local cache of open chats, so the hot path does not read the store
for every message. The store stays the judge: a message to a chat that has
ended is refused at commit. Every service that gets a changed chat back from
the store puts it here, and the other nodes are told to drop their copy
(`LiveState.publish`): a chat ended or moved on one node is read afresh on
the next use everywhere else.
"""
from __future__ import annotations

import asyncio
import logging

from .errors import NotFound
from .model import Chat, ChatStatus
from .ports import LiveState, Store

log = logging.getLogger(__name__)
LIMIT = 50_000
TOPIC = "chat"  # the change broadcast's topic: key = chat id


class ChatCache:
    def __init__(self, store: Store, live: LiveState) -> None:
        self._store = store
        self._live = live
        self._open: dict[str, Chat] = {}
        self._telling: set[asyncio.Task] = set()
        live.subscribe(self._changed_elsewhere)

    async def get(self, chat_id: str) -> Chat:
        """The chat; raises NotFound."""
        chat = self._open.get(chat_id)
        if chat is None:
            chat = await self._store.chat_by_id(chat_id)
            if chat is None:
                raise NotFound("no such chat")
            self._keep(chat)
        return chat

    def put(self, chat: Chat) -> Chat:
        """A chat just changed in the store, by this node."""
        self._keep(chat)
        task = asyncio.ensure_future(self._tell(chat.id))
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)
        return chat

    def _keep(self, chat: Chat) -> None:
        if chat.status is ChatStatus.ENDED:
            self._open.pop(chat.id, None)
        elif len(self._open) < LIMIT or chat.id in self._open:
            self._open[chat.id] = chat

    async def _tell(self, chat_id: str) -> None:
        try:
            await self._live.publish(TOPIC, chat_id)
        except Exception:  # Redis is away: every node drops all its copies when it is back (topic "*")
            log.warning("could not tell other nodes that chat %s changed", chat_id, exc_info=True)

    def _changed_elsewhere(self, topic: str, key: str) -> None:
        if topic == TOPIC:
            self._open.pop(key, None)
        elif topic == "*":  # the broadcast was away: anything may have changed meanwhile
            self._open.clear()
