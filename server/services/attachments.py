"""Files in a chat: uploaded by its visitor or its agent, stored (bytes
too) before the upload is answered, sent by a `chat:send` that names them,
and served only to those who may see the chat.

Who may upload: the chat's visitor, or the agent the chat is assigned to,
while the chat has not ended. Who may read: the chat's visitor; an agent
who has or had the chat; any supervisor. A file is sent at most once, by
one message of its uploader in its chat (Store.claim_attachments).
"""
from __future__ import annotations

import hashlib
from ..policy.files import NotTaken, allowed_types, clean_name, kind_of
from .chats import Actor
from .context import Desk
from .errors import BadRequest, ChatEnded, Forbidden, NotFound, RateLimited, TooLarge, Unsupported
from .model import Agent, Attachment, Author, Chat, ChatStatus, Role
from .tokens import new_id
from .views import Files, files_by_message

class AttachmentService:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    async def upload(self, actor: Actor, chat_id: str, name: str, data: bytes) -> Attachment:
        """Stores the file once it is the chat's (`actor` takes part in
        it, not ended), within the size, type and rate limits. Raises
        NotFound, Forbidden, ChatEnded, TooLarge, Unsupported, RateLimited."""
        config, desk = self._desk.config.attachments, self._desk
        chat = await self._own(actor, chat_id)
        if chat.status is ChatStatus.ENDED:
            raise ChatEnded("this chat has ended")
        if len(data) > config.max_bytes:
            raise TooLarge(f"the file is over {config.max_bytes} bytes", limit=config.max_bytes)
        if not data:
            raise BadRequest("the file is empty")
        name = clean_name(name)
        try:
            kind = kind_of(name, data, allowed_types(config.types))
        except NotTaken as refused:
            raise Unsupported(str(refused)) from None
        now = desk.clock.now()
        if not await desk.live.hit_rate(f"uploads:{actor.author}:{actor.id}", config.uploads_per_minute, 60, now):
            raise RateLimited(f"at most {config.uploads_per_minute} files a minute")
        attachment = Attachment(id=new_id(), chat_id=chat.id, uploader=actor.author, uploader_id=actor.id,
                                name=name, content_type=kind.content_type, size=len(data),
                                sha256=hashlib.sha256(data).hexdigest(), created_at=now)
        return await desk.store.add_attachment(attachment, data)

    async def _own(self, actor: Actor, chat_id: str) -> Chat:
        chat = await self._desk.chats.get(chat_id)
        mine = chat.visitor_id if actor.author is Author.VISITOR else chat.agent_id
        if mine != actor.id:
            raise Forbidden("this chat is not yours")
        return chat

    async def allow_download(self, client: str) -> None:
        """A visitor's fetch, counted per client address: RateLimited past `downloads_per_minute`."""
        limit, desk = self._desk.config.attachments.downloads_per_minute, self._desk
        if not await desk.live.hit_rate(f"downloads:{client}", limit, 60, desk.clock.now()):
            raise RateLimited(f"at most {limit} files a minute")

    async def for_visitor(self, visitor_id: str, attachment_id: str) -> tuple[Attachment, bytes]:
        """A file of the visitor's own chat; NotFound otherwise (another's
        file is not told from a missing one)."""
        attachment = await self._found(attachment_id)
        chat = await self._desk.store.chat_by_id(attachment.chat_id)
        if chat is None or chat.visitor_id != visitor_id or not self._sent_or_own(attachment, Author.VISITOR, visitor_id):
            raise NotFound("no such attachment")
        return attachment, await self._data(attachment)

    async def for_agent(self, agent: Agent, attachment_id: str) -> tuple[Attachment, bytes]:
        """A file of a chat the agent has or had (any, for a supervisor)."""
        attachment = await self._found(attachment_id)
        if not self._sent_or_own(attachment, Author.AGENT, agent.id):
            raise NotFound("no such attachment")
        if agent.role is not Role.SUPERVISOR:
            chat = await self._desk.store.chat_by_id(attachment.chat_id)
            handled = chat is not None and (chat.agent_id == agent.id or
                                            agent.id in await self._desk.store.chat_agents(chat.id))
            if not handled:
                raise Forbidden("this chat is not yours")
        return attachment, await self._data(attachment)

    @staticmethod
    def _sent_or_own(attachment: Attachment, side: Author, who: str) -> bool:
        """A file not sent yet is its uploader's alone."""
        return attachment.client_id is not None or (attachment.uploader is side and attachment.uploader_id == who)

    async def _found(self, attachment_id: str) -> Attachment:
        attachment = await self._desk.store.attachment_by_id(attachment_id)
        if attachment is None:
            raise NotFound("no such attachment")
        return attachment

    async def _data(self, attachment: Attachment) -> bytes:
        data = await self._desk.store.attachment_data(attachment.id)
        if data is None:
            raise NotFound("no such attachment")
        return data

    async def files(self, chat_id: str) -> Files:
        """The views of the chat's sent files, by the message that carries them."""
        return files_by_message(await self._desk.store.chat_attachments(chat_id))
