"""Client-to-server payloads as msgspec Structs: types, lengths and unknown
fields are checked at the door."""
from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec

from ..services.errors import BadRequest

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ClientId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# The configured `message_chars` is checked by the handler (too_large); this
# bound only stops absurd payloads before they are copied around.
Text = Annotated[str, msgspec.Meta(max_length=100_000)]
Seq = Annotated[int, msgspec.Meta(ge=0, le=2**53)]
Short = Annotated[str, msgspec.Meta(max_length=200)]
PriorityName = Literal["critical", "high", "medium", "low"]


class Command(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Subject = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


# A ticket's evidence by field name (`[topics.NAME] evidence`); the service
# checks the names and each value's length.
Evidence = Annotated[dict[Annotated[str, msgspec.Meta(min_length=1, max_length=32)], Text],
                     msgspec.Meta(max_length=16)]


class ChatStart(Command):
    text: Text
    topic: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    name: Short | None = None
    email: Email | None = None
    priority: PriorityName | None = None
    new_issue: bool = False  # not about the open ticket on this topic


class TicketCreate(Command):
    email: Email
    subject: Subject
    text: Text
    priority: PriorityName | None = None
    topic: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    name: Short | None = None
    attachments: Annotated[tuple[Id, ...], msgspec.Meta(max_length=20)] = ()  # uploaded without a chat_id
    evidence: Evidence = msgspec.field(default_factory=dict)


class TicketReceipt(Command):
    """`ticket:receipt`: the receipt of one of the visitor's tickets, mailed again."""

    number: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class TranscriptMail(Command):
    """`chat:transcript` from a visitor: `email` only to send it elsewhere
    than the email on file (under the ticket receipts' limits)."""

    chat_id: Id
    email: Email | None = None


class ChatSend(Command):
    """`text` may be empty when `attachments` (ids from an upload) are given."""

    chat_id: Id
    client_id: ClientId
    text: Text
    attachments: Annotated[tuple[Id, ...], msgspec.Meta(max_length=20)] = ()


class AgentSend(ChatSend):
    note: bool = False


class ChatRef(Command):
    chat_id: Id


class ChatTag(Command):
    """`chat:tag` and `chat:untag`: one tag of the list on a chat."""

    chat_id: Id
    tag_id: Id


class ChatTyping(Command):
    chat_id: Id
    typing: bool


class ChatHistory(Command):
    chat_id: Id
    after_seq: Seq


class ChatRead(Command):
    chat_id: Id
    seq: Seq


class TransferTarget(Command):
    """Exactly one of the four."""

    agent_id: Id | None = None
    tier: Annotated[int, msgspec.Meta(ge=1, le=9)] | None = None
    skill: Name | None = None
    department: Name | None = None

    def __post_init__(self) -> None:
        given = [f for f in self.__struct_fields__ if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of agent_id, tier, skill, department")


class ChatTransfer(Command):
    chat_id: Id
    to: TransferTarget


class ChatConvert(Command):
    chat_id: Id
    subject: Subject | None = None
    priority: PriorityName | None = None


class AgentStatusSet(Command):
    status: Literal["available", "away"]


class ChatReassign(Command):
    chat_id: Id
    agent_id: Id


T = TypeVar("T", bound=Command)


def parse(kind: type[T], payload: Any) -> T:
    """Raises BadRequest naming the bad field."""
    if payload is None:
        raise BadRequest("this event needs a payload object")
    try:
        return msgspec.convert(payload, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"bad payload: {exc}") from None


class SurveySubmit(Command):
    chat_id: Id
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class SurveyExclude(Command):
    survey_id: Id
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class ChatFlag(Command):
    chat_id: Id
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
SiteKey = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class AccountRef(Command, kw_only=True):
    """A verified account (of the site with key `site`, when its id is
    known on several) or one visitor: exactly one of the two."""

    account_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    visitor_id: Id | None = None
    site: SiteKey | None = None

    def __post_init__(self) -> None:
        if (self.account_id is None) == (self.visitor_id is None):
            raise ValueError("give exactly one of account_id, visitor_id")
        if self.site is not None and self.account_id is None:
            raise ValueError("site goes with account_id")


class AccountSuspend(AccountRef, kw_only=True):
    reason: Reason
    days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = None  # None: [policy] suspension_days
    ban: bool = False


class AccountLift(AccountRef, kw_only=True):
    reason: Reason


# Visitor context beside each chat (`chat:context` from the widget).
Url = Annotated[str, msgspec.Meta(max_length=2048)]
ContextKey = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")]
ContextValue = (Annotated[str, msgspec.Meta(max_length=200)] | Annotated[int, msgspec.Meta(ge=-(2**53), le=2**53)]
                | float | bool)


class ChatContext(Command):
    """What the widget knows of the visitor's page and browser; a field
    left out stays as it was. `custom` (the host page's fields) replaces
    the ones sent before, whole."""

    chat_id: Id
    url: Url | None = None
    title: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    referrer: Url | None = None
    language: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9-]{1,35}$")] | None = None
    time_zone: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_+./-]{1,64}$")] | None = None
    utc_offset_min: Annotated[int, msgspec.Meta(ge=-900, le=900)] | None = None
    user_agent: Annotated[str, msgspec.Meta(max_length=512)] | None = None
    custom: Annotated[dict[ContextKey, ContextValue], msgspec.Meta(max_length=20)] | None = None
