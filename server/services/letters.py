"""The mail the desk sends about tickets, as plain text.

`TICKET_LABEL` in a subject or text stands for the ticket's label where the
store gives the number in the same transaction (see `Store.create_ticket`).
It is made of Unicode noncharacters, which `_typed` removes from every
text a person gave, so nobody's words can turn into a label: "{ticket}"
typed in a subject comes out as typed.

Everything a visitor or an agent typed goes in the body as plain text
(names on one line, each message's continuation lines indented, so typed
text cannot pass for a line the desk wrote), and the mail worker writes
headers so that none of it can become one (services/headers.py). Times are
in the desk's time zone, for people (services/dates.py).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo

from ..policy.evidence import CATALOGUE
from . import dates
from .headers import body_text, one_line
from .mail import UnsendableMail, mailbox
from .model import TICKET_LABEL, Agent, Author, Message, OutgoingMail, Ticket, TicketStatus

SIGNATURE = "\n-- \nShiftdesk support\n"
INDENT = "    "  # before a message's second and later lines in a transcript
_STATUS_WORDS = {
    TicketStatus.PENDING_CONFIRMATION: "waiting for your confirmation",
    TicketStatus.OPEN: "open",
    TicketStatus.PENDING: "waiting for your reply",
    TicketStatus.SOLVED: "solved",
    TicketStatus.CLOSED: "closed",
}
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
_NAME_MARKS = re.compile(r"[\[\]():]")
NAME_CHARS = 60


def _typed(text: str) -> str:
    """Text a person gave, fit for a letter: no part of it can be taken
    for the ticket label's placeholder."""
    return _NONCHARACTERS.sub("", text)


def _line(text: str) -> str:
    return one_line(_typed(text))


def _block(text: str) -> str:
    return body_text(_typed(text))


def recipient(email: str, name: str | None) -> str:
    """`Name <email>` for `OutgoingMail.to`, or the bare `email` when it
    cannot carry a name (the worker then decides whether it can send it)."""
    try:
        return mailbox(_line(name or ""), email)
    except UnsendableMail:
        return email


# A file in a letter: its name, its size in bytes, and the link that fetches
# it (None where no link goes, as in the transcript kept on a ticket).
FileLine = tuple[str, int, str | None]
FileLines = Mapping[tuple[str, str], list[FileLine]]  # (author, client_id) -> a message's files


def size_words(size: int) -> str:
    """As the widget and the console say it: "1.2 MB", "830 KB", "12 bytes"."""
    if size >= 1048576:
        return f"{size / 1048576:.1f} MB"
    return f"{round(size / 1024)} KB" if size >= 1024 else f"{size} bytes"


def file_lines(files: Iterable[FileLine], indent: str = "") -> list[str]:
    """`Attachment: scan.png (12 KB) https://...`, one line each; the name,
    typed by someone, on one line of its own making."""
    return [f"{indent}Attachment: {_line(name)} ({size_words(size)})" + (f" {url}" if url else "")
            for name, size, url in files]


def transcript(messages: Iterable[Message], tz: tzinfo, *, notes: bool,
               agents: Mapping[str, Agent] | None = None, visitor: str | None = None,
               files: FileLines | None = None) -> str:
    """The chat as plain text: a line with the day (in `tz`) whenever it
    changes, then one message a line, `[13:41 EST] Kim (visitor): text`,
    its further lines indented; internal notes only when `notes`. Each
    line names who wrote it: an agent's by its author (`agents`, by id:
    after a transfer, not the chat's last agent), the visitor's by
    `visitor`, its name when known; without a name, `agent` or `visitor`.
    A message's `files` follow it, indented, one line each."""
    lines: list[str] = []
    shown_day = None
    for m in messages:
        if m.note and not notes:
            continue
        if (today := dates.day(m.at, tz)) != shown_day:
            lines += [""] if lines else []
            lines.append(today)
            shown_day = today
        who = _author(m, agents or {}, visitor)
        first, *rest = _block(m.text).split("\n")
        lines.append(f"[{dates.clock(m.at, tz)}] {who}: {first}")
        lines += [INDENT + line for line in rest]
        if files and m.client_id is not None:
            lines += file_lines(files.get((m.author.value, m.client_id), ()), INDENT)
    return "\n".join(lines)


def _author(message: Message, agents: Mapping[str, Agent], visitor: str | None) -> str:
    """`Alice (agent)`, `Kim (visitor)`, `Alice (internal note)`; the role
    alone for a name not known. The role comes last and names carry no
    brackets or colons, so no name passes for another role or a line."""
    if message.author is Author.SYSTEM:
        return "system"
    if message.author is Author.VISITOR:
        name, role = visitor, "visitor"
    else:
        agent = agents.get(message.author_id) if message.author_id else None
        name, role = (agent.name if agent else None), ("internal note" if message.note else "agent")
    name = _name(name)
    if not name:
        return "note" if message.note else role
    return f"{name} ({role})"


