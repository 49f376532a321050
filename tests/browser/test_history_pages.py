"""A chat longer than one history answer is shown whole: the server cuts
`chat:history` (and the transcript of `chat:assigned`) at `[limits]
history_bytes` and says `more`, and the widget and the console ask again
after the last seq until it stops. Here a page holds three or four
messages, so a reader that stops at a short page shows only the first."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from .consolekit import kit, start_chat  # noqa: F401 (a fixture)
from .widget_steps import TIMEOUT_MS, VISITOR, agent_says, messages, open_widget, start_chat as widget_chat

LINES = 16  # about five pages of history


@pytest.fixture
def config_overrides() -> dict:
    return {"limits": {"history_bytes": 1000}}


def line(n: int) -> str:
    return f"Line {n:02d}: " + "the printer on the second floor jams again " * 2


async def seqs(container) -> list[int]:
    return [int(await m.get_attribute("data-seq")) for m in await container.locator('[data-sd="message"]').all()]


async def test_the_widget_shows_a_long_chat_whole_after_a_reload(chromium, desk, host):
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        chat = (await widget_chat(page, agent, line(1)))["chat"]
        for n in range(2, LINES + 1):
            await agent_says(agent, chat["id"], line(n))
        first = await agent.call("chat:history", {"chat_id": chat["id"], "after_seq": 0})
        assert first["more"] and len(first["messages"]) < 5  # the cut this test is about
        await expect(messages(page)).to_have_count(LINES, timeout=TIMEOUT_MS)
        await page.reload()
        await expect(messages(page)).to_have_count(LINES, timeout=TIMEOUT_MS)
        await expect(messages(page, "agent", "Line 16")).to_have_count(1)
        assert await seqs(page) == list(range(1, LINES + 1))
        assert not page.errors, page.errors
    finally:
        await context.close()


async def test_the_console_shows_a_long_chat_whole_after_a_reload_and_a_transfer(kit, desk):  # noqa: F811
    alice = await kit.console("Alice")
    visitor, chat = await start_chat(desk, line(1))
    for n in range(2, LINES + 1):
        ack = await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": f"v{n}", "text": line(n)})
        assert ack["ok"], ack
    panel = alice.panel(chat["id"])
    await expect(panel.locator('[data-sd="message"]')).to_have_count(LINES)
    await alice.page.reload()
    await expect(panel.locator('[data-sd="message"]')).to_have_count(LINES)
    assert await seqs(panel) == list(range(1, LINES + 1))

    # Given to Bob while his console is open: its chat:assigned carries the first page and `more`.
    bob = await kit.console("Bob")
    alice_peer = await desk.agent(alice.token, available=False)
    assert (await alice_peer.call("chat:transfer", {"chat_id": chat["id"], "to": {"agent_id": bob.agent.id}}))["ok"]
    moved = bob.panel(chat["id"])
    await expect(moved.locator('[data-sd="message"]')).to_have_count(LINES, timeout=TIMEOUT_MS)
    assert await seqs(moved) == list(range(1, LINES + 1))
    alice.assert_clean()
    bob.assert_clean()
