"""Mail that is never lost: the outbox worker.

Services queue `OutgoingMail` in the store (in the transaction of the change
that causes it); `MailWorker`, one owned task per node, takes the due mail,
sends it over SMTP with aiosmtplib and marks it sent, or records the error
and tries again later with a capped exponential backoff, on the injected
clock. Delivery is at least once: a node that dies between the SMTP answer
and `mail_sent` sends that mail again (with the same Message-ID).

Header values are written by `headers.py`, never parsed by the `email`
package on the way out, so nothing a visitor or an agent typed (a name, a
subject) can start a header of its own or turn into one when a mail client
decodes it; the message goes to the SMTP server as the 7-bit bytes
`render` makes. Credentials never reach a log line or `last_error`.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import Any

import aiosmtplib

from ..config import MailConfig
from .headers import ascii_address, body_text, mailbox_header, one_line, unstructured
from .model import OutgoingMail, QueuedMail
from .outbox_loop import idle, run_passes
from .ports import Clock, Store

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[Any]]  # aiosmtplib.send's signature

FIRST_RETRY_S = 30
MAX_RETRY_S = 3600
BATCH = 10  # mails claimed at once; see sql.MAIL_LEASE_S
SMTP_TIMEOUT_S = 30.0
POLL_S = 10.0  # clock seconds between looks at the outbox when not woken
ERROR_CHARS = 500
# Short enough that an encoded word still fits on the header's first line.
_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
# How a message is written: never refolding a header (refolding parses the
# value: see headers.py), and the body in 7-bit ASCII (quoted-printable or
# base64 when it is not), so the bytes need no SMTPUTF8 nor 8BITMIME.
WIRE = policy.SMTP.clone(refold_source="none", cte_type="7bit")
# Set by `build_message` itself: an extra header may not replace them or add
# a recipient.
_RESERVED = frozenset({"from", "sender", "to", "cc", "bcc", "subject", "date", "message-id",
                       "mime-version", "content-type", "content-transfer-encoding",
                       "return-path", "received"})


class UnsendableMail(ValueError):
    """A mail that no retry can send (no single valid recipient, a bad
    header name): the worker gives up on it."""


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure (1, 2, ...): 30 s, 60 s,
    120 s, ..., at most one hour."""
    exponent = min(max(attempts, 1) - 1, 16)  # 2**16 * 30 s is far past the cap
    return timedelta(seconds=min(FIRST_RETRY_S * 2 ** exponent, MAX_RETRY_S))


def mailbox(name: str | None, address: str) -> str:
    """`Name <address>`, quoted as RFC 5322 wants, for `OutgoingMail.to`.
    Raises UnsendableMail for an address that is not one addr-spec."""
    return str(_address(one_line(name or ""), one_line(address)))


def _address(name: str, addr_spec: str) -> Address:
    """Only a bare ASCII-able address (see `headers.address_of`): one that
    the header parser would read as something else is refused first."""
    if ascii_address(addr_spec) is None:
        raise UnsendableMail(f"not an address: {addr_spec!r}")
    try:
        return Address(display_name=name, addr_spec=addr_spec)
    except (ValueError, IndexError) as exc:  # the header parser raises either
        raise UnsendableMail(f"not an address: {addr_spec!r}") from exc


def parse_mailbox(value: str) -> Address:
    """Exactly one mailbox (`a@b` or `Name <a@b>`) from `value`, with line
    breaks removed first. Raises UnsendableMail otherwise: a value that
    reads as two addresses is refused, not split."""
    found = getaddresses([one_line(value)])
    if len(found) != 1 or not found[0][1]:
        raise UnsendableMail(f"not one mailbox: {value!r}")
    name, addr_spec = found[0]
    return _address(name, addr_spec)


def build_message(mail: OutgoingMail, sender: Address, message_id: str) -> EmailMessage:
    """The message to send. Raises UnsendableMail for a bad recipient or
    extra header. `message_id` stays the same on every attempt, so that a
    mail sent twice (at least once delivery) can be recognised."""
    message = EmailMessage(policy=WIRE)
    message.set_raw("From", _mailbox_value("From", sender))
    message.set_raw("To", _mailbox_value("To", parse_mailbox(mail.to)))
    message.set_raw("Subject", unstructured("Subject", mail.subject))
    message.set_raw("Date", format_datetime(mail.created_at))
    message.set_raw("Message-ID", message_id)
    for name, value in mail.headers:
        if not _HEADER_NAME.match(name) or name.lower() in _RESERVED:
            raise UnsendableMail(f"header {name!r} may not be set")
        message.set_raw(name, unstructured(name, value))
    message.set_content(body_text(mail.text))
    return message


