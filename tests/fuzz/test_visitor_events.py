"""Every /visitor event, fuzzed by a visitor with a chat of its own, beside
a victim whose record must not change and a normal client whose round trip
stays under a second."""
from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.fuzz.conftest import check_the_normal_client, open_desk
from tests.fuzz.desk import Desk
from tests.fuzz.events import Driver, fuzz_events

ROLL_EVERY = 50  # examples between two hour-long moves of the clock
REFS = ["own_chat", "own_ended_chat", "victim_chat", "probe_chat", "victim_visitor", "victim_ticket", "alice",
        "bob", "nobody"]


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Iterator[Desk]:
    yield from open_desk(tmp_path_factory, "fuzz-visitor")


def visitor_scene(desk: Desk, driver: Driver):
    """Before each example: the fuzzing visitor has an open chat (it may
    have ended the last one) and its latest ended chat is known."""
    async def scene() -> None:
        await driver.ready()
        visitor_id = driver.session["visitor_id"]
        chat = await desk.store.open_chat_of_visitor(visitor_id)
        if chat is None:
            ack = await driver.scene("chat:start", {"text": "a fuzzing visitor"})
            assert ack["ok"], ack
            desk.ids["own_chat"] = ack["chat"]["id"]
        else:
            desk.ids["own_chat"] = chat.id
        ended = await desk.store.ended_chats_of_visitor(visitor_id, 1)
        if ended:
            desk.ids["own_ended_chat"] = ended[0].id

    def prepare() -> None:
        if desk.examples and desk.examples % ROLL_EVERY == 0:
            desk.roll()
        desk.run(scene())
    return prepare


def test_every_visitor_event_keeps_its_promises(desk):
    token = secrets.token_urlsafe(24)  # shaped like the server's: the same visitor after a reconnect
    driver = Driver(desk, "/visitor", lambda: {"site": desk.harness.site.key, "token": token})
    fuzz_events(desk, driver, REFS, visitor_scene(desk, driver))
    check_the_normal_client(desk)
