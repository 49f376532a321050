"""What an open console hears without a reload: its agent's shift as it
starts, ends or a closure takes it off (`shift`), its status set from
another tab (`agent:status`), and every change to the canned replies
(`canned`)."""
from __future__ import annotations

import aiohttp

from server.services.model import Role
from tests.realtime.test_chat_loop import start_chat

NOW_DAY = "2026-11-23"  # the clock's Monday, 10:00 in New York: inside the desk hours


def rest(harness, token: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url=harness.url, headers={"Authorization": f"Bearer {token}"})


async def lead_token(harness) -> str:
    return (await harness.add_agent("Lead", role=Role.SUPERVISOR, shift=""))[1]


async def off_shift_at_the_next_second(harness, agent) -> None:
    """Not told yet, and told the second the clock reaches the shift's end."""
    assert {"on_shift": False} not in agent.received("shift")
    await harness.advance(1)
    assert await agent.next("shift", lambda d: not d["on_shift"]) == {"on_shift": False}


async def test_a_closure_today_takes_the_agent_off_shift_in_its_console_and_back(harness):
    _, token = await harness.add_agent("Desk hours", shift="")
    agent = await harness.agent(token, available=False)
    assert agent.received("session")[0]["on_shift"] is True
    async with rest(harness, await lead_token(harness)) as lead:
        async with lead.post("/api/closures", json={"day": NOW_DAY, "reason": "Staff day"}) as response:
            closure = (await response.json())["closure"]
        assert await agent.next("shift") == {"on_shift": False}
        async with lead.delete(f"/api/closures/{closure['id']}") as response:
            assert response.status == 200
    assert await agent.next("shift", lambda d: d["on_shift"]) == {"on_shift": True}


async def test_the_end_of_a_shift_reaches_the_console_at_that_instant(harness):
    _, token = await harness.add_agent("Early", shift="mon-fri 09:00-11:00")
    agent = await harness.agent(token, available=False)
    await harness.advance(3600 - 1)
    await off_shift_at_the_next_second(harness, agent)


async def test_canned_reply_changes_reach_every_open_console_and_dashboard(harness):
    _, token = await harness.add_agent("Alice")
    agent = await harness.agent(token, available=False)
    supervisor = await harness.supervisor()
    async with rest(harness, await lead_token(harness)) as lead:
        body = {"shortcut": "refund", "title": "Refunds", "text": "Refunds take 5 days."}
        async with lead.post("/api/canned", json=body) as response:
            reply = (await response.json())["reply"]
        for peer in (agent, supervisor):
            assert await peer.next("canned") == {"action": "add", "reply": reply}
        async with lead.post(f"/api/canned/{reply['id']}", json={**body, "text": "Refunds take a week."}) as response:
            changed = (await response.json())["reply"]
        assert await agent.next("canned", lambda d: d["action"] == "update") == {"action": "update", "reply": changed}
        async with lead.delete(f"/api/canned/{reply['id']}") as response:
            assert response.status == 200
        removed = await agent.next("canned", lambda d: d["action"] == "remove")
        assert removed["reply"]["id"] == reply["id"]


async def test_a_status_set_in_one_tab_reaches_the_agents_other_tabs(harness):
    _, token = await harness.add_agent("Alice")
    first = await harness.agent(token, available=False)
    second = await harness.agent(token, available=False)
    assert (await first.call("agent:status", {"status": "available"}))["ok"]
    assert await second.next("agent:status") == {"status": "available"}
    assert (await second.call("agent:status", {"status": "away"}))["ok"]
    assert await first.next("agent:status", lambda d: d["status"] == "away") == {"status": "away"}


