"""The Store contract for the ticket service levels, on SQLite and
PostgreSQL: what a reply and a status change mark on a ticket, each SLA
stage recorded once, and the lists the clocks and the reports read."""
from __future__ import annotations

from datetime import timedelta

from server.services.model import TicketReply, TicketSlaEvent, TicketStatus
from server.store import SqlStore, open_store
from tests.contract.factories import T0, a_site, new_id
from tests.contract.test_store_policy import a_ticket

MINUTE = timedelta(minutes=1)


def a_reply(ticket_id: str, author: str, minutes: int, author_id: str | None = None) -> TicketReply:
    return TicketReply(id=new_id(), ticket_id=ticket_id, author=author, text="On it", at=T0 + minutes * MINUTE,
                       author_id=author_id)


async def test_an_agent_reply_answers_updates_and_assigns_the_ticket_once(store: SqlStore) -> None:
    site = await a_site(store)
    ticket = await store.create_ticket(a_ticket(site.id))
    assert (ticket.first_response_at, ticket.last_update_at, ticket.assignee_id) == (None, None, None)
    await store.add_ticket_reply(a_reply(ticket.id, "visitor", 1, "v1"))
    assert (await store.ticket_by_id(ticket.id)).first_response_at is None  # the requester's own words
    await store.add_ticket_reply(a_reply(ticket.id, "agent", 5, "ann"))
    await store.add_ticket_reply(a_reply(ticket.id, "agent", 9, "bob"))
    after = await store.ticket_by_id(ticket.id)
    assert after.first_response_at == T0 + 5 * MINUTE
    assert after.last_update_at == T0 + 9 * MINUTE
    assert after.assignee_id == "ann"  # the first to reply keeps it


async def test_solving_marks_the_resolution_once_and_reopening_clears_it(store: SqlStore) -> None:
    site = await a_site(store)
    ticket = await store.create_ticket(a_ticket(site.id))
    _, solved = await store.update_ticket(ticket.id, T0 + 10 * MINUTE, status=TicketStatus.SOLVED,
                                          requester_updated=True)
    assert (solved.resolved_at, solved.last_update_at) == (T0 + 10 * MINUTE, T0 + 10 * MINUTE)
    _, closed = await store.update_ticket(ticket.id, T0 + 20 * MINUTE, status=TicketStatus.CLOSED)
    assert closed.resolved_at == T0 + 10 * MINUTE and closed.last_update_at == T0 + 10 * MINUTE
    _, reopened = await store.update_ticket(ticket.id, T0 + 30 * MINUTE, status=TicketStatus.OPEN)
    assert reopened.resolved_at is None
    assert [t.id for t in await store.tickets_with_clocks()] == [ticket.id]


async def test_each_ticket_sla_stage_is_recorded_once_across_nodes(store: SqlStore, store_url: str) -> None:
    site = await a_site(store)
    ticket = await store.create_ticket(a_ticket(site.id, subject="Down"))
    event = TicketSlaEvent(ticket.id, "update", "breach", T0, T0 + 60 * MINUTE, T0 + 60 * MINUTE, "critical")
    other = await open_store(store_url)
    try:
        assert await store.record_ticket_sla_event(event) is True
        assert await other.record_ticket_sla_event(event) is False
    finally:
        await other.close()
    later = TicketSlaEvent(ticket.id, "update", "breach", T0 + 70 * MINUTE, T0 + 130 * MINUTE,
                           T0 + 130 * MINUTE, "critical", "ann")
    assert await store.record_ticket_sla_event(later) is True  # a new clock start: a new stage
    assert await store.ticket_sla_events(ticket.id) == [event, later]
    latest = await store.latest_ticket_sla_events(stage="breach", limit=10)
    assert latest == [(later, ticket.number, "Down"), (event, ticket.number, "Down")]
    assert await store.ticket_sla_breach_counts() == {("update", "critical"): 2}


async def test_tickets_created_in_a_window(store: SqlStore) -> None:
    site = await a_site(store)
    first = await store.create_ticket(a_ticket(site.id, 0))
    second = await store.create_ticket(a_ticket(site.id, 30))
    assert [t.id for t in await store.tickets_created(T0, T0 + 30 * MINUTE)] == [first.id]
    assert [t.id for t in await store.tickets_created(T0, T0 + 31 * MINUTE)] == [first.id, second.id]


def _alembic(conn, verb: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from server.store.migrate import MIGRATIONS
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    getattr(command, verb)(config, revision)


async def test_migration_0019_gives_older_tickets_their_times_from_the_record(store: SqlStore) -> None:
    site = await a_site(store)
    answered = await store.create_ticket(a_ticket(site.id, created_by="opener"))
    await store.add_ticket_reply(a_reply(answered.id, "visitor", 1, "v1"))
    await store.add_ticket_reply(a_reply(answered.id, "agent", 5, "ann"))
    await store.add_ticket_reply(a_reply(answered.id, "agent", 9, "bob"))
    solved = await store.create_ticket(a_ticket(site.id, 1, created_by="opener"))
    await store.update_ticket(solved.id, T0 + 30 * MINUTE, status=TicketStatus.SOLVED)
    async with store._engine.begin() as conn:  # back to before 0019, and up again
        await conn.run_sync(_alembic, "downgrade", "0015")
        await conn.run_sync(_alembic, "upgrade", "head")
    again = await store.ticket_by_id(answered.id)
    assert (again.first_response_at, again.last_update_at, again.assignee_id, again.resolved_at) == (
        T0 + 5 * MINUTE, T0 + 9 * MINUTE, "ann", None)
    done = await store.ticket_by_id(solved.id)
    assert (done.first_response_at, done.assignee_id, done.resolved_at) == (None, "opener", T0 + 30 * MINUTE)
