"""The Store contract for the visitor's context beside a chat (the page
it is on, its browser, the host page's fields, the pages seen), on SQLite
and PostgreSQL."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from server.services.visit_types import PageView, Visit, VisitUpdate
from server.store import SqlStore
from tests.contract.factories import T0, a_chat

BROWSER = VisitUpdate(referrer="https://search.example/?q=ünïcode", language="fr-CA", time_zone="America/Toronto",
                      utc_offset_min=-300, user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")


async def test_nothing_reported_is_none(store: SqlStore) -> None:
    chat = await a_chat(store)
    assert await store.visit_of_chat(chat.id) is None


async def test_the_first_report_is_stored_whole(store: SqlStore) -> None:
    chat = await a_chat(store)
    first = VisitUpdate(url="https://shop.example/a", title="Page A", custom={"plan": "pro", "seats": 3,
                                                                              "trial": False, "mrr": 12.5})
    visit = await store.update_visit(chat.id, first, T0, keep_pages=50)
    visit = await store.update_visit(chat.id, BROWSER, T0 + timedelta(seconds=1), keep_pages=50)
    assert visit == Visit(chat_id=chat.id, updated_at=T0 + timedelta(seconds=1), url="https://shop.example/a",
                          title="Page A", referrer=BROWSER.referrer, language="fr-CA", time_zone="America/Toronto",
                          utc_offset_min=-300, user_agent=BROWSER.user_agent,
                          custom={"plan": "pro", "seats": 3, "trial": False, "mrr": 12.5},
                          pages=(PageView("https://shop.example/a", "Page A", T0),))
    assert await store.visit_of_chat(chat.id) == visit


async def test_a_new_url_adds_a_page_and_the_same_url_only_retitles_it(store: SqlStore) -> None:
    chat = await a_chat(store)
    await store.update_visit(chat.id, VisitUpdate(url="https://s.example/", title="Home"), T0, keep_pages=50)
    # the same instant (a test's fixed clock): still in the order reported
    await store.update_visit(chat.id, VisitUpdate(url="https://s.example/b", title="B"), T0, keep_pages=50)
    later = T0 + timedelta(minutes=1)
    visit = await store.update_visit(chat.id, VisitUpdate(url="https://s.example/b", title="B, loaded"), later,
                                     keep_pages=50)
    assert visit.pages == (PageView("https://s.example/", "Home", T0), PageView("https://s.example/b", "B, loaded", T0))
    assert (visit.url, visit.title, visit.updated_at) == ("https://s.example/b", "B, loaded", later)
    back = await store.update_visit(chat.id, VisitUpdate(url="https://s.example/", title="Home"), later,
                                    keep_pages=50)
    assert [p.url for p in back.pages] == ["https://s.example/", "https://s.example/b", "https://s.example/"]


async def test_custom_fields_are_replaced_whole_and_other_fields_kept(store: SqlStore) -> None:
    chat = await a_chat(store)
    await store.update_visit(chat.id, VisitUpdate(url="https://s.example/", language="en", custom={"a": "1"}), T0,
                             keep_pages=50)
    visit = await store.update_visit(chat.id, VisitUpdate(custom={"b": True}), T0, keep_pages=50)
    assert visit.custom == {"b": True} and visit.language == "en" and visit.url == "https://s.example/"
    visit = await store.update_visit(chat.id, VisitUpdate(language="de"), T0, keep_pages=50)
    assert visit.custom == {"b": True} and visit.language == "de" and len(visit.pages) == 1
    cleared = await store.update_visit(chat.id, VisitUpdate(custom={}), T0, keep_pages=50)
    assert cleared.custom == {}


async def test_only_the_last_pages_are_kept(store: SqlStore) -> None:
    chat = await a_chat(store)
    for n in range(8):
        visit = await store.update_visit(chat.id, VisitUpdate(url=f"https://s.example/{n}", title=f"P{n}"),
                                         T0 + timedelta(seconds=n), keep_pages=5)
    assert [p.title for p in visit.pages] == ["P3", "P4", "P5", "P6", "P7"]
    assert (await store.visit_of_chat(chat.id)).pages == visit.pages


async def test_chats_keep_their_own_context(store: SqlStore) -> None:
    one, two = await a_chat(store), await a_chat(store)
    await store.update_visit(one.id, VisitUpdate(url="https://s.example/one"), T0, keep_pages=50)
    await store.update_visit(two.id, VisitUpdate(url="https://s.example/two", title="Two"), T0, keep_pages=50)
    visit = await store.visit_of_chat(one.id)
    assert visit.pages == (PageView("https://s.example/one", "", T0),) and visit.title is None


async def test_reports_at_once_each_add_their_page(store: SqlStore) -> None:
    """Two tabs (or nodes) reporting together: no page lost, none twice."""
    chat = await a_chat(store)
    await asyncio.gather(*(store.update_visit(chat.id, VisitUpdate(url=f"https://s.example/{n}"), T0, keep_pages=50)
                           for n in range(6)))
    visit = await store.visit_of_chat(chat.id)
    assert sorted(p.url for p in visit.pages) == [f"https://s.example/{n}" for n in range(6)]
