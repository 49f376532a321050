"""Tickets: numbers, due dates, receipts, status mail, replies, the
confirmation link, and each plan's count of tickets used.

Mail is queued in the transaction of the change that causes it (the store
takes it as an argument), so a ticket never exists without its receipt nor
a receipt without its ticket.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime, time

from ..policy.tickets import ticket_due
from . import events as ev
from . import audit, filelinks, letters, rooms
from .bus import MailQueued, TicketSaved
from .context import Desk
from .evidence import checked_evidence
from .errors import BadRequest, Conflict, Forbidden, NotFound, RateLimited, TooLarge
from .headers import address_of, one_line
from .hook_events import changed_ticket, new_ticket, stage
from .model import (Agent, Attachment, Author, Chat, FileClaim, Message, Priority, Role, Ticket, TicketReply,
                    TicketStatus, Visitor)
from .tokens import hash_token, is_token, new_id, new_token
from .views import iso, ticket_view

# Visitors without a verified identity may not put themselves ahead of everyone.
UNVERIFIED_MAX = Priority.MEDIUM

CONFIRMS_PER_MINUTE = 20  # ticket confirmations per client address and minute


def allowed_priority(visitor: Visitor, priority: Priority) -> Priority:
    """`priority`, capped at UNVERIFIED_MAX for a visitor without a verified identity."""
    return UNVERIFIED_MAX if not visitor.verified and priority.rank < UNVERIFIED_MAX.rank else priority
# Each ticket mails a receipt to an address someone typed: `[limits]`
# keeps the form from being a way to send mail to strangers (see `allow_mail`).
RATE_WINDOW_S = 3600
OPEN_STATUSES = (TicketStatus.PENDING_CONFIRMATION, TicketStatus.OPEN, TicketStatus.PENDING)
SUBJECT_CHARS = 200
CONFIRM_PATH = "/tickets/confirm/"
# To every agent's console after the commit: {"action", "ticket": TICKET, "by": {"id", "name"} | null}.
# It names what changed; a console showing that ticket reads it again (GET /api/tickets/{id}).
OPENED, STATUS, REPLY, ASSIGNED = "opened", "status", "reply", "assigned"
ROOM = rooms.AGENTS
# `open_on_behalf`'s assignee when none is named: who opened it (no id is this).
OPENER = "(opener)"


@dataclasses.dataclass(frozen=True, slots=True)
class TicketRequest:
    subject: str
    text: str
    email: str | None = None
    priority: Priority = Priority.MEDIUM
    topic: str | None = None
    warranty: bool = False
    # The topic's evidence fields by name (text and links; files are attachments): services/evidence.py.
    evidence: Mapping[str, str] = dataclasses.field(default_factory=dict)


def subject_of(text: str) -> str:
    """A subject from the first line of a text, cut at a word."""
    line = text.strip().splitlines()[0] if text.strip() else "Support request"
    if len(line) <= 80:
        return line
    return line[:80].rsplit(" ", 1)[0] + "..."


class TicketService:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    # drafting
    def draft(self, visitor: Visitor | None, request: TicketRequest, now: datetime, *,
              site_id: str, status: TicketStatus = TicketStatus.OPEN, chat: Chat | None = None,
              department: str | None = None, created_by: str | None = None,
              transcript: str | None = None) -> Ticket:
        desk = self._desk
        topic = desk.topic(request.topic)
        response, resolution = ticket_due(str(request.priority), now, desk.desk_hours, desk.tz, desk.closed(now))
        return Ticket(
            id=new_id(), site_id=site_id, subject=one_line(request.subject)[:SUBJECT_CHARS], description=request.text,
            priority=request.priority, status=status, created_at=now, updated_at=now,
            response_due_at=response, resolution_due_at=resolution,
            visitor_id=visitor.id if visitor else None, account_id=visitor.account if visitor else None,
            chat_id=chat.id if chat else None, email=request.email, topic=request.topic,
            department=department or (topic.department if topic and topic.department else None),
            transcript=transcript, warranty=request.warranty, created_by=created_by, evidence=request.evidence,
            # told of its SLA clocks: the agent of the chat it came from, or who opened it for the visitor
            assignee_id=chat.agent_id if chat is not None else created_by)

    # opening
    async def open(self, visitor: Visitor, request: TicketRequest, *, client: str,
                   name: str | None = None, files: tuple[str, ...] = ()) -> Ticket:
        """The visitor's own ticket (the offline form, on the socket or over
        HTTP): open at once, with a receipt to the email given. `client` is
        the network address it came from (rate limits). An unverified
        visitor's priority is capped like a chat's, and its name and email
        are kept as claims. `files`: ids of files the visitor uploaded for
        the form; the ticket takes them, and the receipt links them. Raises
        BadRequest for an email that is not one bare address, RateLimited
        past a `[limits]` ticket limit, TooLarge past `max_per_message`
        files, Conflict for a file not the visitor's to send, and
        EvidenceMissing naming what its topic asks for and it lacks (a
        `files` field: at least one file)."""
        desk, now = self._desk, self._desk.clock.now()
        request = dataclasses.replace(request, email=checked_email(request.email))
        topic = desk.known_topic(request.topic)
        claim = FileClaim(tuple(dict.fromkeys(files)), Author.VISITOR, visitor.id) if files else None
        evidence = checked_evidence(topic, request.evidence, files=len(claim.ids) if claim else 0)
        request = dataclasses.replace(request, evidence=evidence)
        attached = await self._claimable(claim, None) if claim else []
        await self.allow_mail(visitor, request.email, client, now)
        if not visitor.verified:
            visitor = dataclasses.replace(visitor, name=name or visitor.name, email=request.email or visitor.email)
            request = dataclasses.replace(request, priority=allowed_priority(visitor, request.priority))
        visitor = await desk.store.save_visitor(visitor)
        ticket = self.draft(visitor, request, now, site_id=visitor.site_id)
        urls = await filelinks.links(desk, attached) if request.email else {}
        mails = [letters.receipt(ticket, letters.recipient(request.email, visitor.name), now, desk.tz,
                                 files=filelinks.lines(attached, urls), link_days=filelinks.link_days(desk, urls))
                 ] if request.email else []
        with stage(desk, ticket.site_id, "ticket.created", new_ticket(ticket)):
            stored = await desk.store.create_ticket(ticket, mails, files=claim)
        await self._mailed(mails)
        await self.announce(OPENED, stored)
        return stored

    async def allow_mail(self, visitor: Visitor, email: str | None, client: str, now: datetime) -> None:
        """Every channel's tickets (and the transcripts a visitor asks for:
        services/transcripts.py) count here, in the live state (shared by
        all nodes), so the socket and the HTTP form share one budget: per
        visitor first (one over its own limit uses none of the budgets it
        shares), then per client address and per recipient. A verified
        visitor's receipt to its own verified email counts per visitor only:
        it goes to an address the site vouched for, so it relays nothing,
        and many customers may share one office address. Raises RateLimited."""
        limits = self._desk.config.limits
        checks = [(f"tickets:visitor:{visitor.id}", limits.tickets_per_hour, "tickets an hour")]
        if email and not own_verified(visitor, email):
            checks += [(f"tickets:client:{client}", limits.tickets_per_hour_per_address,
                        "tickets an hour from one network address"),
                       (f"tickets:to:{email.casefold()}", limits.tickets_per_hour_per_email,
                        "tickets an hour for one email address")]
        for key, limit, what in checks:
            if not await self._desk.live.hit_rate(key, limit, RATE_WINDOW_S, now):
                raise RateLimited(f"at most {limit} {what}: try again later")

    async def open_on_behalf(self, agent: Agent, visitor_id: str, request: TicketRequest, *,
                             assignee_id: str | None = OPENER) -> Ticket:
        """An agent opens a ticket for a visitor: it waits for confirmation
        through a signed link mailed to the email on file. The topic's text
        and link evidence must be given (EvidenceMissing); its files come
        with the agent's replies, as nothing else can carry them yet. Its
        assignee is the opener, unless `assignee_id` names another (None:
        nobody; an integration token is no agent to be told). Raises
        NotFound for an assignee who is no agent."""
        desk, now = self._desk, self._desk.clock.now()
        topic = desk.known_topic(request.topic)
        request = dataclasses.replace(request, evidence=checked_evidence(topic, request.evidence, files=None))
        visitor = await desk.store.visitor_by_id(visitor_id)
        if visitor is None:
            raise NotFound("no such visitor")
        if not visitor.email:
            raise Conflict("the visitor has no email on file to confirm the ticket")
        token = new_token()
        request = dataclasses.replace(request, email=visitor.email)
        if assignee_id not in (OPENER, None) and await self._desk.store.agent_by_id(assignee_id) is None:
            raise NotFound("no such agent")
        ticket = dataclasses.replace(
            self.draft(visitor, request, now, site_id=visitor.site_id, status=TicketStatus.PENDING_CONFIRMATION,
                       created_by=agent.id),
            confirm_hash=hash_token(token))
        if assignee_id != OPENER:
            ticket = dataclasses.replace(ticket, assignee_id=assignee_id)
        mails = [letters.confirmation(ticket, letters.recipient(visitor.email, visitor.name), now,
                                      self.confirm_link(token))]
        with stage(desk, ticket.site_id, "ticket.created", new_ticket(ticket)):
            stored = await desk.store.create_ticket(ticket, mails)
        await self._mailed(mails)
        await self.announce(OPENED, stored, agent)
        return stored

    def confirm_link(self, token: str) -> str:
        return f"{self._desk.config.base_url}{CONFIRM_PATH}{token}"

    async def confirm(self, token: str, *, client: str) -> Ticket:
        """The visitor followed the link: the ticket opens, and a receipt
        goes out. Raises RateLimited past CONFIRMS_PER_MINUTE from `client`
        (an address): the token is the secret, so guessing is what to slow."""
        desk, store, now = self._desk, self._desk.store, self._desk.clock.now()
        if not await desk.live.hit_rate(f"confirm:{client}", CONFIRMS_PER_MINUTE, 60, now):
            raise RateLimited("Too many attempts: wait a minute.")
        ticket = await store.ticket_by_confirm_hash(hash_token(token)) if is_token(token) else None
        if ticket is None or ticket.status is not TicketStatus.PENDING_CONFIRMATION:
            raise NotFound("this link is not valid, or the ticket was already confirmed")
        mails = [letters.receipt(dataclasses.replace(ticket, status=TicketStatus.OPEN), await self._recipient(ticket),
                                 now, desk.tz)] if ticket.email else []
        opened = dataclasses.replace(ticket, status=TicketStatus.OPEN, updated_at=now)
        with stage(desk, ticket.site_id, "ticket.updated", changed_ticket(opened, "confirmed")):
            changed = await store.update_ticket(ticket.id, now, status=TicketStatus.OPEN, clear_confirm=True,
                                                mails=mails, only_from=TicketStatus.PENDING_CONFIRMATION)
        if changed is None:  # a click just before this one confirmed it: one event, one receipt
            raise NotFound("this link is not valid, or the ticket was already confirmed")
        await self._mailed(mails)
        await self.announce(STATUS, changed[1])
        return changed[1]

    # agents' work
    async def get(self, ticket_id: str) -> Ticket:
        ticket = await self._desk.store.ticket_by_id(ticket_id)
        if ticket is None:
            raise NotFound("no such ticket")
        return ticket

    async def set_status(self, ticket_id: str, status: TicketStatus, by: Agent | None = None) -> Ticket:
        """A status change (by `by`), mailed to the ticket's email."""
        if status is TicketStatus.PENDING_CONFIRMATION:
            raise BadRequest("only the confirmation link decides pending_confirmation")
        ticket, now = await self.get(ticket_id), self._desk.clock.now()
        if ticket.status is status:
            return ticket
        if ticket.status is TicketStatus.PENDING_CONFIRMATION:
            raise Conflict("this ticket waits for the visitor's confirmation")
        after = dataclasses.replace(ticket, status=status)
        mails = [letters.status_changed(after, await self._recipient(ticket), now)] if ticket.email else []
        data = changed_ticket(dataclasses.replace(after, updated_at=now), "status", previous_status=str(ticket.status))
        with stage(self._desk, ticket.site_id, "ticket.updated", data):
            changed = await self._desk.store.update_ticket(ticket.id, now, status=status, mails=mails,
                                                           requester_updated=True)
        if changed is None:
            raise NotFound("no such ticket")
        await self._mailed(mails)
        await self.announce(STATUS, changed[1], by)
        return changed[1]

    async def _claimable(self, claim: FileClaim, ticket_id: str | None) -> list[Attachment]:
        """The claim's files, checked before anything is written (the store
        checks again, in the transaction): at most `max_per_message`, each
        the uploader's, not sent, of no chat and of that ticket (None: of no
        ticket, for the form). Raises TooLarge or Conflict."""
        limit = self._desk.config.attachments.max_per_message
        if len(claim.ids) > limit:
            raise TooLarge(f"at most {limit} files in one message", limit=limit)
        found = []
        for attachment_id in claim.ids:
            a = await self._desk.store.attachment_by_id(attachment_id)
            if (a is None or a.uploader is not claim.uploader or a.uploader_id != claim.uploader_id
                    or a.client_id is not None or a.chat_id is not None or a.ticket_id != ticket_id):
                raise Conflict("an attachment is not yours to send here, or was sent already",
                               attachments=[attachment_id])
            found.append(a)
        return found

    async def reply(self, agent: Agent, ticket_id: str, text: str, files: tuple[str, ...] = ()) -> TicketReply:
        """An agent's reply, mailed to the ticket's email; it carries
        `files`, uploaded into this ticket by the agent (linked in the mail)."""
        ticket, now = await self.get(ticket_id), self._desk.clock.now()
        claim = FileClaim(tuple(dict.fromkeys(files)), Author.AGENT, agent.id) if files else None
        attached = await self._claimable(claim, ticket.id) if claim else []
        reply = TicketReply(id=new_id(), ticket_id=ticket.id, author="agent", text=text, at=now,
                            author_id=agent.id)
        urls = await filelinks.links(self._desk, attached) if ticket.email else {}
        mails = [letters.reply(ticket, await self._recipient(ticket), now, agent.name, text,
                               files=filelinks.lines(attached, urls), link_days=filelinks.link_days(self._desk, urls))
                 ] if ticket.email else []
        shown = {"author": "agent", "agent": {"id": agent.id, "name": agent.name}, "text": text, "at": iso(now)}
        with stage(self._desk, ticket.site_id, "ticket.updated",
                   changed_ticket(dataclasses.replace(ticket, updated_at=now), "reply", reply=shown)):
            stored = await self._desk.store.add_ticket_reply(reply, mails, files=claim)
        await self._mailed(mails)
        await self.announce(REPLY, ticket, agent)
        return stored

    async def assign(self, actor: Agent, ticket_id: str, agent_id: str | None) -> Ticket:
        """The ticket's assignee (told of its SLA clocks) becomes `agent_id`
        (None: nobody, every agent is told). An agent may only take a
        ticket for themselves; a supervisor gives it to anyone or nobody.
        Audited. Raises Forbidden, or NotFound for no such ticket or agent."""
        if actor.role is not Role.SUPERVISOR and agent_id != actor.id:
            raise Forbidden("an agent can take a ticket; only a supervisor gives it to someone else")
        ticket, now = await self.get(ticket_id), self._desk.clock.now()
        if agent_id is not None:
            assignee = await self._desk.store.agent_by_id(agent_id)
            if assignee is None or assignee.removed:
                raise NotFound("no such agent")
        if ticket.assignee_id == agent_id:
            return ticket
        entry = audit.entry(audit.TICKET_ASSIGN, f"ticket:{ticket.id}", now, actor_id=actor.id,
                            data={"from": ticket.assignee_id, "to": agent_id, "ticket": ticket.label})
        data = changed_ticket(dataclasses.replace(ticket, assignee_id=agent_id, updated_at=now), "assignee",
                              assignee={"id": agent_id} if agent_id else None)
        with stage(self._desk, ticket.site_id, "ticket.updated", data):
            changed = await self._desk.store.assign_ticket(ticket.id, agent_id, now, entry)
        if changed is None:
            raise NotFound("no such ticket")
        await self.announce(ASSIGNED, changed, actor)
        return changed

    async def announce(self, action: str, ticket: Ticket, by: Agent | None = None) -> None:
        """Tells every open console that `ticket` changed (`EVENT`), once the
        store has committed the change; `by` None: the visitor or the desk."""
        who = {"id": by.id, "name": by.name} if by is not None else None
        self._desk.events.add(ev.TicketChanged(ROOM, {"action": action, "ticket": ticket_view(ticket), "by": who}))
        await self._desk.bus.publish(TicketSaved(ticket.id))

    # what the desk knows of a visitor
    async def open_tickets(self, visitor: Visitor, topic: str | None = None) -> list[Ticket]:
        """The visitor's open tickets (its verified account's, when it has one)."""
        account = visitor.account
        return await self._desk.store.open_tickets(
            visitor.site_id, account_id=account, visitor_id=None if account else visitor.id, topic=topic)

    async def context(self, visitor: Visitor) -> dict:
        """What agents see beside a chat: the visitor's open tickets and its
        plan's count of tickets used."""
        return await self.context_of(visitor, await self.open_tickets(visitor))

    async def context_of(self, visitor: Visitor, open_tickets: list[Ticket]) -> dict:
        """`context`, its open tickets already read."""
        return {"open_tickets": [ticket_view(t) for t in open_tickets], "quota": await self.quota(visitor)}

    async def quota(self, visitor: Visitor) -> dict | None:
        """Tickets used this calendar year (desk time) against the plan's
        `tickets_included`, warranty tickets not counted; None without a
        verified plan."""
        plan = self._desk.plan(visitor.plan) if visitor.verified else None
        if plan is None:
            return None
        desk = self._desk
        year_start = datetime.combine(desk.clock.now().astimezone(desk.tz).date().replace(month=1, day=1),
                                      time(), tzinfo=desk.tz).astimezone(UTC)
        account = visitor.account_id
        used = await desk.store.count_tickets(visitor.site_id, account_id=account,
                                              visitor_id=None if account else visitor.id, since=year_start)
        return {"plan": visitor.plan, "used": used, "included": plan.tickets_included,
                "over": used > plan.tickets_included}

    async def _recipient(self, ticket: Ticket) -> str:
        """The ticket's email, with its visitor's name when known."""
        visitor = await self._desk.store.visitor_by_id(ticket.visitor_id) if ticket.visitor_id else None
        return letters.recipient(ticket.email or "", visitor.name if visitor else None)

    async def _mailed(self, mails: list) -> None:
        if mails:
            await self._desk.bus.publish(MailQueued())


def checked_email(email: str | None) -> str | None:
    """`email` trimmed, if it is one bare address (`local@domain`: no
    display name, no quoting, nothing a header parser would decode).
    Raises BadRequest otherwise."""
    if email is None:
        return None
    try:
        return address_of(email)
    except ValueError:
        raise BadRequest("email: not an email address (name@example.com)") from None


def own_verified(visitor: Visitor, email: str) -> bool:
    """`email` is the verified visitor's own, from its identity."""
    return bool(visitor.verified and visitor.email and visitor.email.casefold() == email.casefold())


def chat_request(chat: Chat, messages: list[Message], visitor: Visitor | None, *,
                 subject: str | None, priority: Priority | None) -> TicketRequest:
    """What a ticket made from a chat says: the visitor's first words as
    subject unless one is given, the chat's priority unless one is given."""
    first = next((m.text for m in messages if str(m.author) == "visitor"), "")
    return TicketRequest(subject=subject or subject_of(first) or "Chat", text=first,
                         email=visitor.email if visitor else None, priority=priority or chat.priority,
                         topic=chat.topic)