async def test_an_agent_added_after_the_last_look_hears_its_own_shift_end_at_that_instant(harness):
    # The desk looked at its agents when it started (10:00), before this one existed:
    # its shift ends at 10:02, before the desk's next look of its own (RECHECK, 10:05).
    _, token = await harness.add_agent("Brief", shift="mon-fri 09:00-10:02")
    agent = await harness.agent(token, available=False)
    assert agent.received("session")[0]["on_shift"] is True
    await harness.advance(119)
    assert {"on_shift": False} not in agent.received("shift")
    await harness.advance(1)
    assert await agent.next("shift", lambda d: not d["on_shift"]) == {"on_shift": False}


async def test_a_shift_that_begins_soon_after_the_console_connects_is_told_at_its_start(harness):
    _, token = await harness.add_agent("Late", shift="mon-fri 10:03-18:00")
    agent = await harness.agent(token, available=False)
    assert agent.received("session")[0]["on_shift"] is False
    await harness.advance(179)
    assert {"on_shift": True} not in agent.received("shift")
    await harness.advance(1)
    assert await agent.next("shift", lambda d: d["on_shift"]) == {"on_shift": True}


async def test_the_desk_hours_end_reaches_an_agent_who_works_them_at_18_00(harness):
    _, token = await harness.add_agent("Desk hours", shift="")
    agent = await harness.agent(token, available=False)
    for _ in range(8 * 12 - 1):  # five minutes at a time, up to 17:55 New York
        await harness.advance(300)
    await harness.advance(299)
    await off_shift_at_the_next_second(harness, agent)


async def test_a_closure_added_or_removed_reaches_every_open_console_and_dashboard(harness):
    _, token = await harness.add_agent("Alice")
    agent = await harness.agent(token, available=False)
    supervisor = await harness.supervisor()
    async with rest(harness, await lead_token(harness)) as lead:
        async with lead.post("/api/closures", json={"day": "2026-12-24", "reason": "Staff day"}) as response:
            closure = (await response.json())["closure"]
        for peer in (agent, supervisor):
            assert await peer.next("closure") == {"action": "add", "closure": closure}
        async with lead.delete(f"/api/closures/{closure['id']}") as response:
            assert response.status == 200
        for peer in (agent, supervisor):
            assert await peer.next("closure", lambda d: d["action"] == "remove") == {"action": "remove",
                                                                                   "closure": closure}


async def test_every_change_to_a_ticket_reaches_every_agents_console_with_who_made_it(harness):
    _, token = await harness.add_agent("Alice")
    watcher = await harness.agent(token, available=False)
    bob, bob_token = await harness.add_agent("Bob")
    visitor = await harness.visitor()
    await visitor.next("session")
    created = await visitor.call("ticket:create", {"email": "vera@example.test", "subject": "Printer jam",
                                                   "text": "It jams."})
    opened = await watcher.next("ticket")
    assert opened == {"action": "opened", "ticket": created["ticket"], "by": None}  # the visitor's own
    ticket_id = created["ticket"]["id"]
    async with rest(harness, bob_token) as colleague:
        async with colleague.post(f"/api/tickets/{ticket_id}/status", json={"status": "pending"}) as response:
            assert response.status == 200
        changed = await watcher.next("ticket", lambda d: d["action"] == "status")
        assert changed["ticket"]["status"] == "pending" and changed["by"] == {"id": bob.id, "name": "Bob"}
        async with colleague.post(f"/api/tickets/{ticket_id}/replies", json={"text": "Which model?"}) as response:
            assert response.status == 201
        replied = await watcher.next("ticket", lambda d: d["action"] == "reply")
        assert replied["ticket"]["id"] == ticket_id and replied["by"]["name"] == "Bob"


async def test_a_chat_made_a_ticket_is_announced_to_every_console(harness):
    ann, token = await harness.add_agent("Ann")
    agent = await harness.agent(token)
    _, _, chat = await start_chat(harness)
    ack = await agent.call("chat:convert", {"chat_id": chat["id"]})
    opened = await agent.next("ticket")
    assert opened == {"action": "opened", "ticket": ack["ticket"], "by": {"id": ann.id, "name": "Ann"}}
