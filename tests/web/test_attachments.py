"""Attachments end to end over real sockets and HTTP: a file is stored
before the upload is answered, a chat:send that names it delivers it with
the message, and only those who may see the chat can fetch it back, with
headers that keep a browser from running it."""
from __future__ import annotations

import aiohttp
import pytest

from server.services.model import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def config_overrides() -> dict:
    return {"attachments": {"max_bytes": 2048, "max_per_message": 2}}


async def chatting(harness):
    """Vera in a chat with Ann; Vera's token from her session."""
    ann, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    session = await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "my screen is broken"}))["chat"]
    await agent.next("chat:assigned")
    return {"ann": ann, "agent_token": token, "agent": agent, "visitor": visitor,
            "visitor_token": session["visitor_token"], "chat": chat}


def form(fields: dict, name: str, data: bytes, content_type: str = "application/octet-stream") -> aiohttp.FormData:
    body = aiohttp.FormData()
    for key, value in fields.items():
        body.add_field(key, value)
    body.add_field("file", data, filename=name, content_type=content_type)
    return body


async def visitor_upload(harness, c, name: str, data: bytes, content_type: str = "image/png", **fields):
    async with aiohttp.ClientSession() as http:
        sent = {"site": harness.site.key, "token": c["visitor_token"], "chat_id": c["chat"]["id"], **fields}
        async with http.post(f"{harness.url}/widget/attachments", data=form(sent, name, data, content_type)) as r:
            return r.status, await r.json()


async def visitor_fetch(harness, token: str, attachment_id: str):
    async with aiohttp.ClientSession() as http:
        headers = {"X-Shiftdesk-Site": harness.site.key, "X-Shiftdesk-Token": token}
        async with http.get(f"{harness.url}/widget/attachments/{attachment_id}", headers=headers) as r:
            return r.status, r.headers, await r.read()


async def agent_fetch(harness, token: str, attachment_id: str):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{harness.url}/api/attachments/{attachment_id}",
                            headers={"Authorization": f"Bearer {token}"}) as r:
            return r.status, r.headers, await r.read()


async def test_a_visitors_image_reaches_the_agent_with_its_message_and_is_served_inline(harness):
    c = await chatting(harness)
    status, answer = await visitor_upload(harness, c, "screen.png", PNG)
    assert status == 201, answer
    attachment = answer["attachment"]
    assert attachment["name"] == "screen.png" and attachment["type"] == "image/png"
    assert attachment["size"] == len(PNG) and attachment["image"] is True and len(attachment["id"]) >= 32
    # stored before the answer: the store has it now
    assert await harness.store.attachment_data(attachment["id"]) == PNG
    ack = await c["visitor"].call("chat:send", {"chat_id": c["chat"]["id"], "client_id": "m1", "text": "",
                                                "attachments": [attachment["id"]]})
    assert ack["ok"], ack
    message = await c["agent"].next("chat:message")
    assert message["text"] == "" and message["attachments"] == [attachment]
    status, headers, body = await agent_fetch(harness, c["agent_token"], attachment["id"])
    assert status == 200 and body == PNG
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"].startswith("inline;")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    # and in the history either side reads
    history = await c["agent"].call("chat:history", {"chat_id": c["chat"]["id"], "after_seq": 0})
    assert history["messages"][-1]["attachments"] == [attachment]
    history = await c["visitor"].call("chat:history", {"chat_id": c["chat"]["id"], "after_seq": 0})
    assert history["messages"][-1]["attachments"] == [attachment]


async def test_an_agents_pdf_reaches_the_visitor_and_is_served_as_a_download(harness):
    c = await chatting(harness)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{harness.url}/api/chats/{c['chat']['id']}/attachments",
                             headers={"Authorization": f"Bearer {c['agent_token']}"},
                             data=form({}, "invoice.pdf", PDF, "text/html")) as r:
            assert r.status == 201
            attachment = (await r.json())["attachment"]
    assert attachment["type"] == "application/pdf" and attachment["image"] is False  # not the claimed type
    ack = await c["agent"].call("chat:send", {"chat_id": c["chat"]["id"], "client_id": "a1",
                                              "text": "your invoice", "attachments": [attachment["id"]]})
    assert ack["ok"], ack
    message = await c["visitor"].next("chat:message")
    assert message["text"] == "your invoice" and message["attachments"] == [attachment]
    status, headers, body = await visitor_fetch(harness, c["visitor_token"], attachment["id"])
    assert status == 200 and body == PDF
    assert headers["Content-Disposition"] == "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name, data, code", [
    ("page.html", b"<script>alert(1)</script>", "unsupported_type"),
    ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "unsupported_type"),
    ("run.exe", b"MZ\x90\x00", "unsupported_type"),
    ("fake.png", b"<html><script>alert(1)</script></html>", "unsupported_type"),  # not what its name says
    ("notes.txt", b"a\x00b", "unsupported_type"),  # binary posing as text
    ("big.png", PNG + b"\x00" * 2048, "too_large"),
    ("empty.txt", b"", "bad_request"),
])
async def test_a_file_the_desk_does_not_take_is_refused_with_the_reason(harness, name, data, code):
    c = await chatting(harness)
    status, answer = await visitor_upload(harness, c, name, data)
    assert answer["ok"] is False and answer["error"]["code"] == code and answer["error"]["message"]
    assert status in (400, 413, 415) or status == 400


