"""Attachments in tickets and in mail, over real sockets, HTTP and a real
SMTP server: the ticket form's files go with the ticket and its receipt
links them; an agent's reply carries files uploaded into the ticket; a
converted chat's files go to its ticket and its receipt; a transcript links
the chat's files. A mailed link fetches its file until it expires, and
only its hash is stored; the ticket's files are its requester's and the
agents', nobody else's; files never sent are swept."""
from __future__ import annotations

import re

import aiohttp
import pytest

from server.services.tokens import hash_token
from tests.smtp import Inbox, inbox, smtp_port  # noqa: F401 (fixtures)

from .test_attachments import PNG, agent_fetch, chatting, form, visitor_fetch

LINK = re.compile(r"Attachment: (?P<name>.+) \((?P<size>[^)]+)\) (?P<url>\S+/files/(?P<token>[A-Za-z0-9_-]+))")
NOTES = b"step one\nstep two\n"


@pytest.fixture
def config_overrides(smtp_port: int) -> dict:  # noqa: F811
    return {"mail": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "from": "Desk <desk@example.test>"},
            "attachments": {"max_bytes": 4096, "max_per_message": 2, "link_days": 7}}


async def upload(harness, fields: dict, name: str, data: bytes, content_type: str = "text/plain") -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{harness.url}/widget/attachments", data=form(fields, name, data, content_type)) as r:
            answer = await r.json()
            assert r.status == 201, answer
            return answer["attachment"]


async def agent_upload_to_ticket(harness, token: str, ticket_id: str, name: str, data: bytes) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{harness.url}/api/tickets/{ticket_id}/attachments", data=form({}, name, data),
                             headers={"Authorization": f"Bearer {token}"}) as r:
            answer = await r.json()
            assert r.status == 201, answer
            return answer["attachment"]


async def api(harness, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.request(method, f"{harness.url}{path}", json=body,
                                headers={"Authorization": f"Bearer {token}"}) as r:
            return r.status, await r.json()


async def fetch_link(harness, url: str) -> tuple[int, dict, bytes]:
    path = url[url.index("/files/"):]  # the desk's public base URL, here the test server
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{harness.url}{path}") as r:
            return r.status, r.headers, await r.read()


async def mail_to(harness, inbox: Inbox, count: int) -> str:  # noqa: F811
    async def arrived() -> bool:
        return len(inbox.envelopes) >= count
    await harness.eventually(arrived, timeout=10)
    return inbox.body(count - 1)


async def test_the_ticket_forms_files_go_with_the_ticket_and_its_receipt_links_them(harness, inbox):  # noqa: F811
    _, agent_token = await harness.add_agent("Ann")
    visitor = await harness.visitor()
    session = await visitor.next("session")
    vera = {"site": harness.site.key, "token": session["visitor_token"]}
    notes = await upload(harness, vera, "notes.txt", NOTES)
    shot = await upload(harness, vera, "shot.png", PNG, "image/png")
    # not sent yet: the uploader's alone
    assert (await visitor_fetch(harness, session["visitor_token"], notes["id"]))[0] == 200
    assert (await agent_fetch(harness, agent_token, notes["id"]))[0] == 404

    ack = await visitor.call("ticket:create", {"email": "vera@example.test", "subject": "Printer", "text": "jammed",
                                               "attachments": [notes["id"], shot["id"]]})
    assert ack["ok"], ack
    body = await mail_to(harness, inbox, 1)
    links = [m.groupdict() for m in LINK.finditer(body)]
    assert [(link["name"], link["size"]) for link in links] == [("notes.txt", "18 bytes"),
                                                                ("shot.png", f"{len(PNG)} bytes")]
    assert "The links to files work for 7 days" in body
    assert all(link["url"].startswith(harness.config.base_url + "/files/") for link in links)
    # the link is the authorization: it fetches the file, a download unless an image, and no more
    status, headers, data = await fetch_link(harness, links[0]["url"])
    assert status == 200 and data == NOTES
    assert headers["Content-Disposition"].startswith("attachment;") and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    status, headers, data = await fetch_link(harness, links[1]["url"])
    assert status == 200 and data == PNG and headers["Content-Disposition"].startswith("inline;")
    token = links[0]["token"]
    assert len(token) >= 32  # 192 bits
    assert await harness.store.attachment_by_link(token, harness.clock.now()) is None  # only the hash is kept
    assert (await harness.store.attachment_by_link(hash_token(token), harness.clock.now())).id == notes["id"]
    assert (await fetch_link(harness, links[0]["url"][:-1] + ("A" if token[-1] != "A" else "B")))[0] == 404

    # the ticket shows its files to agents; its requester may fetch them, another visitor may not
    status, answer = await api(harness, agent_token, "GET", f"/api/tickets/{ack['ticket']['id']}")
    assert status == 200 and sorted(f["name"] for f in answer["ticket"]["attachments"]) == ["notes.txt", "shot.png"]
    assert (await agent_fetch(harness, agent_token, notes["id"]))[0] == 200
    assert (await visitor_fetch(harness, session["visitor_token"], notes["id"]))[0] == 200
    mallory = await harness.visitor()
    other = await mallory.next("session")
    assert (await visitor_fetch(harness, other["visitor_token"], notes["id"]))[0] == 404
    # a file goes with one ticket only, and never with another visitor's
    again = await visitor.call("ticket:create", {"email": "vera@example.test", "subject": "Again", "text": "x",
                                                 "attachments": [notes["id"]]})
    assert again["ok"] is False and again["error"]["code"] == "conflict"
    stolen = await mallory.call("ticket:create", {"email": "m@example.test", "subject": "Mine", "text": "x",
                                                  "attachments": [shot["id"]]})
    assert stolen["ok"] is False and stolen["error"]["code"] == "conflict"

    # the link expires
    await harness.advance(7 * 86400 + 1)
    assert (await fetch_link(harness, links[0]["url"]))[0] == 404


async def test_the_http_ticket_form_takes_files_too(harness, inbox):  # noqa: F811
    visitor = await harness.visitor()
    session = await visitor.next("session")
    vera = {"site": harness.site.key, "token": session["visitor_token"]}
    notes = await upload(harness, vera, "notes.txt", NOTES)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{harness.url}/widget/tickets", json={
                **vera, "email": "vera@example.test", "subject": "Offline", "text": "hello",
                "attachments": [notes["id"]]}) as r:
            assert r.status == 201, await r.text()
    body = await mail_to(harness, inbox, 1)
    assert "Attachment: notes.txt (18 bytes) " in body


