"""This node among the others: its heartbeat in the live state, the
connections of nodes that died, and rebuilding the shared state when it
was lost (the first node to start, or Redis restarted empty)."""
from __future__ import annotations

import asyncio
import logging

from .context import Desk
from .errors import Unavailable
from .moderation import ModerationService
from .presence import PresenceService
from .routing import Router
from .ticket_sla import TicketSlaService

log = logging.getLogger(__name__)


class NodeWatch:
    def __init__(self, desk: Desk, router: Router, presence: PresenceService, moderation: ModerationService,
                 ticket_sla: TicketSlaService) -> None:
        self._desk = desk
        self._router = router
        self._presence = presence
        self._moderation = moderation
        self._ticket_sla = ticket_sla

    async def start(self) -> None:
        """At start-up, before the node takes connections: a node restarted
        under the same name lets go of what its previous process held."""
        await self.beat()

    async def beat(self) -> None:
        """Says this node is alive; rebuilds what the live state lost; takes
        over the connections of nodes that stopped saying so; routes the
        chats waiting while someone has room. No event routes those when
        the room came back with Redis: a chat started while Redis had
        forgotten an agent (restarted empty), before the agent's node
        registered its connections again, would wait for the next start."""
        live = self._desk.live
        closed = await live.node_alive(self._desk.config.server.node_ttl_s, self._desk.clock.now())
        if closed:
            log.warning("%d connections closed while Redis was away start their grace periods", len(closed))
            await self._gone(closed)
        await self._recover_if_lost()
        while (dead := await live.take_dead_node()) is not None:
            node, connections = dead
            log.warning("node %s stopped answering: %d connections it held start their grace periods",
                        node, len(connections))
            await self._gone(connections)
        if await live.queue():
            await self._router.route(quiet=True)

    async def _gone(self, connections: list[tuple[str, str, str]]) -> None:
        for kind, subject, conn in connections:
            if kind == "agent":
                await self._presence.agent_disconnected(subject, conn)
            else:
                await self._presence.visitor_disconnected(subject, conn)

    async def _recover_if_lost(self) -> None:
        """Exactly one node rebuilds the queue, loads and deadlines from the
        store when the live state holds none: at the desk's first start,
        and after Redis came back empty."""
        if await self._desk.live.claim_recovery():
            log.info("node %s rebuilds the live state from the store", self._desk.live.node)
            await self._presence.recover()
            await self._moderation.recover()
            await self._ticket_sla.recover()

    async def run(self) -> None:
        every = self._desk.config.server.node_ttl_s / 3  # real seconds: liveness, not policy
        while True:
            await asyncio.sleep(every)
            try:
                async with self._desk.events.unit():
                    await self.beat()
            except asyncio.CancelledError:
                raise
            except Unavailable as exc:  # Redis away: the next beat tries again
                log.warning("node heartbeat waits: %s", exc)
            except Exception:
                log.exception("node heartbeat failed")
