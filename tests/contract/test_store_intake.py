"""Ticket intake in the store, on SQLite and PostgreSQL: a ticket keeps
its evidence as given (any text, newlines and quotes included), names the
ticket it was split from, the split is found from both sides, and the
audit entry of a split is written in the ticket's own transaction with the
new ticket's label in it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.services import audit
from server.services.model import TICKET_LABEL, Priority, Ticket, TicketStatus
from server.store.sql import SqlStore

from .factories import a_site, new_id

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
EVIDENCE = {"api_call": "curl -d '{\"a\": \"b\"}' https://x.test/\nline 2 ü", "api_response": "500"}


def a_ticket(site_id: str, **fields) -> Ticket:
    return Ticket(id=new_id(), site_id=site_id, subject="Two things", description="A. And B.",
                  priority=Priority.MEDIUM, status=TicketStatus.OPEN, created_at=T0, updated_at=T0,
                  response_due_at=T0 + timedelta(hours=4), resolution_due_at=T0 + timedelta(days=1), **fields)


async def test_a_ticket_keeps_its_evidence_and_a_split_is_linked_both_ways(store: SqlStore):
    site = await a_site(store)
    first = await store.create_ticket(a_ticket(site.id, evidence=EVIDENCE, topic="api"))
    assert (await store.ticket_by_id(first.id)).evidence == EVIDENCE
    assert (await store.ticket_by_id(first.id)).split_from is None
    entry = audit.entry("ticket_split", f"ticket:{first.id}", T0, data={"ticket": TICKET_LABEL, "from": first.label})
    second = await store.create_ticket(a_ticket(site.id, split_from=first.id), audit=entry)
    assert (await store.ticket_by_id(second.id)).split_from == first.id
    assert [t.id for t in await store.tickets_split_from(first.id)] == [second.id]
    assert await store.tickets_split_from(second.id) == []
    [logged] = await store.audit_log(action="ticket_split")
    assert logged.data == {"ticket": second.label, "from": first.label}


async def test_a_ticket_without_evidence_reads_back_empty(store: SqlStore):
    site = await a_site(store)
    plain = await store.create_ticket(a_ticket(site.id))
    assert (await store.ticket_by_id(plain.id)).evidence == {}
