"""Every message shows who really wrote it, on both sides, after a transfer
and after a reload: the agent who takes a chat over does not see the first
agent's replies as "You", and the visitor does not see them signed by the
agent who has the chat now."""
from __future__ import annotations

from playwright.async_api import expect

from .consolekit import kit  # noqa: F401 (a fixture)
from .widget_steps import TIMEOUT_MS, VISITOR, messages, open_widget, say, stored


def who(container, text: str):
    """The author label of the message with `text` (console or widget)."""
    return container.locator('[data-sd="message"]', has_text=text).locator(".who, .sd-who")


async def reply(console, text: str) -> None:
    await console.chat.locator('[data-sd="input"]').fill(text)
    await console.chat.locator('[data-sd="input"]').press("Enter")
    await expect(console.chat.locator('[data-sd="message"][data-seq]', has_text=text)).to_have_count(1)


async def test_messages_keep_their_author_across_a_transfer_and_a_reload(kit, desk, chromium, host):  # noqa: F811
    alice = await kit.console("Alice")
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host)
        await say(page, "Hello, my invoice is wrong")
        await stored(page, "Hello, my invoice is wrong")
        await expect(alice.sd("chat-tab")).to_have_count(1)
        chat_id = await alice.sd("chat-tab").get_attribute("data-chat-id")
        await reply(alice, "Hi, Alice here. Let me look.")
        await expect(who(alice.chat, "Alice here")).to_have_text("You")

        bob = await kit.console("Bob")
        alice_peer = await desk.agent(alice.token, available=False)  # Alice's second connection hands it over
        assert (await alice_peer.call("chat:transfer", {"chat_id": chat_id, "to": {"agent_id": bob.agent.id}}))["ok"]
        await expect(bob.tab(chat_id)).to_have_count(1)
        await reply(bob, "Bob from billing, taking over.")
        # Bob's console: Alice's reply is Alice's, his own is his
        await expect(who(bob.chat, "Alice here")).to_have_text("Alice")
        await expect(who(bob.chat, "taking over")).to_have_text("You")
        await bob.page.reload()
        await expect(who(bob.chat, "Alice here")).to_have_text("Alice")
        await expect(who(bob.chat, "taking over")).to_have_text("You")

        # the visitor: each reply signed by its author, live and after a reload
        await expect(messages(page, "agent")).to_have_count(2, timeout=TIMEOUT_MS)
        await expect(who(page, "Alice here")).to_have_text("Alice")
        await expect(who(page, "taking over")).to_have_text("Bob")
        await page.reload()
        await expect(messages(page, "agent")).to_have_count(2, timeout=TIMEOUT_MS)
        await expect(who(page, "Alice here")).to_have_text("Alice")
        await expect(who(page, "taking over")).to_have_text("Bob")
        assert not page.errors, page.errors
        alice.assert_clean()
        bob.assert_clean()
    finally:
        await context.close()
