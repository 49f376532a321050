"""Ticket intake beyond opening one (services/tickets.py): one problem per
ticket, so an agent splits a ticket that holds two; and a receipt asked
for again by a visitor who did not get it (without a receipt a request has
not reached the desk: it must be able to tell).
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from . import audit, letters
from .bus import MailQueued
from .context import Desk
from .evidence import evidence_fields
from .hook_events import new_ticket, stage
from .errors import BadRequest, Conflict, NoEmail, NotFound, RateLimited
from .model import TICKET_LABEL, Agent, Ticket, TicketStatus, Visitor
from .tickets import OPENED, TicketRequest, TicketService, subject_of

SPLIT = "ticket_split"  # the audit action: data {"ticket_id", "ticket"}: the new one
SPLIT_ACTION = "split"  # ticket:changed's action on the ticket split from
SPLITS_PER_MINUTE = 10  # per agent: each one mails a receipt
RECEIPTS_PER_HOUR = 5  # per visitor, asked again (lookups of numbers count too)
RECEIPTS_PER_TICKET_HOUR = 2  # per ticket: its receipt goes to one address
RATE_WINDOW_S = 3600
# "SD-000012", "sd-12", "#12", "12": the number a visitor reads on a receipt.
NUMBER = re.compile(r"(?:SD-?)?#?0*(\d{1,9})", re.IGNORECASE)


@dataclasses.dataclass(frozen=True, slots=True)
class SplitRequest:
    text: str  # the part of the ticket's text that is another problem
    subject: str | None = None  # None: the text's first line


class IntakeService:
    def __init__(self, desk: Desk, tickets: TicketService) -> None:
        self._desk = desk
        self._tickets = tickets

    async def split(self, agent: Agent, ticket_id: str, request: SplitRequest) -> Ticket:
        """A new ticket for the same requester (visitor, account, email),
        topic, priority and evidence, holding `request.text`; it names the
        ticket it came from (`split_from`, and the first lists it: linked
        both ways). Audited and its receipt queued in one transaction.
        Raises NotFound, Conflict (a ticket waiting for its confirmation:
        its requester has not said it is theirs yet), RateLimited."""
        desk, now = self._desk, self._desk.clock.now()
        if not await desk.live.hit_rate(f"splits:agent:{agent.id}", SPLITS_PER_MINUTE, 60, now):
            raise RateLimited(f"at most {SPLITS_PER_MINUTE} splits a minute")
        original = await self._tickets.get(ticket_id)
        if original.status is TicketStatus.PENDING_CONFIRMATION:
            raise Conflict("this ticket waits for the requester's confirmation: split it once confirmed")
        visitor = await desk.store.visitor_by_id(original.visitor_id) if original.visitor_id else None
        asked = TicketRequest(subject=request.subject or subject_of(request.text), text=request.text,
                              email=original.email, priority=original.priority, topic=original.topic,
                              warranty=original.warranty, evidence=original.evidence)
        ticket = dataclasses.replace(
            self._tickets.draft(visitor, asked, now, site_id=original.site_id, created_by=agent.id,
                                department=original.department),
            visitor_id=original.visitor_id, account_id=original.account_id, split_from=original.id)
        mails = [letters.receipt(ticket, letters.recipient(ticket.email, visitor.name if visitor else None),
                                 now, desk.tz)] if ticket.email else []
        entry = audit.entry(SPLIT, f"ticket:{original.id}", now, actor_id=agent.id,
                            data={"ticket_id": ticket.id, "ticket": TICKET_LABEL, "from": original.label})
        with stage(desk, ticket.site_id, "ticket.created", new_ticket(ticket)):
            stored = await desk.store.create_ticket(ticket, mails, audit=entry)
        if mails:
            await desk.bus.publish(MailQueued())
        await self._tickets.announce(OPENED, stored, agent)
        await self._tickets.announce(SPLIT_ACTION, original, agent)
        return stored

    async def resend_receipt(self, visitor: Visitor, number: str) -> Ticket:
        """Mails the receipt of the visitor's own ticket (its own, or its
        verified account's) again, to the ticket's email. Raises
        RateLimited (counted before the ticket is looked up, so numbers
        cannot be tried fast), BadRequest for what is not a ticket number,
        NotFound for a ticket that is not the visitor's (whether or not it
        exists), Conflict for one still waiting for its confirmation (its
        link is the mail to find), NoEmail for one without an email."""
        desk, now = self._desk, self._desk.clock.now()
        if not await desk.live.hit_rate(f"receipts:visitor:{visitor.id}", RECEIPTS_PER_HOUR, RATE_WINDOW_S, now):
            raise RateLimited(f"at most {RECEIPTS_PER_HOUR} receipts asked for an hour: try again later")
        found = NUMBER.fullmatch(number.strip())
        if found is None:
            raise BadRequest("number: a ticket number, as on its receipt (SD-000123)")
        ticket = await desk.store.ticket_by_number(int(found.group(1)))
        if ticket is None or not owns(visitor, ticket):
            raise NotFound("you have no ticket with that number")
        if ticket.status is TicketStatus.PENDING_CONFIRMATION:
            raise Conflict("this ticket waits for your confirmation: follow the link we mailed you")
        if not ticket.email:
            raise NoEmail("this ticket has no email to send its receipt to")
        if not await desk.live.hit_rate(f"receipts:ticket:{ticket.id}", RECEIPTS_PER_TICKET_HOUR, RATE_WINDOW_S, now):
            raise RateLimited(f"this ticket's receipt was sent {RECEIPTS_PER_TICKET_HOUR} times this hour: "
                              "check your spam folder, or try again later")
        mail = letters.receipt(ticket, letters.recipient(ticket.email, visitor.name), now, desk.tz)
        await desk.store.queue_mail(dataclasses.replace(
            mail, subject=mail.subject.replace(TICKET_LABEL, ticket.label),
            text=mail.text.replace(TICKET_LABEL, ticket.label)))
        await desk.bus.publish(MailQueued())
        return ticket


async def detail(desk: Desk, ticket: Ticket, files: int) -> dict[str, Any]:
    """What the console's ticket view adds for intake: its evidence (each
    field its topic asks for, given or `missing`; `files`: how many files
    the ticket carries), the ticket it was split from and those split
    from it (`{"id", "number"}`)."""
    parent = await desk.store.ticket_by_id(ticket.split_from) if ticket.split_from else None
    children = await desk.store.tickets_split_from(ticket.id)
    return {"evidence": evidence_fields(desk.topic(ticket.topic), ticket, files),
            "split_from": _link(parent) if parent else None, "split_into": [_link(t) for t in children]}


def _link(ticket: Ticket) -> dict[str, str]:
    return {"id": ticket.id, "number": ticket.label}


def owns(visitor: Visitor, ticket: Ticket) -> bool:
    """The visitor opened it, or it is its verified account's (as `session`'s open tickets)."""
    if ticket.site_id != visitor.site_id:
        return False
    return ticket.visitor_id == visitor.id or bool(visitor.account and ticket.account_id == visitor.account)
