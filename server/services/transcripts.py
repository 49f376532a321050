"""A chat's transcript by email: the visitor asks for its own chat's (while
it runs or after it ended), an agent sends the transcript of a chat it has
or had, a supervisor of any chat.

Internal notes never go out: the messages are read without them and the
letter is written with `notes=False`. The mail is queued in the outbox (its
own transaction: asking is the whole change) and the mail worker sends it,
on whichever node claims it.

Where it may go:
- the visitor: to the email on file (its verified identity's, or the one it
  claimed when it started a chat) or to an address it types. Every request
  counts against the ticket receipts' limits (`TicketService.allow_mail`,
  the same keys and hour: per visitor, per client address, per recipient),
  except that a verified visitor's mail to its own verified email counts
  per visitor only, as for receipts. So typing an address, or claiming one
  at `chat:start`, sends no more mail to strangers than the ticket form can.
- an agent or a supervisor: to the visitor's email on file only, never to
  an address typed in the console (staff tokens leak too, and a console
  that can mail any chat to anyone would be a way to take chats out of the
  desk); at most `[limits] tickets_per_hour_per_email` a chat each hour.
"""
from __future__ import annotations

from . import filelinks, letters
from .bus import MailQueued
from .chats import Actor, ChatService
from .context import Desk
from .errors import Forbidden, NoEmail, RateLimited
from .model import Agent, Chat, Role, Visitor
from .routing import Router
from .tickets import RATE_WINDOW_S, TicketService, checked_email

ALL_MESSAGES = 1_000_000


class TranscriptService:
    def __init__(self, desk: Desk, chats: ChatService, tickets: TicketService, router: Router) -> None:
        self._desk = desk
        self._chats = chats
        self._tickets = tickets
        self._router = router

    async def for_visitor(self, actor: Actor, visitor: Visitor, chat_id: str, email: str | None, *,
                          client: str) -> None:
        """The visitor's own chat (Forbidden otherwise) to `email`, or to the
        email on file when None. Raises NoEmail, BadRequest (not one bare
        address), RateLimited."""
        chat = await self._chats.own(actor, chat_id)
        stored = await self._chats.visitor(chat.visitor_id)
        on_file = stored.email if stored is not None else None
        to = checked_email(email) if email is not None else on_file
        if not to:
            raise NoEmail("no email on file for you: give one")
        now = self._desk.clock.now()
        await self._tickets.allow_mail(stored or visitor, to, client, now)
        await self._queue(chat, stored or visitor, to)

    async def for_agent(self, agent: Agent, chat_id: str) -> str:
        """A chat the agent has or had (any chat for a supervisor) to its
        visitor's email on file; the address it went to. Raises NotFound,
        Forbidden, NoEmail, RateLimited."""
        chat = await self._chats.chat(chat_id)
        if agent.role is not Role.SUPERVISOR and chat.agent_id != agent.id \
                and agent.id not in await self._desk.store.chat_agents(chat.id):
            raise Forbidden("this chat is not yours")
        visitor = await self._chats.visitor(chat.visitor_id)
        if visitor is None or not visitor.email:
            raise NoEmail("the visitor has no email on file")
        limit = self._desk.config.limits.tickets_per_hour_per_email
        if not await self._desk.live.hit_rate(f"transcripts:chat:{chat.id}", limit, RATE_WINDOW_S,
                                              self._desk.clock.now()):
            raise RateLimited(f"at most {limit} transcripts of one chat an hour: try again later")
        await self._queue(chat, visitor, visitor.email)
        return visitor.email

    async def _queue(self, chat: Chat, visitor: Visitor, to: str) -> None:
        desk, now = self._desk, self._desk.clock.now()
        messages = await desk.store.messages_after(chat.id, 0, include_notes=False, limit=ALL_MESSAGES)
        messages = [m for m in messages if not m.note]
        agents = await self._router.authors(messages)
        attached = await desk.store.chat_attachments(chat.id)
        urls = await filelinks.links(desk, attached)  # a file in the mail is a link (services/filelinks.py)
        shown = letters.transcript(messages, desk.tz, notes=False, agents=agents, visitor=visitor.name,
                                   files=filelinks.by_message(attached, urls))
        await desk.store.queue_mail(letters.chat_transcript(chat.started_at, letters.recipient(to, visitor.name),
                                                            now, desk.tz, shown,
                                                            link_days=filelinks.link_days(desk, urls)))
        await desk.bus.publish(MailQueued())
