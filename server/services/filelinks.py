"""Files in mail: a transcript, a receipt or a ticket reply names each file
with a download link of its own.

Decision: a mail reader is not signed in anywhere, so the link itself is the
authorization: `{base_url}/files/{token}`, the token 192 random bits
(tokens.new_token), only its SHA-256 kept (`attachment_links`), good for
`[attachments] link_days` days. Whoever holds the mail holds the file for
that long, as they hold the transcript's words; the file itself is served
as everywhere else (services/attachments.py, web/attachments.py): a
download unless a raster image, `nosniff`, a CSP that runs nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from .context import Desk
from .letters import FileLine, FileLines
from .model import Attachment, AttachmentLink
from .tokens import hash_token, new_token

PATH = "/files/"


async def links(desk: Desk, files: Iterable[Attachment]) -> dict[str, str]:
    """A fresh link for each file (by id), stored before the mail that
    carries it is queued: a link whose mail never went is a token nobody has."""
    now, days = desk.clock.now(), desk.config.attachments.link_days
    made: dict[str, str] = {}
    rows = []
    for attachment in files:
        token = new_token()
        made[attachment.id] = f"{desk.config.base_url}{PATH}{token}"
        rows.append(AttachmentLink(token_hash=hash_token(token), attachment_id=attachment.id, created_at=now,
                                   expires_at=now + timedelta(days=days)))
    await desk.store.add_attachment_links(rows)
    return made


def lines(files: Iterable[Attachment], urls: dict[str, str] | None = None) -> list[FileLine]:
    return [(a.name, a.size, (urls or {}).get(a.id)) for a in files]


def by_message(files: Iterable[Attachment], urls: dict[str, str] | None = None) -> FileLines:
    """A chat's sent files as letters.transcript takes them."""
    found: dict[tuple[str, str], list[FileLine]] = {}
    for a in files:
        if a.chat_id is not None and a.client_id is not None:
            found.setdefault((a.uploader.value, a.client_id), []).append((a.name, a.size, (urls or {}).get(a.id)))
    return found


def link_days(desk: Desk, urls: dict[str, str]) -> int:
    """What a letter says of its links: their days, or 0 when it has none."""
    return desk.config.attachments.link_days if urls else 0
