"""`SqlStore`: the `services.ports.Store` port on SQLAlchemy Core (async),
for SQLite (aiosqlite) and PostgreSQL (asyncpg).

Every write is one transaction that starts with its write statement: on
SQLite that takes the write lock before any snapshot is read, so a busy
database makes it wait (busy_timeout) instead of failing.
"""
from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (ColumnElement, Connection, bindparam, case, insert, literal, literal_column, or_, select, text,
                        update)
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ..services import errors
from ..services.model import (Agent, AgentStatus, Assigned, Assignment, AuditEntry, Chat, ChatStarted, ChatStatus,
                              Message, NewMessage, OutgoingMail, Priority, QueuedMail, Site, SlaEvent, Visitor,
                              VisitorAtStart)
from . import migrate, rows
from ..services.hook_events import take_staged
from .base import (SqlBase, dialect_insert, first_row, insert_audit, insert_hooks, insert_hooks_sync, insert_mails,
                   maybe, returned, upsert_of)
from .accounts import AccountRecords
from .own_account import OwnAccountRecords
from .integrations import IntegrationRecords
from .listing import ListingRecords
from .attachments import AttachmentRecords
from .canned import CannedRecords
from .moderation import ModerationRecords, keeping_out, suspension_of
from .people import PeopleRecords
from .policy_records import PolicyRecords
from .reports import ReportRecords
from .search import SearchRecords
from .sessions import SessionRecords
from .sites import SiteRecords
from .tags import TagRecords
from .topics import TopicRecords
from .tables import agents, chat_agents, chats, messages, outbox, sites, sla_events, visitors
from .tickets import TicketRecords, open_tickets_query
from .ticket_sla import TicketSlaRecords
from .trust import TrustRecords
from .visits import VisitRecords
from .webhooks import WebhookRecords
from .types import utc
from .engine import pg_writer_engine, refuse_nul, sqlite_loop_reads, sqlite_writer_engine
from .shared_reads import KeyedReads
from .batch_sqlite import ReadBusy, Statements, statements
from .writer import GroupWriter

__all__ = ["SqlStore", "insert_mails"]

# The condition of the partial index on the open chat of each visitor, as a
# literal: bound as a parameter, PostgreSQL's generic plan cannot use the
# index (a scan of every chat; tests/contract/test_open_chat_plan.py).
NOT_ENDED = chats.c.status != literal_column(f"'{ChatStatus.ENDED.value}'")
READ_SEQ = {"visitor": chats.c.visitor_read_seq, "agent": chats.c.agent_read_seq}
UNSENT = outbox.c.sent_at.is_(None)
# chat:start's statements, built once: SQLAlchemy compiles a statement
# once and finds it again by its cache key, but it works that key out
# afresh for every new statement object (~70 us each on this machine's
# writer thread, where a burst of starts runs them all in turn).
_VISITOR = select(visitors).where(visitors.c.id == bindparam("visitor_id"))
_OPEN_CHAT = select(chats).where(chats.c.visitor_id == bindparam("visitor_id"), NOT_ENDED)
_OPEN_CHAT_ID = select(chats.c.id).where(chats.c.visitor_id == bindparam("visitor_id"), NOT_ENDED)
_OPEN_TICKETS = {  # by whose tickets: the verified account's, else the visitor's own
    True: open_tickets_query(bindparam("site_id"), bindparam("account_id"), None),
    False: open_tickets_query(bindparam("site_id"), None, bindparam("visitor_id"))}
_KEEPING_OUT = {  # with an account (its suspensions count too) or without
    True: keeping_out(bindparam("site_id"), bindparam("account_id"), bindparam("visitor_id"), bindparam("now")),
    False: keeping_out(bindparam("site_id"), None, bindparam("visitor_id"), bindparam("now"))}
_INSERT_CHAT = insert(chats)
_KEEP_AT_UPSERT = ("id", "site_id", "created_at")  # a visitor saved again keeps these
_INSERT_MESSAGE = insert(messages)
_INSERT_CHAT_AGENT = insert(chat_agents)
# A mail's text once it is sent or given up on: mails carry one-time
# password links and transcripts, which the outbox has no reason to keep
# (who, what subject and when stay, for the record).
DELIVERED_BODY = ""
# How long a claimed mail is kept from other workers (seconds): longer than
# a worker's whole batch of sends, each bounded by its SMTP timeout.
MAIL_LEASE_S = 600.0
ERROR_CHARS = 1000


