"""Micro-benchmark: the CPU one stored message costs the SLA clocks
(`SlaService.message`: a timeline update and, when the next deadline moves,
one deadline set), in memory, without a store or sockets.

    .venv/bin/python bench/sla_clocks.py
"""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from server.config import Config
from server.live.memory import MemoryLiveState
from server.services.clock import ManualClock
from server.services.context import Desk
from server.services.model import Author, Chat, ChatStatus, Message, Priority
from server.services.sla import SlaService
from server.services.timers import Timers

CHATS = 200
ROUNDS = 100  # messages per chat, agent and visitor in turn: each one moves a clock


async def main() -> None:
    clock = ManualClock()
    desk = Desk(config=Config(), store=None, live=MemoryLiveState(), notify=None, clock=clock)
    sla = SlaService(desk, Timers(desk))
    chats = [Chat(id=f"c{i}", site_id="s", visitor_id=f"v{i}", status=ChatStatus.ACTIVE,
                  priority=Priority.MEDIUM, started_at=clock.now(), assigned_at=clock.now())
             for i in range(CHATS)]
    for chat in chats:
        await sla.started(chat, Message(chat.id, 1, Author.VISITOR, "x", clock.now()))
    started = time.perf_counter()
    for n in range(ROUNDS):
        clock.advance(0.01)
        author = Author.AGENT if n % 2 == 0 else Author.VISITOR
        for chat in chats:
            await sla.message(chat, Message(chat.id, n + 2, author, "x", clock.now()))
    took = time.perf_counter() - started
    print(f"{took / (CHATS * ROUNDS) * 1e6:.1f} us per message")


if __name__ == "__main__":
    asyncio.run(main())
