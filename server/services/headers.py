"""Mail header values the desk writes itself, so that nothing a person
typed reaches a mail parser as anything but text.

Python's `email` package parses every value assigned to a header: it
decodes RFC 2047 encoded words in it, and Python before 3.11.10 and
3.12.5 (CVE-2024-6923) writes the decoded line breaks back out raw, so a
subject `=?utf-8?q?=0D=0ABcc=3A_x@evil.test?=` became a Bcc header. Quoting
would not help: its parser decodes encoded words inside quoted strings too.

So the desk writes each header value itself, in ASCII, folded into lines of
at most 78 characters, and the message keeps it as it is
(`EmailMessage.set_raw`, written with a policy that never refolds): no
parser reads a value on its way out, on any Python. A value goes out as it
is only when it is printable ASCII with no "=?" that folds at its spaces
(a display name: only atoms); anything else goes out whole as encoded words
in UTF-8 (a subject as Q words, a display name as one B word), which a mail
client decodes to the text exactly, and never decodes again.
"""
from __future__ import annotations

import base64
import re

MAX_LINE = 78  # RFC 5322's recommended line length, the header name included
MAX_WORD = 75  # RFC 2047's longest encoded word
_PREFIX, _B_PREFIX, _SUFFIX = "=?utf-8?q?", "=?utf-8?b?", "?="
_ELLIPSIS = "\u2026"
# CR, LF and every other control or line separator that some parser might
# take for the end of a line.
_LINE_BREAKS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")
# In a body, lines stay; other control characters are not text.
_BODY_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PRINTABLE = re.compile("[\x20-\x7e]*")
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")  # a phrase of atoms, as it is
_Q_SAFE = re.compile(r"[A-Za-z0-9!*+/-]")  # stands for itself: RFC 2047 5(3), the strictest context
_PIECE = re.compile(r" *[^ ]+")
# The HTML standard's "valid email address" (what a browser's email field
# takes), with an ASCII domain: no quoted local part, no comment, no literal.
_ADDR_SPEC = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


def one_line(value: str) -> str:
    """`value` with each run of CR/LF (or any control character or Unicode
    line separator) turned into one space, trimmed."""
    return _LINE_BREAKS.sub(" ", value).strip()


def body_text(value: str) -> str:
    """`value` for a plain-text body: CRLF and lone CR made LF, other
    control characters (NUL, ESC, ...) dropped; tabs and lines kept."""
    return _BODY_CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def address_of(value: str) -> str:
    """`value` (trimmed) if it is one bare address a mail can be sent to:
    `local@domain`, no display name, no quoting, no "=?", an international
    domain allowed. Raises ValueError otherwise."""
    address = value.strip()
    if ascii_address(address) is None:
        raise ValueError(f"not an email address: {value!r}")
    return address


def ascii_address(address: str) -> str | None:
    """`address` with its domain in ASCII (IDNA), or None if it is not a
    bare address (see `address_of`)."""
    local, at, domain = address.partition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    spelled = f"{local}{at}{domain}"
    if not at or "=?" in local or len(spelled) > 254 or not _ADDR_SPEC.fullmatch(spelled):
        return None
    return spelled


def unstructured(name: str, value: str) -> str:
    """The value of header `name` (Subject, ...) for `set_raw`: `value` on
    one line (see `one_line`), folded, ASCII."""
    text = one_line(value)
    first = MAX_LINE - len(name) - 2
    pieces = _PIECE.findall(text)
    if _PRINTABLE.fullmatch(text) and "=?" not in text and _fits(pieces, first):
        return _fold(pieces, first)
    return _fold(_encoded_words(text, first), first)


def _fits(pieces: list[str], first: int) -> bool:
    """Each piece fits on a line of its own: the first in `first` columns."""
    return all(len(p) <= (first if i == 0 else MAX_LINE) for i, p in enumerate(pieces))


def mailbox_header(name: str, display_name: str, addr_spec: str) -> str:
    """The value of address header `name` (From, To) for `set_raw`:
    `display name <addr_spec>`, `addr_spec` in ASCII (`ascii_address`).

    A name of atoms goes as it is; any other, as ONE encoded word, cut
    (with "...") to what one holds: between two encoded words of a name,
    mail clients drop the space as RFC 2047 says, but Python's parser keeps
    it, so a name in two words would not read the same everywhere."""
    display = " ".join(one_line(display_name).split())  # mail clients show a name's spaces as one
    first = MAX_LINE - len(name) - 2
    if not display:
        return addr_spec
    phrase = _PIECE.findall(display)
    if not (_ATOMS.fullmatch(display) and "=?" not in display and _fits(phrase, first)):
        phrase = [_one_word(display, min(MAX_WORD, first))]
    return _fold([*phrase, f" <{addr_spec}>"], first)


def _one_word(text: str, width: int) -> str:
    """`text` as one B-encoded word of at most `width` characters, cut at a
    whole character and ended with an ellipsis when it does not fit."""
    room = (width - len(_B_PREFIX) - len(_SUFFIX)) // 4 * 3  # bytes: base64 writes 4 for 3
    data = text.encode("utf-8")
    if len(data) > room:
        cut = text
        while len((cut + _ELLIPSIS).encode("utf-8")) > room:
            cut = cut[:-1]
        data = (cut + _ELLIPSIS).encode("utf-8")
    return f"{_B_PREFIX}{base64.b64encode(data).decode('ascii')}{_SUFFIX}"


def _encoded_words(text: str, first: int) -> list[str]:
    """`text` as encoded words, each whole characters, the first fitting in
    `first` columns; every word after the first carries its leading space
    (which a reader drops between two encoded words)."""
    room = min(MAX_WORD, first) - len(_PREFIX) - len(_SUFFIX)
    words, current = [], ""
    for char in text:
        encoded = _q(char)
        if current and len(current) + len(encoded) > room:
            words.append(current)
            current, room = "", MAX_WORD - len(_PREFIX) - len(_SUFFIX)
        current += encoded
    words.append(current)
    return [f"{' ' if i else ''}{_PREFIX}{w}{_SUFFIX}" for i, w in enumerate(words)]


def _q(char: str) -> str:
    if char == " ":
        return "_"
    if _Q_SAFE.fullmatch(char):
        return char
    return "".join(f"={byte:02X}" for byte in char.encode("utf-8"))


def _fold(pieces: list[str], first: int) -> str:
    """`pieces` (each after the first starting with its spaces) in lines
    of at most `first`, then MAX_LINE, columns; a piece longer than a line
    gets one of its own. Lines are joined by LF: the generator writes each
    with the policy's line end."""
    lines, line, width = [], "", first
    for piece in pieces:
        if line and len(line) + len(piece) > width:
            lines.append(line)
            line, width = "", MAX_LINE
        line += piece
    lines.append(line)
    return "\n".join(lines)
