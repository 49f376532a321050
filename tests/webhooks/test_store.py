"""The webhook outbox in the store, on SQLite and PostgreSQL: rows go in
the transaction of their change (the group commit's included) or not at
all; claims keep a chat's deliveries in order and never hand one delivery
to two workers."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from server.services import hook_events
from server.services.model import Message
from server.services.webhook_types import Attempt, DeliveryState, HookRow, Webhook
from server.store import SqlStore, open_store
from tests.contract.conftest import store, store_url  # noqa: F401 (fixtures)
from tests.contract.factories import T0, a_chat, a_mail, a_site, new_id, visitor_says
from tests.both_stores import pg_database  # noqa: F401 (a fixture)


async def a_hook(store: SqlStore, site_id: str | None = None) -> Webhook:  # noqa: F811
    site_id = site_id or (await a_site(store)).id
    return await store.add_webhook(Webhook(id=new_id(), site_id=site_id, url="https://crm.example.com/h",
                                           events=(), secret="s" * 20, enabled=True, created_at=T0))


def row(hook: Webhook, chat_id: str | None, n: int = 0) -> HookRow:
    return HookRow(hook.id, f"evt_{new_id()}", "chat.ended", chat_id, f'{{"n":{n}}}', T0)


def staged(rows: list[HookRow]) -> list[HookRow]:
    return rows


async def in_context(rows: list[HookRow], work) -> object:
    """`work()` in a task of its own whose ambient collector holds `rows`, as `hook_events.stage` leaves it."""
    async def run() -> object:
        hook_events._staged.set(hook_events._Staged(asyncio.current_task(), list(rows)))
        return await work()
    return await asyncio.create_task(run())


async def test_message_rows_go_in_the_group_commit_with_their_seq(store: SqlStore) -> None:  # noqa: F811
    first, second = await a_chat(store), await a_chat(store)
    hook = await a_hook(store, first.site_id)

    def rows_of(message: Message) -> list[HookRow]:
        return [HookRow(hook.id, f"evt_{new_id()}", "chat.message", message.chat_id,
                        f'{{"seq":{message.seq},"text":"{message.text}"}}', message.at)]
    sent = [store.append_message(visitor_says(chat.id, f"m{n}", client_id=f"c{n}", hooks=rows_of))
            for n in range(6) for chat in (first, second)]
    await asyncio.gather(*sent)
    again = await store.append_message(visitor_says(first.id, "m0", client_id="c0", hooks=rows_of))  # a resend
    assert again.seq == 1
    found = sorted(await store.webhook_deliveries(hook.id, 50), key=lambda d: d.id)
    for chat in (first, second):
        bodies = [d.body for d in found if d.chat_id == chat.id]
        assert bodies == [f'{{"seq":{n + 1},"text":"m{n}"}}' for n in range(6)]  # once each, in seq order
    assert all(d.state is DeliveryState.PENDING and d.next_attempt_at == T0 for d in found)


async def test_staged_rows_go_only_with_a_change(store: SqlStore) -> None:  # noqa: F811
    chat = await a_chat(store)
    hook = await a_hook(store, chat.site_id)
    ended = await in_context(staged([row(hook, chat.id, 1)]), lambda: store.end_chat(chat.id, "agent", T0))
    assert ended is not None
    again = await in_context(staged([row(hook, chat.id, 2)]), lambda: store.end_chat(chat.id, "agent", T0))
    assert again is None  # nothing changed: nothing sent
    nothing = await in_context(staged([row(hook, None, 3)]), lambda: store.lift(chat.site_id, account_id=None,
                                                                               visitor_id=chat.visitor_id,
                                                                               audit=_entry()))
    assert nothing == []  # rolled back: nothing sent
    assert [d.body for d in await store.webhook_deliveries(hook.id, 10)] == ['{"n":1}']


def _entry():
    from server.services import audit
    return audit.entry(audit.LIFT, "visitor:x", T0, reason="test")


async def test_a_chats_deliveries_are_claimed_one_at_a_time_in_order(store: SqlStore) -> None:  # noqa: F811
    chat, other = await a_chat(store), await a_chat(store)
    hook = await a_hook(store, chat.site_id)
    await store.queue_hooks([row(hook, chat.id, 1), row(hook, chat.id, 2), row(hook, other.id, 3), row(hook, None, 4)])
    now = T0 + timedelta(seconds=1)
    claimed = await store.due_deliveries(now, 10)
    assert [d.body for d in claimed] == ['{"n":1}', '{"n":3}', '{"n":4}']  # n=2 waits for n=1
    assert await store.due_deliveries(now, 10) == []  # leased
    first = claimed[0]
    await store.delivery_failed(first, Attempt(ok=False, status=500, error="HTTP 500"), now + timedelta(seconds=30))
    assert await store.due_deliveries(now + timedelta(seconds=29), 10) == []  # n=2 still behind the failing n=1
    retried = await store.due_deliveries(now + timedelta(seconds=30), 10)
    assert [d.body for d in retried] == ['{"n":1}']
    await store.delivery_done(retried[0], now + timedelta(seconds=30), Attempt(ok=True, status=204))
    assert [d.body for d in await store.due_deliveries(now + timedelta(seconds=31), 10)] == ['{"n":2}']
    after = await store.webhook_by_id(hook.id)
    assert after.failures == 0 and after.last_delivery_at == now + timedelta(seconds=30)


async def test_a_given_up_delivery_disables_its_endpoint_and_stops_holding_back_its_chat(
        store: SqlStore) -> None:  # noqa: F811
    chat = await a_chat(store)
    hook = await a_hook(store, chat.site_id)
    await store.queue_hooks([row(hook, chat.id, 1), row(hook, chat.id, 2)])
    (first,) = await store.due_deliveries(T0, 10)
    off = await store.delivery_failed(first, Attempt(ok=False, error="timed out"), None, disable="given up")
    assert (off.enabled, off.disabled_reason, off.failures) == (False, "given up", 1)
    assert await store.due_deliveries(T0, 10) == []  # a disabled endpoint gets nothing
    later = T0 + timedelta(days=2)
    await store.set_webhook_enabled(hook.id, True, None, at=later)
    assert [d.body for d in await store.due_deliveries(later, 10)] == ['{"n":2}']
    log = await store.webhook_deliveries(hook.id, 10)
    assert [(d.state, d.attempts) for d in log] == [(DeliveryState.PENDING, 0), (DeliveryState.GIVEN_UP, 1)]


async def test_two_workers_never_claim_the_same_delivery(store: SqlStore, store_url: str) -> None:  # noqa: F811
    hook = await a_hook(store)
    await store.queue_hooks([row(hook, None, n) for n in range(40)])
    other = await open_store(store_url)
    try:
        claims = await asyncio.gather(*(node.due_deliveries(T0, 7) for _ in range(4) for node in (store, other)))
    finally:
        await other.close()
    ids = [d.id for claim in claims for d in claim]
    assert len(ids) == len(set(ids)) == 40


class _Desk:
    """What `hook_events.stage` reads of a desk: the catalog and the clock."""

    def __init__(self, hook: Webhook, site_key: str) -> None:
        from server.services.clock import ManualClock
        from server.services.hook_catalog import HookCatalog
        from server.services.model import Site
        self.webhooks, self.clock = HookCatalog(), ManualClock(T0)
        self.webhooks.replace([hook], {hook.site_id: Site(id=hook.site_id, key=site_key, secret="x")}, T0)


async def test_nested_stages_go_with_the_first_write_once_and_a_child_task_takes_none(
        store: SqlStore) -> None:  # noqa: F811
    chat = await a_chat(store)
    hook = await a_hook(store, chat.site_id)
    desk = _Desk(hook, "acme")

    async def child_writes() -> None:
        await store.mark_read(chat.id, "visitor", 1)  # a write in another task: takes nothing
        await store.end_chat(chat.id, "agent", T0)

    with hook_events.stage(desk, chat.site_id, "chat.transferred", lambda: {"n": "outer"}):
        await asyncio.create_task(child_writes())
        assert await store.webhook_deliveries(hook.id, 10) == []
        with hook_events.stage(desk, chat.site_id, "chat.assigned", lambda: {"n": "inner"}):
            await store.add_alert(_alert(chat))  # the first write: both events go with it
        await store.add_alert(_alert(chat))  # the outer block's rows were taken: nothing more
    with hook_events.stage(desk, chat.site_id, "chat.ended", lambda: {"n": "unwritten"}):
        pass  # no write: the event is dropped
    await store.add_alert(_alert(chat))
    bodies = [d.body for d in sorted(await store.webhook_deliveries(hook.id, 10), key=lambda d: d.id)]
    assert [b.split('"data":')[1] for b in bodies] == ['{"n":"outer"}}', '{"n":"inner"}}']


def _alert(chat):
    from server.services.model import Alert
    return Alert(id=new_id(), at=T0, kind="flag", site_id=chat.site_id, chat_ids=(chat.id,))


async def test_a_row_for_an_endpoint_removed_meanwhile_fails_nothing_and_is_never_claimed(
        store: SqlStore) -> None:  # noqa: F811
    chat = await a_chat(store)
    hook = await a_hook(store, chat.site_id)
    await store.remove_webhook(hook.id)

    def rows_of(message: Message) -> list[HookRow]:  # a node whose catalog still has the endpoint
        return [row(hook, message.chat_id)]
    stored = await store.append_message(visitor_says(chat.id, "still stored", client_id="c1", hooks=rows_of))
    assert stored.seq == 1
    assert await store.due_deliveries(T0, 10) == []


async def test_a_delivery_being_delivered_cannot_be_redelivered_and_a_stale_outcome_writes_nothing(
        store: SqlStore) -> None:  # noqa: F811
    import pytest

    from server.services.errors import Conflict
    hook = await a_hook(store)
    await store.queue_hooks([row(hook, None, 1)])
    (held,) = await store.due_deliveries(T0, 10)
    assert held.leased_until == held.next_attempt_at
    with pytest.raises(Conflict, match="being delivered now"):
        await store.redeliver(hook.id, held.id, T0 + timedelta(seconds=5))
    assert await store.redeliver(hook.id, held.id + 1000, T0) is None  # no such delivery: not a conflict
    # its lease runs out: another worker claims it again, and the first one's late answers change nothing
    later = held.leased_until
    (again,) = await store.due_deliveries(later, 10)
    assert await store.delivery_done(held, later, Attempt(ok=True, status=200)) is False
    assert await store.delivery_failed(held, Attempt(ok=False, status=500), None, disable="given up") is None
    assert (await store.webhook_by_id(hook.id)).enabled  # the stale failure disabled nothing
    assert await store.delivery_done(again, later, Attempt(ok=True, status=204)) is True
    (log,) = await store.webhook_deliveries(hook.id, 10)
    assert (log.state, log.attempts, log.last_status, log.leased_until) == (DeliveryState.DELIVERED, 1, 204, None)
    # once done it may be redelivered; a worker that held it before cannot overwrite that
    redone = await store.redeliver(hook.id, held.id, later)
    assert (redone.state, redone.next_attempt_at, redone.leased_until) == (DeliveryState.PENDING, later, None)
    assert await store.delivery_done(again, later, Attempt(ok=True, status=204)) is False
    assert (await store.webhook_deliveries(hook.id, 10))[0].state is DeliveryState.PENDING


async def test_delivery_ids_are_64_bit(store: SqlStore) -> None:  # noqa: F811
    from sqlalchemy import insert

    from server.store.tables import webhook_deliveries
    hook = await a_hook(store)
    big = 2**40
    async with store._engine.begin() as conn:
        await conn.execute(insert(webhook_deliveries).values(
            id=big, webhook_id=hook.id, event_id="evt_big", type="chat.ended", body="{}", state="pending",
            attempts=0, created_at=T0, first_due_at=T0, next_attempt_at=T0))
    await store.queue_hooks([row(hook, None, 1)])  # still numbered by the database
    ids = [d.id for d in await store.webhook_deliveries(hook.id, 10)]
    assert big in ids and len(set(ids)) == 2
    assert [d.id for d in await store.webhook_deliveries(hook.id, 10, before=big + 1)] == [i for i in ids if i <= big]


async def test_the_retention_sweep_deletes_old_finished_deliveries_and_those_of_removed_endpoints(
        store: SqlStore) -> None:  # noqa: F811
    hook = await a_hook(store)
    gone = await a_hook(store, hook.site_id)
    await store.queue_hooks([row(hook, None, n) for n in range(4)] + [row(gone, None, 9)])
    await store.remove_webhook(gone.id)
    await store.queue_hooks([row(gone, None, 10)])  # written by a node that had not heard of the removal
    delivered, given_up, failing = await store.due_deliveries(T0, 3)
    day = timedelta(days=1)
    await store.delivery_done(delivered, T0 + day, Attempt(ok=True, status=200))
    await store.delivery_failed(given_up, Attempt(ok=False, status=500), None)
    await store.delivery_failed(failing, Attempt(ok=False, status=500), T0 + 40 * day)
    assert await store.prune_deliveries(T0) == 1  # only the removed endpoint's row
    assert await store.prune_deliveries(T0 + day) == 1  # given up, queued at T0
    assert await store.prune_deliveries(T0 + day + timedelta(seconds=1)) == 1  # delivered at T0 + 1 day
    assert await store.prune_deliveries(T0 + 100 * day) == 0  # open ones stay, however old
    assert sorted(d.body for d in await store.webhook_deliveries(hook.id, 10)) == ['{"n":2}', '{"n":3}']


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)  # SQLite has one writer: nothing interleaves
async def test_an_sla_event_waits_for_its_chat_so_its_delivery_follows_a_message_committed_first(
        store: SqlStore, store_url: str) -> None:  # noqa: F811
    """Ids are given at insert, not at commit: an SLA warning (which changes
    no chat row) must wait for a transaction holding its chat, or its row
    could get the smaller id and be sent before a message committed first."""
    from sqlalchemy import insert, text, update

    from server.services.model import SlaEvent
    from server.store.base import hook_values
    from server.store.tables import chats, webhook_deliveries
    from tests.conftest import eventually
    chat = await a_chat(store)
    hook = await a_hook(store, chat.site_id)
    warning = SlaEvent(chat_id=chat.id, kind="response_gap", stage="warning", anchor_at=T0, at=T0,
                       limit_s=60, elapsed_s=60)
    async with store._engine.connect() as message_tx:  # a message's transaction, holding its chat
        await message_tx.begin()
        await message_tx.execute(update(chats).where(chats.c.id == chat.id).values(last_seq=chats.c.last_seq + 1))
        sla = asyncio.create_task(in_context([row(hook, chat.id, 1)], lambda: store.record_sla_event(warning)))

        async def waiting() -> bool:
            async with store._engine.connect() as conn:
                return bool(await conn.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")))
        await eventually(waiting)  # the SLA event waits for its chat
        await message_tx.execute(insert(webhook_deliveries).values(hook_values(row(hook, chat.id, 2))))
        await message_tx.commit()
    assert await sla is True
    claimed = await store.due_deliveries(T0, 10)
    assert [d.body for d in claimed] == ['{"n":2}']  # the message first; the warning behind it


async def test_a_ticket_update_that_finds_nothing_stores_no_event_and_one_of_two_confirms_wins(
        store: SqlStore, store_url: str) -> None:  # noqa: F811
    from server.services.model import TicketStatus
    from tests.contract.test_store_policy import a_ticket
    hook = await a_hook(store)
    missing = await in_context([row(hook, None, 1)], lambda: store.update_ticket("nope", T0, status=TicketStatus.OPEN))
    assert missing is None and await store.webhook_deliveries(hook.id, 10) == []  # rolled back: no event
    ticket = await store.create_ticket(a_ticket(hook.site_id, status=TicketStatus.PENDING_CONFIRMATION,
                                                confirm_hash="c0ffee"))
    other = await open_store(store_url)  # two clicks, on two nodes, both past the service's status check
    try:
        clicks = await asyncio.gather(*(in_context([row(hook, None, n)], lambda node=node: node.update_ticket(
            ticket.id, T0, status=TicketStatus.OPEN, clear_confirm=True, mails=[a_mail(n)],
            only_from=TicketStatus.PENDING_CONFIRMATION)) for n, node in enumerate((store, other), start=2)))
    finally:
        await other.close()
    assert sorted(c is None for c in clicks) == [False, True]
    assert len(await store.webhook_deliveries(hook.id, 10)) == 1  # one ticket.updated
    assert len(await store.due_mail(T0 + timedelta(days=1), 10)) == 1  # one receipt
