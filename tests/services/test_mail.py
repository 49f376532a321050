"""The mail outbox worker against a real SMTP server (aiosmtpd on
127.0.0.1), a real SQLite store and a manual clock."""
from __future__ import annotations

import asyncio
import email
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from server.config import MailConfig
from server.services.clock import ManualClock
from server.services.headers import one_line
from server.services.mail import (MailWorker, UnsendableMail, backoff, build_message, mailbox,
                                  parse_mailbox, render)
from server.services.model import OutgoingMail
from server.store import SqlStore, open_store
from server.store.tables import outbox
from tests.realtime.test_mail_injection import CORPUS, IDS as CORPUS_IDS, as_body
from tests.smtp import Inbox, inbox, smtp_port, smtp_server  # noqa: F401 (fixtures)

SECRET = "hunter2-not-in-logs"
FROM = "Shiftdesk Support <support@desk.example.test>"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    opened = await open_store(f"sqlite:///{tmp_path / 'mail.db'}")
    await opened.migrate()
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def mail_config(port: int, **fields: Any) -> MailConfig:
    return MailConfig(**({"smtp_host": "127.0.0.1", "smtp_port": port, "from_": FROM} | fields))


def a_mail(clock: ManualClock, **fields: Any) -> OutgoingMail:
    values: dict[str, Any] = {"to": mailbox("Vera Visitor", "vera@example.test"),
                              "subject": "Your ticket SD-000123",
                              "text": "We got your request.\nReply to this mail to add to it.\n",
                              "created_at": clock.now(), "id": "mail-1"}
    return OutgoingMail(**(values | fields))


async def outbox_row(store: SqlStore, mail_id: str = "mail-1") -> RowMapping:
    async with store.engine.connect() as conn:
        return (await conn.execute(select(outbox).where(outbox.c.id == mail_id))).mappings().one()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Waits (real time, polling) for the worker task to have done something."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("never happened")
        await asyncio.sleep(0.01)


def header_lines(raw: bytes) -> list[bytes]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return head.split(b"\r\n")


# delivery

async def test_a_queued_mail_is_delivered_with_its_sender_recipient_subject_and_body(
        store: SqlStore, clock: ManualClock, inbox: Inbox, smtp_port: int) -> None:
    await store.queue_mail(a_mail(clock, headers=(("Reply-To", "desk@example.test"),)))
    assert await MailWorker(store, clock, mail_config(smtp_port)).send_due() == 1

    [envelope] = inbox.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == ("support@desk.example.test", ["vera@example.test"])
    message = inbox.message()
    assert message["To"] == "Vera Visitor <vera@example.test>"
    assert message["From"] == FROM
    assert message["Subject"] == "Your ticket SD-000123"
    assert message["Reply-To"] == "desk@example.test"
    assert message["Message-ID"] == "<mail-1@desk.example.test>"
    assert inbox.body() == "We got your request.\nReply to this mail to add to it.\n"
    row = await outbox_row(store)
    assert (row["sent_at"], row["attempts"], row["next_attempt_at"]) == (clock.now(), 0, None)


async def test_a_long_non_ascii_body_arrives_intact(
        store: SqlStore, clock: ManualClock, inbox: Inbox, smtp_port: int) -> None:
    text = "Grüße, ça marche — 日本語.\n" + "x" * 2000 + "\n.\n..leading dots\n"
    await store.queue_mail(a_mail(clock, subject="Ünïcode subject", text=text))
    await MailWorker(store, clock, mail_config(smtp_port)).send_due()
    assert inbox.message()["Subject"] == "Ünïcode subject"
    assert inbox.body() == text


# header injection

@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\r", "\u2028", "\x0b", "\x85"])
async def test_a_line_break_in_the_subject_cannot_add_a_bcc(
        store: SqlStore, clock: ManualClock, inbox: Inbox, smtp_port: int, line_break: str) -> None:
    await store.queue_mail(a_mail(clock, subject=f"Hello{line_break}Bcc: evil@example.test"))
    await MailWorker(store, clock, mail_config(smtp_port)).send_due()

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["vera@example.test"]
    assert not [line for line in header_lines(inbox.raw()) if line.lower().startswith(b"bcc")]
    assert inbox.message()["Subject"] == "Hello Bcc: evil@example.test"


