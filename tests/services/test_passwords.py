"""Password hashing and checking leave the event loop free: argon2 costs
about 0.1 s of CPU per call by design, and on the loop every chat of the
node would wait that long per login attempt."""
from __future__ import annotations

import asyncio

from server.services.auth import hash_password, password_hash_of, password_matches


async def _turns_of_the_loop_during(work) -> tuple[object, int]:
    turns, done = 0, False

    async def count() -> None:
        nonlocal turns
        while not done:
            turns += 1
            await asyncio.sleep(0)

    counter = asyncio.create_task(count())
    result = await work
    done = True
    await counter
    return result, turns


async def test_checking_a_password_lets_the_loop_turn_meanwhile():
    stored = hash_password("correct horse")
    matched, turns = await _turns_of_the_loop_during(password_matches(stored, "wrong horse"))
    assert matched is False
    # On the loop, argon2 would let the counter in at most once or twice.
    assert turns > 20


async def test_hashing_a_password_lets_the_loop_turn_meanwhile():
    stored, turns = await _turns_of_the_loop_during(password_hash_of("correct horse"))
    assert await password_matches(stored, "correct horse")
    assert turns > 20


async def test_an_unknown_account_is_checked_as_slowly_and_never_matches():
    assert await password_matches(None, "anything") is False


async def test_an_account_without_a_password_never_matches_even_the_dummys():
    """An agent added from the dashboard has no password until their link
    is used: an empty hash must not fall back to the dummy one and match
    its (public) password."""
    for empty in (None, ""):
        assert await password_matches(empty, "not-a-password") is False
