"""Tickets, their replies, and a chat turned into a ticket (part of `SqlStore`).

Ticket numbers come from the `counters` row "ticket", bumped by the very
transaction that stores the ticket: its row lock makes concurrent creators
(on any node) take turns, and a transaction that rolls back gives its
number back, so numbers run 1, 2, 3... On SQLite the bump, being the
transaction's first statement, takes the database's write lock instead.

Lock order, so that two nodes never deadlock: a transaction that stores a
ticket takes the counter row first, a chat row after it. The group-commit
writer takes chat rows and never the counter.

Mail given to a ticket's change is queued in the same transaction, with
`TICKET_LABEL` in its subject and text replaced by the ticket's label: the
caller cannot know the number of a ticket not stored yet.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, Select, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..services import errors
from ..services.model import (TICKET_LABEL, AuditEntry, Chat, ChatStatus, EndReason, FileClaim, Message, NewMessage,
                              OutgoingMail, Priority, Ticket, TicketReply, TicketStatus)
from . import rows
from .attachments import carry_chat_files, claim_files
from .tables import attachments
from ..services.hook_events import take_staged
from ..services.webhook_types import HookRow
from .base import (SqlBase, dialect_insert, first_row, insert_audit, insert_hooks, insert_mails, matching, maybe,
                   returned)
from .tags import ticket_has_tag
from .tables import chats, counters, messages, ticket_replies, tickets

PLACEHOLDER = TICKET_LABEL
TICKET_COUNTER = "ticket"
OPEN_STATUSES = (TicketStatus.PENDING_CONFIRMATION, TicketStatus.OPEN, TicketStatus.PENDING)
NEWEST_FIRST = (tickets.c.created_at.desc(), tickets.c.number.desc())
# A query that is a label or a number: "SD-000012", "sd-12", "#12", "12".
LABEL = re.compile(r"(?:SD-?)?#?0*(\d{1,9})", re.IGNORECASE)


class TicketRecords(SqlBase):
    async def create_ticket(self, ticket: Ticket, mails: Sequence[OutgoingMail] = (),
                            files: FileClaim | None = None, audit: AuditEntry | None = None) -> Ticket:
        """Store `ticket` under the next number (its own `number` is
        ignored) and queue `mails` and `audit` in the same transaction
        (`TICKET_LABEL` in the audit's data made the label); the ticket takes
        `files` (uploaded for a ticket form: of no chat nor ticket, not sent),
        or nothing is stored and Conflict is raised."""
        async with self._transaction() as conn:
            stored = await _insert_ticket(conn, ticket, await _next_number(conn))
            if files is not None and files.ids:
                await claim_files(conn, files, [attachments.c.chat_id.is_(None), attachments.c.ticket_id.is_(None)],
                                  {"ticket_id": stored.id, "client_id": stored.id})
            await insert_mails(conn, labelled(mails, stored.label))
            await insert_hooks(conn, labelled_hooks(take_staged(), stored.label))
            if audit is not None:
                data = {k: stored.label if v == PLACEHOLDER else v for k, v in (audit.data or {}).items()}
                await insert_audit(conn, dataclasses.replace(audit, data=data))
        return stored

    async def tickets_split_from(self, ticket_id: str) -> list[Ticket]:
        """The tickets an agent split from this one, newest first."""
        return await self._tickets([tickets.c.split_from == ticket_id])

    async def ticket_by_id(self, ticket_id: str) -> Ticket | None:
        return await self._ticket_where(tickets.c.id == ticket_id)

    async def ticket_by_number(self, number: int) -> Ticket | None:
        return await self._ticket_where(tickets.c.number == number)

    async def ticket_by_confirm_hash(self, confirm_hash: str) -> Ticket | None:
        return await self._ticket_where(tickets.c.confirm_hash == confirm_hash)

    async def _ticket_where(self, condition: ColumnElement[bool]) -> Ticket | None:
        return maybe(rows.ticket_of, await self._first(select(tickets).where(condition)))

    async def list_tickets(self, *, site_id: str | None = None, statuses: Sequence[TicketStatus] = (),
                           visitor_id: str | None = None, account_id: str | None = None,
                           topic: str | None = None, priority: Priority | None = None,
                           query: str | None = None, tag_id: str | None = None, limit: int = 50,
                           offset: int = 0) -> list[Ticket]:
        """Tickets matching every filter given, newest first. `query`
        matches the subject (case-insensitively, its LIKE wildcards taken
        literally), or the label or number ("SD-000012", "12"); `tag_id`
        keeps the tickets carrying that tag."""
        t = tickets.c
        conditions = matching((t.site_id, site_id), (t.visitor_id, visitor_id),
                              (t.account_id, account_id), (t.topic, topic),
                              (t.priority, priority.value if priority else None))
        if statuses:
            conditions.append(t.status.in_([s.value for s in statuses]))
        if query and query.strip():
            conditions.append(_matches(query.strip()))
        if tag_id is not None:
            conditions.append(ticket_has_tag(t.id, tag_id))
        return await self._tickets(conditions, limit=limit, offset=offset)

    async def _tickets(self, conditions: Sequence[ColumnElement[bool]], *,
                       limit: int | None = None, offset: int = 0) -> list[Ticket]:
        stmt = select(tickets).where(*conditions).order_by(*NEWEST_FIRST).limit(limit).offset(offset)
        return [rows.ticket_of(r) for r in await self._all(stmt)]

    async def update_ticket(self, ticket_id: str, at: datetime, *, status: TicketStatus | None = None,
                            priority: Priority | None = None, clear_confirm: bool = False,
                            mails: Sequence[OutgoingMail] = (),
                            requester_updated: bool = False,
                            only_from: TicketStatus | None = None) -> tuple[Ticket, Ticket] | None:
        """Change the ticket and set its `updated_at` to `at`; (before,
        after). None, and nothing written (no mail, no webhook event), if
        there is no such ticket or, with `only_from`, it is no longer in that
        status (a second click on a confirmation link: one confirms).
        A status solved or closed sets `resolved_at` (kept from the first
        time), any other clears it (reopened); `requester_updated` sets
        `last_update_at` to `at`."""
        changes: dict[str, Any] = {"updated_at": at}
        changes |= {"status": status.value} if status else {}
        changes |= _resolution(status, at) if status else {}
        changes |= {"last_update_at": at} if requester_updated else {}
        changes |= {"priority": priority.value} if priority else {}
        changes |= {"confirm_hash": None} if clear_confirm else {}
        async with self._transaction() as conn:
            # A write that changes nothing, first: it locks the row (and on
            # SQLite the database) before `before` is read.
            unchanged = {"updated_at": tickets.c.updated_at}
            only = () if only_from is None else (tickets.c.status == only_from.value,)
            before = maybe(rows.ticket_of, await first_row(conn, _ticket_update(ticket_id, unchanged, *only)))
            if before is None:
                await conn.rollback()  # nothing changed: the staged ticket.updated goes nowhere
                return None
            after = rows.ticket_of(returned(await first_row(conn, _ticket_update(ticket_id, changes))))
            await insert_mails(conn, labelled(mails, after.label))
        return before, after

    async def add_ticket_reply(self, reply: TicketReply, mails: Sequence[OutgoingMail] = (),
                               files: FileClaim | None = None) -> TicketReply:
        """Store `reply`, set the ticket's `updated_at` to the reply's time,
        and queue `mails`, in one transaction; the reply takes `files`
        (uploaded into that ticket, not sent), or Conflict and nothing
        stored. Raises NotFound if there is no such ticket."""
        touch: dict[str, Any] = {"updated_at": reply.at}
        if reply.author == "agent":  # the service levels: answered, updated, and its first replier's
            t = tickets.c
            touch |= {"first_response_at": func.coalesce(t.first_response_at, reply.at),
                      "last_update_at": reply.at, "assignee_id": func.coalesce(t.assignee_id, reply.author_id)}
        async with self._transaction() as conn:
            touched = await first_row(conn, _ticket_update(reply.ticket_id, touch))
            if touched is None:
                raise errors.NotFound(f"no ticket {reply.ticket_id}")
            # the ticket's row is locked by the update above: no other reply to it takes this seq
            r = ticket_replies.c
            seq = select(func.coalesce(func.max(r.seq), 0) + 1).where(r.ticket_id == reply.ticket_id)
            stmt = (insert(ticket_replies).values({**rows.reply_values(reply), "seq": seq.scalar_subquery()})
                    .returning(*ticket_replies.c))
            stored = rows.reply_of(returned(await first_row(conn, stmt)))
            if files is not None and files.ids:
                await claim_files(conn, files, [attachments.c.ticket_id == reply.ticket_id],
                                  {"client_id": stored.id})
            await insert_mails(conn, labelled(mails, rows.ticket_of(touched).label))
        return stored

    async def ticket_replies(self, ticket_id: str) -> list[TicketReply]:
        """The ticket's replies, oldest first."""
        r = ticket_replies.c
        stmt = select(ticket_replies).where(r.ticket_id == ticket_id).order_by(r.at, r.seq, r.id)
        return [rows.reply_of(row) for row in await self._all(stmt)]

    async def count_tickets(self, site_id: str, *, account_id: str | None = None,
                            visitor_id: str | None = None, since: datetime | None = None,
                            include_warranty: bool = False) -> int:
        """The tickets of the account (or, with no account, of the visitor)
        created at `since` or later, in any status (pending confirmation
        too); warranty tickets only if `include_warranty`. Raises BadRequest
        when neither an account nor a visitor is given."""
        t = tickets.c
        conditions = [t.site_id == site_id, _owner(account_id, visitor_id)]
        if since is not None:
            conditions.append(t.created_at >= since)
        if not include_warranty:
            conditions.append(t.warranty.is_(False))
        count: int = await self._scalar(select(func.count()).select_from(tickets).where(*conditions))
        return count

    async def open_tickets(self, site_id: str, *, account_id: str | None = None,
                           visitor_id: str | None = None, topic: str | None = None) -> list[Ticket]:
        """The tickets not solved or closed of the account (or, with no
        account, of the visitor), of that topic if given; newest first.
        Raises BadRequest when neither an account nor a visitor is given."""
        return [rows.ticket_of(r) for r in await self._all(open_tickets_query(site_id, account_id, visitor_id, topic))]

    async def convert_chat(self, chat_id: str, at: datetime, ticket: Ticket, receipt: NewMessage,
                           mails: Sequence[OutgoingMail] = (),
                           audit: AuditEntry | None = None) -> tuple[Chat, Ticket, Message] | None:
        """In one transaction: store `ticket` for the chat under the next
        number, append `receipt` as the chat's next message, end the chat
        (reason "converted", at `at`), queue `mails`, record `audit`, and
        the receipt's webhook rows (`receipt.hooks`) before the staged ones.
        `TICKET_LABEL` in the receipt, the mails and the audit entry's
        `data["ticket"]` becomes the label. None, and nothing written,
        if the chat has ended or does not exist. Raises BadRequest if the
        receipt is for another chat."""
        if receipt.chat_id != chat_id:
            raise errors.BadRequest("the receipt belongs to another chat")
        async with self._transaction() as conn:
            number = await _next_number(conn)  # the counter before the chat: see the lock order
            chat = await _end_converted(conn, chat_id, at)
            if chat is None:
                await conn.rollback()  # gives the number back
                return None
            stored = await _insert_ticket(conn, dataclasses.replace(ticket, chat_id=chat_id), number)
            await carry_chat_files(conn, chat_id, stored.id)
            text = receipt.text.replace(PLACEHOLDER, stored.label)
            message = rows.stored_message(dataclasses.replace(receipt, text=text), chat.last_seq)
            await conn.execute(insert(messages).values(rows.message_values(message)))
            await insert_mails(conn, labelled(mails, stored.label))
            said = receipt.hooks(message) if receipt.hooks is not None else []  # its chat.message, first
            await insert_hooks(conn, [*said, *labelled_hooks(take_staged(), stored.label)])
            if audit is not None:
                data = {k: stored.label if v == PLACEHOLDER else v for k, v in (audit.data or {}).items()}
                await insert_audit(conn, dataclasses.replace(audit, data=data))
        return chat, stored, message


def _resolution(status: TicketStatus, at: datetime) -> dict[str, Any]:
    """`resolved_at` for a ticket moving to `status` at `at`."""
    if status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        return {"resolved_at": func.coalesce(tickets.c.resolved_at, at)}
    return {"resolved_at": None}


def labelled(mails: Sequence[OutgoingMail], label: str) -> list[OutgoingMail]:
    """`mails` with `TICKET_LABEL` in their subject and text replaced by `label`."""
    return [dataclasses.replace(m, subject=m.subject.replace(PLACEHOLDER, label),
                                text=m.text.replace(PLACEHOLDER, label)) for m in mails]


def labelled_hooks(hooks: Sequence[HookRow], label: str) -> list[HookRow]:
    """Staged webhook rows with `TICKET_LABEL` in their body replaced by
    `label` (a new ticket's number is known only here)."""
    return [dataclasses.replace(h, body=h.body.replace(PLACEHOLDER, label)) for h in hooks]


async def _next_number(conn: AsyncConnection) -> int:
    """Bump the ticket counter (made at 1 the first time); its row stays
    locked until the transaction ends."""
    stmt = (dialect_insert(conn.dialect.name, counters).values(name=TICKET_COUNTER, value=1)
            .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
            .returning(counters.c.value))
    number: int = (await conn.execute(stmt)).scalar_one()
    return number


async def _insert_ticket(conn: AsyncConnection, ticket: Ticket, number: int) -> Ticket:
    values = rows.ticket_values(dataclasses.replace(ticket, number=number))
    row = await first_row(conn, insert(tickets).values(values).returning(*tickets.c))
    return rows.ticket_of(returned(row))


def _ticket_update(ticket_id: str, changes: dict[str, Any], *where: ColumnElement[bool]) -> Executable:
    return update(tickets).where(tickets.c.id == ticket_id, *where).values(changes).returning(*tickets.c)


async def _end_converted(conn: AsyncConnection, chat_id: str, at: datetime) -> Chat | None:
    """End the chat as converted and take its next seq (`last_seq` + 1,
    under the row lock, as the group-commit writer does); None if it had
    ended or does not exist."""
    stmt = (update(chats).where(chats.c.id == chat_id, chats.c.status != ChatStatus.ENDED.value)
            .values(status=ChatStatus.ENDED.value, end_reason=EndReason.CONVERTED.value,
                    ended_at=at, last_seq=chats.c.last_seq + 1)
            .returning(*chats.c))
    return maybe(rows.chat_of, await first_row(conn, stmt))


def _matches(query: str) -> ColumnElement[bool]:
    in_subject = tickets.c.subject.icontains(query, autoescape=True)
    label = LABEL.fullmatch(query)
    return in_subject if label is None else or_(in_subject, tickets.c.number == int(label.group(1)))


def open_tickets_query(site_id: str, account_id: str | None, visitor_id: str | None,
                       topic: str | None = None) -> Select:
    """The query of `open_tickets`."""
    t = tickets.c
    return (select(tickets).where(t.site_id == site_id, _owner(account_id, visitor_id),
                                  t.status.in_([s.value for s in OPEN_STATUSES]), *matching((t.topic, topic)))
            .order_by(*NEWEST_FIRST))


def _owner(account_id: str | None, visitor_id: str | None) -> ColumnElement[bool]:
    """The tickets of the account if given, else of the visitor."""
    if account_id is not None:
        return tickets.c.account_id == account_id
    if visitor_id is not None:
        return tickets.c.visitor_id == visitor_id
    raise errors.BadRequest("an account or a visitor is needed")