def _name(name: str | None) -> str:
    """A person's name fit for a transcript line: one line, no `[]():`,
    at most NAME_CHARS characters."""
    cleaned = " ".join(_NAME_MARKS.sub(" ", _line(name or "")).split())
    return cleaned[:NAME_CHARS].rstrip()


LINKS_NOTE = "The links to files work for {days} days; anyone with a link can download its file."


def evidence_lines(ticket: Ticket) -> list[str]:
    """The ticket's evidence, each field's label then its value indented
    (typed text: no line of it can pass for one the desk wrote); [] for none."""
    lines: list[str] = []
    for name, value in ticket.evidence.items():
        field = CATALOGUE.get(name)
        lines += ["", f"{field.label if field else name}:",
                  *(INDENT + line for line in _block(value).splitlines())]
    return ["", "Evidence given:", *lines] if lines else []


def receipt(ticket: Ticket, to: str, at: datetime, tz: tzinfo, *,
            shown_transcript: str | None = None, files: Iterable[FileLine] = (), link_days: int = 0) -> OutgoingMail:
    body = [f"We have received your request. Your ticket number is {TICKET_LABEL}.",
            "", f"Subject: {_line(ticket.subject)}", f"Priority: {ticket.priority}",
            f"We aim to answer by {dates.spoken(ticket.response_due_at, tz)}.", "",
            "Keep this number: it is your receipt. Reply quoting it if you need to add anything."]
    body += evidence_lines(ticket)
    if files := list(files):
        body += ["", "Files you sent with it:", *file_lines(files)]
    if link_days:  # links to files are in it
        body += ["", LINKS_NOTE.format(days=link_days)]
    if shown_transcript:
        body += ["", "Your chat with us:", "", shown_transcript]
    return OutgoingMail(to=to, subject=f"[{TICKET_LABEL}] {_line(ticket.subject)}",
                        text="\n".join(body) + SIGNATURE, created_at=at)


def confirmation(ticket: Ticket, to: str, at: datetime, link: str) -> OutgoingMail:
    text = (f"A member of our support team opened ticket {TICKET_LABEL} on your behalf:\n\n"
            f"Subject: {_line(ticket.subject)}\n\n{_block(ticket.description)}\n"
            + "".join(f"{line}\n" for line in evidence_lines(ticket)) + "\n"
            "Nothing will be done on it until you confirm the request. If you asked for this, "
            f"confirm it by opening this link:\n\n{link}\n\n"
            "If you did not ask for it, ignore this mail and nothing will happen.")
    return OutgoingMail(to=to, subject=f"[{TICKET_LABEL}] Please confirm: {_line(ticket.subject)}",
                        text=text + SIGNATURE, created_at=at)


def status_changed(ticket: Ticket, to: str, at: datetime) -> OutgoingMail:
    subject = _line(ticket.subject)
    text = f"Your ticket {ticket.label} ({subject}) is now {_STATUS_WORDS[ticket.status]}.\n"
    return OutgoingMail(to=to, subject=f"[{ticket.label}] {subject}: {ticket.status}",
                        text=text + SIGNATURE, created_at=at)


def reply(ticket: Ticket, to: str, at: datetime, author_name: str, text: str, *,
          files: Iterable[FileLine] = (), link_days: int = 0) -> OutgoingMail:
    subject = _line(ticket.subject)
    body = f"{_line(author_name)} replied on your ticket {ticket.label} ({subject}):\n\n{_block(text)}\n"
    if files := list(files):
        body += "\n" + "\n".join(file_lines(files)) + "\n"
    if link_days:
        body += "\n" + LINKS_NOTE.format(days=link_days) + "\n"
    return OutgoingMail(to=to, subject=f"Re: [{ticket.label}] {subject}", text=body + SIGNATURE,
                        created_at=at)


def chat_transcript(started_at: datetime, to: str, at: datetime, tz: tzinfo, shown_transcript: str, *,
                    link_days: int = 0) -> OutgoingMail:
    """A chat's transcript, asked for by its visitor or sent by an agent:
    `shown_transcript` is `transcript(..., notes=False)`. The subject holds
    nothing anybody typed, only the day the chat began."""
    body = ["Here is the transcript of your chat with us, as you asked or as our team sent it to you.",
            f"Times are {dates.zone(at.astimezone(tz))}.", "", shown_transcript, "",
            *([LINKS_NOTE.format(days=link_days), ""] if link_days else []),  # links to files are in it
            "If you did not ask for this, you can ignore it."]
    return OutgoingMail(to=to, subject=f"Your chat of {dates.day(started_at, tz)}",
                        text="\n".join(body) + SIGNATURE, created_at=at)
