"""The chat loop: start, send, history, typing, read, end, transfer.

Each method validates against the stored chat, writes to the store, and
emits only after the store has committed.
"""
from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Awaitable, Sequence
from datetime import datetime

from . import audit, filelinks, letters, rooms
from . import events as ev
from .admission import may_chat, refuse
from .bus import DurationLimitReached, MailQueued
from .context import Desk
from .hook_events import assigned_data, chat_data, message_hooks, new_ticket, stage
from .errors import (BadRequest, ChatActive, ChatEnded, Conflict, Forbidden, NotFound, Offline,
                     RateLimited, TooLarge, UseTicket)
from .model import (TICKET_LABEL, Agent, Attachment, AuditEntry, Author, Chat, ChatStatus, EndReason, Message,
                    NewMessage, Priority, Ticket, Visitor)
from .routing import Router
from .signals import Signals
from .sla import SlaService
from .surveys import SURVEYED
from .tickets import OPENED, TicketService, allowed_priority, chat_request, checked_email
from .timers import Timers
from .tokens import new_id
from .views import HISTORY_PAGE, chat_view, files_by_message, iso, message_view, ticket_view

VISITOR_GONE = "visitor_gone"


@dataclasses.dataclass(frozen=True, slots=True)
class Actor:
    author: Author  # VISITOR or AGENT
    id: str
    conn: str | None = None  # the connection acting; it gets acks, not echoes


@dataclasses.dataclass(frozen=True, slots=True)
class StartRequest:
    text: str
    topic: str | None = None
    name: str | None = None
    email: str | None = None
    priority: Priority | None = None  # None: the topic's default
    new_issue: bool = False  # not about the open ticket on this topic


@dataclasses.dataclass(frozen=True, slots=True)
class TransferTarget:
    """Exactly one of: an agent, a tier (above 3: a ticket for engineering),
    a skill, or a department (a ticket for it)."""

    agent_id: str | None = None
    tier: int | None = None
    skill: str | None = None
    department: str | None = None


# Escalation past the last tier of agents becomes a ticket for this department.
TOP_TIER = 3
BEYOND_TOP_TIER = "engineering"
CONVERT_RECEIPT = (f"This chat is now ticket {TICKET_LABEL}. We will follow up by email; "
                   "keep this number as your receipt.")


