"""The schema, as SQLAlchemy Core tables. `migrations/` creates exactly
this (a contract test compares the two); change both together.

Ids are app-generated strings (uuid4 hex). Times are `UTCDateTime`;
local calendar days are plain `Date`.
Enum-valued columns hold the enum's string value.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    text,
)

from .types import JSONText, UTCDateTime

# Named constraints, so a later migration can drop or alter them by name.
metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

ID = String(64)
NOT_ENDED = text("status != 'ended'")
HAS_CLIENT_ID = text("client_id IS NOT NULL")


def _id(name: str = "id") -> Column[str]:
    return Column(name, ID, primary_key=True)


def _ref(name: str, target: str, *, nullable: bool = True) -> Column[str]:
    return Column(name, ID, ForeignKey(target), nullable=nullable)


sites = Table(
    "sites", metadata,
    _id(),
    Column("key", String(128), nullable=False, unique=True),
    Column("secret", String(255), nullable=False),
    Column("origins", JSONText, nullable=False),
    Column("identity", String(16), nullable=False),
    Column("previous_secret", String(255)),  # accepted until previous_until, after a rotation
    Column("previous_until", UTCDateTime),
)

agents = Table(
    "agents", metadata,
    _id(),
    Column("email", String(255), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("tier", Integer, nullable=False),
    Column("skills", JSONText, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("shift", String(255), nullable=False),
    Column("on_call", Boolean, nullable=False, server_default=false()),
    Column("password_hash", String(255)),
    Column("token_hash", String(64)),
    Column("status", String(16), nullable=False),
    Column("epoch", Integer, nullable=False, server_default=text("0")),
    Column("removed_at", UTCDateTime),
    Index("ix_agents_token_hash", "token_hash"),
)

# Console logins, so that logout, a password or role change and a removal
# can end them (model.ConsoleSession); `id` is the hash of the cookie's token.
console_sessions = Table(
    "console_sessions", metadata,
    Column("id", String(64), primary_key=True),
    _ref("agent_id", "agents.id", nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("client", String(100)),  # "Firefox 128 on Linux", from the login's User-Agent, for its agent to tell
    Index("ix_console_sessions_agent_id", "agent_id"),
    Index("ix_console_sessions_created_at", "created_at"),
)

# A customer account of an embedding site (the identity JWT's `account`).
accounts = Table(
    "accounts", metadata,
    _id(),
    _ref("site_id", "sites.id", nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("name", String(255)),
    Column("plan", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Index("uq_accounts_site_id_external_id", "site_id", "external_id", unique=True),
)

visitors = Table(
    "visitors", metadata,
    _id(),
    _ref("site_id", "sites.id", nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("external_id", String(255)),
    # The JWT's `account` as the site names it (accounts.external_id), as in
    # `model.Visitor`; not a key of `accounts`, which may not have the row.
    Column("account_id", String(255)),
    Column("name", String(255)),
    Column("email", String(255)),
    Column("plan", String(64)),
    Index("ix_visitors_site_id_token_hash", "site_id", "token_hash"),
    Index("ix_visitors_site_id_external_id", "site_id", "external_id"),
)

chats = Table(
    "chats", metadata,
    _id(),
    _ref("site_id", "sites.id", nullable=False),
    _ref("visitor_id", "visitors.id", nullable=False),
    Column("status", String(16), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("topic", String(64)),
    _ref("agent_id", "agents.id"),
    Column("started_at", UTCDateTime, nullable=False),
    Column("assigned_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("end_reason", String(32)),
    # The highest seq given out; bumped under the row lock (group commit).
    Column("last_seq", Integer, nullable=False),
    Column("visitor_read_seq", Integer, nullable=False),
    Column("agent_read_seq", Integer, nullable=False),
    # Set by a transfer to a skill or a tier: who may take the chat next.
    Column("need_skill", String(64)),
    Column("min_tier", Integer, nullable=False, server_default=text("1")),
    # When it last entered the queue (its start, a transfer, its agent lost):
    # a skill it asks for is asked until `[policy] skill_fallback_s` after.
    Column("queued_at", UTCDateTime),
    Index("ix_chats_status", "status"),
    Index("ix_chats_agent_id", "agent_id"),
    # One visitor, at most one chat not ended: the database, not a race
    # between two nodes, decides who wins.
    Index("uq_chats_open_visitor", "visitor_id", unique=True,
          sqlite_where=NOT_ENDED, postgresql_where=NOT_ENDED),
)

messages = Table(
    "messages", metadata,
    _ref("chat_id", "chats.id", nullable=False),
    Column("seq", Integer, nullable=False),
    Column("author", String(16), nullable=False),
    Column("author_id", ID),  # a visitor or an agent id, so no foreign key
    Column("text", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("client_id", String(64)),
    Column("note", Boolean, nullable=False),
    PrimaryKeyConstraint("chat_id", "seq"),
    # A resent client_id finds its stored message instead of a new seq.
    Index("uq_messages_chat_id_author_client_id", "chat_id", "author", "client_id",
          unique=True, sqlite_where=HAS_CLIENT_ID, postgresql_where=HAS_CLIENT_ID),
)

# Ticket numbers: one row per counter ("ticket"), bumped in the transaction
# that stores the ticket. Its row lock makes two nodes take turns (and a
# rolled-back ticket gives its number back), so numbers are 1, 2, 3...
counters = Table(
    "counters", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)

tickets = Table(
    "tickets", metadata,
    _id(),
    Column("number", Integer, nullable=False, unique=True),
    _ref("site_id", "sites.id", nullable=False),
    _ref("visitor_id", "visitors.id"),
    # The site's account id, as in `visitors.account_id` (no foreign key).
    Column("account_id", String(255)),
    _ref("chat_id", "chats.id"),
    # Text, not a bounded VARCHAR: a subject taken from a visitor's words
    # must be stored alike on both backends.
    Column("subject", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("email", String(255)),
    Column("priority", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("topic", String(64)),
    Column("department", String(64)),
    Column("transcript", Text),
    Column("warranty", Boolean, nullable=False),
    Column("created_by", ID),  # an agent id, or None (as audit_log.actor_id)
    Column("confirm_hash", String(64)),
    Column("response_due_at", UTCDateTime, nullable=False),
    Column("resolution_due_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # A JSON object of the evidence fields given ({"api_call": "..."}), NULL for none (migration 0018).
    Column("evidence", Text),
    Column("split_from", ID),  # the ticket it was split from (a ticket id; no foreign key, as created_by)
    # The service levels (services/ticket_sla.py): who is told, the first
    # agent reply, when it was solved (None while open or reopened), and
    # the last update the requester was sent (a reply or a status change).
    Column("assignee_id", ID),  # an agent id (no foreign key, as created_by)
    Column("first_response_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("last_update_at", UTCDateTime),
    Index("ix_tickets_status", "status"),
    Index("ix_tickets_visitor_id", "visitor_id"),
    Index("ix_tickets_site_id_account_id", "site_id", "account_id"),
    Index("ix_tickets_site_id_created_at", "site_id", "created_at"),
    Index("ix_tickets_confirm_hash", "confirm_hash"),
    Index("ix_tickets_split_from", "split_from"),
)

ticket_replies = Table(
    "ticket_replies", metadata,
    _id(),
    _ref("ticket_id", "tickets.id", nullable=False),
    Column("author", String(16), nullable=False),
    Column("author_id", ID),  # a visitor or an agent id, so no foreign key
    Column("text", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("seq", Integer, nullable=False, server_default="0"),  # the writing order within its ticket
    Index("ix_ticket_replies_ticket_id_at", "ticket_id", "at"),
)

surveys = Table(
    "surveys", metadata,
    _id(),
    _ref("chat_id", "chats.id", nullable=False),
    _ref("site_id", "sites.id", nullable=False),
    _ref("visitor_id", "visitors.id", nullable=False),
    Column("account_id", String(255)),  # the site's account id, when verified
    Column("rating", Integer, nullable=False),  # 1-5
    Column("comment", Text),
    Column("created_at", UTCDateTime, nullable=False),
    # Set by a supervisor: not in the agents' scores (audited).
    Column("excluded_reason", Text),
    Column("excluded_by", ID),
    Column("excluded_at", UTCDateTime),
    Index("uq_surveys_chat_id", "chat_id", unique=True),
    Index("ix_surveys_created_at", "created_at"),
    Index("ix_surveys_account_id", "account_id"),
    Index("ix_surveys_visitor_id", "visitor_id"),
)

# Every agent who handled a chat (a transfer adds one): surveys and reports
# are tied to each of them.
chat_agents = Table(
    "chat_agents", metadata,
    _ref("chat_id", "chats.id", nullable=False),
    _ref("agent_id", "agents.id", nullable=False),
    Column("assigned_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("chat_id", "agent_id"),
    Index("ix_chat_agents_agent_id", "agent_id"),
)

# A suspension or ban of a verified account (every visitor of it) or of one
# visitor. `until` None: a ban, which never lifts by itself.
suspensions = Table(
    "suspensions", metadata,
    _id(),
    _ref("site_id", "sites.id", nullable=False),
    Column("account_id", String(255)),  # the site's account id, like visitors.account_id
    _ref("visitor_id", "visitors.id"),
    Column("ban", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("until", UTCDateTime),
    Column("actor_id", ID),  # the supervisor
    Column("lifted_at", UTCDateTime),
    Column("lifted_reason", Text),
    Column("lifted_by", ID),  # None: lifted by itself at `until`
    Index("ix_suspensions_site_id_account_id", "site_id", "account_id"),
    Index("ix_suspensions_visitor_id", "visitor_id"),
    Index("ix_suspensions_until", "until"),
)

# Abuse signals and flags raised to supervisors, with their evidence; never
# acted on automatically.
alerts = Table(
    "alerts", metadata,
    _id(),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=False),  # repeat_chats | negative_surveys | flag
    _ref("site_id", "sites.id", nullable=False),
    Column("account_id", String(255)),
    Column("visitor_id", ID),
    Column("agent_id", ID),  # the flagging agent
    Column("reason", Text),
    Column("chat_ids", JSONText, nullable=False),  # the chats behind it
    Column("evidence", JSONText),
    Index("ix_alerts_at", "at"),
)

audit_log = Table(
    "audit_log", metadata,
    _id(),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", ID),  # None for the system
    Column("action", String(64), nullable=False),
    Column("target", String(255), nullable=False),
    Column("reason", Text),
    Column("data", JSONText),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_action", "action"),
)

# Mail waiting for (or past) delivery, written in the transaction of the
# change that causes it; services/mail.py's worker sends it. A row is due
# while `sent_at` is null and `next_attempt_at` has come; a null
# `next_attempt_at` on an unsent row means the worker gave up on it.
outbox = Table(
    "outbox", metadata,
    _id(),
    Column("created_at", UTCDateTime, nullable=False),
    Column("to_addr", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("headers", JSONText),  # [[name, value], ...] or null
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Index("ix_outbox_next_attempt_at", "next_attempt_at"),
)

# One-off days the desk is closed (a local date in the desk's time zone).
closures = Table(
    "closures", metadata,
    _id(),
    Column("day", Date, nullable=False, unique=True),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", ID),  # an agent id, or None
)

# SLA stages fired. The unique index is what records each (chat, clock,
# stage, clock start) once, whichever node fires it first.
sla_events = Table(
    "sla_events", metadata,
    _id(),
    _ref("chat_id", "chats.id", nullable=False),
    Column("kind", String(32), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("anchor_at", UTCDateTime, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("limit_s", Integer, nullable=False),
    Column("elapsed_s", Integer, nullable=False),
    _ref("agent_id", "agents.id"),
    Index("uq_sla_events_chat_id_kind_stage_anchor_at", "chat_id", "kind", "stage", "anchor_at",
          unique=True),
    Index("ix_sla_events_at", "at"),
    Index("ix_sla_events_agent_id_at", "agent_id", "at"),
)

# Replies supervisors keep for agents to insert with `/shortcut` in a chat.
canned_replies = Table(
    "canned_replies", metadata,
    _id(),
    Column("shortcut", String(32), nullable=False, unique=True),
    Column("title", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", ID),  # an agent id (no foreign key, as audit_log.actor_id)
)

# Attachments: files uploaded into a chat, their bytes in the database so
# that every node serves them. `client_id` is the message of the chat (by
# its author, the uploader, and client_id) that carries the file, set once
# a message takes it; NULL until then.
attachments = Table(
    "attachments", metadata,
    _id(),
    _ref("chat_id", "chats.id"),  # NULL: a ticket's file (the form's, a reply's)
    Column("uploader", String(16), nullable=False),
    Column("uploader_id", ID, nullable=False),  # a visitor or an agent id, so no foreign key
    Column("name", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("client_id", String(64)),
    _ref("ticket_id", "tickets.id"),
    Index("ix_attachments_chat_id", "chat_id"),
    Index("ix_attachments_ticket_id", "ticket_id"),
)

# Attachments: download links mailed out (transcripts, receipts), by the
# SHA-256 of their token; the token itself is only in the mail.
attachment_links = Table(
    "attachment_links", metadata,
    Column("token_hash", String(64), nullable=False),
    _ref("attachment_id", "attachments.id", nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("token_hash", name="pk_attachment_links"),
)

# Visitor context beside each chat: the latest page, browser facts and the
# host page's own fields (one row per chat), and the pages seen during the
# chat (the last few, in the order seen: `seq` per chat).
chat_visits = Table(
    "chat_visits", metadata,
    Column("chat_id", ID, ForeignKey("chats.id"), primary_key=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("url", Text),
    Column("title", Text),
    Column("referrer", Text),
    Column("language", String(35)),
    Column("time_zone", String(64)),
    Column("utc_offset_min", Integer),
    Column("user_agent", Text),
    Column("custom", JSONText),  # {name: string | number | bool} or null
)

chat_pages = Table(
    "chat_pages", metadata,
    _id(),
    _ref("chat_id", "chats.id", nullable=False),
    Column("seq", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_chat_pages_chat_id_seq", "chat_id", "seq"),
)

# Tags on chats and tickets: the list supervisors keep (`name_key`, the
# name case-folded, makes "Billing" and "billing" one tag on both backends,
# whichever node adds it first), and what carries each tag. An archived
# tag (`archived_at` set) keeps its links.
tags = Table(
    "tags", metadata,
    _id(),
    Column("name", String(40), nullable=False),
    Column("name_key", String(160), nullable=False, unique=True),
    Column("colour", String(16)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", ID),  # an agent id (no foreign key, as audit_log.actor_id)
    Column("archived_at", UTCDateTime),
)

chat_tags = Table(
    "chat_tags", metadata,
    _ref("chat_id", "chats.id", nullable=False),
    _ref("tag_id", "tags.id", nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("added_by", ID),  # an agent id
    PrimaryKeyConstraint("chat_id", "tag_id"),
    Index("ix_chat_tags_tag_id", "tag_id"),
)

ticket_tags = Table(
    "ticket_tags", metadata,
    _ref("ticket_id", "tickets.id", nullable=False),
    _ref("tag_id", "tags.id", nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("added_by", ID),  # an agent id
    PrimaryKeyConstraint("ticket_id", "tag_id"),
    Index("ix_ticket_tags_tag_id", "tag_id"),
)

# Topics a lead keeps in the dashboard (services/topics.py): each is a topic
# of its own, or overrides these fields of the file's `[topics.NAME]` of the
# same name.
topics = Table(
    "topics", metadata,
    Column("name", String(64), primary_key=True),
    Column("skill", String(64), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("chat", Boolean, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("department", String(64), nullable=False),
    Column("verified_only", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", ID),  # an agent id (no foreign key, as audit_log.actor_id)
)

# One-time links that set an agent's password (model.PasswordReset); `id` is
# the hash of the link's token. Used or expired rows are kept until a newer
# link for the same agent replaces them.
password_resets = Table(
    "password_resets", metadata,
    Column("id", String(64), primary_key=True),
    _ref("agent_id", "agents.id", nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_by", ID),  # an agent id (no foreign key, as audit_log.actor_id)
    Column("used_at", UTCDateTime),
    Index("ix_password_resets_agent_id", "agent_id"),
)

# Named API tokens an agent makes and revokes in the browser (the older
# single `agents.token_hash`, set from the command line, still works).
# Only the token's SHA-256 is kept; a revoked token keeps its row, so the
# audit log's entries still name it.
api_tokens = Table(
    "api_tokens", metadata,
    _id(),
    _ref("agent_id", "agents.id", nullable=False),
    Column("name", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Index("ix_api_tokens_agent_id", "agent_id"),
)

# Ticket SLA stages fired (response, resolution, and a critical ticket's
# hourly update): the unique index records each (ticket, clock, stage,
# clock start) once, whichever node fires it first, as sla_events does.
ticket_sla_events = Table(
    "ticket_sla_events", metadata,
    _id(),
    _ref("ticket_id", "tickets.id", nullable=False),
    Column("kind", String(32), nullable=False),  # response | resolution | update
    Column("stage", String(32), nullable=False),  # warning | breach
    Column("anchor_at", UTCDateTime, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("priority", String(16), nullable=False),
    Column("agent_id", ID),  # the assignee told, if any
    Index("uq_ticket_sla_events_ticket_id_kind_stage_anchor_at", "ticket_id", "kind", "stage", "anchor_at",
          unique=True),
    Index("ix_ticket_sla_events_at", "at"),
)

# Webhook endpoints of a site (services/webhooks.py). The secret is kept as
# written, not hashed: every delivery is signed with it (HMAC needs the key
# itself), so it must be recoverable; it is never in an answer, a log or
# the audit log. `events` is a JSON list of event names; empty = every event.
webhooks = Table(
    "webhooks", metadata,
    _id(),
    _ref("site_id", "sites.id", nullable=False),
    Column("url", String(2000), nullable=False),
    Column("events", JSONText, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", String(500)),
    Column("failures", Integer, nullable=False),  # consecutive failed attempts
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", ID),  # an agent id (no foreign key, as audit_log.actor_id); None: the command line
    Column("last_delivery_at", UTCDateTime),
    Index("ix_webhooks_site_id", "site_id"),
)

# The webhook outbox and its log: one row per event and endpoint, written in
# the transaction of the change that caused the event. `next_attempt_at` is
# also the lease of a worker that claimed it (as outbox's), and
# `leased_until` says it is one: set by the claim, cleared by the outcome,
# which is written only under the lease it was claimed with (a worker whose
# lease ran out cannot overwrite a newer state). The body is the exact JSON
# sent, the same on every attempt, kept for redelivery until the retention
# sweep (services.hook_worker) deletes the row. `response_excerpt` keeps at
# most 256 characters of the receiver's answer. The id is 64-bit (the API
# takes ids up to 2^62); SQLite's INTEGER is, and keeps its rowid autoincrement.
webhook_deliveries = Table(
    "webhook_deliveries", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    # No foreign key, on purpose: a node whose catalog has not yet heard that
    # an endpoint was removed may still write a row for it, and a foreign key
    # would then fail the change itself (a whole group commit of messages).
    # Such a row is never claimed (the claim joins `webhooks`).
    Column("webhook_id", ID, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("type", String(32), nullable=False),
    Column("chat_id", ID),  # deliveries of one chat to one endpoint go in id order
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending | failing | delivered | given_up
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("first_due_at", UTCDateTime, nullable=False),  # the give-up clock runs from here
    Column("next_attempt_at", UTCDateTime),
    Column("leased_until", UTCDateTime),  # set while a worker holds it
    Column("delivered_at", UTCDateTime),
    Column("last_status", Integer),
    Column("last_error", String(500)),
    Column("response_excerpt", String(256)),
    Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    Index("ix_webhook_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
    Index("ix_webhook_deliveries_webhook_id_chat_id_id", "webhook_id", "chat_id", "id"),
)

# Integration tokens for the public API under /api/v1 (services/integrations.py):
# made by a lead, read-only or read-write, for one site (`site_id`) or the
# whole desk (NULL). Only the token's SHA-256 is kept; a revoked token keeps
# its row, so the audit log's entries (`token:<id>`) still name it.
integration_tokens = Table(
    "integration_tokens", metadata,
    _id(),
    Column("name", String(64), nullable=False),
    Column("scope", String(16), nullable=False),  # read | write
    _ref("site_id", "sites.id"),
    Column("created_by", ID),  # the lead's agent id, None from the command line (no foreign key, as created_by)
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)