async def test_an_agents_reply_carries_files_uploaded_into_the_ticket(harness, inbox):  # noqa: F811
    _, ann = await harness.add_agent("Ann")
    _, bob = await harness.add_agent("Bob")
    visitor = await harness.visitor()
    await visitor.next("session")
    ticket = (await visitor.call("ticket:create", {"email": "vera@example.test", "subject": "Help", "text": "x"}))
    ticket_id = ticket["ticket"]["id"]
    await mail_to(harness, inbox, 1)
    fix = await agent_upload_to_ticket(harness, ann, ticket_id, "fix.txt", b"do this\n")
    assert (await agent_fetch(harness, bob, fix["id"]))[0] == 404  # not sent: Ann's alone
    status, answer = await api(harness, bob, "POST", f"/api/tickets/{ticket_id}/replies",
                               {"text": "try this", "attachments": [fix["id"]]})
    assert status == 409, answer  # not Bob's to send
    status, answer = await api(harness, ann, "POST", f"/api/tickets/{ticket_id}/replies",
                               {"text": "try this", "attachments": [fix["id"]]})
    assert status == 201, answer
    assert answer["reply"]["attachments"][0]["name"] == "fix.txt"
    body = await mail_to(harness, inbox, 2)
    [link] = [m.groupdict() for m in LINK.finditer(body)]
    assert link["name"] == "fix.txt" and (await fetch_link(harness, link["url"]))[2] == b"do this\n"
    status, answer = await api(harness, bob, "GET", f"/api/tickets/{ticket_id}")
    assert answer["ticket"]["replies"][0]["attachments"][0]["id"] == fix["id"]
    assert (await agent_fetch(harness, bob, fix["id"]))[0] == 200  # every agent sees the ticket's files
    status, _ = await api(harness, ann, "POST", "/api/tickets/nothing/attachments")
    assert status in (400, 404)


async def test_a_converted_chats_files_go_to_the_ticket_and_its_receipt(harness, inbox):  # noqa: F811
    _, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    session = await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "broken", "email": "vera@example.test", "name": "Vera"}))["chat"]
    await agent.next("chat:assigned")
    shot = await upload(harness, {"site": harness.site.key, "token": session["visitor_token"],
                                  "chat_id": chat["id"]}, "screen.png", PNG, "image/png")
    assert (await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "m1", "text": "see",
                                             "attachments": [shot["id"]]}))["ok"]
    # the visitor's transcript links the file
    assert (await visitor.call("chat:transcript", {"chat_id": chat["id"]}))["ok"]
    body = await mail_to(harness, inbox, 1)
    assert f"Vera (visitor): see\n    Attachment: screen.png ({len(PNG)} bytes) " in body
    [link] = [m.groupdict() for m in LINK.finditer(body)]
    assert (await fetch_link(harness, link["url"]))[2] == PNG

    converted = await agent.call("chat:convert", {"chat_id": chat["id"]})
    assert converted["ok"], converted
    receipt = await mail_to(harness, inbox, 2)
    [link] = [m.groupdict() for m in LINK.finditer(receipt)]
    assert link["name"] == "screen.png" and (await fetch_link(harness, link["url"]))[0] == 200
    status, answer = await api(harness, token, "GET", f"/api/tickets/{converted['ticket']['id']}")
    assert [f["id"] for f in answer["ticket"]["attachments"]] == [shot["id"]]
    assert f"Attachment: screen.png ({len(PNG)} bytes)" in answer["ticket"]["transcript"]
    assert "/files/" not in answer["ticket"]["transcript"]  # no link kept on the ticket


async def test_files_uploaded_and_never_sent_are_swept(harness):
    c = await chatting(harness)
    vera = {"site": harness.site.key, "token": c["visitor_token"]}
    kept = await upload(harness, vera | {"chat_id": c["chat"]["id"]}, "sent.txt", NOTES)
    assert (await c["visitor"].call("chat:send", {"chat_id": c["chat"]["id"], "client_id": "m1", "text": "",
                                                  "attachments": [kept["id"]]}))["ok"]
    left = await upload(harness, vera, "left.txt", NOTES)
    await harness.advance(23 * 3600)
    assert await harness.services.attachments.drop_unsent() == 0
    await harness.advance(3600 + 1)
    assert await harness.services.attachments.drop_unsent() == 1
    assert await harness.store.attachment_by_id(left["id"]) is None
    assert (await visitor_fetch(harness, c["visitor_token"], kept["id"]))[0] == 200
