"""The domain's value types: what the services, the store and the live state
pass between them. Plain frozen dataclasses and enums, no I/O.

Times are timezone-aware UTC datetimes; durations are seconds.
"""
from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any


class ChatStatus(enum.StrEnum):
    QUEUED = "queued"
    ACTIVE = "active"
    ENDED = "ended"


class EndReason(enum.StrEnum):
    VISITOR = "visitor"
    AGENT = "agent"
    CONVERTED = "converted"
    ABANDONED = "abandoned"
    SUSPENDED = "suspended"


class AgentStatus(enum.StrEnum):
    AVAILABLE = "available"
    AWAY = "away"


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"


class Author(enum.StrEnum):
    VISITOR = "visitor"
    AGENT = "agent"
    SYSTEM = "system"


class Priority(enum.StrEnum):
    """Queue order: lower `rank` goes first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


class IdentityMode(enum.StrEnum):
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclasses.dataclass(frozen=True, slots=True)
class Site:
    id: str
    key: str
    secret: str  # signs identity JWTs (HS256); never sent to a client
    origins: tuple[str, ...] = ()
    identity: IdentityMode = IdentityMode.OPTIONAL
    # After a rotation, the secret it replaced, still accepted until
    # `previous_until` (so the site's backend can switch without downtime).
    previous_secret: str | None = None
    previous_until: datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Agent:
    id: str
    email: str
    name: str
    role: Role = Role.AGENT
    tier: int = 1
    skills: tuple[str, ...] = ()
    capacity: int = 3
    shift: str = ""  # "" works the desk hours; "always" is 24/7
    on_call: bool = False  # takes critical chats at any hour (24/7)
    password_hash: str | None = None  # argon2
    token_hash: str | None = None  # sha256 hex of the API token
    status: AgentStatus = AgentStatus.AWAY  # survives reconnects and restarts
    # Moved on by every change that must end the agent's console sessions
    # and sockets: a new password, API token or role, a removal.
    epoch: int = 0
    removed_at: datetime | None = None  # removed: no login, no token, no chats; history keeps the name

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


@dataclasses.dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A console login, kept server-side so that it can be ended: the
    browser's cookie holds a random token, the store only its hash (`id`).
    It is valid while not revoked, younger than the session lifetime, and
    of its agent's current `epoch`."""

    id: str  # sha256 hex of the cookie's token
    agent_id: str
    epoch: int  # the agent's epoch at login
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None = None
    client: str | None = None  # "Firefox 128 on Linux": the browser it was opened with, as far as it says


@dataclasses.dataclass(frozen=True, slots=True)
class Visitor:
    id: str
    site_id: str
    token_hash: str  # sha256 hex of the visitor token
    created_at: datetime
    verified: bool = False
    external_id: str | None = None  # the JWT's `sub`, only when verified
    account_id: str | None = None  # the JWT's `account`, only when verified
    name: str | None = None
    email: str | None = None
    plan: str | None = None

    @property
    def account(self) -> str | None:
        """The account this visitor speaks for: only a verified one; an
        unverified claim opens nothing."""
        return self.account_id if self.verified else None


@dataclasses.dataclass(frozen=True, slots=True)
class Chat:
    id: str
    site_id: str
    visitor_id: str
    status: ChatStatus
    priority: Priority
    started_at: datetime
    topic: str | None = None
    agent_id: str | None = None
    assigned_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    last_seq: int = 0
    visitor_read_seq: int = 0
    agent_read_seq: int = 0
    need_skill: str | None = None  # a transfer to a skill: only agents with it (else the topic's)
    min_tier: int = 1  # a transfer to a tier: only agents of it or above
    queued_at: datetime | None = None  # when it last entered the queue; None: stored before that was kept

    @property
    def waiting_since(self) -> datetime:
        """When it last entered the queue (its start, for chats stored before that was kept)."""
        return self.queued_at or self.started_at


@dataclasses.dataclass(frozen=True, slots=True)
class NewMessage:
    """A message before the store has given it a seq."""

    chat_id: str
    author: Author
    text: str
    at: datetime
    author_id: str | None = None  # visitor id or agent id; None for system
    client_id: str | None = None
    note: bool = False
    # The message's webhook rows once it has its seq (services.hook_events.message_hooks),
    # stored in the same group commit; None when no endpoint wants it.
    hooks: Callable[[Message], list[Any]] | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    chat_id: str
    seq: int
    author: Author
    text: str
    at: datetime
    author_id: str | None = None
    client_id: str | None = None
    note: bool = False


