"""No text a visitor or an agent types can become a mail header: a corpus
of hostile strings sent through every mail the server writes, in every
field a person controls, through the running server, its outbox worker and
a real SMTP server (aiosmtpd). What the SMTP server received is parsed as a
mail client would (`policy.default`, which decodes RFC 2047 encoded words)
and must hold exactly the headers the desk meant, one recipient, a plain
text body, and the typed text shown as text."""
from __future__ import annotations

import base64
import re
from email.message import EmailMessage

import aiohttp
import pytest

from server.services.model import Visitor
from server.services.tokens import hash_token, new_id, new_token
from tests.smtp import Inbox, config_overrides, inbox, smtp_port  # noqa: F401 (fixtures)


def b_word(raw: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(raw.encode()).decode()}?="


CORPUS = [
    "=?utf-8?q?=0D=0AReply-To=3A_x@evil.test?=",  # CVE-2024-6923, as reported
    "Hi =?utf-8?q?=0D=0ABcc=3A_bcc=40evil.test?= there",
    b_word("\r\nBcc: b64@evil.test\r\nContent-Type: text/html\r\n\r\n<h1>owned</h1>"),
    "=?UTF-8?Q?a?= =?UTF-8?Q?=0ABcc:_split@evil.test?=",
    "=?iso-8859-1?q?=0D=0AContent-Type=3A_text/html?= {ticket}",
    "Hello\r\nBcc: crlf@evil.test",
    "Hello\nReply-To: lf@evil.test",
    "Hello\rContent-Type: text/html",
    "Folded\r\n\tX-Folded: yes\r\n Bcc: fold@evil.test",
    "Body\r\n\r\n<html><body onload=x()>owned</body></html>",
    "Line\u2028Bcc: ls@evil.test\u2029next\u0085nel",
    # NUL itself never gets this far: every door refuses it (tests/realtime/test_nul.py).
    "Ctl\x01Bcc: ctl@evil.test\x0bvt\x0cff\x1besc",
    "w" * 190,  # one word too long for any header line
    "Bcc: plain@evil.test",
    '"Quoted" <quoted@evil.test>, other@evil.test',
    "Your ticket {ticket} and {{ticket}}",
    # SMTP smuggling: a lone dot ends DATA unless the sender doubles it
    "Smuggle\r\n.\r\nMAIL FROM:<s@evil.test>\r\nRCPT TO:<s@evil.test>\r\nDATA\r\nowned\r\n.\n.\r.\r\n",
]
IDS = [f"corpus{i}" for i in range(len(CORPUS))]
# What the desk writes on every mail, and nothing else.
HEADERS = sorted(["content-transfer-encoding", "content-type", "date", "from", "message-id", "mime-version",
                  "subject", "to"])
# The rule a header follows: each run of line breaks and other control
# characters is one space, the ends trimmed. The body keeps the lines.
LINE_BREAKS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")
BODY_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def one_line(text: str) -> str:
    return LINE_BREAKS.sub(" ", text).strip()


def as_body(text: str) -> str:
    return BODY_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


async def delivered(harness, inbox: Inbox, count: int) -> None:
    async def arrived() -> bool:
        return len(inbox.envelopes) >= count
    await harness.eventually(arrived)


def received(inbox: Inbox, to: str) -> list[EmailMessage]:
    """Every mail whose envelope went to `to`, each checked for the one
    property: exactly our headers, one recipient, plain text."""
    found = []
    for index, envelope in enumerate(inbox.envelopes):
        assert all(not r.endswith("evil.test") for r in envelope.rcpt_tos), envelope.rcpt_tos
        if envelope.rcpt_tos != [to]:
            continue
        message = inbox.message(index)
        assert sorted(k.lower() for k in message.keys()) == HEADERS, message.keys()
        assert [a.addr_spec for a in message["To"].addresses] == [to]
        assert [a.addr_spec for a in message["From"].addresses] == ["desk@example.test"]
        assert message.get_content_type() == "text/plain" and not message.is_multipart()
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        found.append(message)
    return found


def named(message: EmailMessage, name: str) -> bool:
    """The To header names `name` on one line, its spaces single, or as
    much of it as one encoded word holds, ended with an ellipsis."""
    shown, meant = message["To"].addresses[0].display_name, " ".join(one_line(name).split())
    return shown == meant or (shown.endswith("\u2026") and meant.startswith(shown[:-1]))


