"""The Store contract for suspensions, bans and the audit log, on SQLite and
PostgreSQL."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from server.services import errors
from server.services.model import (AuditEntry, Chat, ChatStatus, EndReason, Priority, Suspension, Ticket, TicketStatus,
                                  Visitor)
from server.store import SqlStore
from tests.contract.factories import T0, a_site, a_visitor, new_id, stored, visitor_says

DAY = timedelta(days=1)
UNTIL = T0 + 30 * DAY


def a_suspension(site_id: str, **fields: Any) -> Suspension:
    values: dict[str, Any] = {"id": new_id(), "site_id": site_id, "ban": False, "reason": "abusive",
                              "created_at": T0, "until": UNTIL, "actor_id": new_id()}
    return Suspension(**(values | fields))


def an_entry(action: str = "suspend", target: str = "visitor:x", at=T0, **fields: Any) -> AuditEntry:
    return AuditEntry(**({"id": new_id(), "at": at, "action": action, "target": target} | fields))


async def open_chat(store: SqlStore, visitor: Visitor, text: str = "hello") -> Chat:
    chat = Chat(id=new_id(), site_id=visitor.site_id, visitor_id=visitor.id, status=ChatStatus.QUEUED,
                priority=Priority.MEDIUM, started_at=T0)
    created, _ = await store.create_chat(chat, visitor_says(chat.id, text))
    return created


async def test_suspending_a_visitor_ends_its_open_chat_and_audits_in_one_go(store: SqlStore) -> None:
    site = await a_site(store)
    pat, other = await a_visitor(store, site), await a_visitor(store, site)
    pats, others = await open_chat(store, pat), await open_chat(store, other)
    suspension = a_suspension(site.id, visitor_id=pat.id)

    ended = await store.suspend(suspension, an_entry(target=f"visitor:{pat.id}", data={"until": "x"}))
    assert ended == [dataclasses.replace(pats, status=ChatStatus.ENDED, end_reason=EndReason.SUSPENDED.value,
                                         ended_at=T0)]
    assert await store.chat_by_id(pats.id) == ended[0]
    assert (await store.chat_by_id(others.id)).status is ChatStatus.QUEUED
    [audited] = await store.audit_log()
    assert audited.data == {"until": "x", "chats": [pats.id]}
    with pytest.raises(errors.ChatEnded):  # no message is stored once the suspension has committed
        await store.append_message(visitor_says(pats.id, "too late"))
    assert await store.suspension_by_id(suspension.id) == suspension


async def test_suspending_an_account_ends_the_chats_of_its_verified_visitors_on_its_site(store: SqlStore) -> None:
    site, elsewhere = await a_site(store), await a_site(store)
    first = await a_visitor(store, site, verified=True, account_id="acct-9")
    second = await a_visitor(store, site, verified=True, account_id="acct-9")
    unverified = await a_visitor(store, site, account_id="acct-9")  # an unverified claim is no account
    other_site = await a_visitor(store, elsewhere, verified=True, account_id="acct-9")
    chats = {v.id: await open_chat(store, v) for v in (first, second, unverified, other_site)}

    ended = await store.suspend(a_suspension(site.id, account_id="acct-9"), an_entry())
    assert sorted(c.id for c in ended) == sorted([chats[first.id].id, chats[second.id].id])
    for visitor in (unverified, other_site):
        assert (await store.chat_by_id(chats[visitor.id].id)).status is ChatStatus.QUEUED


async def test_a_target_is_suspended_once_at_a_time(store: SqlStore) -> None:
    site = await a_site(store)
    visitor = await a_visitor(store, site)
    await store.suspend(a_suspension(site.id, visitor_id=visitor.id), an_entry())
    chat = await open_chat(store, visitor)  # created in a race: the refused suspension must not end it
    with pytest.raises(errors.Conflict):
        await store.suspend(a_suspension(site.id, visitor_id=visitor.id, ban=True, until=None), an_entry())
    assert len(await store.audit_log()) == 1
    assert (await store.chat_by_id(chat.id)).status is ChatStatus.QUEUED
    with pytest.raises(errors.BadRequest):
        await store.suspend(a_suspension(site.id), an_entry())  # neither an account nor a visitor


async def test_no_message_is_stored_after_the_suspension_commits(store: SqlStore) -> None:
    site = await a_site(store)
    visitor = await a_visitor(store, site)
    chat = await open_chat(store, visitor)
    appended = []
    for i in range(100):  # staged one by one, so that batches commit before, around and after it
        appended.append(store.append_message(visitor_says(chat.id, f"m{i}", f"c{i}")))
        if i == 30:
            suspending = asyncio.ensure_future(store.suspend(a_suspension(site.id, visitor_id=visitor.id),
                                                             an_entry()))
        await asyncio.sleep(0)
    outcomes = await asyncio.gather(*appended, return_exceptions=True)
    await suspending
    accepted = [o for o in outcomes if not isinstance(o, BaseException)]
    assert all(isinstance(o, errors.ChatEnded) for o in outcomes if isinstance(o, BaseException))
    kept = await stored(store, chat.id)
    assert [m.seq for m in kept] == list(range(1, len(accepted) + 2))  # the first message, then the accepted
    assert kept[1:] == sorted(accepted, key=lambda m: m.seq)
    assert (await store.chat_by_id(chat.id)).last_seq == len(kept)


async def test_the_active_suspension_covers_the_visitor_and_its_account_until_it_runs_out(store: SqlStore) -> None:
    site = await a_site(store)
    pat = await a_visitor(store, site, verified=True, account_id="acct-9")
    account = a_suspension(site.id, account_id="acct-9", until=T0 + DAY)
    await store.suspend(account, an_entry())

    async def active(at=T0, account_id: str | None = "acct-9", visitor_id: str = pat.id) -> Suspension | None:
        return await store.active_suspension(site.id, account_id=account_id, visitor_id=visitor_id, now=at)

    assert await active() == account
    assert await active(account_id=None) is None  # not verified: the account is not its own
    assert await active(T0 + DAY - timedelta(seconds=1)) == account
    assert await active(T0 + DAY) is None  # lifts at `until` exactly
    own = a_suspension(site.id, visitor_id=pat.id, until=T0 + 2 * DAY)
    await store.suspend(own, an_entry())
    assert await active() == own  # the longest first
    ban = a_suspension(site.id, visitor_id=new_id(), ban=True, until=None)
    await store.save_visitor(Visitor(id=ban.visitor_id, site_id=site.id, token_hash=new_id(), created_at=T0))
    await store.suspend(ban, an_entry())
    assert await active(T0 + 999 * DAY, visitor_id=ban.visitor_id) == ban  # a ban never runs out


async def test_lifting_takes_every_active_suspension_of_exactly_that_target(store: SqlStore) -> None:
    site = await a_site(store)
    pat = await a_visitor(store, site, verified=True, account_id="acct-9")
    account = a_suspension(site.id, account_id="acct-9")
    own = a_suspension(site.id, visitor_id=pat.id)
    for suspension in (account, own):
        await store.suspend(suspension, an_entry())
    lift = an_entry("lift", at=T0 + DAY, actor_id="lead", reason="apologised")

    lifted = await store.lift(site.id, account_id="acct-9", audit=lift)
    assert lifted == [dataclasses.replace(account, lifted_at=T0 + DAY, lifted_by="lead", lifted_reason="apologised")]
    assert await store.active_suspension(site.id, account_id="acct-9", visitor_id=pat.id, now=T0 + DAY) == own
    assert await store.lift(site.id, account_id="acct-9", audit=an_entry("lift")) == []  # nothing written
    assert [e.action for e in await store.audit_log()].count("lift") == 1
    assert [s.id for s in await store.open_suspensions()] == [own.id]


async def test_a_suspension_expires_once_at_its_until_and_a_ban_never(store: SqlStore) -> None:
    site = await a_site(store)
    visitor, banned = await a_visitor(store, site), await a_visitor(store, site)
    suspension = a_suspension(site.id, visitor_id=visitor.id)
    ban = a_suspension(site.id, visitor_id=banned.id, ban=True, until=None)
    for s in (suspension, ban):
        await store.suspend(s, an_entry())
    assert await store.open_suspensions() == sorted([suspension, ban], key=lambda s: s.id)

    assert await store.expire_suspension(suspension.id, an_entry("auto_lift", at=UNTIL - DAY)) is None
    late = an_entry("auto_lift", at=UNTIL + DAY, reason="ran out")  # fired late, after a restart
    expired = await store.expire_suspension(suspension.id, late)
    assert expired == dataclasses.replace(suspension, lifted_at=UNTIL, lifted_reason="ran out")
    assert await store.expire_suspension(suspension.id, late) is None
    assert await store.expire_suspension(ban.id, late) is None
    assert [s.id for s in await store.open_suspensions()] == [ban.id]
    assert [e.action for e in await store.audit_log(action="auto_lift")] == ["auto_lift"]


async def test_the_sites_of_an_account_are_those_of_its_verified_visitors(store: SqlStore) -> None:
    first, second = await a_site(store), await a_site(store)
    await a_visitor(store, first, verified=True, account_id="acct-9")
    await a_visitor(store, first, verified=True, account_id="acct-9")
    await a_visitor(store, second, account_id="acct-9")  # unverified
    assert await store.account_sites("acct-9") == [first.id]
    await a_visitor(store, second, verified=True, account_id="acct-9")
    assert await store.account_sites("acct-9") == sorted([first.id, second.id])
    assert await store.account_sites("nobody") == []


async def test_the_audit_log_filters_and_pages_newest_first(store: SqlStore) -> None:
    entries = [an_entry("suspend", "account:acme/acct-9", T0, actor_id="lead", reason="abuse",
                        data={"until": "2026-12-23T15:00:00Z", "chats": ["c1"]}),
               an_entry("reassign", "chat:c1", T0 + DAY, actor_id="lead"),
               an_entry("auto_lift", "account:acme/acct-9", T0 + 2 * DAY),
               an_entry("closure_add", "closure:2026-12-24", T0 + 3 * DAY, actor_id="boss", reason="party")]
    for entry in entries:
        await store.record_audit(entry)

    async def found(**filters: Any) -> list[AuditEntry]:
        return await store.audit_log(**filters)

    assert await found() == entries[::-1]
    assert await found(action="reassign") == [entries[1]]
    assert await found(actor_id="lead") == [entries[1], entries[0]]
    assert await found(target="account:acme/acct-9") == [entries[2], entries[0]]
    assert await found(since=T0 + DAY, until=T0 + 3 * DAY) == [entries[2], entries[1]]
    assert await found(limit=2, offset=1) == [entries[2], entries[1]]
    assert await found(action="lift") == []



def a_start(visitor: Visitor, text: str = "hello") -> tuple[Chat, Any]:
    chat = Chat(id=new_id(), site_id=visitor.site_id, visitor_id=visitor.id, status=ChatStatus.QUEUED,
                priority=Priority.MEDIUM, started_at=T0)
    return chat, visitor_says(chat.id, text)


async def test_a_start_stores_a_new_visitor_its_chat_and_first_message_together(store: SqlStore) -> None:
    site = await a_site(store)
    newcomer = Visitor(id=new_id(), site_id=site.id, token_hash=new_id(), created_at=T0, name="Pat")
    before = await store.visitor_at_start(newcomer)
    assert (before.stored, before.open_chat, before.open_tickets) == (None, None, [])

    chat, first = a_start(newcomer)
    started = await store.start_chat(newcomer, chat, first)
    assert started.kept_out is None and started.visitor == await store.visitor_by_id(newcomer.id)
    assert started.chat == await store.chat_by_id(chat.id) and started.chat.last_seq == 1
    assert await store.messages_after(chat.id, 0, include_notes=True, limit=10) == [started.message]
    after = await store.visitor_at_start(newcomer)
    assert (after.stored, after.open_chat) == (started.visitor, started.chat)

    again, again_first = a_start(newcomer, "second")
    with pytest.raises(errors.ChatActive):
        await store.start_chat(newcomer, again, again_first)
    assert await store.chat_by_id(again.id) is None


async def test_a_start_of_a_suspended_visitor_stores_no_chat(store: SqlStore) -> None:
    site = await a_site(store)
    pat = await a_visitor(store, site)
    await store.suspend(a_suspension(site.id, visitor_id=pat.id), an_entry(target=f"visitor:{pat.id}"))
    chat, first = a_start(pat)
    started = await store.start_chat(pat, chat, first)
    assert started.kept_out is not None and started.kept_out.visitor_id == pat.id
    assert await store.chat_by_id(chat.id) is None and await store.open_chat_of_visitor(pat.id) is None


async def test_starts_at_once_each_get_their_own_outcome(store: SqlStore) -> None:
    """On SQLite they share group-commit batches: one visitor's refusal
    does not fail the others'."""
    site = await a_site(store)
    visitors = [await a_visitor(store, site) for _ in range(20)]
    starts = [a_start(v) for v in visitors] + [a_start(visitors[0], "twice")]
    outcomes = await asyncio.gather(*(store.start_chat(v, c, f) for v, (c, f) in
                                      zip([*visitors, visitors[0]], starts, strict=True)), return_exceptions=True)
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], errors.ChatActive)
    for visitor in visitors:
        assert (await store.open_chat_of_visitor(visitor.id)) is not None


