"""A lead with capacity 0 takes no chats: the console says so instead of
asking them to set themselves Available."""
from __future__ import annotations

from playwright.async_api import expect

from server.services.model import Role
from .consolekit import kit  # noqa: F401 (a fixture)


async def test_the_console_of_an_agent_with_capacity_0_says_it_takes_no_chats(kit):  # noqa: F811
    lead = await kit.console("Lea", available=False, role=Role.SUPERVISOR, capacity=0)
    empty = lead.sd("empty")
    await expect(empty).to_contain_text("You take no chats (your capacity is 0)")
    await expect(empty).not_to_contain_text("Set yourself")
    await expect(lead.sd("console")).to_have_attribute("data-takes-chats", "false")

    agent = await kit.console("Ann", available=False)
    await expect(agent.sd("console")).to_have_attribute("data-takes-chats", "true")
    await expect(agent.sd("empty")).to_contain_text("Set yourself Available")
    lead.assert_clean()
    agent.assert_clean()
