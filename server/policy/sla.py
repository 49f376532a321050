"""The chat SLA clocks: first response, response gap, and chat duration.

Pure: no I/O, no clock. Instants are timezone-aware datetimes (UTC by
convention); limits are whole seconds of wall-clock time (chats run 24/7
once started, so business hours play no part here).

Clocks and their deadlines (limits from `[policy]`, see `SlaLimits`):
- first_response: from `started_at` until the first agent reply;
  warning at `first_response_warn_s`, breach at `first_response_s`.
- response_gap: from the oldest visitor message not yet followed by an agent
  reply, once the agent has replied at least once (before that the wait is
  the first-response clock's, so one wait never raises two alerts);
  warning at `response_gap_warn_s`, breach at `response_gap_s`.
- duration: from `assigned_at`; warning at `duration_warn_s`, convert (the
  chat becomes a ticket) at `duration_convert_s`.
System messages and internal notes never count as agent replies.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

Kind = Literal["first_response", "response_gap", "duration"]
KINDS: tuple[Kind, ...] = ("first_response", "response_gap", "duration")
Stage = Literal["warning", "breach", "convert"]
State = Literal["running", "stopped", "met"]
Level = Literal["ok", "warning", "breached"]
Fired = tuple[str, str, datetime]  # (kind, stage, the clock's start): one stage of one wait, recorded
Author = Literal["visitor", "agent", "system", "note"]
_AUTHORS: frozenset[str] = frozenset(("visitor", "agent", "system", "note"))


@dataclass(frozen=True)
class SlaLimits:
    """The `[policy]` SLA limits, in seconds. Raises ValueError unless each
    warning is positive and strictly before its limit."""

    first_response_s: int = 60
    first_response_warn_s: int = 45
    response_gap_s: int = 120
    response_gap_warn_s: int = 90
    duration_warn_s: int = 900
    duration_convert_s: int = 1200

    def __post_init__(self) -> None:
        pairs = (
            ("first_response", self.first_response_warn_s, self.first_response_s),
            ("response_gap", self.response_gap_warn_s, self.response_gap_s),
            ("duration", self.duration_warn_s, self.duration_convert_s),
        )
        for name, warn, limit in pairs:
            if not 0 < warn < limit:
                raise ValueError(f"{name}: need 0 < warning ({warn} s) < limit ({limit} s)")


@dataclass(frozen=True)
class ChatTimeline:
    """What the SLA clocks need to know about one chat (aware instants).

    `oldest_unanswered_visitor_at` is the earliest visitor message not yet
    followed by an agent message (system messages and notes are not replies);
    None when every visitor message has been answered. `last_gap` is the
    latest response gap an agent answered: (its start, the answer). Build it
    from the messages with `timeline()`, or move it on with `advance()`.
    """

    started_at: datetime
    assigned_at: datetime | None = None
    first_agent_reply_at: datetime | None = None
    oldest_unanswered_visitor_at: datetime | None = None
    last_gap: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class Deadline:
    """One stage of one clock: at `at` (aware), the chat reaches `stage` of `kind`.

    `limit_s` is the clock's limit in seconds (its breach or convert point)
    for every stage, so a warning can tell the time left: `limit_s - elapsed`.
    `since` is the instant the clock started (what makes one wait one clock).
    """

    kind: Kind
    stage: Stage
    at: datetime
    limit_s: int
    since: datetime | None = field(default=None, compare=False)  # when the clock started


@dataclass(frozen=True)
class MessageMark:
    """A message as the clocks see it: when (aware) and who wrote it.

    `author` is "visitor", "agent", "system" or "note" (an agent's internal
    note); `author_id` is the agent or visitor (the figures credit answers
    to it; the clocks do not need it). Raises ValueError for any other author.
    """

    at: datetime
    author: Author
    author_id: str | None = None

    def __post_init__(self) -> None:
        if self.author not in _AUTHORS:
            raise ValueError(f'unknown message author "{self.author}" (expected one of {sorted(_AUTHORS)})')


def timeline(started_at: datetime, assigned_at: datetime | None, messages: Iterable[MessageMark]) -> ChatTimeline:
    """The timeline of a chat from its messages, given in chat order (by seq).

    Only "agent" messages answer; "system" and "note" messages are ignored.
    """
    chat = ChatTimeline(started_at, assigned_at)
    for message in messages:
        chat = advance(chat, message)
    return chat


def advance(chat: ChatTimeline, message: MessageMark) -> ChatTimeline:
    """The timeline once `message`, the next in chat order, is stored: an
    agent reply answers whatever waits (the first response, or a response
    gap once there was one); a visitor message with nothing waiting starts
    a wait. Returns `chat` itself when nothing changes."""
    if message.author == "agent":
        waiting = chat.oldest_unanswered_visitor_at
        if chat.first_agent_reply_at is None:
            return replace(chat, first_agent_reply_at=message.at, oldest_unanswered_visitor_at=None)
        if waiting is None:
            return chat
        return replace(chat, oldest_unanswered_visitor_at=None, last_gap=(waiting, message.at))
    if message.author == "visitor" and chat.oldest_unanswered_visitor_at is None:
        return replace(chat, oldest_unanswered_visitor_at=message.at)
    return chat


def deadlines(chat: ChatTimeline, limits: SlaLimits) -> list[Deadline]:
    """Every deadline of the chat's running clocks, past or future, sorted by
    (at, kind). A clock that has stopped (first response given, nothing
    unanswered, not assigned) has none."""
    found: list[Deadline] = []
    if chat.first_agent_reply_at is None:
        found += _clock("first_response", chat.started_at, limits.first_response_warn_s, limits.first_response_s)
    elif chat.oldest_unanswered_visitor_at is not None:
        waiting_since = chat.oldest_unanswered_visitor_at
        found += _clock("response_gap", waiting_since, limits.response_gap_warn_s, limits.response_gap_s)
    if chat.assigned_at is not None:
        found += _clock("duration", chat.assigned_at, limits.duration_warn_s, limits.duration_convert_s, last="convert")
    return sorted(found, key=lambda d: (d.at, d.kind))


def due(chat: ChatTimeline, limits: SlaLimits, now: datetime) -> list[Deadline]:
    """The deadlines reached at `now` (aware): those with `at <= now`, in order."""
    return [d for d in deadlines(chat, limits) if d.at <= now]


def elapsed_s(since: datetime, now: datetime) -> int:
    """Whole seconds from `since` to `now` (both aware), rounded down; 0 if
    `now` is before `since` (clocks of two nodes may disagree slightly)."""
    return max(0, int((now - since).total_seconds()))


def _clock(kind: Kind, start: datetime, warn_s: int, limit_s: int, last: Stage = "breach") -> list[Deadline]:
    """The warning and final deadlines of a clock started at `start`."""
    return [
        Deadline(kind, "warning", start + timedelta(seconds=warn_s), limit_s, start),
        Deadline(kind, last, start + timedelta(seconds=limit_s), limit_s, start),
    ]


@dataclass(frozen=True)
class ClockState:
    """One clock of one chat as the desk has it: what a console shows.

    `state`: "running" (a wait is being timed), "met" (its last wait was
    answered: `answered_at`), "stopped" (nothing timed: no response gap
    before the first answer or while nothing waits, no duration before the
    assignment). `started_at`, `warn_at` and `deadline` (the breach, or the
    conversion for duration) are of the current or last wait; None when the
    clock never started. `stage` is the furthest stage recorded as fired for
    that wait ("breached" for a breach or a conversion): the desk's record,
    which a stage due but not fired yet has not reached.
    """

    kind: Kind
    state: State
    limit_s: int
    stage: Level = "ok"
    started_at: datetime | None = None
    warn_at: datetime | None = None
    deadline: datetime | None = None
    answered_at: datetime | None = None


def clock_states(chat: ChatTimeline, limits: SlaLimits, fired: Collection[Fired]) -> dict[Kind, ClockState]:
    """The three clocks of a chat, by kind (in `KINDS` order), given the
    stages recorded as fired ((kind, stage, clock start) triples)."""
    first = _state("first_response", chat.started_at, limits.first_response_warn_s, limits.first_response_s,
                   fired, answered_at=chat.first_agent_reply_at)
    if chat.first_agent_reply_at is not None and chat.oldest_unanswered_visitor_at is not None:
        gap = _state("response_gap", chat.oldest_unanswered_visitor_at, limits.response_gap_warn_s,
                     limits.response_gap_s, fired)
    elif chat.last_gap is not None:
        gap = _state("response_gap", chat.last_gap[0], limits.response_gap_warn_s, limits.response_gap_s,
                     fired, answered_at=chat.last_gap[1])
    else:
        gap = ClockState("response_gap", "stopped", limits.response_gap_s)
    if chat.assigned_at is not None:
        duration = _state("duration", chat.assigned_at, limits.duration_warn_s, limits.duration_convert_s, fired)
    else:
        duration = ClockState("duration", "stopped", limits.duration_convert_s)
    return {"first_response": first, "response_gap": gap, "duration": duration}


def _state(kind: Kind, start: datetime, warn_s: int, limit_s: int, fired: Collection[Fired], *,
           answered_at: datetime | None = None) -> ClockState:
    if (kind, "breach", start) in fired or (kind, "convert", start) in fired:
        stage: Level = "breached"
    elif (kind, "warning", start) in fired:
        stage = "warning"
    else:
        stage = "ok"
    return ClockState(kind, "met" if answered_at is not None else "running", limit_s, stage, start,
                      start + timedelta(seconds=warn_s), start + timedelta(seconds=limit_s), answered_at)