async def test_what_a_start_reads_and_finds_equals_the_stores_own_reads(store: SqlStore) -> None:
    """On SQLite the start's statements run on the raw sqlite3 connection
    (batch_sqlite.RawSqlite), so its times, flags and evidence are typed
    there: they must come back as every other read returns them."""
    site = await a_site(store)
    pat = await a_visitor(store, site, verified=True, account_id="acct-7", plan="pro", name="Pat")
    ticket = await store.create_ticket(Ticket(
        id=new_id(), site_id=site.id, subject="Broken", description="It broke", priority=Priority.HIGH,
        status=TicketStatus.OPEN, created_at=T0, updated_at=T0, response_due_at=T0 + timedelta(hours=1),
        resolution_due_at=T0 + DAY, visitor_id=pat.id, account_id="acct-7", warranty=True,
        evidence={"order": "A-1"}))
    chat = await open_chat(store, pat)

    found = await store.visitor_at_start(pat)
    assert found.stored == await store.visitor_by_id(pat.id) and found.stored.verified is True
    assert found.open_chat == chat and found.open_chat.started_at.tzinfo is not None
    assert found.open_tickets == await store.open_tickets(site.id, account_id="acct-7") == [
        await store.ticket_by_id(ticket.id)]
    assert found.open_tickets[0].warranty is True and found.open_tickets[0].evidence == {"order": "A-1"}

    await store.end_chat(chat.id, EndReason.VISITOR, T0)
    await store.suspend(a_suspension(site.id, account_id="acct-7"), an_entry(target="account:acct-7"))
    later, first = a_start(pat)
    started = await store.start_chat(pat, later, first)
    assert started.kept_out == await store.active_suspension(site.id, account_id="acct-7", visitor_id=pat.id,
                                                             now=T0)
    assert started.kept_out.ban is False and started.kept_out.until == UNTIL


async def test_a_start_refused_for_an_open_chat_stores_nothing_of_the_visitor(store: SqlStore) -> None:
    """Two tabs of one visitor start at once and both pass the service's
    read; the second is refused by the store, and the name it claimed must
    not replace the one the first chat is shown with."""
    site = await a_site(store)
    pat = await a_visitor(store, site, name="Pat", email="pat@example.test")
    await open_chat(store, pat)
    mallory = dataclasses.replace(pat, name="Mallory", email="m@example.test")
    again, first = a_start(mallory)
    with pytest.raises(errors.ChatActive):
        await store.start_chat(mallory, again, first)
    assert await store.visitor_by_id(pat.id) == pat
