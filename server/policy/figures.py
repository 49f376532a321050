"""The desk's figures: first responses and response gaps read from a chat's
messages, and the statistics the dashboard, the reports and /metrics show.

Pure: no I/O, no clock. Instants are timezone-aware datetimes; waits are
seconds (floats). The answering rules are `policy.sla`'s, so a figure and a
clock never disagree: only agent messages that are not notes answer; system
messages and notes never do; the first answer ends the first-response wait
(from the chat's start), and after it every answer ends the wait of the
oldest visitor message not yet answered (a response gap).
"""
from __future__ import annotations

import bisect
import enum
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo

from .sla import MessageMark


@dataclass(frozen=True)
class Answer:
    """An agent message that ended a wait: the first response (`first`) or
    a response gap. `waited_s` runs from the chat's start (first response)
    or from the oldest unanswered visitor message (gap) to `at`."""

    at: datetime
    agent_id: str | None
    waited_s: float
    first: bool


def answers(started_at: datetime, messages: Iterable[MessageMark]) -> list[Answer]:
    """Every answer of a chat, from its messages in chat order (by seq). A
    wait still open at the end (no answer yet) is not an answer."""
    found: list[Answer] = []
    waiting: datetime | None = None  # the oldest visitor message not answered, once answered before
    for message in messages:
        if message.author == "agent":
            since = waiting if found else started_at
            if since is not None:
                found.append(Answer(message.at, message.author_id, seconds(since, message.at), not found))
            waiting = None
        elif message.author == "visitor" and waiting is None:
            waiting = message.at
    return found


def local_day(at: datetime, tz: tzinfo) -> date:
    """The desk-local calendar day of an aware instant."""
    return at.astimezone(tz).date()


def day_start(day: date, tz: tzinfo) -> datetime:
    """The UTC instant a desk-local day begins (its midnight); a day is 23
    or 25 hours long where daylight saving time changes."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def seconds(since: datetime, until: datetime) -> float:
    """Seconds from `since` to `until`; 0 if `until` is earlier (two nodes' clocks)."""
    return max(0.0, (until - since).total_seconds())


# statistics over lists of seconds; None where there is nothing to measure

def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value that at least
    90% of the values do not exceed (always one of the values)."""
    if not values:
        return None
    return sorted(values)[math.ceil(0.9 * len(values)) - 1]


def mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def share_pct(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent."""
    return 100.0 * part / whole if whole else None


def within_pct(values: Sequence[float], limit_s: float) -> float | None:
    """The share of waits of at most `limit_s`, in percent."""
    return share_pct(sum(1 for v in values if v <= limit_s), len(values))


def satisfied_pct(ratings: Sequence[int]) -> float | None:
    """The share of ratings of 4 or 5 (of 1-5), in percent."""
    return share_pct(sum(1 for r in ratings if r >= 4), len(ratings))


# histograms (Prometheus buckets: a value falls in every bucket whose bound it does not exceed)

@dataclass(frozen=True)
class Histogram:
    """Counts of values per bucket: `counts[i]` those above `bounds[i-1]` and
    at most `bounds[i]`; the last count is above every bound."""

    bounds: tuple[float, ...]
    counts: tuple[int, ...]
    total: float  # the sum of the values

    def __add__(self, other: Histogram) -> Histogram:
        if other.bounds != self.bounds:
            raise ValueError("histograms of different buckets do not add")
        return Histogram(self.bounds, tuple(a + b for a, b in zip(self.counts, other.counts)),
                         self.total + other.total)

    @property
    def count(self) -> int:
        return sum(self.counts)

    def cumulative(self) -> list[tuple[float, int]]:
        """(bound, values at most it), the last bound being infinity."""
        running, found = 0, []
        for bound, count in zip((*self.bounds, math.inf), self.counts):
            running += count
            found.append((bound, running))
        return found


def histogram(values: Iterable[float], bounds: Iterable[float]) -> Histogram:
    """Raises ValueError for bounds that are not positive or repeat."""
    ordered = tuple(sorted(bounds))
    if any(b <= 0 for b in ordered) or len(set(ordered)) != len(ordered):
        raise ValueError(f"bucket bounds must be positive and distinct: {ordered}")
    counts, total = [0] * (len(ordered) + 1), 0.0
    for value in values:
        counts[bisect.bisect_left(ordered, value)] += 1
        total += value
    return Histogram(ordered, tuple(counts), total)


# agents

class AgentState(enum.StrEnum):
    """What the dashboard counts an agent as. BUSY: holding at least one
    chat (an agent whose shift ended keeps its chats, so it counts too).
    On shift without a chat: AVAILABLE when connected with status
    available, else AWAY (status away, or not connected)."""

    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"


def agent_state(*, on_shift: bool, connected: bool, available: bool, chats: int) -> AgentState | None:
    """None: off shift with no chat (not counted)."""
    if chats > 0:
        return AgentState.BUSY
    if not on_shift:
        return None
    return AgentState.AVAILABLE if connected and available else AgentState.AWAY