def body(message: EmailMessage) -> str:
    return str(message.get_content()).replace("\r\n", "\n")


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
async def test_the_widgets_ticket_receipt_carries_hostile_text_as_text(harness, inbox, text):
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("ticket:create", {"email": "vera@example.test", "subject": text[:200],
                                               "text": text, "name": text[:200]})
    assert ack["ok"], ack
    await delivered(harness, inbox, 1)
    [message] = received(inbox, "vera@example.test")
    assert message["Subject"] == f"[{ack['ticket']['number']}] {one_line(text[:200])}"
    assert named(message, text[:200])
    assert f"Subject: {one_line(text[:200])}\n" in body(message)


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
async def test_the_http_forms_ticket_receipt_carries_hostile_text_as_text(harness, inbox, text):
    form = {"site": harness.site.key, "email": "olga@example.test", "subject": text[:200], "text": text,
            "name": text[:200]}
    async with aiohttp.ClientSession(base_url=harness.url) as browser:
        async with browser.post("/widget/tickets", json=form) as response:
            answer = await response.json()
            assert response.status == 201, answer
    await delivered(harness, inbox, 1)
    [message] = received(inbox, "olga@example.test")
    assert message["Subject"] == f"[{answer['ticket']['number']}] {one_line(text[:200])}"
    assert named(message, text[:200])


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
async def test_a_converted_chats_receipt_carries_hostile_text_as_text(harness, inbox, text):
    _, token = await harness.add_agent(text[:64] or "Ann", capacity=5)
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    started = await visitor.call("chat:start", {"text": f"{text}\nsecond line", "email": "ivan@example.test",
                                                "name": text[:200]})
    chat = started["chat"]
    await agent.next("chat:assigned")
    assert (await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "a", "text": text}))["ok"]
    ack = await agent.call("chat:convert", {"chat_id": chat["id"]})
    assert ack["ok"], ack
    await delivered(harness, inbox, 1)
    [message] = received(inbox, "ivan@example.test")
    assert message["Subject"].startswith(f"[{ack['ticket']['number']}] ")
    assert named(message, text[:200])
    shown = body(message)
    for line in as_body(f"{text}\nsecond line").split("\n"):
        assert line.strip() in shown  # each line of the visitor's words, as typed


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
async def test_mail_about_a_ticket_opened_on_a_visitors_behalf_carries_hostile_text_as_text(harness, inbox, text):
    """The confirmation, the receipt once confirmed, a status change and an
    agent's reply: the visitor's name, the agent's subject, text, name and reply."""
    _, token = await harness.add_agent(text[:64] or "Ann")
    visitor = await harness.store.save_visitor(Visitor(
        id=new_id(), site_id=harness.site.id, token_hash=hash_token(new_token()), created_at=harness.clock.now(),
        name=text[:200], email="pat@example.test"))
    async with aiohttp.ClientSession(base_url=harness.url, headers={"Authorization": f"Bearer {token}"}) as api:
        async with api.post("/api/tickets", json={"visitor_id": visitor.id, "subject": text[:200],
                                                  "text": text}) as response:
            ticket = (await response.json())["ticket"]
            assert response.status == 201, ticket
        await delivered(harness, inbox, 1)
        link = re.search(r"/tickets/confirm/([A-Za-z0-9_-]+)", body(received(inbox, "pat@example.test")[0]))
        assert link is not None
        async with api.post(f"/tickets/confirm/{link.group(1)}") as page:
            assert page.status == 200
        async with api.post(f"/api/tickets/{ticket['id']}/status", json={"status": "solved"}) as response:
            assert response.status == 200
        async with api.post(f"/api/tickets/{ticket['id']}/replies", json={"text": text}) as response:
            assert response.status == 201
    await delivered(harness, inbox, 4)
    mails = received(inbox, "pat@example.test")
    assert len(mails) == 4
    for message in mails:
        assert message["Subject"].startswith(("[", "Re: [")) and one_line(text[:200]) in message["Subject"]
        assert named(message, text[:200])
    confirmation, _, _, reply = sorted(mails, key=lambda m: ("confirm" not in m["Subject"], "Re:" in m["Subject"]))
    assert as_body(text) in body(confirmation)
    assert as_body(text) in body(reply) and one_line(text[:64]) in body(reply).splitlines()[0]


async def test_an_email_field_carrying_a_display_name_is_refused(harness, inbox):
    """`Name<addr>` fits the door's pattern (no space, one @): the desk takes
    only a bare address, so no name can come in that way."""
    visitor = await harness.visitor()
    await visitor.next("session")
    for email in ["=?utf-8?q?=0D=0ABcc=3A_x=40evil.test?=<vera@example.test>", '"Vera"<vera@example.test>',
                  "vera@example.test,x", "=?utf-8?q?x?=@example.test"]:
        ack = await visitor.call("ticket:create", {"email": email, "subject": "s", "text": "t"})
        assert ack["error"]["code"] == "bad_request", (email, ack)


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
async def test_a_chats_transcript_carries_hostile_text_as_text(harness, inbox, text):
    """`chat:transcript`, asked by the visitor and sent by the agent: the
    visitor's name, its words and the agent's name and words; the subject
    holds nothing anybody typed."""
    _, token = await harness.add_agent(text[:64] or "Ann", capacity=5)
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": f"{text}\nsecond line", "email": "tess@example.test",
                                              "name": text[:200]}))["chat"]
    await agent.next("chat:assigned")
    assert (await agent.call("chat:send", {"chat_id": chat["id"], "client_id": "a", "text": text}))["ok"]
    assert (await visitor.call("chat:transcript", {"chat_id": chat["id"]}))["ok"]
    assert (await agent.call("chat:transcript", {"chat_id": chat["id"]}))["ok"]
    await delivered(harness, inbox, 2)
    mails = received(inbox, "tess@example.test")
    assert len(mails) == 2
    for message in mails:
        assert message["Subject"] == "Your chat of Monday 23 November 2026"
        assert named(message, text[:200])
        shown = body(message)
        for line in as_body(f"{text}\nsecond line").split("\n"):
            assert line.strip() in shown
