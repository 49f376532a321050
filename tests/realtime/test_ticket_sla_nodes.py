"""Two nodes on one PostgreSQL database and one Redis, one injected clock:
a ticket's SLA deadline is one entry of the shared live state, so both
nodes running their timers at the same instant fire each stage once, and
the leads hear of each warning and breach once."""
from __future__ import annotations

import asyncio

from server.services.bus import EventSent
from server.services.model import Priority, Site
from server.services.tickets import OPENED, TicketRequest
from server.services.tokens import new_id
from tests.both_stores import pg_database  # noqa: F401 (a fixture)
from tests.realtime.test_closures_across_nodes import two_nodes  # noqa: F401 (a fixture)

async def test_both_nodes_fire_a_critical_tickets_stages_once_between_them(two_nodes):  # noqa: F811
    clock, a, b = two_nodes
    alerts: list[str] = []
    for node, services in (("a", a), ("b", b)):
        services.desk.bus.on(EventSent, lambda sent, node=node: alerts.append(node) if sent.name == "alert" else None)
    site = await a.desk.store.save_site(Site(id=new_id(), key="acme", secret="s" * 32))
    request = TicketRequest(subject="Everything is down", text="All users are locked out.", priority=Priority.CRITICAL)
    ticket = await a.desk.store.create_ticket(a.tickets.draft(None, request, clock.now(), site_id=site.id))
    async with a.desk.events.unit():
        await a.tickets.announce(OPENED, ticket)  # node a arms the deadline, in Redis

    clock.advance(3600)  # the response and the hourly update both fell due
    await asyncio.gather(a.timers.fire_due(), b.timers.fire_due(), a.timers.fire_due(), b.timers.fire_due())
    fired = await b.desk.store.ticket_sla_events(ticket.id)
    assert sorted((e.kind, e.stage) for e in fired) == [
        ("response", "breach"), ("response", "warning"), ("update", "breach"), ("update", "warning")]
    assert len(alerts) == 4  # the two warnings and two breaches, each told once, by whichever node fired it
    assert await b.desk.live.deadline(f"ticket_sla:{ticket.id}") is not None  # the resolution warning is next
