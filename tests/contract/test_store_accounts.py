"""The Store contract for the lead's accounts view, on SQLite and
PostgreSQL: an account is the verified visitors of one site with that
account id; a visitor alone is theirs only."""
from __future__ import annotations

from datetime import timedelta

from server.services.model import Alert, Chat, ChatStatus, Priority, Survey, Suspension, Visitor
from server.store import SqlStore
from server.store.tables import suspensions
from tests.contract.factories import T0, a_site, a_visitor, new_id


async def a_chat_of(store: SqlStore, visitor: Visitor, minute: int) -> Chat:
    chat = Chat(id=new_id(), site_id=visitor.site_id, visitor_id=visitor.id, status=ChatStatus.ENDED,
                priority=Priority.MEDIUM, started_at=T0 + timedelta(minutes=minute),
                ended_at=T0 + timedelta(minutes=minute + 1), end_reason="visitor")
    created, _ = await store.create_chat(chat, None)
    return created


async def test_an_account_reads_its_verified_visitors_on_its_site_only(store: SqlStore) -> None:
    site, elsewhere = await a_site(store), await a_site(store)
    pat = await a_visitor(store, site, verified=True, account_id="acme")
    sam = await a_visitor(store, site, verified=True, account_id="acme")
    claim = await a_visitor(store, site, account_id="acme")  # unverified: only a claim
    other_site = await a_visitor(store, elsewhere, verified=True, account_id="acme")
    chats = [await a_chat_of(store, v, n) for n, v in enumerate((pat, sam, claim, other_site))]

    assert {v.id for v in await store.account_visitors(site.id, "acme", 10)} == {pat.id, sam.id}
    assert [c.id for c in await store.chats_of(site.id, account_id="acme", visitor_id=None, limit=10)] == [
        chats[1].id, chats[0].id]  # the latest started first
    assert [c.id for c in await store.chats_of(site.id, account_id="acme", visitor_id=pat.id, limit=10)] == [
        chats[0].id]
    assert len(await store.chats_of(site.id, account_id="acme", visitor_id=None, limit=1)) == 1


async def test_suspensions_alerts_and_surveys_of_an_account_and_of_a_visitor(store: SqlStore) -> None:
    site = await a_site(store)
    pat = await a_visitor(store, site, verified=True, account_id="acme")
    stranger = await a_visitor(store, site)
    pats, strangers = await a_chat_of(store, pat, 0), await a_chat_of(store, stranger, 1)

    def suspension(minute: int, **who) -> Suspension:
        return Suspension(id=new_id(), site_id=site.id, ban=False, reason="r", until=T0 + timedelta(days=30),
                          created_at=T0 + timedelta(minutes=minute), **who)

    of_account, of_pat, of_stranger = (suspension(0, account_id="acme"), suspension(1, visitor_id=pat.id),
                                       suspension(2, visitor_id=stranger.id))
    for held in (of_account, of_pat, of_stranger):
        async with store.engine.begin() as conn:  # straight in: several active at once is not store.suspend's
            await conn.execute(suspensions.insert().values(**{f: getattr(held, f) for f in held.__slots__}))
    alert = await store.add_alert(Alert(id=new_id(), at=T0, kind="flag", site_id=site.id, chat_ids=(pats.id,),
                                        account_id="acme", visitor_id=pat.id))
    await store.add_alert(Alert(id=new_id(), at=T0, kind="flag", site_id=site.id, chat_ids=(strangers.id,),
                                visitor_id=stranger.id))
    survey = await store.save_survey(Survey(id=new_id(), chat_id=pats.id, site_id=site.id, visitor_id=pat.id,
                                            rating=2, created_at=T0))  # no account_id: found through its visitor

    account = {"account_id": "acme", "visitor_id": None, "limit": 10}
    assert [s.id for s in await store.suspensions_of(site.id, **account)] == [of_pat.id, of_account.id]
    assert [s.id for s in await store.suspensions_of(site.id, account_id="acme", visitor_id=pat.id, limit=10)] == [
        of_pat.id, of_account.id]  # the visitor's own, and their account's
    assert [s.id for s in await store.suspensions_of(site.id, account_id=None, visitor_id=stranger.id,
                                                     limit=10)] == [of_stranger.id]
    assert [a.id for a in await store.alerts_of(site.id, **account)] == [alert.id]
    assert [s.id for s in await store.surveys_of(site.id, **account)] == [survey.id]
    assert await store.surveys_of(site.id, account_id=None, visitor_id=stranger.id, limit=10) == []