class ChatService:
    def __init__(self, desk: Desk, router: Router, timers: Timers, sla: SlaService, tickets: TicketService,
                 signals: Signals) -> None:
        self._desk = desk
        self._signals = signals
        self._router = router
        self._timers = timers
        self._sla = sla
        self._tickets = tickets
        desk.bus.on(DurationLimitReached, self._convert_at_limit)

    # reading
    async def chat(self, chat_id: str) -> Chat:
        return await self._desk.chats.get(chat_id)

    async def visitor(self, visitor_id: str) -> Visitor | None:
        """The visitor as stored now; None before its first chat."""
        return await self._desk.store.visitor_by_id(visitor_id)

    async def own(self, actor: Actor, chat_id: str) -> Chat:
        """The chat if `actor` takes part in it; NotFound or Forbidden."""
        chat = await self.chat(chat_id)
        mine = chat.visitor_id if actor.author is Author.VISITOR else chat.agent_id
        if mine != actor.id:
            raise Forbidden("this chat is not yours")
        return chat

    async def history(self, actor: Actor, chat_id: str, after_seq: int) -> list[Message]:
        await self.own(actor, chat_id)
        return await self._desk.store.messages_after(
            chat_id, after_seq, include_notes=actor.author is Author.AGENT, limit=HISTORY_PAGE)

    # visitors
    async def start(self, visitor: Visitor, request: StartRequest, actor: Actor) -> tuple[Chat, int]:
        """One transaction stores the visitor, the chat and its first
        message (on SQLite with the other starts and messages of the
        moment), after one read of what the start needs; then the chat is
        queued and routed."""
        desk, now = self._desk, self._desk.clock.now()
        request = dataclasses.replace(request, email=checked_email(request.email))  # a receipt may go there
        found = await desk.store.visitor_at_start(visitor)
        if found.stored is not None and found.stored.site_id == visitor.site_id:
            visitor = found.stored  # as stored now, not as it logged in
        await may_chat(self._desk, visitor)
        if found.open_chat is not None:
            raise ChatActive("you already have an open chat", chat=chat_view(found.open_chat))
        await desk.settled()  # topics another node changed are read again before they are checked
        priority, open_ticket = self._admit(visitor, request, found.open_tickets)
        if not await self._router.online(now, critical=priority is Priority.CRITICAL):
            raise Offline("nobody is on shift now: leave a message with ticket:create",
                          next_open=iso(await self._router.next_open(now)))
        await self._allow_message(visitor.id, now)
        chat = Chat(id=new_id(), site_id=visitor.site_id, visitor_id=visitor.id, status=ChatStatus.QUEUED,
                    priority=priority, started_at=now, topic=request.topic, queued_at=now)
        first = NewMessage(chat.id, Author.VISITOR, request.text, now, author_id=visitor.id)
        shown = Message(chat_id=chat.id, seq=1, author=Author.VISITOR, text=request.text, at=now, author_id=visitor.id)
        data = chat_data(dataclasses.replace(chat, last_seq=1), message=message_view(shown))
        agent = await self._router.take_now(chat, now)
        if agent is not None:
            chat = dataclasses.replace(chat, status=ChatStatus.ACTIVE, agent_id=agent.id, assigned_at=now)
        try:
            with (stage(desk, chat.site_id, "chat.started", data, chat_id=chat.id),
                  stage(desk, chat.site_id, "chat.message", data, chat_id=chat.id),  # seq 1 is a message too
                  stage(desk, chat.site_id, "chat.assigned", assigned_data(chat, agent, now, True), chat_id=chat.id)
                  if agent is not None else contextlib.nullcontext()):
                started = await desk.store.start_chat(self._claimed(visitor, request), chat, first)
            refuse(desk, started.kept_out)  # a suspension committed on another node a moment ago
        except BaseException as error:  # the chat is not stored: its agent's slot goes back
            if agent is not None:
                await desk.live.release_slot(agent.id, chat.id)
            if isinstance(error, ChatActive):
                raise ChatActive("you already have an open chat",
                                 chat=chat_view(await desk.store.open_chat_of_visitor(visitor.id))) from None
            raise
        visitor, chat, message = started.visitor, started.chat, started.message
        self._desk.chats.put(chat)
        await self._sla.started(chat, message)
        if open_ticket is not None:  # the visitor said it is a new issue
            await self._signals.chat_despite_ticket(visitor, chat, open_ticket)
        if agent is not None:
            await self._router.assigned_at_start(chat, agent, visitor, message, found.open_tickets)
            return chat, 0
        await self._router.enqueue(chat, visitor=visitor)
        await self._router.route()
        chat = await self.chat(chat.id)
        return chat, await self._router.position(chat.id)

    def _admit(self, visitor: Visitor, request: StartRequest,
               open_tickets: list[Ticket]) -> tuple[Priority, Ticket | None]:
        """The chat's priority and the open ticket on its topic, once the topic may be handled in chat:
        `use_ticket` for a ticket-only topic, a verified-only one asked by
        an unverified visitor, or a topic with an open ticket (unless the
        visitor says it is a new issue)."""
        topic = self._desk.known_topic(request.topic)
        if topic is not None and not topic.chat:
            raise UseTicket(topic.refusal, reason=topic.refusal, topic=request.topic, kind="topic")
        if topic is not None and topic.verified_only and not visitor.verified:
            reason = "This topic is handled in chat only for signed-in customers: sign in, or open a ticket."
            raise UseTicket(reason, reason=reason, topic=request.topic, kind="verified_only")
        open_ticket = None
        if request.topic is not None:
            open_ticket = next((t for t in open_tickets if t.topic == request.topic), None)  # the newest
        if open_ticket is not None and not request.new_issue:
            reason = f"You already have ticket {open_ticket.label} open about this."
            raise UseTicket(reason, reason=reason, topic=request.topic, kind="open_ticket",
                            ticket=ticket_view(open_ticket))
        priority = allowed_priority(visitor, request.priority or (Priority(topic.priority) if topic else Priority.MEDIUM))
        return priority, open_ticket

    @staticmethod
    def _claimed(visitor: Visitor, request: StartRequest) -> Visitor:
        """The visitor as stored at its first chat (anonymous visitors are
        not stored before), with an unverified visitor's own name and
        email, shown to agents as claims."""
        if visitor.verified:
            return visitor
        return dataclasses.replace(visitor, name=request.name or visitor.name, email=request.email or visitor.email)

    async def _allow_message(self, visitor_id: str, now: datetime) -> None:
        limit = self._desk.config.limits.messages_per_minute
        if not await self._desk.live.hit_rate(f"messages:{visitor_id}", limit, 60, now):
            raise RateLimited(f"at most {limit} messages a minute")

    # both sides
    async def send(self, actor: Actor, chat_id: str, client_id: str, text: str,
                   note: bool = False, attachments: Sequence[str] = ()) -> Awaitable[Message]:
        """Stages a message in order; the returned awaitable resolves once it
        is stored and delivered. Call in the order the sender sent.
        `attachments`: ids of files the actor uploaded into this chat, given
        to this message (by its `client_id`) before it is stored, so a resent
        message finds them again; not with a `note`."""
        chat = await self.own(actor, chat_id)
        if chat.status is ChatStatus.ENDED:
            raise ChatEnded("this chat has ended")
        now = self._desk.clock.now()
        if actor.author is Author.VISITOR:
            await self._allow_message(actor.id, now)
        files = await self._claim(actor, chat_id, client_id, attachments, note) if attachments else []
        hooks = None if note else message_hooks(self._desk, chat, await self._writer(actor, chat))
        pending = self._desk.store.append_message(NewMessage(
            chat_id, actor.author, text, now, author_id=actor.id, client_id=client_id, note=note, hooks=hooks))
        return self._deliver(pending, actor, files)

    async def _writer(self, actor: Actor, chat: Chat) -> dict[str, Agent]:
        """The agent sending, by id, for its name in the chat.message webhook
        (a cached read, and only when the site has an endpoint for it)."""
        if actor.author is not Author.AGENT or not self._desk.webhooks.targets(chat.site_id, "chat.message"):
            return {}
        return await self._router.writers((actor.id,))

    async def _claim(self, actor: Actor, chat_id: str, client_id: str, ids: Sequence[str],
                     note: bool) -> list[Attachment]:
        if note:
            raise BadRequest("a note carries no attachments: the visitor could be given their ids")
        limit = self._desk.config.attachments.max_per_message
        if len(set(ids)) > limit:
            raise TooLarge(f"at most {limit} files in one message", limit=limit)
        return await self._desk.store.claim_attachments(ids, chat_id=chat_id, uploader=actor.author,
                                                        uploader_id=actor.id, client_id=client_id)

    async def _deliver(self, pending: Awaitable[Message], actor: Actor, files: list[Attachment] = ()) -> Message:
        message = await pending
        chat = await self.chat(message.chat_id)
        if not message.note and self._desk.webhooks.targets(chat.site_id, "chat.message"):
            self._desk.webhooks.wake()  # its chat.message rows were committed with it
        await self._sla.message(chat, message)
        events, authors = self._desk.events, await self._router.authors((message,))
        carried = files_by_message(files)
        if chat.agent_id is not None and await self._others_listen(actor, Author.AGENT, chat.agent_id):
            events.add(ev.ChatMessage(rooms.agent(chat.agent_id), message_view(message, authors, files=carried),
                                      skip=actor.conn))
        if not message.note and await self._others_listen(actor, Author.VISITOR, chat.visitor_id):
            events.add(ev.ChatMessage(rooms.visitor(chat.visitor_id),
                                      message_view(message, authors, visitor=True, files=carried), skip=actor.conn))
        return message

    async def _others_listen(self, actor: Actor, side: Author, who: str) -> bool:
        """Whether a room has anyone but the sender's own connection: the
        common single-tab sender is spared an emit that reaches nobody (one
        with no connection, a program over /api/v1, is in none of them)."""
        if actor.author is not side or actor.id != who or actor.conn is None:
            return True
        live = self._desk.live
        if side is Author.VISITOR:
            return await live.visitor_connections(who) > 1
        presence = await live.presence(who)
        return presence is not None and presence.connections > 1

    async def typing(self, actor: Actor, chat_id: str, typing: bool) -> None:
        chat = await self.own(actor, chat_id)
        room = rooms.agent(chat.agent_id) if actor.author is Author.VISITOR else rooms.visitor(chat.visitor_id)
        if chat.status is ChatStatus.ACTIVE:
            self._desk.events.add(ev.ChatTyping(room, {"chat_id": chat_id, "typing": typing}))

    async def read(self, actor: Actor, chat_id: str, seq: int) -> None:
        chat = await self.own(actor, chat_id)
        if seq > chat.last_seq:
            chat = await self._desk.store.chat_by_id(chat_id) or chat
            if seq > chat.last_seq:
                raise Conflict("cannot read past the last message", last_seq=chat.last_seq)
        await self._desk.store.mark_read(chat_id, str(actor.author), seq)

    async def end(self, actor: Actor, chat_id: str) -> Chat:
        chat = await self.own(actor, chat_id)
        reason = EndReason.VISITOR if actor.author is Author.VISITOR else EndReason.AGENT
        return await self.finish(chat, reason)

    async def finish(self, chat: Chat, reason: EndReason) -> Chat:
        """Ends a chat for any reason; a chat already ended stays as it was."""
        desk, now = self._desk, self._desk.clock.now()
        shown = dataclasses.replace(chat, status=ChatStatus.ENDED, end_reason=str(reason), ended_at=now)
        with stage(desk, chat.site_id, "chat.ended", chat_data(shown, reason=str(reason)), chat_id=chat.id):
            ended = await desk.store.end_chat(chat.id, str(reason), now)
        if ended is None:
            raise ChatEnded("this chat has already ended")
        await self._ended(ended, {"chat_id": chat.id, "reason": str(reason)})
        return ended

    async def _ended(self, ended: Chat, payload: dict) -> None:
        """After the store ended a chat: free its slot and clocks, tell both sides."""
        desk = self._desk
        desk.chats.put(ended)
        await desk.live.dequeue(ended.id)
        await self._timers.cancel(VISITOR_GONE, ended.id)
        await self._sla.stopped(ended.id)
        desk.events.add(ev.ChatEnded(rooms.visitor(ended.visitor_id), payload))
        if ended.end_reason in SURVEYED and ended.assigned_at is not None:
            desk.events.add(ev.SurveyRequest(rooms.visitor(ended.visitor_id), {"chat_id": ended.id}))
        if ended.agent_id is not None:
            await desk.live.release_slot(ended.agent_id, ended.id)
            desk.events.add(ev.ChatEnded(rooms.agent(ended.agent_id), payload))
        await self._router.route()

    async def ended_elsewhere(self, ended: Chat, payload: dict) -> None:
        """Another service's store change ended the chat (a suspension ends
        its chats in its own transaction): the clean-up and events of `finish`."""
        await self._ended(ended, payload)

    # conversion to a ticket
    async def convert(self, actor: Actor | None, chat_id: str, *, subject: str | None = None,
                      priority: Priority | None = None, department: str | None = None) -> Ticket:
        """Ends the chat with reason `converted`: a ticket with its
        transcript, a receipt in the chat, and a receipt mail when the
        visitor's email is known. `actor` None: the duration limit did it."""
        chat = await (self.own(actor, chat_id) if actor is not None else self.chat(chat_id))
        if chat.status is ChatStatus.ENDED:
            raise ChatEnded("this chat has ended")
        desk, now = self._desk, self._desk.clock.now()
        visitor = await desk.store.visitor_by_id(chat.visitor_id)
        messages = await desk.store.messages_after(chat.id, 0, include_notes=True, limit=1_000_000)
        request = chat_request(chat, messages, visitor, subject=subject, priority=priority)
        agents = await self._router.authors(messages)  # each line names its writer
        names = {"agents": agents, "visitor": visitor.name if visitor is not None else None}
        attached = await desk.store.chat_attachments(chat.id)  # the ticket takes them (Store.convert_chat)
        ticket = self._tickets.draft(visitor, request, now, site_id=chat.site_id, chat=chat, department=department,
                                     created_by=actor.id if actor is not None else None,
                                     transcript=letters.transcript(messages, desk.tz, notes=True, **names,
                                                                   files=filelinks.by_message(attached)))
        mailed = visitor is not None and visitor.email
        urls = await filelinks.links(desk, attached) if mailed else {}
        mails = [letters.receipt(ticket, letters.recipient(visitor.email, visitor.name), now, desk.tz,
                                 shown_transcript=letters.transcript(messages, desk.tz, notes=False, **names,
                                                                     files=filelinks.by_message(attached, urls)),
                                 link_days=filelinks.link_days(desk, urls))
                 ] if mailed else []
        # what the visitor sees: a chat.message too, so an endpoint's seq has no gap
        receipt = NewMessage(chat.id, Author.SYSTEM, CONVERT_RECEIPT, now, hooks=message_hooks(desk, chat))
        shown = dataclasses.replace(chat, status=ChatStatus.ENDED, end_reason=str(EndReason.CONVERTED), ended_at=now)
        ticket_data = new_ticket(dataclasses.replace(ticket, chat_id=chat.id))
        with (stage(desk, chat.site_id, "chat.converted", lambda: chat_data(shown)() | ticket_data(), chat_id=chat.id),
              stage(desk, chat.site_id, "chat.ended", chat_data(shown, reason=str(EndReason.CONVERTED)),
                    chat_id=chat.id),
              stage(desk, chat.site_id, "ticket.created", ticket_data, chat_id=chat.id)):
            done = await desk.store.convert_chat(chat.id, now, ticket, receipt, mails, audit.entry(
                audit.CONVERT, f"chat:{chat.id}", now, actor_id=actor.id if actor else None,
                reason=None if actor else "the chat reached the duration limit",
                data={"ticket_id": ticket.id, "ticket": TICKET_LABEL, "department": ticket.department}))
        if done is None:
            raise ChatEnded("this chat has already ended")
        ended, ticket, message = done
        if mails:
            await desk.bus.publish(MailQueued())
        await self._deliver_system(ended, message)
        await self._ended(ended, {"chat_id": chat.id, "reason": str(EndReason.CONVERTED),
                                  "ticket": ticket_view(ticket)})
        await self._tickets.announce(OPENED, ticket, agents.get(actor.id) if actor is not None else None)
        return ticket

    async def _convert_at_limit(self, reached: DurationLimitReached) -> None:
        try:
            await self.convert(None, reached.chat.id)
        except ChatEnded:
            pass

    async def _deliver_system(self, chat: Chat, message: Message) -> None:
        view = message_view(message)
        self._desk.events.add(ev.ChatMessage(rooms.visitor(chat.visitor_id), view))
        if chat.agent_id is not None:
            self._desk.events.add(ev.ChatMessage(rooms.agent(chat.agent_id), view))

    # agents and supervisors
    async def transfer(self, actor: Actor, chat_id: str, to: TransferTarget) -> Chat | Ticket:
        """To an agent now; to a tier or a skill through the front of the
        queue (the first agent who fits takes it); past the top tier or to
        a department, into a ticket."""
        chat = await self.own(actor, chat_id)
        if chat.status is not ChatStatus.ACTIVE:
            raise Conflict("only an active chat can be transferred")
        if to.agent_id is not None:
            return await self._move(chat, to.agent_id)
        if to.department is not None or (to.tier or 0) > TOP_TIER:
            return await self.convert(actor, chat_id, department=to.department or BEYOND_TOP_TIER)
        return await self._hand_over(chat, skill=to.skill, min_tier=to.tier or 1)

    async def _hand_over(self, chat: Chat, *, skill: str | None, min_tier: int) -> Chat:
        agents = (await self._router.agents(fresh=True)).values()
        if not any(a.capacity > 0 and a.tier >= min_tier and (skill is None or skill in a.skills) for a in agents):
            raise NotFound("no agent has that tier or skill")
        desk = self._desk
        shown = dataclasses.replace(chat, status=ChatStatus.QUEUED, agent_id=None)
        data = chat_data(shown, from_agent={"id": chat.agent_id}, to={"skill": skill, "tier": min_tier})
        with stage(desk, chat.site_id, "chat.transferred", data, chat_id=chat.id):
            requeued = await desk.store.requeue_chat(chat.id, chat.priority, need_skill=skill, min_tier=min_tier,
                                                     at=desk.clock.now())
        if requeued is None:
            raise ChatEnded("this chat has ended")
        desk.chats.put(requeued)
        await desk.live.release_slot(chat.agent_id, chat.id)
        desk.events.add(_transferred(chat))
        await self._router.enqueue(requeued, front=True)
        await self._router.route()
        return await self.chat(chat.id)

    async def reassign(self, chat_id: str, to_agent_id: str, *, by: str) -> Chat:
        """A supervisor (`by`, an agent id) gives a queued or active chat to an agent."""
        chat = await self.chat(chat_id)
        if chat.status is ChatStatus.ENDED:
            raise ChatEnded("this chat has ended")
        return await self._move(chat, to_agent_id, audit.entry(
            audit.REASSIGN, f"chat:{chat.id}", self._desk.clock.now(), actor_id=by,
            data={"from": chat.agent_id, "to": to_agent_id}))

    async def _move(self, chat: Chat, to_agent_id: str, record: AuditEntry | None = None) -> Chat:
        """`record`: the audit entry of a supervisor's reassignment, stored with it."""
        target = (await self._router.agents(fresh=True)).get(to_agent_id)
        if target is None:
            raise NotFound("no such agent")
        if target.capacity == 0:
            raise Conflict(f"{target.name} takes no chats (capacity 0)")
        if target.id == chat.agent_id:
            raise Conflict("the chat is already that agent's")
        presence = await self._desk.live.presence(target.id)
        if presence is None or presence.connections == 0 or not self._desk.on_shift(target, self._desk.clock.now()):
            raise Conflict("that agent is not on shift and connected")
        data = chat_data(chat, from_agent={"id": chat.agent_id}, to={"agent_id": target.id})
        with (stage(self._desk, chat.site_id, "chat.transferred", data, chat_id=chat.id) if chat.agent_id
              else contextlib.nullcontext()):
            moved = await self._router.move(chat, target, record)
        if moved is None:
            raise Conflict("that agent has no room for another chat")
        if chat.agent_id is not None:
            self._desk.events.add(_transferred(chat))
        return moved

    async def requeue(self, chat: Chat) -> None:
        """Back to the front of the queue (its agent was lost)."""
        shown = dataclasses.replace(chat, status=ChatStatus.QUEUED, agent_id=None)
        data = chat_data(shown, from_agent={"id": chat.agent_id}, to={"queue": True}, reason="agent_gone")
        with stage(self._desk, chat.site_id, "chat.transferred", data, chat_id=chat.id):
            chat = await self._desk.store.requeue_chat(chat.id, chat.priority, need_skill=chat.need_skill,
                                                       min_tier=chat.min_tier, at=self._desk.clock.now())
        if chat is None:
            return
        self._desk.chats.put(chat)
        await self._router.enqueue(chat, front=True)

    async def abandon(self, chat_id: str) -> None:
        """The visitor stayed away past the grace period. One who is back
        (on another node, which may not have seen this deadline) is not."""
        chat = await self.chat(chat_id)
        if chat.status is not ChatStatus.ENDED and not await self._desk.live.visitor_connections(chat.visitor_id):
            try:
                await self.finish(chat, EndReason.ABANDONED)
            except ChatEnded:
                pass


def _transferred(chat: Chat) -> ev.ChatEnded:
    """To the agent a chat leaves (a transfer, a reassignment)."""
    return ev.ChatEnded(rooms.agent(chat.agent_id), {"chat_id": chat.id, "reason": "transferred"})
