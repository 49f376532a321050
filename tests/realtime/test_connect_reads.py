"""What a visitor's connect reads. A visitor that brings no token gets one
made for it there and then: nothing stored can name it yet, so its connect
looks up no chat, survey or suspension (bench/idle.py: these reads were a
large part of a connect's cost). A visitor that brings a token, known or
not, is still looked up: its open chat and a survey waiting; whether it is
suspended is asked of the node's memory copy, never of the store per
connect (services/keptout.py). Connects to one site at the same moment share
one read of it."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses

import pytest

from server.services.errors import Refused
from server.services.tokens import new_token

LOOKUPS = ("open_chat_of_visitor", "unrated_chat", "active_suspension")


@contextlib.contextmanager
def counted(store):
    """Counts the store's calls of LOOKUPS (the real reads still run)."""
    calls = {name: 0 for name in LOOKUPS}

    def wrap(name):
        real = getattr(store, name)

        async def read(*args, **kwargs):
            calls[name] += 1
            return await real(*args, **kwargs)
        return read

    for name in LOOKUPS:
        setattr(store, name, wrap(name))
    try:
        yield calls
    finally:
        for name in LOOKUPS:
            delattr(store, name)


async def test_a_visitor_without_a_token_is_looked_up_nowhere(harness):
    with counted(harness.store) as calls:
        visitor = await harness.visitor()
        session = await visitor.next("session")
    assert calls == {name: 0 for name in LOOKUPS}
    assert session["visitor_token"] and "chat" not in session and "survey" not in session
    assert session["online"] is False and "next_open" in session


async def test_a_visitor_with_a_token_is_looked_up(harness):
    with counted(harness.store) as calls:
        first = await harness.visitor(token=new_token())  # shaped like ours, never stored
        await first.next("session")
    assert calls == {"open_chat_of_visitor": 1, "unrated_chat": 1, "active_suspension": 0}


async def test_a_new_visitor_can_chat_and_finds_its_chat_after_a_reload(harness):
    _, token = await harness.add_agent()
    await harness.agent(token)
    visitor = await harness.visitor()
    session = await visitor.next("session")
    chat = (await visitor.call("chat:start", {"text": "hi"}))["chat"]
    await visitor.close()
    with counted(harness.store) as calls:
        back = await harness.visitor(token=session["visitor_token"])
        again = await back.next("session")
    assert again["visitor_id"] == session["visitor_id"] and again["chat"]["id"] == chat["id"]
    assert calls["open_chat_of_visitor"] >= 1 and calls["active_suspension"] == 0  # (the first close reads too)


async def test_connects_to_one_site_at_once_share_its_read_and_keep_none(harness):
    auth, store = harness.services.auth, harness.store
    reads = 0
    site_by_key = store.site_by_key

    async def counted(key):  # the real read, counted
        nonlocal reads
        reads += 1
        return await site_by_key(key)

    store.site_by_key = counted
    try:
        logins = await asyncio.gather(*(auth.visitor(harness.site.key, None, None, None) for _ in range(20)))
        assert reads == 1 and {login.site.id for login in logins} == {harness.site.id}
        assert auth._site_reads == {}  # nothing kept once it landed

        await store.save_site(dataclasses.replace(harness.site, origins=("https://shop.example",)))
        with pytest.raises(Refused) as refused:  # the next connect reads again, and sees the change
            await auth.visitor(harness.site.key, None, None, "https://elsewhere.example")
        assert refused.value.code == "origin_not_allowed" and reads == 2
    finally:
        del store.site_by_key
