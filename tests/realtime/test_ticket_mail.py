"""Ticket mail through the running server's outbox worker to a real SMTP
server (aiosmtpd): the conversion receipt, and what a visitor-typed subject
cannot do to the headers."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.smtp import Inbox, free_port, smtp_server


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    with smtp_server(smtp_port) as running:
        yield running


@pytest.fixture
def config_overrides(smtp_port: int) -> dict:
    return {"mail": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "from": "Desk <desk@example.test>"}}


async def test_a_converted_chat_mails_its_receipt_with_the_transcript(harness, inbox):
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "my site is down", "email": "vera@example.test"}))["chat"]
    await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "n", "text": "secret note", "note": True})
    ack = await agent.call("chat:convert", {"chat_id": chat["id"],
                                            "subject": "Down\r\nBcc: victim@example.test"})
    number = ack["ticket"]["number"]

    async def delivered() -> bool:
        return len(inbox.envelopes) == 1
    await harness.eventually(delivered)
    envelope, message = inbox.envelopes[0], inbox.message()
    assert envelope.rcpt_tos == ["vera@example.test"]
    assert number in message["Subject"] and message["Bcc"] is None
    body = inbox.body()
    assert number in body and "my site is down" in body
    assert "secret note" not in body  # internal notes stay internal
