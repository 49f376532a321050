"""The in-process event bus: handlers run in the order they subscribed,
awaited, before `publish` returns; other kinds of event do not reach them."""
from __future__ import annotations

import asyncio

from server.services.bus import Bus, EventSent, MailQueued


async def test_handlers_run_in_order_and_have_run_when_publish_returns():
    bus, seen = Bus(), []

    async def slow(event: EventSent) -> None:
        await asyncio.sleep(0.01)
        seen.append(("slow", event.name))

    bus.on(EventSent, slow)
    bus.on(EventSent, lambda event: seen.append(("quick", event.name)))
    bus.on(MailQueued, lambda _: seen.append(("mail", None)))
    await bus.publish(EventSent("chat:message"))
    assert seen == [("slow", "chat:message"), ("quick", "chat:message")]
    await bus.publish(MailQueued())
    assert seen[-1] == ("mail", None)