async def test_another_visitor_cannot_fetch_or_send_anothers_attachment(harness):
    c = await chatting(harness)
    _, answer = await visitor_upload(harness, c, "screen.png", PNG)
    attachment_id = answer["attachment"]["id"]
    assert (await c["visitor"].call("chat:send", {"chat_id": c["chat"]["id"], "client_id": "m1", "text": "see",
                                                  "attachments": [attachment_id]}))["ok"]
    mallory = await harness.visitor()
    mallory_token = (await mallory.next("session"))["visitor_token"]
    status, _, body = await visitor_fetch(harness, mallory_token, attachment_id)
    assert status == 404 and PNG not in body
    status, _, _ = await visitor_fetch(harness, "", attachment_id)
    assert status in (401, 404)
    # nor may Mallory's chat carry it
    await harness.add_agent("Bob")
    mchat = (await mallory.call("chat:start", {"text": "hi"}))["chat"]
    ack = await mallory.call("chat:send", {"chat_id": mchat["id"], "client_id": "x", "text": "mine now",
                                           "attachments": [attachment_id]})
    assert ack["ok"] is False and ack["error"]["code"] == "conflict"


async def test_an_agent_who_never_had_the_chat_cannot_fetch_its_files_but_a_supervisor_can(harness):
    c = await chatting(harness)
    _, answer = await visitor_upload(harness, c, "screen.png", PNG)
    attachment_id = answer["attachment"]["id"]
    assert (await c["visitor"].call("chat:send", {"chat_id": c["chat"]["id"], "client_id": "m1", "text": "x",
                                                  "attachments": [attachment_id]}))["ok"]
    _, bob_token = await harness.add_agent("Bob")
    status, _, _ = await agent_fetch(harness, bob_token, attachment_id)
    assert status == 403
    _, sue_token = await harness.add_agent("Sue", role=Role.SUPERVISOR)
    status, _, body = await agent_fetch(harness, sue_token, attachment_id)
    assert status == 200 and body == PNG


async def test_an_unsent_file_is_its_uploaders_alone(harness):
    c = await chatting(harness)
    _, answer = await visitor_upload(harness, c, "screen.png", PNG)
    status, _, _ = await agent_fetch(harness, c["agent_token"], answer["attachment"]["id"])
    assert status == 404
    status, _, body = await visitor_fetch(harness, c["visitor_token"], answer["attachment"]["id"])
    assert status == 200 and body == PNG


async def test_a_file_is_sent_once_and_a_message_carries_at_most_max_per_message(harness):
    c = await chatting(harness)
    ids = [(await visitor_upload(harness, c, f"s{i}.png", PNG))[1]["attachment"]["id"] for i in range(3)]
    chat_id = c["chat"]["id"]
    too_many = await c["visitor"].call("chat:send", {"chat_id": chat_id, "client_id": "m", "text": "",
                                                     "attachments": ids})
    assert too_many["ok"] is False and too_many["error"]["code"] == "too_large"
    first = await c["visitor"].call("chat:send", {"chat_id": chat_id, "client_id": "m", "text": "",
                                                  "attachments": ids[:1]})
    resent = await c["visitor"].call("chat:send", {"chat_id": chat_id, "client_id": "m", "text": "",
                                                   "attachments": ids[:1]})
    assert first["ok"] and resent["ok"] and resent["seq"] == first["seq"]  # the same message, stored once
    again = await c["visitor"].call("chat:send", {"chat_id": chat_id, "client_id": "other", "text": "",
                                                  "attachments": ids[:1]})
    assert again["ok"] is False and again["error"]["code"] == "conflict"
    empty = await c["visitor"].call("chat:send", {"chat_id": chat_id, "client_id": "e", "text": " "})
    assert empty["ok"] is False and empty["error"]["code"] == "bad_request"


async def test_an_agent_cannot_upload_into_a_chat_not_assigned_to_it_nor_attach_to_a_note(harness):
    c = await chatting(harness)
    _, bob_token = await harness.add_agent("Bob")
    async with aiohttp.ClientSession() as http:
        url = f"{harness.url}/api/chats/{c['chat']['id']}/attachments"
        async with http.post(url, headers={"Authorization": f"Bearer {bob_token}"},
                             data=form({}, "a.png", PNG)) as r:
            assert r.status == 403
        async with http.post(url, headers={"Authorization": f"Bearer {c['agent_token']}"},
                             data=form({}, "a.png", PNG)) as r:
            attachment_id = (await r.json())["attachment"]["id"]
    ack = await c["agent"].call("chat:send", {"chat_id": c["chat"]["id"], "client_id": "n", "text": "note",
                                              "note": True, "attachments": [attachment_id]})
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request"


async def test_a_bad_attachments_payload_is_refused_at_the_door(harness):
    c = await chatting(harness)
    for bad in ([1], "abc", [""], ["x" * 65]):
        ack = await c["visitor"].call("chat:send", {"chat_id": c["chat"]["id"], "client_id": "m", "text": "t",
                                                    "attachments": bad})
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request"


async def test_hostile_file_names_are_cleaned_and_never_break_the_header(harness):
    c = await chatting(harness)
    # (aiohttp's client sends no CR or LF in a file name, and escapes some: the invariants hold either way)
    _, answer = await visitor_upload(harness, c, '..\\..\\etc/"evil";\tX-Injected: 1 <img src=x onerror=alert(1)>.txt',
                                     b"hello")
    assert answer["ok"], answer
    name = answer["attachment"]["name"]
    assert "/" not in name and "\\" not in name and "\t" not in name and '"' not in name
    assert (await c["visitor"].call("chat:send", {"chat_id": c["chat"]["id"], "client_id": "m", "text": "",
                                                  "attachments": [answer["attachment"]["id"]]}))["ok"]
    status, headers, _ = await agent_fetch(harness, c["agent_token"], answer["attachment"]["id"])
    assert status == 200 and "X-Injected" not in headers
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