def render(message: EmailMessage) -> bytes:
    """The bytes to send: the headers exactly as `build_message` wrote them."""
    return message.as_bytes(policy=WIRE)


def _mailbox_value(name: str, address: Address) -> str:
    return mailbox_header(name, address.display_name, wire_address(address.addr_spec))


def wire_address(addr_spec: str) -> str:
    """`addr_spec` as the SMTP envelope and the headers carry it: the
    domain in ASCII. Raises UnsendableMail for anything but a bare address."""
    spelled = ascii_address(addr_spec)
    if spelled is None:
        raise UnsendableMail(f"not an address: {addr_spec!r}")
    return spelled


def describe(error: BaseException) -> str:
    """A short line for logs and `last_error`: the exception's type and
    message (aiosmtplib's carry the server's reply, not our credentials)."""
    return f"{type(error).__name__}: {error}"[:ERROR_CHARS]


class MailWorker:
    """Sends the outbox. `run()` is the owned background task; `wake()`
    (after a commit that queued mail) makes it look at once; `send_due()`
    is one pass, for tests and shutdown."""

    def __init__(self, store: Store, clock: Clock, config: MailConfig,
                 send: Send = aiosmtplib.send) -> None:
        self._store = store
        self._clock = clock
        self._config = config
        self._send = send
        self._wake = asyncio.Event()
        self._retries: set[datetime] = set()  # retries this node set, not yet looked at
        self._sender = parse_mailbox(config.from_)  # a bad `[mail] from` fails at start

    @property
    def enabled(self) -> bool:
        return bool(self._config.smtp_host)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Send due mail until cancelled; survives any send or store error.
        Without `[mail] smtp_host` it sends nothing (mail stays queued for a
        later start with a host) and says so once."""
        if not self.enabled:
            log.warning("[mail] smtp_host is empty: mail is queued but not sent")
            return
        log.info("sending mail through %s:%s", self._config.smtp_host, self._config.smtp_port)
        await run_passes(self.send_due, self._wake, self._idle, "mail outbox")

    async def send_due(self) -> int:
        """Send every mail due now, in batches; the number delivered."""
        if not self.enabled:
            return 0
        delivered = 0
        started = self._clock.now()
        self._retries = {r for r in self._retries if r > started}  # this pass takes the rest
        while True:
            batch = await self._store.due_mail(self._clock.now(), BATCH)
            for queued in batch:
                delivered += await self._deliver(queued)
            if len(batch) < BATCH:
                return delivered

    async def _deliver(self, queued: QueuedMail) -> int:
        try:
            await self._attempt(queued)
        except asyncio.CancelledError:
            raise
        except UnsendableMail as exc:
            log.error("mail %s given up: %s", queued.id, describe(exc))
            await self._store.mail_failed(queued.id, describe(exc), None)
            return 0
        except Exception as exc:  # any SMTP or network error: try again later
            await self._failed(queued, exc)
            return 0
        await self._store.mail_sent(queued.id, self._clock.now())
        return 1

    async def _attempt(self, queued: QueuedMail) -> None:
        message = render(build_message(queued.mail, self._sender, self._message_id(queued)))
        recipient = wire_address(parse_mailbox(queued.mail.to).addr_spec)
        await self._send(message, sender=wire_address(self._sender.addr_spec), recipients=[recipient],
                         **self._smtp_options())

    def _smtp_options(self) -> dict[str, Any]:
        config = self._config
        return {"hostname": config.smtp_host, "port": config.smtp_port,
                "username": config.user or None, "password": config.password or None,
                "start_tls": config.starttls, "timeout": SMTP_TIMEOUT_S}

    def _message_id(self, queued: QueuedMail) -> str:
        return f"<{queued.id}@{wire_address(self._sender.addr_spec).partition('@')[2]}>"

    async def _failed(self, queued: QueuedMail, error: Exception) -> None:
        attempts = queued.attempts + 1
        retry_at = self._clock.now() + backoff(attempts)
        log.warning("mail %s to %s:%s failed (attempt %d), next at %s: %s", queued.id,
                    self._config.smtp_host, self._config.smtp_port, attempts,
                    retry_at.isoformat(), describe(error))
        await self._store.mail_failed(queued.id, describe(error), retry_at)
        self._retries.add(retry_at)

    async def _idle(self) -> None:
        """Until woken, a retry this node set comes due, or POLL_S clock
        seconds pass (mail queued by another node)."""
        await idle(self._wake, self._clock, self._retries, POLL_S)
