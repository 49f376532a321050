"""The evidence a ticket on a topic must carry (`[topics.NAME] evidence`):
a small catalogue of fields, each of one kind, so that every client can
label them in its own language by name.

Kinds: `text` (what the requester pastes: a call, a response), `url` (an
http(s) link: a document's) and `files` (the ticket's attachments: the
files that fail to upload, screenshots). Pure: no I/O.
"""
from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

VALUE_CHARS = 4000  # one text field: what a chat message may hold
URL_CHARS = 2000


class Kind(enum.StrEnum):
    TEXT = "text"
    URL = "url"
    FILES = "files"


@dataclasses.dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    label: str  # English, for mail and logs; clients label it by `name`


CATALOGUE: Mapping[str, Field] = {f.name: f for f in (
    Field("api_call", Kind.TEXT, "The exact API call made"),
    Field("api_response", Kind.TEXT, "The response the server returned"),
    Field("document_url", Kind.URL, "The document's link"),
    Field("files", Kind.FILES, "The files that fail (or screenshots of the error)"),
)}


class BadEvidence(ValueError):
    """A value given for a field that is not one (a link that is not http(s))."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def fields_of(names: Sequence[str]) -> list[Field]:
    """The catalogue's fields named, in that order; KeyError for an unknown one."""
    return [CATALOGUE[name] for name in names]


def cleaned(given: Mapping[str, str]) -> dict[str, str]:
    """The values given, trimmed, blank ones left out, in catalogue order;
    raises BadEvidence for a name not in the catalogue (or of kind files:
    those are attachments), a value too long or a link that is not one."""
    out: dict[str, str] = {}
    for name, raw in given.items():
        field = CATALOGUE.get(name)
        if field is None or field.kind is Kind.FILES:
            raise BadEvidence(f"evidence: unknown field {name!r} (known: {', '.join(_typed())})", name)
        value = raw.strip()
        if not value:
            continue
        limit = URL_CHARS if field.kind is Kind.URL else VALUE_CHARS
        if len(value) > limit:
            raise BadEvidence(f"evidence {name}: at most {limit} characters", name)
        if field.kind is Kind.URL and not _is_link(value):
            raise BadEvidence(f"evidence {name}: expected an http:// or https:// link", name)
        out[name] = value
    return {name: out[name] for name in CATALOGUE if name in out}


def missing(required: Sequence[str], given: Mapping[str, str], files: int) -> list[str]:
    """The required fields not given (`given` cleaned), in the topic's order;
    a `files` field is given when the ticket carries at least one file."""
    return [name for name in required
            if (files == 0 if CATALOGUE[name].kind is Kind.FILES else not given.get(name))]


def _is_link(value: str) -> bool:
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _typed() -> list[str]:
    return [name for name, f in CATALOGUE.items() if f.kind is not Kind.FILES]