# Stands for a ticket's label in mail (and a chat's receipt) queued with the
# change that numbers the ticket: the store replaces it in the same
# transaction. Unicode noncharacters, which letters remove from everything
# a person typed, so typed text is never taken for it.
TICKET_LABEL = "\ufdd0ticket\ufdd1"


@dataclasses.dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A mail for the outbox (services/mail.py sends it).

    `to` is an address (`a@example.test`) or one mailbox with a display
    name; build that with `services.mail.mailbox(name, address)`. `text`
    is the plain-text body. `headers` are extra (name, value) pairs such as
    `("Reply-To", ...)` or `("In-Reply-To", ...)`; the sender, recipient,
    subject, date and message id are set by the worker and cannot be given
    here. Any text is harmless anywhere (CR/LF, encoded words): the worker
    writes every header itself (services/headers.py). `id`, when the caller
    gives one, makes queueing idempotent: a second mail with the same id is
    not stored (the store makes one if None).
    """

    to: str
    subject: str
    text: str
    created_at: datetime
    headers: tuple[tuple[str, str], ...] = ()
    id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class QueuedMail:
    """A mail as the outbox holds it. `next_attempt_at` None: given up on
    (the worker could not build it); `sent_at` set: delivered."""

    id: str
    mail: OutgoingMail
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None = None
    last_error: str | None = None


class TicketStatus(enum.StrEnum):
    """`pending_confirmation`: opened by an agent on a visitor's behalf, it
    waits for the signed link mailed to the email on file."""

    PENDING_CONFIRMATION = "pending_confirmation"
    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"
    CLOSED = "closed"


@dataclasses.dataclass(frozen=True, slots=True)
class Ticket:
    """A ticket. `number` is unique across nodes (given by the store);
    `label` is the human receipt, `SD-000123`. `account_id` is the site's
    account id (the identity JWT's `account`), like `Visitor.account_id`.
    `transcript` is the chat's messages as plain text when the ticket came
    from a chat. `confirm_hash` is the sha256 hex of the confirmation link's
    token while the ticket waits for confirmation."""

    id: str
    site_id: str
    subject: str
    description: str
    priority: Priority
    status: TicketStatus
    created_at: datetime
    updated_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    number: int = 0  # 0 until stored
    visitor_id: str | None = None
    account_id: str | None = None
    chat_id: str | None = None
    email: str | None = None
    topic: str | None = None
    department: str | None = None
    transcript: str | None = None
    warranty: bool = False  # not counted against the plan's tickets_included
    created_by: str | None = None  # the agent who opened it, None for the visitor or the system
    confirm_hash: str | None = None
    # The evidence its topic asks for (`[topics.NAME] evidence`), by field name: text and links
    # (files are its attachments); empty for none.
    evidence: Mapping[str, str] = dataclasses.field(default_factory=dict)
    split_from: str | None = None  # the ticket an agent split this one from
    # The service levels (policy/ticket_sla.py): the agent told of its
    # clocks (None: every agent), its first agent reply, when it was solved
    # or closed (None again if reopened), the last update its requester was
    # sent (an agent's reply or a status change).
    assignee_id: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    last_update_at: datetime | None = None

    @property
    def label(self) -> str:
        return ticket_label(self.number)


def ticket_label(number: int) -> str:
    """A ticket's human receipt from its number: `SD-000123`."""
    return f"SD-{number:06d}"


@dataclasses.dataclass(frozen=True, slots=True)
class TicketReply:
    """A reply on a ticket. `author` is "agent" or "visitor"."""

    id: str
    ticket_id: str
    author: str
    text: str
    at: datetime
    author_id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Closure:
    """A one-off day the desk is closed (local date in the desk's time zone),
    added by a supervisor."""

    id: str
    day: date
    reason: str
    created_at: datetime
    created_by: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SlaEvent:
    """One stage of one SLA clock of one chat, fired (warning, breach or
    convert). `anchor_at` is when that clock started (the chat's start, the
    oldest unanswered visitor message, or the assignment): (chat_id, kind,
    stage, anchor_at) is recorded at most once, which is what keeps a
    restart from firing it twice."""

    chat_id: str
    kind: str  # first_response | response_gap | duration
    stage: str  # warning | breach | convert
    anchor_at: datetime
    at: datetime
    limit_s: int
    elapsed_s: int
    agent_id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class TicketSlaEvent:
    """One stage of one ticket SLA clock, fired: `kind` response,
    resolution or update (a critical ticket's hourly update to its
    requester); `stage` warning or breach. (ticket_id, kind, stage,
    anchor_at) is recorded at most once, as for `SlaEvent`. `due_at` is the
    clock's deadline (its breach), `agent_id` the assignee told."""

    ticket_id: str
    kind: str
    stage: str
    anchor_at: datetime
    at: datetime
    due_at: datetime
    priority: str
    agent_id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Survey:
    """A visitor's rating (1-5) of an ended chat, tied to every agent who
    handled it (`chat_agents`). A supervisor may exclude it from the agents'
    scores with a reason (what staff could not control)."""

    id: str
    chat_id: str
    site_id: str
    visitor_id: str
    rating: int
    created_at: datetime
    account_id: str | None = None
    comment: str | None = None
    excluded_reason: str | None = None
    excluded_by: str | None = None
    excluded_at: datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Suspension:
    """A suspension (until `until`) or a ban (`ban`, `until` None) of a
    verified account (`account_id`, every visitor of it) or of one visitor."""

    id: str
    site_id: str
    ban: bool
    reason: str
    created_at: datetime
    until: datetime | None = None
    account_id: str | None = None
    visitor_id: str | None = None
    actor_id: str | None = None
    lifted_at: datetime | None = None
    lifted_reason: str | None = None
    lifted_by: str | None = None  # None with lifted_at set: lifted by itself


@dataclasses.dataclass(frozen=True, slots=True)
class VisitorAtStart:
    """What `Store.visitor_at_start` reads: the visitor as stored (None
    before its first chat), its chat not ended, its open tickets."""

    stored: Visitor | None
    open_chat: Chat | None
    open_tickets: list[Ticket]


@dataclasses.dataclass(frozen=True, slots=True)
class ChatStarted:
    """What `Store.start_chat` stored: the visitor, the chat and its first
    message; or, with `kept_out` set, nothing (a suspension holds)."""

    visitor: Visitor
    chat: Chat
    message: Message
    kept_out: Suspension | None


@dataclasses.dataclass(frozen=True, slots=True)
class Assignment:
    """A chat given to an agent by routing; `first`: its first agent (the
    chat's `assigned_at` is set; a re-queued chat keeps its own)."""

    chat_id: str
    agent_id: str
    first: bool
    site_id: str | None = dataclasses.field(default=None, compare=False)  # the chat's, when known
    # webhook rows (chat.assigned) stored with the assignment if it is made
    hooks: tuple[Any, ...] = dataclasses.field(default=(), compare=False, repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class Assigned:
    """What `Store.assign_chats` stored and read for one assignment: the
    chat as stored (None: it had ended, nothing changed, nothing read),
    and what its agent's console gets with it: the visitor, every message
    (notes included, in order), the SLA events fired for the chat and
    the open tickets of the visitor's verified account (else its own),
    newest first."""

    chat: Chat | None
    visitor: Visitor | None = None
    messages: list[Message] = dataclasses.field(default_factory=list)
    sla_events: list[SlaEvent] = dataclasses.field(default_factory=list)
    open_tickets: list[Ticket] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what to whom, when and why. `actor_id` None: the system."""

    id: str
    at: datetime
    action: str
    target: str
    actor_id: str | None = None
    reason: str | None = None
    data: dict | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Alert:
    """An abuse signal or an agent's flag raised to supervisors, with the
    chats behind it and its evidence. Never acted on automatically."""

    id: str
    at: datetime
    kind: str  # repeat_chats | negative_surveys | flag
    site_id: str
    chat_ids: tuple[str, ...]
    account_id: str | None = None
    visitor_id: str | None = None
    agent_id: str | None = None
    reason: str | None = None
    evidence: dict | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class CannedReply:
    """A reply supervisors keep for agents to insert with `/shortcut`."""

    id: str
    shortcut: str  # ^[a-z0-9][a-z0-9_-]{0,31}$, unique
    title: str
    text: str
    created_at: datetime
    updated_at: datetime
    updated_by: str | None = None  # the supervisor's agent id


@dataclasses.dataclass(frozen=True, slots=True)
class Attachment:
    """A file uploaded into a chat (services/attachments.py); its bytes are
    stored beside it and read on their own (`Store.attachment_data`).
    `client_id` is the chat message that carries it, once one does."""

    id: str  # a random 128-bit token, hex: knowing it is not enough to fetch the file
    chat_id: str | None  # None: a file of the ticket form or of a ticket reply
    uploader: Author  # VISITOR or AGENT
    uploader_id: str
    name: str  # as the uploader's file was called, cleaned (services/attachments.py)
    content_type: str  # what the server found the bytes to be, never the uploader's claim
    size: int  # bytes
    sha256: str
    created_at: datetime
    client_id: str | None = None
    # The ticket it belongs to: uploaded for a reply to it, given with the
    # ticket form, or carried from the chat the ticket was made from. A
    # ticket's file is sent once `client_id` is set: the ticket's own id
    # (the form), or the reply's id.
    ticket_id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class FileClaim:
    """Files a new ticket or ticket reply takes (Store.create_ticket,
    Store.add_ticket_reply): their ids, as uploaded by that uploader."""

    ids: tuple[str, ...]
    uploader: Author
    uploader_id: str


@dataclasses.dataclass(frozen=True, slots=True)
class AttachmentLink:
    """A download link mailed out (a transcript, a receipt): the file for
    whoever holds the token, until `expires_at`. Only the token's hash is
    kept."""

    token_hash: str
    attachment_id: str
    created_at: datetime
    expires_at: datetime


# tags on chats and tickets
class TagColour(enum.StrEnum):
    """The fixed palette a tag's colour is chosen from (the console maps
    each to its own light and dark shades; never free CSS)."""

    GREY = "grey"
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    GREEN = "green"
    TEAL = "teal"
    BLUE = "blue"
    PURPLE = "purple"
    PINK = "pink"


@dataclasses.dataclass(frozen=True, slots=True)
class Tag:
    """A label from the list supervisors keep, put on chats and tickets.
    An archived tag stays on what carries it and in the reports' filter,
    but is no longer offered for tagging."""

    id: str
    name: str  # 1-40 characters, no control characters; unique regardless of case
    created_at: datetime
    updated_at: datetime
    colour: TagColour | None = None
    updated_by: str | None = None  # the supervisor's agent id
    archived_at: datetime | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclasses.dataclass(frozen=True, slots=True)
class DeskTopic:
    """A topic a lead keeps in the dashboard: a topic of its own, or, under
    the name of a file's `[topics.NAME]`, these fields of that one (its
    other fields stay the file's)."""

    name: str  # as the file's topic names
    skill: str = ""
    priority: str = "medium"  # critical | high | medium | low
    chat: bool = True
    reason: str = ""  # shown to the visitor when chat is False
    department: str = ""
    verified_only: bool = False
    updated_at: datetime | None = None
    updated_by: str | None = None  # the supervisor's agent id


@dataclasses.dataclass(frozen=True, slots=True)
class PasswordReset:
    """A one-time link that lets an agent set a new password, made by a
    supervisor (or on adding the agent). `id` is the hash of the link's
    token; the token itself is never stored. Usable once, before
    `expires_at`; a newer link for the same agent voids the older ones."""

    id: str  # sha256 hex of the link's token
    agent_id: str
    created_at: datetime
    expires_at: datetime
    created_by: str | None = None  # a supervisor's id
    used_at: datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ApiToken:
    """A named API token of an agent (`Authorization: Bearer`, or `token`
    in a staff socket's auth): the token itself is shown once, when it is
    made; the store keeps its SHA-256 only. Revoked, it opens nothing."""

    id: str
    agent_id: str
    name: str  # 1-64 characters, the agent's own label ("reporting script")
    token_hash: str  # sha256 hex
    created_at: datetime
    last_used_at: datetime | None = None  # written at most once a minute per token
    revoked_at: datetime | None = None


class Scope(enum.StrEnum):
    """What an integration token may do on /api/v1: read (GET), or write too."""

    READ = "read"
    WRITE = "write"


@dataclasses.dataclass(frozen=True, slots=True)
class IntegrationToken:
    """A lead's token for a program using the public API (`Authorization:
    Bearer sdi_...`): shown once, when made; the store keeps its SHA-256
    only. A site token (`site_id`) sees that site's chats, tickets,
    visitors and accounts only; None is desk-wide. Revoked, it opens nothing."""

    id: str
    name: str  # 1-64 characters, the lead's label ("CRM sync")
    scope: Scope
    site_id: str | None
    created_by: str | None  # the lead's agent id; None when made on the command line
    token_hash: str  # sha256 hex
    created_at: datetime
    last_used_at: datetime | None = None  # written at most once a minute per token
    revoked_at: datetime | None = None
