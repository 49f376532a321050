"""The mail the desk sends about tickets, as plain text.

`{ticket}` in a subject or text stands for the ticket's label where the
store gives the number in the same transaction (see `Store.create_ticket`).
Everything a visitor or an agent typed goes in the body as plain text, and
the mail worker keeps line breaks out of headers.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .model import Message, OutgoingMail, Ticket, TicketStatus
from .views import iso

SIGNATURE = "\n-- \nShiftdesk support\n"
_STATUS_WORDS = {
    TicketStatus.PENDING_CONFIRMATION: "waiting for your confirmation",
    TicketStatus.OPEN: "open",
    TicketStatus.PENDING: "waiting for your reply",
    TicketStatus.SOLVED: "solved",
    TicketStatus.CLOSED: "closed",
}


def transcript(messages: Iterable[Message], *, notes: bool) -> str:
    """The chat as plain text, one message per paragraph; internal notes
    only when `notes`."""
    lines = []
    for m in messages:
        if m.note and not notes:
            continue
        who = "note" if m.note else str(m.author)
        lines.append(f"[{iso(m.at)}] {who}: {m.text}")
    return "\n".join(lines)


def receipt(ticket: Ticket, to: str, at: datetime, *, shown_transcript: str | None = None) -> OutgoingMail:
    body = ["We have received your request. Your ticket number is {{ticket}}.",
            "", f"Subject: {ticket.subject}", f"Priority: {ticket.priority}",
            f"We aim to answer by {iso(ticket.response_due_at)}.", "",
            "Keep this number: it is your receipt. Reply quoting it if you need to add anything."]
    if shown_transcript:
        body += ["", "Your chat with us:", "", shown_transcript]
    return OutgoingMail(to=to, subject=f"[{{ticket}}] {ticket.subject}", text="\n".join(body) + SIGNATURE,
                        created_at=at)


def confirmation(ticket: Ticket, to: str, at: datetime, link: str) -> OutgoingMail:
    text = ("A member of our support team opened ticket {ticket} on your behalf:\n\n"
            f"Subject: {ticket.subject}\n\n{ticket.description}\n\n"
            "Nothing will be done on it until you confirm the request. If you asked for this, "
            f"confirm it by opening this link:\n\n{link}\n\n"
            "If you did not ask for it, ignore this mail and nothing will happen.")
    return OutgoingMail(to=to, subject=f"[{{ticket}}] Please confirm: {ticket.subject}",
                        text=text + SIGNATURE, created_at=at)


def status_changed(ticket: Ticket, to: str, at: datetime) -> OutgoingMail:
    text = (f"Your ticket {ticket.label} ({ticket.subject}) is now {_STATUS_WORDS[ticket.status]}.\n")
    return OutgoingMail(to=to, subject=f"[{ticket.label}] {ticket.subject}: {ticket.status}",
                        text=text + SIGNATURE, created_at=at)


def reply(ticket: Ticket, to: str, at: datetime, author_name: str, text: str) -> OutgoingMail:
    body = f"{author_name} replied on your ticket {ticket.label} ({ticket.subject}):\n\n{text}\n"
    return OutgoingMail(to=to, subject=f"Re: [{ticket.label}] {ticket.subject}", text=body + SIGNATURE,
                        created_at=at)

