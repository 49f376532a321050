"""One error type with a code; adapters map it to acks and HTTP in one place."""
from __future__ import annotations

from typing import Any


class DeskError(Exception):
    code = "error"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields  # extra fields that go inside the error object

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.fields}


class BadRequest(DeskError):
    code = "bad_request"


class TooLarge(DeskError):
    code = "too_large"


class NotFound(DeskError):
    code = "not_found"


class Forbidden(DeskError):
    code = "forbidden"


class Unauthorized(DeskError):
    code = "unauthorized"


class Conflict(DeskError):
    code = "conflict"


class RateLimited(DeskError):
    code = "rate_limited"


class Unsupported(DeskError):
    """A file whose type the desk does not take (an attachment)."""

    code = "unsupported_type"


class NoEmail(DeskError):
    """Mail was asked for and no address is on file: give one."""

    code = "no_email"


class UnknownEvent(DeskError):
    code = "unknown_event"


class Refused(DeskError):
    """A refused connection; `code` is set per instance (unknown_site, ...)."""

    def __init__(self, code: str, message: str, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.code = code


class ChatActive(Conflict):
    code = "chat_active"


class ChatEnded(Conflict):
    code = "chat_ended"


class Unavailable(DeskError):
    """A service the desk relies on (Redis, the database) is down or too
    slow: try again shortly."""

    code = "unavailable"


def outage(error: BaseException) -> Unavailable | None:
    """What a client is told when a connection the work needed (to the
    database or Redis) was refused, reset or timed out: nothing was done,
    try again. None for any other error (a bug: an internal error)."""
    if isinstance(error, (OSError, TimeoutError)):
        return Unavailable("a service the desk needs cannot be reached; try again shortly")
    return None


class Offline(DeskError):
    code = "offline"


class UseTicket(DeskError):
    """Chat cannot take this: the topic is one for tickets, or an open
    ticket already covers it (then `ticket` is in the fields). `kind` in
    the fields says which ("topic", "verified_only", "open_ticket"), so a
    client can say it in its visitor's language; `reason` is English, or
    the desk's own words for a topic."""

    code = "use_ticket"


class Suspended(DeskError):
    """Chat is closed to this visitor or account until `until` (in the fields)."""

    code = "suspended"


class Banned(DeskError):
    """Chat is closed to this visitor or account until a supervisor lifts it."""

    code = "banned"


class UnknownTag(DeskError):
    """A tag id that names no tag on the list (a bad input: 400)."""

    code = "unknown_tag"


class TagArchived(Conflict):
    """The tag was archived: it stays where it is but is put on nothing new."""

    code = "tag_archived"


class EvidenceMissing(DeskError):
    """The ticket's topic asks for evidence it does not carry: `missing`
    names the fields (`[topics.NAME] evidence`), for a client to say it in
    its own words."""

    code = "evidence_missing"