async def test_a_line_break_in_a_name_or_an_extra_header_cannot_add_a_header(
        store: SqlStore, clock: ManualClock, inbox: Inbox, smtp_port: int) -> None:
    to = mailbox("Eve\r\nBcc: evil@example.test", "eve@example.test")
    extra = (("X-Shiftdesk-Ticket", "SD-1\nCc: evil@example.test"),)
    await store.queue_mail(a_mail(clock, to=to, headers=extra))
    await MailWorker(store, clock, mail_config(smtp_port)).send_due()

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["eve@example.test"]
    names = [line.split(b":")[0].lower() for line in header_lines(inbox.raw())
             if not line.startswith((b" ", b"\t"))]
    assert b"bcc" not in names and b"cc" not in names
    assert inbox.message()["To"].addresses[0].display_name == "Eve Bcc: evil@example.test"


@pytest.mark.parametrize("to", [
    "Eve\r\nBcc: evil@example.test <eve@example.test>",  # unquoted: reads as two addresses
    "eve@example.test\r\nBcc: evil@example.test",
    "eve@example.test, evil@example.test",
    "not an address",
])
async def test_a_recipient_that_is_not_one_mailbox_is_given_up_not_sent(
        store: SqlStore, clock: ManualClock, inbox: Inbox, smtp_port: int, to: str) -> None:
    await store.queue_mail(a_mail(clock, to=to))
    assert await MailWorker(store, clock, mail_config(smtp_port)).send_due() == 0
    assert inbox.envelopes == []
    row = await outbox_row(store)
    assert (row["attempts"], row["next_attempt_at"], row["sent_at"]) == (1, None, None)
    assert row["last_error"].startswith("UnsendableMail")


@pytest.mark.parametrize("text", CORPUS, ids=CORPUS_IDS)
def test_every_header_line_the_desk_writes_is_its_own_in_ascii(clock: ManualClock, text: str) -> None:
    """On any Python: the bytes hold our headers and their folded
    continuations only, ASCII, no line longer than 78 characters, and no
    encoded word a reader would decode into anything but the text."""
    mail = a_mail(clock, to=mailbox(text, "vera@example.test"), subject=text, text=text,
                  headers=(("X-Shiftdesk-Ticket", text),))
    raw = render(build_message(mail, parse_mailbox(FROM), "<m@desk.example.test>"))
    lines = header_lines(raw)
    starts = [line.split(b":")[0] for line in lines if not line.startswith(b" ")]
    assert starts == [b"From", b"To", b"Subject", b"Date", b"Message-ID", b"X-Shiftdesk-Ticket", b"Content-Type",
                      b"Content-Transfer-Encoding", b"MIME-Version"]
    assert all(line.isascii() and len(line) <= 78 for line in lines), lines
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == parsed["X-Shiftdesk-Ticket"] == one_line(text)
    body_sent = str(parsed.get_content()).replace("\r\n", "\n")
    assert body_sent.rstrip("\n") == as_body(text).rstrip("\n")


@pytest.mark.parametrize(("name", "shown"), [
    ("Vera Visitor", "Vera Visitor"),
    ("Dr. Zoë O'Brien-Łukasiewicz", "Dr. Zoë O'Brien-Łukasiewicz"),
    ("王小明", "王小明"),
    ("A" * 44 + "é", "A" * 42 + "\u2026"),  # one encoded word: cut, with an ellipsis
])
def test_a_recipients_name_reads_the_same_in_any_mail_client(clock: ManualClock, name: str, shown: str) -> None:
    raw = render(build_message(a_mail(clock, to=mailbox(name, "vera@example.test")), parse_mailbox(FROM), "<m@x>"))
    to = [line for line in header_lines(raw) if line.startswith(b"To:")][0]
    assert to.count(b"=?utf-8?") <= 1  # mail clients drop the space between two encoded words; Python keeps it
    assert email.message_from_bytes(raw, policy=policy.default)["To"].addresses[0].display_name == shown


@pytest.mark.parametrize("name", ["Bcc", "to", "Subject", "X-Bad\r\nBcc", "Bad Name", ""])
def test_an_extra_header_may_not_replace_ours_or_be_malformed(clock: ManualClock, name: str) -> None:
    mail = a_mail(clock, headers=((name, "evil@example.test"),))
    with pytest.raises(UnsendableMail):
        build_message(mail, parse_mailbox(FROM), "<m@x>")


