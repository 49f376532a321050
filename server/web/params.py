"""The one parser of what a URL carries: query strings and path parameters,
checked at the door like bodies. A value out of bounds is `BadRequest`
(400), never a 500 from below: SQLite and PostgreSQL refuse integers past
64 bits, PostgreSQL refuses a NUL in text, and date arithmetic overflows
past the year 9999.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, TypeVar

import msgspec
from aiohttp import web

from ..services.errors import BadRequest

# Deeper than anyone pages (200 a page: 5000 pages); far below 2**63.
MAX_OFFSET = 1_000_000
MAX_LIMIT = 200
# Days and instants a desk can mean: far from both ends of `date`, so that
# adding a report's days or a time zone's offset never overflows.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
_PLAIN = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL in text)
_ID = r"^[A-Za-z0-9_-]+$"  # what new_id and the tokens are made of

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=_ID)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_PLAIN)]
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=255, pattern=_PLAIN)]
Limit = Annotated[int, msgspec.Meta(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, msgspec.Meta(ge=0, le=MAX_OFFSET)]
Instant = Annotated[datetime, msgspec.Meta(tz=True)]  # ISO-8601 with its offset: 2026-11-23T15:00:00Z
# A site's key and a verified account's id, as the account:suspend event takes them.
SiteKey = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_PLAIN)]
AccountId = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_PLAIN)]

Q = TypeVar("Q", bound="Query")


class Query(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A route's query string: each field a bounded type above. Fields named
    in `lists` are comma-separated (`status=open,pending`)."""

    lists: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            _check_day(name, getattr(self, name))


def _check_day(name: str, value: Any) -> None:
    """Raises ValueError (msgspec makes it a ValidationError) for a day or
    instant outside FIRST_DAY..LAST_DAY; the instant's own date is compared,
    so no offset arithmetic can overflow here."""
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{name}: expected a day from {FIRST_DAY} to {LAST_DAY}")


def query_of(request: web.Request, kind: type[Q]) -> Q:
    """The query string as `kind`; raises BadRequest for an unknown or
    repeated parameter or a value out of bounds."""
    names = [name for name, _ in request.query.items()]  # keys() lists a repeated name once (multidict 6.1+)
    if len(names) != len(set(names)):
        raise BadRequest("bad query: a parameter is repeated")
    raw: dict[str, Any] = dict(request.query)
    for name in kind.lists:
        if name in raw:
            raw[name] = raw[name].split(",")
    try:
        return msgspec.convert(raw, kind, strict=False)  # "50" is a limit of 50
    except msgspec.ValidationError as exc:
        raise BadRequest(f"bad query: {exc}") from None


def path_id(request: web.Request, name: str = "id") -> str:
    """A path parameter that names a stored row; raises BadRequest unless it
    is shaped like an id (a well-shaped id of nothing is the service's 404)."""
    value = request.match_info[name]
    try:
        return msgspec.convert(value, Id)
    except msgspec.ValidationError:
        raise BadRequest(f"{name}: not an id (1-64 of A-Z, a-z, 0-9, '_' and '-')") from None


def path_text(request: web.Request, name: str, kind: Any) -> str:
    """A path parameter of free text (URL-decoded, e.g. `SiteKey`); raises
    BadRequest if it is out of `kind`'s bounds."""
    try:
        return msgspec.convert(request.match_info[name], kind)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"{name}: {exc}") from None
