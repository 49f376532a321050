"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping what it gets."""
from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword


class Inbox:
    """An aiosmtpd handler keeping every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.logins: list[tuple[bytes, bytes]] = []

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def raw(self, index: int = 0) -> bytes:
        content = self.envelopes[index].content
        assert isinstance(content, bytes)
        return content

    def message(self, index: int = 0) -> email.message.EmailMessage:
        parsed = email.message_from_bytes(self.raw(index), policy=policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        return parsed

    def body(self, index: int = 0) -> str:
        """The text as sent, with the wire's CRLF line ends back to LF."""
        return str(self.message(index).get_content()).replace("\r\n", "\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(port: int, *, auth: bool = False) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1:`port`; with `auth`, it offers AUTH
    without TLS (loopback only) and accepts any login."""
    inbox = Inbox()
    options: dict[str, Any] = {"authenticator": inbox.authenticate, "auth_require_tls": False} if auth else {}
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


# Fixtures for a harness whose desk mails to a real SMTP server; a test
# module imports all three (`from tests.smtp import config_overrides, inbox, smtp_port`).

@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    with smtp_server(smtp_port) as running:
        yield running


@pytest.fixture
def config_overrides(smtp_port: int) -> dict:
    """The harness's desk mails through `inbox`."""
    return {"mail": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "from": "Desk <desk@example.test>"}}
