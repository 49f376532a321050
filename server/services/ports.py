"""The ports the services own. `server/store/` and `server/live/` implement
them; tests and `server/app.py` pick the implementation.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from typing import Protocol

from .facts import DeskTotals, ReportFacts
from .model import (Agent, AgentStatus, Alert, ApiToken, Assigned, Assignment, Attachment, AttachmentLink, AuditEntry,
                    Author, CannedReply, Chat, ChatStarted, ChatStatus, Closure, ConsoleSession, DeskTopic, FileClaim,
                    IntegrationToken,
                    Message, NewMessage, OutgoingMail, PasswordReset, Priority, QueuedMail, Site, SlaEvent, Survey,
                    Suspension, Tag, Ticket, TicketReply, TicketSlaEvent, TicketStatus, Visitor, VisitorAtStart)
from .listing_types import ChatFilter, TicketFilter
from .rooms import Room
from .visit_types import Visit, VisitUpdate
from .search_types import PastChat, PastChatFilter, SearchHit, SearchQuery
from .webhook_types import Attempt, Delivery, HookRow, Webhook


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""

    async def sleep_until(self, when: datetime) -> None:
        """Return once `now() >= when` (or earlier; callers re-check)."""


class Store(Protocol):
    """The durable record. Every method commits before it returns; a value
    returned is durable. Raises `services.errors.Conflict` on a broken
    uniqueness rule it is documented to guard, and `BadRequest` for text
    holding a NUL character (PostgreSQL cannot store one; both refuse it).
    A write that takes `audit` records it in the same transaction, when it
    changed something: a change and its audit entry stand or fall together."""

    async def migrate(self) -> None: ...
    async def close(self) -> None: ...

    # sites and agents: upsert by key / email, returning the stored row
    async def save_site(self, site: Site) -> Site: ...
    async def site_by_key(self, key: str) -> Site | None: ...
    async def site_by_id(self, site_id: str) -> Site | None: ...
    async def save_agent(self, agent: Agent) -> Agent: ...
    async def agent_by_id(self, agent_id: str) -> Agent | None: ...
    async def agent_by_email(self, email: str) -> Agent | None: ...
    async def agent_by_token_hash(self, token_hash: str) -> Agent | None: ...
    async def list_agents(self) -> list[Agent]: ...
    async def set_agent_status(self, agent_id: str, status: AgentStatus) -> None: ...
    async def agents_by_ids(self, agent_ids: Collection[str]) -> list[Agent]:
        """The agents stored under these ids, removed ones too."""

    # console sessions (store/sessions.py). Valid: not revoked, created at
    # `since` or later, of an agent not removed whose epoch is the session's.
    async def add_console_session(self, session: ConsoleSession, *, expired_before: datetime) -> None:
        """Store it and drop every session created before `expired_before`."""

    async def console_login(self, session_id: str, *, since: datetime) -> tuple[ConsoleSession, Agent] | None:
        """The session and its agent, if the session is valid."""

    async def valid_console_sessions(self, session_ids: Collection[str], *, since: datetime) -> set[str]:
        """Those of `session_ids` still valid."""

    async def touch_console_session(self, session_id: str, at: datetime) -> None: ...

    async def revoke_console_session(self, session_id: str, at: datetime) -> None:
        """Ends it; a session revoked already keeps its first time."""

    # an agent's own account (store/own_account.py)
    async def change_password(self, agent_id: str, password_hash: str, *, keep_session: str, at: datetime,
                              audit: AuditEntry) -> list[str]:
        """The new hash stored and every other session of the agent revoked,
        with `audit`, in one transaction; the ids of the sessions revoked."""

    async def console_sessions_of(self, agent_id: str, *, since: datetime, limit: int = 100) -> list[ConsoleSession]:
        """The agent's valid sessions, the newest `limit` first."""

    async def end_console_session(self, agent_id: str, session_id: str, at: datetime, audit: AuditEntry) -> bool:
        """Revokes the agent's own session, with `audit`; False if none such."""

    async def api_token_login(self, token_hash: str) -> tuple[ApiToken, Agent] | None:
        """The named token and its agent, unless revoked or the agent removed."""

    async def touch_api_token(self, token_id: str, at: datetime) -> None: ...

    async def api_tokens_of(self, agent_id: str) -> list[ApiToken]:
        """The agent's tokens not revoked, the newest first."""

    async def add_api_token(self, token: ApiToken, audit: AuditEntry, *, limit: int) -> ApiToken | None:
        """Stored with `audit`; None if the agent holds `limit` tokens already."""

    async def revoke_api_token(self, agent_id: str, token_id: str, at: datetime,
                               audit: AuditEntry) -> ApiToken | None:
        """Revokes the agent's own token, with `audit`; None if none such."""

    async def valid_api_tokens(self, token_ids: Collection[str]) -> set[str]:
        """Those of `token_ids` not revoked, of an agent not removed."""

    # pages of chats and tickets for the public API (services/listing.py)
    async def chats_page(self, filters: ChatFilter, limit: int) -> list[Chat]:
        """At most `limit` chats matching `filters`, the latest started first."""

    async def tickets_page(self, filters: TicketFilter, limit: int) -> list[Ticket]:
        """At most `limit` tickets matching `filters`, the newest first."""

    # integration tokens of the public API (services/integrations.py)
    async def integration_token_login(self, token_hash: str) -> IntegrationToken | None:
        """The token of that hash unless revoked, read afresh (no cache)."""

    async def integration_token_by_id(self, token_id: str) -> IntegrationToken | None:
        """The token, revoked or not."""

    async def touch_integration_token(self, token_id: str, at: datetime) -> None: ...

    async def integration_tokens(self) -> list[IntegrationToken]:
        """The tokens not revoked, the newest first."""

    async def add_integration_token(self, token: IntegrationToken, audit: AuditEntry, *,
                                    limit: int) -> IntegrationToken | None:
        """Stored with `audit`; None if `limit` tokens not revoked exist already."""

    async def revoke_integration_token(self, token_id: str, at: datetime,
                                       audit: AuditEntry) -> IntegrationToken | None:
        """Revoked with `audit`; None if there was no such token not revoked."""

    # visitors
    async def save_visitor(self, visitor: Visitor) -> Visitor: ...
    async def visitor_by_id(self, visitor_id: str) -> Visitor | None: ...
    async def visitor_by_token_hash(self, site_id: str, token_hash: str) -> Visitor | None: ...
    async def visitor_by_external_id(self, site_id: str, external_id: str) -> Visitor | None: ...

    async def search_visitors(self, query: str, limit: int = 20) -> list[Visitor]:
        """Stored visitors whose id is `query` or whose name, email, account or
        external id contains it (case-insensitively, literally); newest first."""

    # chats
    async def visitor_at_start(self, visitor: Visitor) -> VisitorAtStart:
        """The visitor as stored, its chat not ended and its open tickets, read together."""

    async def start_chat(self, visitor: Visitor, chat: Chat, first: NewMessage) -> ChatStarted:
        """In one transaction: the visitor (saved), the chat (queued, or with
        its agent recorded) and its first message; nothing, and the
        suspension in `kept_out`, if one keeps the visitor out at the
        chat's start. Raises ChatActive if the visitor has a chat not ended."""

    async def create_chat(self, chat: Chat, first: NewMessage | None) -> tuple[Chat, Message | None]:
        """Insert a chat (and its first message, seq 1) in one transaction.
        Raises Conflict if the visitor already has a chat not ended."""

    async def chat_by_id(self, chat_id: str) -> Chat | None: ...
    async def open_chat_of_visitor(self, visitor_id: str) -> Chat | None: ...
    async def chats_with_status(self, *statuses: ChatStatus) -> list[Chat]: ...

    async def assign_chat(self, chat_id: str, agent_id: str, at: datetime, *,
                          first: bool, audit: AuditEntry | None = None) -> Chat | None:
        """Set status active and agent; `assigned_at` only when `first`
        (a transfer keeps it); the agent joins those who handled the chat.
        None if the chat has ended."""

    async def assign_chats(self, assignments: Sequence[Assignment], at: datetime) -> list[Assigned]:
        """Routing's assignments of one pass, in one transaction (on SQLite,
        with the group commit's next batch), each as `assign_chat` with
        `first`, then what each chat's agent is shown with it, read in that
        transaction; in the order given."""

    async def chat_agents(self, chat_id: str) -> list[str]:
        """Every agent who handled the chat (`assign_chat` records them), first first."""

    async def requeue_chat(self, chat_id: str, priority: Priority, *, need_skill: str | None = None,
                           min_tier: int = 1, at: datetime | None = None) -> Chat | None:
        """Status queued, agent cleared, and what the next agent needs (a
        skill beside the topic's, a lowest tier); `queued_at` set to `at`
        when given. None if the chat has ended."""

    async def end_chat(self, chat_id: str, reason: str, at: datetime) -> Chat | None:
        """Status ended. None if it had already ended (nothing changes)."""

    async def mark_read(self, chat_id: str, reader: str, seq: int) -> None:
        """reader is "visitor" or "agent"; keeps the larger seq."""

    # messages
    def append_message(self, message: NewMessage) -> Awaitable[Message]:
        """Group commit. The message is enqueued when this is *called*
        (not when awaited): within a chat, calls made earlier get lower seqs.
        The awaitable resolves once the batch holding it has committed.
        A `client_id` already stored for the same chat and author resolves to
        the stored message and stores nothing. Raises Conflict (code
        `chat_ended`) if the chat has ended by the time the batch commits."""

    async def messages_after(self, chat_id: str, after_seq: int, *,
                             include_notes: bool, limit: int = 500) -> list[Message]: ...

    # surveys and abuse alerts (store/trust.py)
    async def save_survey(self, survey: Survey) -> Survey:
        """Raises Conflict if the chat has a survey already."""

    async def survey_by_id(self, survey_id: str) -> Survey | None: ...
    async def survey_of_chat(self, chat_id: str) -> Survey | None: ...

    async def exclude_survey(self, survey_id: str, reason: str, by: str, at: datetime,
                             audit: AuditEntry | None = None) -> Survey | None:
        """Out of the agents' scores; None if there is no such survey."""

    async def list_surveys(self, *, limit: int = 50, offset: int = 0) -> list[Survey]:
        """Every survey, newest first."""

    async def recent_surveys(self, site_id: str, *, account_id: str | None, visitor_id: str,
                             limit: int) -> list[Survey]:
        """An account's (without one, the visitor's) newest surveys first."""

    async def unrated_chat(self, visitor_id: str, *, reasons: Collection[str], since: datetime) -> str | None:
        """The visitor's latest chat an agent handled, ended at `since` or
        later for one of `reasons`, without a survey."""

    async def count_chats_on_topic(self, site_id: str, *, account_id: str | None, visitor_id: str,
                                   topic: str, since: datetime) -> int:
        """Chats on `topic` started after `since` by the account's verified
        visitors (without an account, by the visitor)."""

    async def add_alert(self, alert: Alert) -> Alert: ...
    async def list_alerts(self, *, kind: str | None = None, since: datetime | None = None,
                          limit: int = 50, offset: int = 0) -> list[Alert]: ...

    # mail outbox (services/mail.py)
    async def queue_mail(self, mail: OutgoingMail) -> None:
        """Store a mail, due at its `created_at`, in its own transaction. A
        store method whose change causes mail takes the mails as an argument
        and queues them in its own transaction instead."""

    async def due_mail(self, now: datetime, limit: int) -> list[QueuedMail]:
        """Claim up to `limit` unsent mails due at `now` (a lease keeps them
        from other workers until settled or expired)."""

    async def mail_sent(self, mail_id: str, at: datetime) -> None: ...

    async def mail_failed(self, mail_id: str, error: str, next_attempt_at: datetime | None) -> None:
        """One more failed attempt; due again at `next_attempt_at` (None: never)."""

    # closures: one-off days the desk is closed
    async def add_closure(self, closure: Closure, audit: AuditEntry | None = None) -> Closure:
        """Store it. Raises Conflict if that day is already closed."""

    async def remove_closure(self, closure_id: str, audit: AuditEntry | None = None) -> Closure | None:
        """The closure removed; None if there was none."""

    async def list_closures(self) -> list[Closure]:
        """Every closure, ordered by day."""

    # SLA events
    async def record_sla_event(self, event: SlaEvent) -> bool:
        """True if stored; False (nothing changes) if its (chat_id, kind, stage, anchor_at) is stored."""

    async def sla_events(self, *, chat_id: str | None = None, stage: str | None = None,
                         since: datetime | None = None, until: datetime | None = None) -> list[SlaEvent]:
        """Those with `at` in [since, until), of that chat and stage if given; ordered by `at`."""

    async def latest_sla_events(self, *, stage: str, limit: int = 50) -> list[SlaEvent]:
        """The newest `limit` events of that stage (the dashboard's breaches), newest first."""

    # tickets: a change queues its mails in its own transaction, TICKET_LABEL in them made the label
    async def create_ticket(self, ticket: Ticket, mails: Sequence[OutgoingMail] = (),
                            files: FileClaim | None = None, audit: AuditEntry | None = None) -> Ticket:
        """The ticket as stored, under a fresh number (its own `number` is ignored), with `audit`."""

    async def tickets_split_from(self, ticket_id: str) -> list[Ticket]:
        """The tickets split from this one, newest first."""

    async def ticket_by_id(self, ticket_id: str) -> Ticket | None: ...
    async def ticket_by_number(self, number: int) -> Ticket | None: ...
    async def ticket_by_confirm_hash(self, confirm_hash: str) -> Ticket | None: ...

    async def list_tickets(self, *, site_id: str | None = None, statuses: Sequence[TicketStatus] = (),
                           visitor_id: str | None = None, account_id: str | None = None,
                           topic: str | None = None, priority: Priority | None = None,
                           query: str | None = None, tag_id: str | None = None, limit: int = 50,
                           offset: int = 0) -> list[Ticket]:
        """Newest first; `query` matches the subject (case-insensitively), the label or the number;
        `tag_id` keeps the tickets carrying that tag."""

    async def update_ticket(self, ticket_id: str, at: datetime, *, status: TicketStatus | None = None,
                            priority: Priority | None = None, clear_confirm: bool = False,
                            mails: Sequence[OutgoingMail] = (),
                            requester_updated: bool = False,
                            only_from: TicketStatus | None = None) -> tuple[Ticket, Ticket] | None:
        """(before, after), `updated_at` set to `at`; None (nothing written, no mail or webhook event
        queued) if there is no such ticket, or with `only_from`, if it is not in that status.
        Solved or closed sets `resolved_at` (the first time), another status clears it;
        `requester_updated` sets `last_update_at` to `at`."""

    async def add_ticket_reply(self, reply: TicketReply, mails: Sequence[OutgoingMail] = (),
                               files: FileClaim | None = None) -> TicketReply:
        """Store it, the ticket's `updated_at` set to `reply.at`; an agent's reply also sets
        `first_response_at` (if unset), `last_update_at`, and `assignee_id` to its author (if unset).
        Raises NotFound for no such ticket."""

    # ticket service levels (store/ticket_sla.py)
    async def record_ticket_sla_event(self, event: TicketSlaEvent) -> bool:
        """Store it; False if its (ticket_id, kind, stage, anchor_at) is recorded already."""

    async def ticket_sla_events(self, ticket_id: str) -> list[TicketSlaEvent]:
        """The ticket's, ordered by `at`."""

    async def latest_ticket_sla_events(self, *, stage: str | None = None,
                                       limit: int = 50) -> list[tuple[TicketSlaEvent, int, str]]:
        """The newest `limit` of that stage (None: warnings and breaches), newest first, each with its
        ticket's number and subject."""

    async def ticket_sla_breach_counts(self) -> dict[tuple[str, str], int]:
        """Breaches ever recorded, by (kind, priority)."""

    async def assign_ticket(self, ticket_id: str, agent_id: str | None, at: datetime,
                            audit: AuditEntry | None = None) -> Ticket | None:
        """The ticket given to `agent_id` (None: nobody), audited in the same transaction; None if none."""

    async def tickets_with_clocks(self) -> list[Ticket]:
        """The open and pending tickets (those whose SLA clocks may run)."""

    async def tickets_created(self, since: datetime, until: datetime) -> list[Ticket]:
        """Tickets created in [since, until), oldest first."""

    async def ticket_replies(self, ticket_id: str) -> list[TicketReply]:
        """Oldest first."""

    async def count_tickets(self, site_id: str, *, account_id: str | None = None,
                            visitor_id: str | None = None, since: datetime | None = None,
                            include_warranty: bool = False) -> int:
        """Tickets of the account (else the visitor) since `since`, any status; warranty ones if asked."""

    async def open_tickets(self, site_id: str, *, account_id: str | None = None,
                           visitor_id: str | None = None, topic: str | None = None) -> list[Ticket]:
        """Tickets not solved or closed of the account (else the visitor), of that topic; newest first."""

    async def convert_chat(self, chat_id: str, at: datetime, ticket: Ticket, receipt: NewMessage,
                           mails: Sequence[OutgoingMail] = (),
                           audit: AuditEntry | None = None) -> tuple[Chat, Ticket, Message] | None:
        """Ticket, receipt as next message, chat ended "converted", mails,
        audit entry: one transaction (`TICKET_LABEL` in the receipt, mails
        and `audit.data` becomes the label). None if ended."""

    # suspensions and the audit log (store/moderation.py)
    async def suspend(self, suspension: Suspension, audit: AuditEntry,
                      ended_hooks: Callable[[list[Chat]], list[HookRow]] | None = None) -> list[Chat]:
        """One transaction: the suspension, every chat of its target not
        ended yet ended "suspended" at its `created_at`, and `audit` (its
        data given `chats`, the ids ended). Returns the chats ended. Raises
        Conflict (nothing written) if the target has an active suspension."""

    async def lift(self, site_id: str, *, account_id: str | None = None, visitor_id: str | None = None,
                   audit: AuditEntry) -> list[Suspension]:
        """Lifts the target's suspensions active at `audit.at` (by `audit.actor_id`,
        for `audit.reason`) and records `audit`: one transaction. [] if none was active."""

    async def expire_suspension(self, suspension_id: str, audit: AuditEntry) -> Suspension | None:
        """Marks a suspension run out at `audit.at` lifted at its `until`, with
        `audit`; None (nothing written) if lifted already, a ban, or not run out."""

    async def active_suspension(self, site_id: str, *, account_id: str | None, visitor_id: str,
                                now: datetime) -> Suspension | None:
        """What keeps the visitor out of chat at `now` (its own, or its
        verified account's): a ban first, else the longest."""

    async def suspension_by_id(self, suspension_id: str) -> Suspension | None: ...

    async def open_suspensions(self) -> list[Suspension]:
        """Every suspension not lifted yet, oldest first (to re-arm timers)."""

    async def account_sites(self, account_id: str) -> list[str]:
        """Ids of the sites where a verified visitor has that account."""

    async def record_audit(self, entry: AuditEntry) -> None:
        """Record one audit entry, in a transaction of its own."""

    async def audit_log(self, *, action: str | None = None, actor_id: str | None = None,
                        target: str | None = None, since: datetime | None = None,
                        until: datetime | None = None, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
        """Entries matching every filter given, `at` in [since, until), newest first."""

    # canned replies and a visitor's earlier chats (store/canned.py)
    async def list_canned(self) -> list[CannedReply]:
        """Every canned reply, ordered by shortcut."""

    async def canned_by_id(self, reply_id: str) -> CannedReply | None: ...

    async def add_canned(self, reply: CannedReply, audit: AuditEntry | None = None) -> CannedReply:
        """Store it. Raises Conflict if its shortcut is taken."""

    async def update_canned(self, reply: CannedReply, audit: AuditEntry | None = None) -> CannedReply | None:
        """Shortcut, title, text, updated_at and updated_by of the reply with
        its id replaced; None if there is none. Raises Conflict if the
        shortcut is another reply's."""

    async def remove_canned(self, reply_id: str, audit: AuditEntry | None = None) -> CannedReply | None:
        """The reply removed; None if there was none."""

    async def ended_chats_of_visitor(self, visitor_id: str, limit: int = 10) -> list[Chat]:
        """The visitor's ended chats, the latest ended first."""

    # attachments (store/attachments.py)
    async def add_attachment(self, attachment: Attachment, data: bytes) -> Attachment:
        """Store the file and its bytes in one transaction."""

    async def attachment_by_id(self, attachment_id: str) -> Attachment | None:
        """Its record, without the bytes."""

    async def attachment_data(self, attachment_id: str) -> bytes | None: ...

    async def claim_attachments(self, ids: Sequence[str], *, chat_id: str, uploader: Author, uploader_id: str,
                                client_id: str) -> list[Attachment]:
        """Gives the files to the message `client_id` of that chat and
        uploader, in one transaction, and returns them in the order of `ids`.
        A file already given to the same `client_id` is taken again (a resent
        message). Raises Conflict (nothing changes) if any is missing, of
        another chat or uploader, or given to another message."""

    async def chat_attachments(self, chat_id: str) -> list[Attachment]:
        """The chat's files that a message carries, oldest first."""

    async def ticket_attachments(self, ticket_id: str) -> list[Attachment]:
        """The ticket's sent files (its form's, its replies', its chat's), oldest first."""

    async def add_attachment_links(self, links: Sequence[AttachmentLink]) -> None: ...

    async def attachment_by_link(self, token_hash: str, now: datetime) -> Attachment | None:
        """The file of a link not expired at `now`."""

    async def drop_unsent_attachments(self, before: datetime) -> int:
        """Deletes the files uploaded before `before` that nothing sent; how many."""

    # figures (store/reports.py): one query layer for the live metrics, the reports and /metrics
    async def report_facts(self, since: datetime | None, until: datetime, tag_id: str | None = None) -> ReportFacts:
        """What happened in [since, until) (`since` None: from the start): chats
        open in it with their messages before `until`, agents who got a chat,
        chats ended, SLA breaches, surveys not excluded with their chats' agents;
        with `tag_id`, of the chats carrying that tag only."""

    async def desk_totals(self) -> DeskTotals:
        """Counts since the desk began: chats started, ended by reason, SLA
        breaches by kind, surveys by rating and excluded surveys by rating."""

    # the visitor's context beside a chat (store/visits.py)
    async def update_visit(self, chat_id: str, update: VisitUpdate, at: datetime, *, keep_pages: int) -> Visit:
        """Applies `update` to the chat's context and returns it whole. A
        `url` other than the last page's adds a page seen at `at` (the
        same URL again only takes the new title); only the last
        `keep_pages` pages are kept."""

    async def visit_of_chat(self, chat_id: str) -> Visit | None:
        """The chat's context; None before anything was reported."""

    # tags on chats and tickets (store/tags.py); `kind` is "chat" or "ticket"
    async def list_tags(self) -> list[Tag]:
        """Every tag, archived ones too, by name regardless of case."""

    async def tag_by_id(self, tag_id: str) -> Tag | None: ...

    async def add_tag(self, tag: Tag, audit: AuditEntry | None = None) -> Tag:
        """Store it. Raises Conflict if its name (regardless of case) is taken."""

    async def update_tag(self, tag: Tag, audit: AuditEntry | None = None) -> Tag | None:
        """Name, colour, archived_at, updated_at and updated_by of the tag with
        its id replaced; None if there is none. Raises Conflict if the name
        (regardless of case) is another tag's."""

    async def add_tag_to(self, kind: str, owner_id: str, tag_id: str, at: datetime, by: str | None,
                         audit: AuditEntry | None = None) -> bool:
        """Puts the tag on the chat or ticket; False (and no audit) if it was there."""

    async def remove_tag_from(self, kind: str, owner_id: str, tag_id: str,
                              audit: AuditEntry | None = None) -> bool:
        """Takes the tag off; False (and no audit) if it was not there."""

    async def tags_of(self, kind: str, owner_ids: Collection[str]) -> dict[str, list[Tag]]:
        """The tags on each of the chats or tickets, by name; ids without tags left out."""

    # search and history (store/search.py)
    async def search(self, query: SearchQuery) -> list[SearchHit]:
        """Chats and tickets holding every word of the query (full text: FTS5
        on SQLite, `simple` text search on PostgreSQL), one hit per chat or
        ticket (its newest match), newest first. Scoped to `query.agent_id`
        when given: chats the agent handled at any point, tickets they
        opened or replied to or that came from those chats. Notes are
        searched. No query text raises: operators are words."""

    async def past_chats(self, filters: PastChatFilter, *, limit: int = 50, offset: int = 0) -> list[PastChat]:
        """Ended chats matching every filter given, the latest started first."""

    # sites as the dashboard changes them (store/sites.py)
    async def list_sites(self) -> list[Site]:
        """Every site, ordered by key."""

    async def count_sites(self) -> int: ...

    async def add_site(self, site: Site, audit: AuditEntry | None = None) -> Site:
        """Store a new site. Raises Conflict if its key is taken."""

    async def update_site(self, site: Site, audit: AuditEntry | None = None, *,
                          secret_was: str | None = None) -> Site | None:
        """Origins, identity mode, secret, previous_secret and previous_until
        of the site with its id replaced (never its key); None if there is
        none, or if `secret_was` is given and its secret is another."""
    # the lead's accounts view (store/accounts.py): with `visitor_id` one
    # visitor's record, else every verified visitor's of the account
    async def account_visitors(self, site_id: str, account_id: str, limit: int) -> list[Visitor]:
        """The verified visitors of the site with that account, the newest first."""

    async def chats_of(self, site_id: str, *, account_id: str | None, visitor_id: str | None,
                       limit: int) -> list[Chat]:
        """The visitor's (else the account's) chats, the latest started first."""

    async def alerts_of(self, site_id: str, *, account_id: str | None, visitor_id: str | None,
                        limit: int) -> list[Alert]:
        """The alerts about the visitor (else the account or any of its visitors), newest first."""

    async def surveys_of(self, site_id: str, *, account_id: str | None, visitor_id: str | None,
                         limit: int) -> list[Survey]:
        """The visitor's (else the account's or any of its visitors') surveys, newest first."""

    async def suspensions_of(self, site_id: str, *, account_id: str | None, visitor_id: str | None,
                             limit: int) -> list[Suspension]:
        """Every suspension, lifted or not, of the account (given `account_id`)
        and of the visitor (else of each of the account's visitors), newest first."""
    # topics leads keep in the dashboard (store/topics.py)
    async def list_topics(self) -> list[DeskTopic]:
        """Every dashboard topic, ordered by name."""

    async def add_topic(self, topic: DeskTopic, audit: AuditEntry | None = None) -> DeskTopic:
        """Store it. Raises Conflict if the dashboard has a topic of that name."""

    async def update_topic(self, topic: DeskTopic, audit: AuditEntry | None = None) -> DeskTopic | None:
        """Every field of the dashboard topic of its name replaced; None if there is none."""

    async def remove_topic(self, name: str, audit: AuditEntry | None = None) -> DeskTopic | None:
        """The dashboard topic removed; None if there was none."""
    # webhook endpoints and their outbox (store/webhooks.py). Deliveries are
    # written with the change that causes them (services.hook_events); these
    # read, claim and settle them.
    async def add_webhook(self, hook: Webhook, audit: AuditEntry | None = None) -> Webhook: ...

    async def list_webhooks(self, site_id: str | None = None, *, enabled_only: bool = False) -> list[Webhook]:
        """Oldest first."""

    async def webhook_by_id(self, webhook_id: str) -> Webhook | None: ...

    async def remove_webhook(self, webhook_id: str, audit: AuditEntry | None = None) -> Webhook | None:
        """The endpoint and its delivery log removed; None if there was none."""

    async def set_webhook_enabled(self, webhook_id: str, enabled: bool, reason: str | None,
                                  audit: AuditEntry | None = None, *, at: datetime | None = None) -> Webhook | None: ...

    async def webhook_deliveries(self, webhook_id: str, limit: int, before: int | None = None) -> list[Delivery]:
        """Newest first."""

    async def redeliver(self, webhook_id: str, delivery_id: int, now: datetime,
                        audit: AuditEntry | None = None) -> Delivery | None:
        """None if there is no such delivery; raises Conflict while a worker holds it."""

    async def queue_hooks(self, rows: Sequence[HookRow]) -> None:
        """Deliveries in a transaction of their own (never an event of a change: those go in its transaction)."""

    async def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Claimed with a lease: never two workers the same; one of a chat at a time per endpoint."""

    async def delivery_done(self, delivery: Delivery, at: datetime, attempt: Attempt) -> bool:
        """False (nothing written) if the claim of `delivery` no longer holds it."""

    async def delivery_failed(self, delivery: Delivery, attempt: Attempt, retry_at: datetime | None,
                              disable: str | None = None) -> Webhook | None:
        """The endpoint after it; None (nothing written) if the claim no longer holds it."""

    async def prune_deliveries(self, before: datetime) -> int:
        """Deletes delivered and given-up deliveries older than `before`, and those of removed endpoints."""

    # people, as supervisors change them (store/people.py)
    async def add_agent(self, agent: Agent, audit: AuditEntry) -> Agent:
        """Insert a new agent. Raises Conflict if the email is taken."""

    async def change_agent(self, agent: Agent, audit: AuditEntry, *, new_epoch: bool = False) -> Agent | None:
        """Store what a supervisor changes of `agent` (name, role, tier,
        skills, capacity, shift, on_call, removed_at, status), the epoch
        moved on by one when `new_epoch`; None if there is no such agent."""

    async def add_password_reset(self, reset: PasswordReset, audit: AuditEntry,
                                 mails: Sequence[OutgoingMail] = ()) -> None:
        """Store the link and void the agent's earlier unused ones."""

    async def password_reset(self, reset_id: str) -> PasswordReset | None: ...

    async def use_password_reset(self, reset: PasswordReset, now: datetime, password_hash: str,
                                 audit: AuditEntry) -> Agent | None:
        """Spend the link and set the password with a new epoch; None (and
        nothing changes) if it is used, expired or gone, or its agent removed."""


@dataclasses.dataclass(frozen=True, slots=True)
class QueueEntry:
    chat_id: str
    priority: Priority
    enqueued_at: datetime
    front: bool = False  # re-queued after an agent was lost: before its peers
    skill: str | None = None  # only agents with this skill take it
    min_tier: int = 1  # only agents of this tier or above (a transfer up a tier)
    priority_support: bool = False  # the account's plan goes first within its priority
    fallback_at: datetime | None = None  # `skill` is asked until then, then any agent takes it


@dataclasses.dataclass(frozen=True, slots=True)
class Presence:
    agent_id: str
    status: AgentStatus
    connections: int
    load: int  # open chats assigned to the agent
    idle_since: datetime  # when the agent last got a chat or came available


class LiveState(Protocol):
    """State several nodes share: the queue, agent presence and load,
    visitor presence, deadlines, which nodes are alive, and a broadcast of
    changes. In memory (one node) and in Redis (several); one contract.
    The Redis one raises `errors.Unavailable` from any method while Redis
    is down or too slow."""

    node: str  # this node's id

    async def close(self) -> None: ...

    # queue: ordered by policy.routing.queue_order_key, then arrival
    async def enqueue(self, entry: QueueEntry) -> None: ...
    async def dequeue(self, chat_id: str) -> bool: ...
    async def queue(self) -> list[QueueEntry]: ...

    # agents
    async def agent_online(self, agent_id: str, conn: str, status: AgentStatus, now: datetime) -> Presence: ...
    async def agent_offline(self, agent_id: str, conn: str) -> Presence: ...
    async def set_status(self, agent_id: str, status: AgentStatus, now: datetime) -> Presence: ...
    async def presence(self, agent_id: str) -> Presence | None: ...
    async def presences(self) -> list[Presence]: ...

    async def claim_slot(self, agent_id: str, chat_id: str, capacity: int, now: datetime) -> bool:
        """Atomically give `chat_id` one of the agent's slots if its load is
        below `capacity`. Two claims never take the same last slot."""

    async def release_slot(self, agent_id: str, chat_id: str) -> None: ...
    async def chats_of(self, agent_id: str) -> set[str]: ...

    # visitors: connection count per visitor
    async def visitor_online(self, visitor_id: str, conn: str) -> int: ...
    async def visitor_offline(self, visitor_id: str, conn: str) -> int: ...
    async def visitor_connections(self, visitor_id: str) -> int: ...

    async def hit_rate(self, key: str, limit: int, window_s: float, now: datetime) -> bool:
        """Count one event under `key`; False when it would be the
        `limit + 1`-th within the last `window_s` seconds (then it is not counted).
        A key's events are kept as long as its window, however long."""

    async def recent(self, key: str, window_s: float, now: datetime) -> list[datetime]:
        """The events counted under `key` in the last `window_s` seconds,
        oldest first; counts nothing."""

    async def forget(self, key: str) -> None:
        """Drops every event counted under `key`."""

    # deadlines: one per key; setting a key again moves it
    async def set_deadline(self, key: str, at: datetime) -> None: ...
    async def cancel_deadline(self, key: str) -> None: ...
    async def deadline(self, key: str) -> datetime | None: ...
    async def pop_due(self, now: datetime) -> list[str]:
        """Takes every deadline due at `now`, earliest first: each fires on one node only."""

    async def next_deadline(self) -> datetime | None: ...

    # nodes: each connection above is recorded as held by the node that took it
    async def node_alive(self, ttl_s: float, now: datetime) -> list[tuple[str, str, str]]:
        """Heartbeat: registers this node, alive for `ttl_s` seconds more.
        If the state had lost the node (Redis restarted empty, or the node
        was taken for dead), its connections are registered again. Returns
        the connections the state still counts for this node that the node
        no longer holds (closed while Redis was away), as
        `take_dead_node` does: the caller runs their disconnect path."""

    async def nodes(self) -> list[str]:
        """Ids of the nodes whose heartbeat has not lapsed."""

    async def claim_recovery(self) -> bool:
        """True for one caller across all nodes while the state holds
        nothing rebuilt from the store: the desk's first start, and again
        after Redis lost everything. That caller rebuilds it."""

    async def take_dead_node(self) -> tuple[str, list[tuple[str, str, str]]] | None:
        """A registered node (never this one) whose heartbeat lapsed, with the
        connections it held as (kind "agent" or "visitor", subject id, conn),
        unregistered; one caller across all nodes gets it. Its connections stay
        in presence: the caller runs the disconnect path for each. None if none."""

    # changes: to invalidate other nodes' caches (topic "chat", key a chat id, ...)
    async def publish(self, topic: str, key: str) -> None:
        """Tells the other nodes, not this one; at most once (lost while Redis is away)."""

    def subscribe(self, handler: Callable[[str, str], None]) -> None:
        """`handler(topic, key)` is called, synchronously, for each change
        another node publishes, and with topic "*" (key "") after the
        broadcast was away, since changes published meanwhile were lost."""


class Notifier(Protocol):
    """Sends events to Socket.IO rooms. Only services.events calls it, when
    a unit of work has ended. The rooms, and who is in each, are in
    services.rooms."""

    async def emit(self, event: str, data: dict, room: Room, skip: str | None = None, *,
                   here: bool = False) -> None:
        """`here`: only to this node's connections in the room."""

    async def disconnect(self, room: Room) -> None:
        """Closes every connection in the room, on every node."""
