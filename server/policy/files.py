"""What an uploaded file is: its type from its name's extension, checked
against its first bytes, and whether a browser may show it inline.

Pure: bytes and names in, values out. The type a file is served with is
the one found here, never what the uploader's browser claimed.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata


@dataclasses.dataclass(frozen=True, slots=True)
class Kind:
    content_type: str
    magic: tuple[bytes, ...] = ()  # the file starts with one of these; () for text
    text: bool = False  # UTF-8 text without NUL characters
    image: bool = False  # safe to show inline (a raster image browsers decode)


_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # the old Office formats

KINDS: dict[str, Kind] = {
    "png": Kind("image/png", (b"\x89PNG\r\n\x1a\n",), image=True),
    "jpg": Kind("image/jpeg", (b"\xff\xd8\xff",), image=True),
    "jpeg": Kind("image/jpeg", (b"\xff\xd8\xff",), image=True),
    "gif": Kind("image/gif", (b"GIF87a", b"GIF89a"), image=True),
    "webp": Kind("image/webp", (b"RIFF",), image=True),  # and "WEBP" at 8: see `_starts_as`
    "pdf": Kind("application/pdf", (b"%PDF-",)),
    "txt": Kind("text/plain", text=True),
    "log": Kind("text/plain", text=True),
    "csv": Kind("text/csv", text=True),
    "zip": Kind("application/zip", _ZIP),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "pptx": Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    "odt": Kind("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": Kind("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    "odp": Kind("application/vnd.oasis.opendocument.presentation", _ZIP),
    "doc": Kind("application/msword", _OLE),
    "xls": Kind("application/vnd.ms-excel", _OLE),
    "ppt": Kind("application/vnd.ms-powerpoint", _OLE),
}

# Types a browser would run as a page (script inside): never taken, whatever the config says.
REFUSED = frozenset({"svg", "svgz", "html", "htm", "xhtml", "xht", "xml", "shtml", "mht", "mhtml", "js", "mjs"})

MAX_NAME = 200  # characters of a stored file name
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\"]")
# Bidirectional controls: "invoice\u202efdp.exe" shows as "invoiceexe.pdf".
# Dropped, so a name reads in the order its characters are stored.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class NotTaken(ValueError):
    """The file is not of a type taken; the message says why, for the uploader."""


def clean_name(name: str) -> str:
    """The file's own name, without a path, control characters (bidi
    overrides too), quotes or slashes, at most MAX_NAME characters with its extension kept."""
    name = _BIDI.sub("", unicodedata.normalize("NFC", name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip().strip(".") or "file"
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = name[:MAX_NAME - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return name


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def kind_of(name: str, data: bytes, allowed: frozenset[str]) -> Kind:
    """The file's kind; raises NotTaken for a type not in `allowed` (nor
    ever for REFUSED ones) or bytes that are not what the name says."""
    ext = extension(name)
    if ext in REFUSED or ext not in allowed or ext not in KINDS:
        listed = ", ".join(sorted(allowed & KINDS.keys()))
        raise NotTaken(f"files of type .{ext or '(none)'} are not accepted here; these are: {listed}")
    kind = KINDS[ext]
    if not _looks_like(kind, ext, data):
        raise NotTaken(f"this file is not a real .{ext} file")
    return kind


def _looks_like(kind: Kind, ext: str, data: bytes) -> bool:
    if kind.text:
        return _is_text(data)
    if not any(data.startswith(m) for m in kind.magic):
        return False
    return ext != "webp" or data[8:12] == b"WEBP"


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def allowed_types(spec: str) -> frozenset[str]:
    """`[attachments] types` as a set of extensions."""
    return frozenset(t.strip().lower().lstrip(".") for t in spec.split(",") if t.strip()) - REFUSED