# retries

@pytest.mark.parametrize(("attempts", "seconds"), [
    (1, 30), (2, 60), (3, 120), (4, 240), (7, 1920), (8, 3600), (9, 3600), (500, 3600),
])
def test_backoff_doubles_from_30_seconds_up_to_an_hour(attempts: int, seconds: int) -> None:
    assert backoff(attempts) == timedelta(seconds=seconds)


async def test_mail_waits_while_the_server_is_down_and_is_delivered_once_when_it_is_up(
        store: SqlStore, clock: ManualClock, smtp_port: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    worker = MailWorker(store, clock, mail_config(smtp_port, user="desk", password=SECRET))
    task = asyncio.create_task(worker.run())
    try:
        await store.queue_mail(a_mail(clock))
        worker.wake()
        await eventually(lambda: _attempts_are(store, 1))
        failed = clock.now()
        row = await outbox_row(store)
        assert row["next_attempt_at"] == failed + timedelta(seconds=30)
        assert row["sent_at"] is None and row["last_error"]

        with smtp_server(smtp_port, auth=True) as inbox:
            clock.advance(30)
            await eventually(lambda: _sent(store))
            clock.advance(3600)
            worker.wake()
            assert await worker.send_due() == 0
            assert len(inbox.envelopes) == 1
            assert inbox.logins == [(b"desk", SECRET.encode())]
        assert (await outbox_row(store))["sent_at"] == failed + timedelta(seconds=30)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert SECRET not in caplog.text and SECRET not in (row["last_error"] or "")


async def _attempts_are(store: SqlStore, attempts: int) -> bool:
    return bool((await outbox_row(store))["attempts"] == attempts)


async def _sent(store: SqlStore) -> bool:
    return (await outbox_row(store))["sent_at"] is not None


async def test_the_worker_survives_any_send_error(store: SqlStore, clock: ManualClock, smtp_port: int) -> None:
    calls: list[dict[str, Any]] = []

    async def flaky_send(message: Any, **options: Any) -> None:
        calls.append(options)
        if len(calls) == 1:
            raise RuntimeError("something unexpected")

    worker = MailWorker(store, clock, mail_config(smtp_port, user="desk", password=SECRET, starttls=True),
                        send=flaky_send)
    await store.queue_mail(a_mail(clock))
    assert await worker.send_due() == 0
    clock.advance(30)
    assert await worker.send_due() == 1
    assert calls[1] == {"sender": "support@desk.example.test", "recipients": ["vera@example.test"],
                        "hostname": "127.0.0.1", "port": smtp_port, "username": "desk",
                        "password": SECRET, "start_tls": True, "timeout": 30.0}
    assert (await outbox_row(store))["last_error"] == "RuntimeError: something unexpected"


# restarts and configuration

async def test_a_restart_still_delivers_what_was_queued(
        tmp_path: Path, clock: ManualClock, inbox: Inbox, smtp_port: int) -> None:
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = await open_store(url)
    await first.migrate()
    await first.queue_mail(a_mail(clock, id="queued"))
    await first.queue_mail(a_mail(clock, id="claimed"))
    await first.due_mail(clock.now(), 1)  # a worker claimed "claimed" (ids order ties) and died unsent
    await first.close()

    second = await open_store(url)
    try:
        worker = MailWorker(second, clock, mail_config(smtp_port))
        assert await worker.send_due() == 1  # the unclaimed one at once
        clock.advance(600)  # the dead worker's claim lapses
        assert await worker.send_due() == 1
        assert await worker.send_due() == 0
    finally:
        await second.close()
    assert len(inbox.envelopes) == 2


async def test_without_an_smtp_host_mail_stays_queued_and_it_is_said_once(
        store: SqlStore, clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    worker = MailWorker(store, clock, MailConfig(smtp_host=""))
    await store.queue_mail(a_mail(clock))
    with caplog.at_level(logging.INFO, logger="server.services.mail"):
        await asyncio.wait_for(worker.run(), timeout=5)  # returns: nothing to do
    assert [r.getMessage() for r in caplog.records] == [
        "[mail] smtp_host is empty: mail is queued but not sent"]
    assert await worker.send_due() == 0
    row = await outbox_row(store)
    assert (row["attempts"], row["sent_at"], row["next_attempt_at"]) == (0, None, clock.now())
