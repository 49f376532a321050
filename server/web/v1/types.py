"""Types every operation of /api/v1 shares: pages of lists, and the bounds
of what a query string carries."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec

from ...services import listing
from ...services.errors import BadRequest
from ...services.listing_types import After
from ...services.model import Chat, Ticket
from ..params import Query

MAX_PAGE = 100
T = TypeVar("T")

PageLimit = Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE, description="Items per page, 1 to 100")]
Cursor = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$",
                                     description="The `next_cursor` of the previous page; opaque")]
NextCursor = Annotated[str | None, msgspec.Meta(
    description="Where the next page starts (pass it as `cursor`); null on the last page")]
Ok = Annotated[bool, msgspec.Meta(description="Always true")]


class PageQuery(Query):
    """A page of a list: at most `limit` items, after `cursor`."""

    limit: PageLimit = 50
    cursor: Cursor | None = None


def page_of(found: list[T], limit: int, key: Callable[[T], Any]) -> tuple[list[T], str | None]:
    """`found`, read `limit + 1` long, cut to the page, and the cursor of
    its last item's `key` when there is more (None on the last page)."""
    page = found[:limit]
    return page, encode_cursor(key(page[-1])) if len(found) > limit else None


def after_of(cursor: str | None) -> After | None:
    """Where a page of chats or tickets starts: after the cursor's (time, id)."""
    key = decode_cursor(cursor, tuple[datetime, str])
    return After(*key) if key else None


def time_key(item: Chat | Ticket) -> list[Any]:
    """A chat's or ticket's place in its list (services/listing.py's order)."""
    key = listing.chat_key(item) if isinstance(item, Chat) else listing.ticket_key(item)
    return [key.at, key.id]


def encode_cursor(key: Any) -> str:
    """The last item's sort key as opaque text (URL-safe base64 of JSON)."""
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None, kind: Any) -> Any:
    """The sort key a cursor holds, as `kind`; None for no cursor. Raises
    BadRequest for one this server did not make."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise BadRequest("bad cursor: pass the next_cursor of the previous page unchanged") from None
