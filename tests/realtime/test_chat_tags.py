"""Tags on chats over /agent (`chat:tag`, `chat:untag`) and REST, on a
real server: the agent who holds a chat tags it while chatting, and later
too; a lead any chat; whoever shows the chat gets `chat:tags` after the
commit, the visitor never."""
from __future__ import annotations

import aiohttp

from server.services import tags
from server.services.model import Role, TagColour
from tests.web.test_api import call, client, error_code


async def a_tag(harness, name: str, colour: TagColour | None = None) -> dict:
    lead, _ = await harness.add_agent(f"Lead {name}", role=Role.SUPERVISOR)
    async with harness.services.desk.events.unit():  # as a web request runs it
        return tags.tag_view(await tags.add(harness.services.desk, lead, tags.TagDraft(name, colour)))


async def chatting(harness, name: str = "Ann"):
    _, token = await harness.add_agent(name)
    agent = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "I was charged twice"}))["chat"]
    await agent.next("chat:assigned", lambda e: e["chat"]["id"] == chat["id"])
    return agent, token, visitor, chat


async def test_the_agent_tags_its_chat_while_chatting_and_leads_see_it(harness):
    billing, vip = await a_tag(harness, "billing", TagColour.BLUE), await a_tag(harness, "VIP")
    lead = await harness.supervisor()
    agent, _, visitor, chat = await chatting(harness)
    ack = await agent.call("chat:tag", {"chat_id": chat["id"], "tag_id": vip["id"]})
    assert ack == {"ok": True, "chat_id": chat["id"], "tags": [vip]}
    ack = await agent.call("chat:tag", {"chat_id": chat["id"], "tag_id": billing["id"]})
    assert [t["name"] for t in ack["tags"]] == ["billing", "VIP"]  # by name, whatever the case
    assert ack["tags"][0]["colour"] == "blue"
    told = await lead.next("chat:tags", lambda e: len(e["tags"]) == 2)
    assert told == {"chat_id": chat["id"], "tags": ack["tags"]}
    await agent.next("chat:tags", lambda e: len(e["tags"]) == 2)  # the agent's other tabs follow
    again = await agent.call("chat:tag", {"chat_id": chat["id"], "tag_id": vip["id"]})
    assert again["tags"] == ack["tags"]  # there already: nothing changes
    gone = await agent.call("chat:untag", {"chat_id": chat["id"], "tag_id": vip["id"]})
    assert gone["ok"] and gone["tags"] == [billing]
    await lead.next("chat:tags", lambda e: e["tags"] == [billing])
    assert visitor.received("chat:tags") == []


async def test_clear_errors_for_unknown_tags_and_chats_that_are_not_yours(harness):
    vip = await a_tag(harness, "VIP")
    agent, _, _, chat = await chatting(harness)
    _, other_token = await harness.add_agent("Bob")
    other = await harness.agent(other_token, available=False)
    cases = [
        (agent, {"chat_id": chat["id"], "tag_id": "nope"}, "unknown_tag"),
        (agent, {"chat_id": "nope", "tag_id": vip["id"]}, "not_found"),
        (other, {"chat_id": chat["id"], "tag_id": vip["id"]}, "forbidden"),
        (agent, {"chat_id": chat["id"]}, "bad_request"),
        (agent, {"chat_id": chat["id"], "tag_id": vip["id"], "extra": 1}, "bad_request"),
        (agent, {"chat_id": chat["id"], "tag_id": 7}, "bad_request"),
        (agent, {"chat_id": chat["id"], "tag_id": "x" * 65}, "bad_request"),
    ]
    for peer, payload, code in cases:
        for event in ("chat:tag", "chat:untag"):
            ack = await peer.call(event, payload)
            assert ack["ok"] is False and ack["error"]["code"] == code, (event, payload, ack)
            assert ack["error"]["message"]
    assert (await agent.call("chat:tag", None))["error"]["code"] == "bad_request"


async def test_an_archived_tag_stays_on_its_chats_but_goes_on_no_new_one(harness):
    vip = await a_tag(harness, "VIP")
    agent, _, _, chat = await chatting(harness)
    assert (await agent.call("chat:tag", {"chat_id": chat["id"], "tag_id": vip["id"]}))["ok"]
    _, lead_token = await harness.add_agent("Lea", role=Role.SUPERVISOR)
    async with client(harness, lead_token) as lead:
        archived = (await call(lead, "POST", f"/api/tags/{vip['id']}/archive"))["tag"]
        assert archived["archived"] is True
        shown = (await call(lead, "GET", f"/api/chats/{chat['id']}/tags"))["tags"]
        assert shown == [archived]
        agent2, _, _, chat2 = await chatting(harness, "Cy")
        ack = await agent2.call("chat:tag", {"chat_id": chat2["id"], "tag_id": vip["id"]})
        assert ack["error"]["code"] == "tag_archived"
        # it can still come off
        assert (await agent.call("chat:untag", {"chat_id": chat["id"], "tag_id": vip["id"]}))["tags"] == []
        restored = (await call(lead, "POST", f"/api/tags/{vip['id']}/restore"))["tag"]
        assert restored["archived"] is False
        assert (await agent2.call("chat:tag", {"chat_id": chat2["id"], "tag_id": vip["id"]}))["ok"]


async def test_after_the_chat_the_agent_who_had_it_tags_it_and_no_other_agent(harness):
    vip = await a_tag(harness, "VIP")
    agent, token, _, chat = await chatting(harness)
    assert (await agent.call("chat:end", {"chat_id": chat["id"]}))["ok"]
    path = f"/api/chats/{chat['id']}/tags"
    async with client(harness, token) as ann:
        assert (await call(ann, "POST", path, json={"tag_id": vip["id"]}))["tags"] == [vip]
        assert (await call(ann, "GET", path))["tags"] == [vip]
        assert await error_code(ann, "POST", path, 400, json={"tag_id": "nope"}) == "unknown_tag"
        assert await error_code(ann, "POST", path, 400, json={"tag": vip["id"]}) == "bad_request"
        assert await error_code(ann, "POST", "/api/chats/nope/tags", 404, json={"tag_id": vip["id"]}) == "not_found"
    _, bob_token = await harness.add_agent("Bob")
    async with client(harness, bob_token) as bob:
        assert await error_code(bob, "GET", path, 403) == "forbidden"
        assert await error_code(bob, "POST", path, 403, json={"tag_id": vip["id"]}) == "forbidden"
        assert await error_code(bob, "DELETE", f"{path}/{vip['id']}", 403) == "forbidden"
    _, lead_token = await harness.add_agent("Lea", role=Role.SUPERVISOR)
    harness.clock.advance(1)  # the audit log lists the newest first
    async with client(harness, lead_token) as lead:
        assert (await call(lead, "DELETE", f"{path}/{vip['id']}"))["tags"] == []
        entries = (await call(lead, "GET", f"/api/audit?target=chat:{chat['id']}"))["entries"]
        assert [e["action"] for e in entries] == ["chat_untag", "chat_tag"]
        assert entries[0]["data"] == {"tag_id": vip["id"], "tag": "VIP"}
    async with aiohttp.ClientSession(base_url=harness.url) as nobody:
        assert await error_code(nobody, "GET", path, 401) == "unauthorized"