class SqlStore(TicketRecords, PolicyRecords, TrustRecords, ModerationRecords, ReportRecords, CannedRecords,
               SessionRecords, AttachmentRecords, SearchRecords, TagRecords, VisitRecords, SiteRecords,
               AccountRecords, TopicRecords, PeopleRecords, OwnAccountRecords,
               TicketSlaRecords, IntegrationRecords, ListingRecords, WebhookRecords,
               SqlBase):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._writer = GroupWriter(engine, sqlite_writer=sqlite_writer_engine(engine),
                                   pg_writer=pg_writer_engine(engine))
        self._loop_reads = sqlite_loop_reads(engine)
        self._open_chats: KeyedReads[str, Chat] = KeyedReads(self._open_chats_of)

    @property
    def batches_committed(self) -> int:
        """Group-commit transactions committed so far."""
        return self._writer.batches_committed

    async def migrate(self) -> None:
        await migrate.upgrade(self._engine)

    async def close(self) -> None:
        """Commit every message already appended, then release the database."""
        await self._writer.close()
        if self._loop_reads is not None:
            self._loop_reads.close()
        await self._engine.dispose()

    # sites and agents
    async def save_site(self, site: Site) -> Site:
        row = await self._write(self._upsert(sites, rows.site_values(site), key="key"))
        return rows.site_of(returned(row))

    async def site_by_key(self, key: str) -> Site | None:
        return maybe(rows.site_of, await self._first(select(sites).where(sites.c.key == key)))

    async def site_by_id(self, site_id: str) -> Site | None:
        return maybe(rows.site_of, await self._first(select(sites).where(sites.c.id == site_id)))

    async def save_agent(self, agent: Agent) -> Agent:
        row = await self._write(self._upsert(agents, rows.agent_values(agent), key="email"))
        return rows.agent_of(returned(row))

    async def agent_by_id(self, agent_id: str) -> Agent | None:
        return await self._agent_where(agents.c.id == agent_id)

    async def agent_by_email(self, email: str) -> Agent | None:
        return await self._agent_where(agents.c.email == email)

    async def agent_by_token_hash(self, token_hash: str) -> Agent | None:
        return await self._agent_where(agents.c.token_hash == token_hash)

    async def _agent_where(self, condition: ColumnElement[bool]) -> Agent | None:
        row = await self._first(select(agents).where(condition).order_by(agents.c.id).limit(1))
        return maybe(rows.agent_of, row)

    async def list_agents(self) -> list[Agent]:
        return [rows.agent_of(r) for r in await self._all(select(agents).order_by(agents.c.email))]

    async def set_agent_status(self, agent_id: str, status: AgentStatus) -> None:
        await self._write(update(agents).where(agents.c.id == agent_id).values(status=status.value))

    # visitors
    async def save_visitor(self, visitor: Visitor) -> Visitor:
        """Insert, or update the visitor with this id (its site and creation
        time stay as first stored)."""
        stmt = self._upsert(visitors, rows.visitor_values(visitor), key="id",
                            keep=("id", "site_id", "created_at"))
        return rows.visitor_of(returned(await self._write(stmt)))

    async def visitor_by_id(self, visitor_id: str) -> Visitor | None:
        return await self._visitor_where(visitors.c.id == visitor_id)

    async def visitor_by_token_hash(self, site_id: str, token_hash: str) -> Visitor | None:
        return await self._visitor_where(visitors.c.site_id == site_id,
                                         visitors.c.token_hash == token_hash)

    async def visitor_by_external_id(self, site_id: str, external_id: str) -> Visitor | None:
        """The newest visitor of the site with this external id."""
        return await self._visitor_where(visitors.c.site_id == site_id,
                                         visitors.c.external_id == external_id)

    async def search_visitors(self, query: str, limit: int = 20) -> list[Visitor]:
        """Stored visitors whose id is `query`, or whose name, email, account
        or external id contains it (case-insensitively, `%` and `_` taken
        literally); the newest first. A scan of the visitors: bounded by
        `limit`, for a supervisor's search, not for hot paths."""
        v = visitors.c
        found = or_(v.id == query, *(column.icontains(query, autoescape=True)
                                     for column in (v.name, v.email, v.account_id, v.external_id)))
        stmt = select(visitors).where(found).order_by(v.created_at.desc(), v.id).limit(limit)
        return [rows.visitor_of(r) for r in await self._all(stmt)]

    async def _visitor_where(self, *conditions: ColumnElement[bool]) -> Visitor | None:
        stmt = (select(visitors).where(*conditions)
                .order_by(visitors.c.created_at.desc(), visitors.c.id).limit(1))
        return maybe(rows.visitor_of, await self._first(stmt))

    # chats
    async def create_chat(self, chat: Chat, first: NewMessage | None) -> tuple[Chat, Message | None]:
        """Insert `chat` and, if given, its first message as seq 1 (the
        chat's `last_seq` is set to match). Raises ChatActive if the visitor
        has a chat not ended, BadRequest if `first` is for another chat."""
        if first is not None and first.chat_id != chat.id:
            raise errors.BadRequest("the first message belongs to another chat")
        message = None if first is None else rows.stored_message(first, 1)
        values = rows.chat_values(chat) | {"last_seq": 0 if message is None else 1}
        try:
            async with self._engine.begin() as conn:
                row = (await conn.execute(insert(chats).values(values).returning(*chats.c))).mappings().one()
                if message is not None:
                    await conn.execute(insert(messages).values(rows.message_values(message)))
        except IntegrityError as exc:
            raise await self._chat_refused(chat, exc) from exc
        return rows.chat_of(row), message

    async def visitor_at_start(self, visitor: Visitor) -> VisitorAtStart:
        """What a chat:start reads, in one snapshot: the visitor as stored
        (None before its first chat), its chat not ended, and the open
        tickets of its verified account (else its own), newest first. On
        SQLite, read on the event loop's thread (`LoopReads`) while the
        writer is idle, else as a job of its next batch (a burst of starts
        reads together, beside the event loop). What was read may change
        before the start is stored: `start_chat` checks the open chat again
        in its transaction."""
        def read(db: Statements) -> VisitorAtStart:
            stored = maybe(rows.visitor_of, db.first(_VISITOR, {"visitor_id": visitor.id}))
            who = stored if stored is not None and stored.site_id == visitor.site_id else visitor
            chat = db.first(_OPEN_CHAT, {"visitor_id": visitor.id})
            account = who.account
            tickets = db.all(_OPEN_TICKETS[account is not None], {
                "site_id": who.site_id, "account_id": account, "visitor_id": who.id})
            return VisitorAtStart(stored, maybe(rows.chat_of, chat), [rows.ticket_of(r) for r in tickets])
        if self._loop_reads is not None and not self._writer.busy:
            try:
                return self._loop_reads.read(read)
            except ReadBusy:
                pass  # for a moment: read on the writer's thread, which waits its turn
        return await self._writer.job(lambda conn: read(statements(conn)))

    async def start_chat(self, visitor: Visitor, chat: Chat, first: NewMessage) -> ChatStarted:
        """A visitor's chat:start in one transaction: unless the visitor
        has a chat not ended (ChatActive is raised, nothing stored), store
        `visitor` (insert or update, as `save_visitor`), then, unless a
        suspension keeps it out at `chat.started_at` (returned in
        `kept_out`, the chat not stored), insert `chat` and `first` as its
        seq 1 and, when the chat comes
        with its agent, record the agent among those who handled it. On
        SQLite it joins the group commit's next batch. Raises BadRequest if
        `first` is for another chat or any text holds a NUL."""
        if first.chat_id != chat.id:
            raise errors.BadRequest("the first message belongs to another chat")
        message = rows.stored_message(first, 1)
        visitor_values, chat_values = rows.visitor_values(visitor), rows.chat_values(chat) | {"last_seq": 1}
        message_values = rows.message_values(message)
        as_stored = rows.chat_of({k: utc(v) if isinstance(v, datetime) else v for k, v in chat_values.items()})
        for values in (visitor_values, chat_values, message_values):
            refuse_nul(None, None, "", values, None, False)  # before the batch: alone, not with everyone's
        hooks = take_staged()  # chat.started: stored only with the chat

        def write(conn: Connection) -> ChatStarted | errors.DeskError:
            if conn.dialect.name == "postgresql":
                # The lock an insert takes, taken first: a suspension (which locks the table
                # EXCLUSIVE) has committed before this point, or waits for this transaction.
                conn.execute(text("LOCK TABLE chats IN ROW EXCLUSIVE MODE"))
            db = statements(conn)
            # Before the visitor is saved: a refused start stores nothing (a second tab's
            # claimed name must not replace the one its open chat is shown with).
            if db.first(_OPEN_CHAT_ID, {"visitor_id": visitor.id}):
                return errors.ChatActive("the visitor already has a chat that has not ended")
            upsert = upsert_of(conn.dialect.name, visitors, tuple(visitor_values), "id", _KEEP_AT_UPSERT)
            stored = rows.visitor_of(returned(db.first(upsert, visitor_values)))
            kept_out = db.first(_KEEPING_OUT[stored.account is not None], {
                "site_id": stored.site_id, "account_id": stored.account, "visitor_id": stored.id,
                "now": chat.started_at})
            if kept_out is not None:
                return ChatStarted(stored, chat, message, suspension_of(kept_out))
            db.run(_INSERT_CHAT, chat_values)
            db.run(_INSERT_MESSAGE, message_values)
            if chat.agent_id is not None:
                db.run(_INSERT_CHAT_AGENT, {"chat_id": chat.id, "agent_id": chat.agent_id,
                                            "assigned_at": chat.assigned_at or chat.started_at})
            insert_hooks_sync(conn, hooks)
            return ChatStarted(stored, as_stored, message, None)

        try:
            return await self._writer.job(write)
        except IntegrityError as exc:  # PostgreSQL: another node stored a chat for the visitor meanwhile
            raise await self._chat_refused(chat, exc) from exc

    async def _chat_refused(self, chat: Chat, exc: IntegrityError) -> errors.Conflict:
        # Ask rather than parse the driver's message: the two backends word
        # a broken partial index differently.
        open_chat = await self.open_chat_of_visitor(chat.visitor_id)
        if open_chat is not None and open_chat.id != chat.id:
            return errors.ChatActive("the visitor already has a chat that has not ended")
        return errors.Conflict(f"chat refused: {exc.orig}")

    async def chat_by_id(self, chat_id: str) -> Chat | None:
        return maybe(rows.chat_of, await self._first(select(chats).where(chats.c.id == chat_id)))

    async def open_chat_of_visitor(self, visitor_id: str) -> Chat | None:
        """...read with the other visitors' asked at the same moment (`KeyedReads`)."""
        return await self._open_chats.get(visitor_id)

    async def _open_chats_of(self, visitor_ids: Sequence[str]) -> dict[str, Chat]:
        stmt = select(chats).where(chats.c.visitor_id.in_(visitor_ids), NOT_ENDED)
        return {r["visitor_id"]: rows.chat_of(r) for r in await self._all(stmt)}

    async def chats_with_status(self, *statuses: ChatStatus) -> list[Chat]:
        if not statuses:
            return []
        stmt = (select(chats).where(chats.c.status.in_([s.value for s in statuses]))
                .order_by(chats.c.started_at, chats.c.id))
        return [rows.chat_of(r) for r in await self._all(stmt)]

    async def assign_chat(self, chat_id: str, agent_id: str, at: datetime, *,
                          first: bool, audit: AuditEntry | None = None) -> Chat | None:
        """...and records the agent among those who handled the chat."""
        changes: dict[str, Any] = {"status": ChatStatus.ACTIVE.value, "agent_id": agent_id}
        if first:
            changes["assigned_at"] = at
        stmt = (update(chats).where(chats.c.id == chat_id, NOT_ENDED)
                .values(changes).returning(*chats.c))
        async with self._transaction(hooks=False) as conn:
            row = await first_row(conn, stmt)
            if row is not None:
                await insert_hooks(conn, take_staged())  # chat.assigned (chat.transferred): only with a change
                handled = dialect_insert(conn.dialect.name, chat_agents).values(
                    chat_id=chat_id, agent_id=agent_id, assigned_at=at)
                await conn.execute(handled.on_conflict_do_nothing(index_elements=["chat_id", "agent_id"]))
                if audit is not None:
                    await insert_audit(conn, audit)
        return maybe(rows.chat_of, row)

    async def assign_chats(self, assignments: Sequence[Assignment], at: datetime) -> list[Assigned]:
        """...as one job of the group commit (a transaction of its own on
        PostgreSQL): the updates, then four reads for the whole pass (and
        one per chat for the open tickets, whose owner differs)."""
        if not assignments:
            return []

        def write(conn: Connection) -> list[Assigned]:
            stored: dict[str, Chat] = {}
            for a in assignments:
                changes: dict[str, Any] = {"status": ChatStatus.ACTIVE.value, "agent_id": a.agent_id}
                if a.first:
                    changes["assigned_at"] = at
                row = conn.execute(update(chats).where(chats.c.id == a.chat_id, NOT_ENDED)
                                   .values(changes).returning(*chats.c)).mappings().first()
                if row is None:
                    continue
                stored[a.chat_id] = rows.chat_of(row)
                insert_hooks_sync(conn, a.hooks)
                conn.execute(dialect_insert(conn.dialect.name, chat_agents)
                             .values(chat_id=a.chat_id, agent_id=a.agent_id, assigned_at=at)
                             .on_conflict_do_nothing(index_elements=["chat_id", "agent_id"]))
            ids = list(stored)
            found = {r["id"]: rows.visitor_of(r) for r in conn.execute(
                select(visitors).where(visitors.c.id.in_({c.visitor_id for c in stored.values()}))).mappings()}
            history: dict[str, list[Message]] = {i: [] for i in ids}
            for r in conn.execute(select(messages).where(messages.c.chat_id.in_(ids))
                                  .order_by(messages.c.chat_id, messages.c.seq)).mappings():
                history[r["chat_id"]].append(rows.message_of(r))
            fired: dict[str, list[SlaEvent]] = {i: [] for i in ids}
            for r in conn.execute(select(sla_events).where(sla_events.c.chat_id.in_(ids))
                                  .order_by(sla_events.c.at, sla_events.c.id)).mappings():
                fired[r["chat_id"]].append(rows.sla_event_of(r))
            out = []
            for a in assignments:
                chat = stored.get(a.chat_id)
                if chat is None:
                    out.append(Assigned(None))
                    continue
                visitor = found.get(chat.visitor_id)
                tickets = [] if visitor is None else [rows.ticket_of(r) for r in conn.execute(
                    open_tickets_query(visitor.site_id, visitor.account,
                                       None if visitor.account else visitor.id)).mappings()]
                out.append(Assigned(chat, visitor, history[chat.id], fired[chat.id], tickets))
            return out

        return await self._writer.job(write)

    async def chat_agents(self, chat_id: str) -> list[str]:
        """Every agent who handled the chat, in the order they got it."""
        stmt = (select(chat_agents.c.agent_id).where(chat_agents.c.chat_id == chat_id)
                .order_by(chat_agents.c.assigned_at, chat_agents.c.agent_id))
        return [row["agent_id"] for row in await self._all(stmt)]

    async def requeue_chat(self, chat_id: str, priority: Priority, *, need_skill: str | None = None,
                           min_tier: int = 1, at: datetime | None = None) -> Chat | None:
        changes = {"status": ChatStatus.QUEUED.value, "agent_id": None, "priority": priority.value,
                   "need_skill": need_skill, "min_tier": min_tier}
        if at is not None:
            changes["queued_at"] = at
        return await self._change_open_chat(chat_id, changes)

    async def end_chat(self, chat_id: str, reason: str, at: datetime) -> Chat | None:
        changes = {"status": ChatStatus.ENDED.value, "end_reason": reason, "ended_at": at}
        return await self._change_open_chat(chat_id, changes)

    async def _change_open_chat(self, chat_id: str, changes: Mapping[str, Any]) -> Chat | None:
        stmt = (update(chats).where(chats.c.id == chat_id, NOT_ENDED)
                .values(dict(changes)).returning(*chats.c))
        return maybe(rows.chat_of, await self._write(stmt))

    async def mark_read(self, chat_id: str, reader: str, seq: int) -> None:
        """Raise the reader's read seq to `seq` (never lower it, never past
        the chat's last seq). Raises BadRequest for an unknown reader."""
        column = READ_SEQ.get(reader)
        if column is None:
            raise errors.BadRequest(f"unknown reader {reader!r}")
        target = case((chats.c.last_seq < seq, chats.c.last_seq), else_=literal(seq))
        await self._write(update(chats).where(chats.c.id == chat_id, column < target)
                          .values({column.name: target}))

    # messages
    def append_message(self, message: NewMessage) -> Awaitable[Message]:
        return self._writer.submit(message)

    async def messages_after(self, chat_id: str, after_seq: int, *,
                             include_notes: bool, limit: int = 500) -> list[Message]:
        stmt = select(messages).where(messages.c.chat_id == chat_id, messages.c.seq > after_seq)
        if not include_notes:
            stmt = stmt.where(messages.c.note.is_(False))
        stmt = stmt.order_by(messages.c.seq).limit(limit)
        return [rows.message_of(r) for r in await self._all(stmt)]

    # mail outbox
    async def queue_mail(self, mail: OutgoingMail) -> None:
        """Store `mail`, due at its `created_at`, in a transaction of its own.

        To queue mail in the transaction of the change that causes it (so
        that neither is ever stored without the other), a store method does
        its writes and then `await insert_mails(conn, mails)` inside the same
        `async with self._transaction() as conn:` block, as
        `create_ticket(ticket, mails)` does."""
        async with self._engine.begin() as conn:
            await insert_mails(conn, [mail])

    async def due_mail(self, now: datetime, limit: int, *,
                       lease_s: float = MAIL_LEASE_S) -> list[QueuedMail]:
        """Claim up to `limit` unsent mails whose next attempt is at or before
        `now`, the longest waiting first, oldest first in the result. A
        claimed mail's next attempt moves to `now + lease_s`, so another
        worker (node) does not take it too; `mail_sent` or `mail_failed`
        settles it, and a worker that dies leaves it due again after the
        lease (delivery is at least once)."""
        # A CTE, not a plain subquery: PostgreSQL runs it once (a subquery
        # in UPDATE may be run again and break the LIMIT). Rows another
        # worker is claiming are skipped (SKIP LOCKED) and the conditions
        # checked again after the lock, so two claims never share a mail.
        # SQLite renders no FOR UPDATE: its writes are one at a time.
        due = (select(outbox.c.id).where(UNSENT, outbox.c.next_attempt_at <= now)
               .order_by(outbox.c.next_attempt_at, outbox.c.created_at, outbox.c.id)
               .limit(limit).with_for_update(skip_locked=True).cte("due"))
        claim = (update(outbox)
                 .where(outbox.c.id.in_(select(due.c.id)), UNSENT,
                        outbox.c.next_attempt_at <= now)
                 .values(next_attempt_at=now + timedelta(seconds=lease_s))
                 .returning(*outbox.c))
        async with self._engine.begin() as conn:
            claimed = [_queued_of(r) for r in (await conn.execute(claim)).mappings()]
        return sorted(claimed, key=lambda q: (q.mail.created_at, q.id))

    async def mail_sent(self, mail_id: str, at: datetime) -> None:
        """Record the delivery of a mail at `at`; it is never due again, and
        its body is dropped (DELIVERED_BODY)."""
        await self._write(update(outbox).where(outbox.c.id == mail_id, UNSENT)
                          .values(sent_at=at, next_attempt_at=None, body_text=DELIVERED_BODY))

    async def mail_failed(self, mail_id: str, error: str, next_attempt_at: datetime | None) -> None:
        """Count a failed attempt, keep `error` (cut to 1000 characters), and
        make the mail due again at `next_attempt_at` (None: never again)."""
        changes = {"attempts": outbox.c.attempts + 1, "last_error": error[:ERROR_CHARS],
                   "next_attempt_at": next_attempt_at}
        if next_attempt_at is None:  # given up on: never read again, as a sent one
            changes["body_text"] = DELIVERED_BODY
        await self._write(update(outbox).where(outbox.c.id == mail_id, UNSENT).values(changes))


def _queued_of(row: RowMapping) -> QueuedMail:
    headers = tuple((str(n), str(v)) for n, v in row["headers"] or ())
    mail = OutgoingMail(to=row["to_addr"], subject=row["subject"], text=row["body_text"],
                        created_at=row["created_at"], headers=headers, id=row["id"])
    return QueuedMail(id=row["id"], mail=mail, attempts=row["attempts"],
                      next_attempt_at=row["next_attempt_at"], sent_at=row["sent_at"],
                      last_error=row["last_error"])
