"""How long an account's next console login must wait after failures.

Pure: the failures counted (their instants, from the live state's rate
window) and `now` in, seconds out. The first `free` failures cost nothing
(typos); each one after doubles the wait, counted from the latest failure,
up to `cap_s`. An attempt made while waiting is refused without checking
the password and is not counted, so a guesser cannot push the wait past
`cap_s`, and a success (or an hour without failures: the window) ends it.
Nothing here ever locks an account for good.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Backoff:
    free: int = 5  # failures that cost no wait
    base_s: float = 1.0  # the wait after the first failure beyond `free`
    cap_s: float = 300.0  # the longest wait
    window_s: float = 3600.0  # failures older than this are forgotten


def wait_s(failures: Sequence[datetime], now: datetime, backoff: Backoff = Backoff()) -> float:
    """Seconds from `now` until the next attempt may be checked (0: now).
    `failures` are the account's failures within the window, oldest first."""
    beyond = len(failures) - backoff.free
    if beyond <= 0:
        return 0.0
    wait = min(backoff.base_s * 2 ** (beyond - 1), backoff.cap_s)
    return max(0.0, wait - (now - failures[-1]).total_seconds())
