"""Files in a chat or a ticket: uploaded by its visitor or its agent,
stored (bytes too) before the upload is answered, sent by a `chat:send`, a
ticket form or a ticket reply that names them, and served only to those
who may see the chat or the ticket.

Who may upload: into a chat, its visitor or the agent it is assigned to,
while it has not ended; for the ticket form, any visitor (the file belongs
to no chat nor ticket until a ticket takes it); into a ticket (for a
reply), any agent, as any agent may read and answer tickets. Who may read:
a chat's files, its visitor, an agent who has or had the chat, any
supervisor; a ticket's files (its form's, its replies', and its chat's
once converted), its requester (the ticket's visitor, or any visitor of
its verified account) and every agent. A file not sent yet is its
uploader's alone. A file is sent at most once (Store.claim_attachments,
create_ticket, add_ticket_reply). Mail carries links instead
(services/filelinks.py).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta

from ..policy.files import NotTaken, allowed_types, clean_name, kind_of
from .chats import Actor
from .context import Desk
from .errors import BadRequest, ChatEnded, Forbidden, NotFound, RateLimited, TooLarge, Unsupported
from .model import Agent, Attachment, Author, Chat, ChatStatus, Role, Visitor
from .tokens import hash_token, is_token, new_id
from .views import Files, files_by_message

log = logging.getLogger(__name__)
SWEEP_S = 600.0  # real seconds between two sweeps of unsent files (which files: the desk's clock decides)


class AttachmentService:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    async def upload(self, actor: Actor, chat_id: str, name: str, data: bytes) -> Attachment:
        """Stores the file once it is the chat's (`actor` takes part in
        it, not ended), within the size, type and rate limits. Raises
        NotFound, Forbidden, ChatEnded, TooLarge, Unsupported, RateLimited."""
        chat = await self._own(actor, chat_id)
        if chat.status is ChatStatus.ENDED:
            raise ChatEnded("this chat has ended")
        return await self._store(actor, name, data, chat_id=chat.id)

    async def upload_for_ticket_form(self, visitor: Visitor, name: str, data: bytes) -> Attachment:
        """A file the visitor's ticket form will send (`ticket:create` or
        `POST /widget/tickets` with `attachments`); the limits as in a chat."""
        return await self._store(Actor(Author.VISITOR, visitor.id), name, data)

    async def upload_to_ticket(self, agent: Agent, ticket_id: str, name: str, data: bytes) -> Attachment:
        """A file for the agent's next reply to the ticket. Raises NotFound."""
        ticket = await self._desk.store.ticket_by_id(ticket_id)
        if ticket is None:
            raise NotFound("no such ticket")
        return await self._store(Actor(Author.AGENT, agent.id), name, data, ticket_id=ticket.id)

    async def _store(self, actor: Actor, name: str, data: bytes, *, chat_id: str | None = None,
                     ticket_id: str | None = None) -> Attachment:
        config, desk = self._desk.config.attachments, self._desk
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
        attachment = Attachment(id=new_id(), chat_id=chat_id, uploader=actor.author, uploader_id=actor.id,
                                name=name, content_type=kind.content_type, size=len(data),
                                sha256=hashlib.sha256(data).hexdigest(), created_at=now, ticket_id=ticket_id)
        return await desk.store.add_attachment(attachment, data)

    async def _own(self, actor: Actor, chat_id: str) -> Chat:
        chat = await self._desk.chats.get(chat_id)
        mine = chat.visitor_id if actor.author is Author.VISITOR else chat.agent_id
        if mine != actor.id:
            raise Forbidden("this chat is not yours")
        return chat

    async def allow_visitor_upload(self, client: str) -> None:
        """A widget upload, counted per client address: RateLimited past
        `uploads_per_minute_per_address`. The per-visitor limit alone does
        not hold a stranger back: a fresh token is a fresh anonymous
        visitor, and the ticket form's uploads need no chat."""
        limit, desk = self._desk.config.attachments.uploads_per_minute_per_address, self._desk
        if not await desk.live.hit_rate(f"uploads:client:{client}", limit, 60, desk.clock.now()):
            raise RateLimited(f"at most {limit} files a minute from one address")

    async def allow_download(self, client: str) -> None:
        """A visitor's fetch, counted per client address: RateLimited past `downloads_per_minute`."""
        limit, desk = self._desk.config.attachments.downloads_per_minute, self._desk
        if not await desk.live.hit_rate(f"downloads:{client}", limit, 60, desk.clock.now()):
            raise RateLimited(f"at most {limit} files a minute")

    async def for_visitor(self, visitor: Visitor, attachment_id: str) -> tuple[Attachment, bytes]:
        """A file of the visitor's own chat or ticket, or its own upload;
        NotFound otherwise (another's file is not told from a missing one)."""
        attachment = await self._found(attachment_id)
        if attachment.client_id is None:
            mine = attachment.uploader is Author.VISITOR and attachment.uploader_id == visitor.id
        else:
            mine = await self._visitor_sees(visitor, attachment)
        if not mine:
            raise NotFound("no such attachment")
        return attachment, await self._data(attachment)

    async def _visitor_sees(self, visitor: Visitor, attachment: Attachment) -> bool:
        store = self._desk.store
        if attachment.chat_id is not None:
            chat = await store.chat_by_id(attachment.chat_id)
            if chat is not None and chat.visitor_id == visitor.id:
                return True
        if attachment.ticket_id is not None:
            ticket = await store.ticket_by_id(attachment.ticket_id)
            return ticket is not None and (ticket.visitor_id == visitor.id or
                                           (visitor.account is not None and ticket.account_id == visitor.account))
        return False

    async def for_agent(self, agent: Agent, attachment_id: str) -> tuple[Attachment, bytes]:
        """A ticket's file (any agent: tickets are every agent's), a file
        of a chat the agent has or had (any chat's, for a supervisor)."""
        attachment = await self._found(attachment_id)
        if not self._sent_or_own(attachment, Author.AGENT, agent.id):
            raise NotFound("no such attachment")
        if attachment.ticket_id is None and agent.role is not Role.SUPERVISOR:
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

    async def by_link(self, token: str) -> tuple[Attachment, bytes]:
        """The file of a mailed link not yet expired; NotFound otherwise."""
        found = await self._desk.store.attachment_by_link(hash_token(token), self._desk.clock.now()) \
            if is_token(token) else None
        if found is None:
            raise NotFound("this link is not valid, or has expired")
        return found, await self._data(found)

    async def drop_unsent(self) -> int:
        """Deletes the files uploaded more than `[attachments] unsent_hours`
        ago that nothing sent (run by the periodic sweep); how many."""
        hours = self._desk.config.attachments.unsent_hours
        return await self._desk.store.drop_unsent_attachments(self._desk.clock.now() - timedelta(hours=hours))

    async def run(self) -> None:
        """Sweeps unsent files away now and then; every node may, as a delete is idempotent."""
        while True:
            try:
                dropped = await self.drop_unsent()
                if dropped:
                    log.info("deleted %d files uploaded and never sent", dropped)
            except asyncio.CancelledError:
                raise
            except Exception:  # a store hiccup: sweep again next time
                log.exception("sweeping unsent files failed")
            await asyncio.sleep(SWEEP_S)

    async def ticket_files(self, ticket_id: str) -> list[Attachment]:
        return await self._desk.store.ticket_attachments(ticket_id)

    async def files(self, chat_id: str) -> Files:
        """The views of the chat's sent files, by the message that carries them."""
        return files_by_message(await self._desk.store.chat_attachments(chat_id))
