"""Figures per agent and per desk-local day, and for a whole window, from
what the store read (`Store.report_facts`). The live metrics, the REST
reports and /metrics all count through here.

Each figure counts on the desk-local day it happened, and when several
agents handled a chat:
- chats handled: every agent who got the chat, on the day they got it;
- a first response or a response gap: the agent who wrote the answer, on
  the day of the answer (a wait still open is not counted, but its breach is);
- SLA breaches: the agent holding the chat when the breach fired (none
  while it was queued), on that day;
- handle time (first assignment to end), conversion and abandonment: the
  agent holding the chat when it ended (none if it ended in the queue), on
  the day it ended;
- a survey (excluded ones left out): every agent who handled the chat, on
  the day it was submitted.
Totals count each chat and survey once, including what no agent holds (a
chat abandoned in the queue), so they are not the sum of the rows.
"""
from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from ..config import PolicyConfig
from ..policy.figures import (Answer, answers, day_start, local_day, mean, median, p90, satisfied_pct, seconds,
                              within_pct)
from .errors import BadRequest, NotFound
from .facts import Handled, Rating, ReportFacts
from .model import Chat, EndReason, SlaEvent, Tag
from .ports import Store

F = TypeVar("F")

MAX_DAYS = 366


@dataclasses.dataclass
class Tally:
    """What one agent on one day (or a whole scope) adds up to."""

    chats: set[str] = dataclasses.field(default_factory=set)
    first_waits: list[float] = dataclasses.field(default_factory=list)  # seconds
    gap_waits: list[float] = dataclasses.field(default_factory=list)
    handle_s: list[float] = dataclasses.field(default_factory=list)
    breaches: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    converted: int = 0
    abandoned: int = 0
    ratings: list[int] = dataclasses.field(default_factory=list)

    def handled(self, handled: Handled) -> None:
        self.chats.add(handled.chat_id)

    def answered(self, answer: Answer) -> None:
        (self.first_waits if answer.first else self.gap_waits).append(answer.waited_s)

    def ended(self, chat: Chat) -> None:
        if chat.assigned_at is not None and chat.ended_at is not None:
            self.handle_s.append(seconds(chat.assigned_at, chat.ended_at))
        self.converted += chat.end_reason == EndReason.CONVERTED
        self.abandoned += chat.end_reason == EndReason.ABANDONED

    def breached(self, event: SlaEvent) -> None:
        self.breaches[event.kind] += 1

    def rated(self, rating: Rating) -> None:
        self.ratings.append(rating.rating)


class Ledger:
    """Tallies per (desk-local day, agent), and the total of the scope: the
    whole desk, or one agent when `agent_id` is given."""

    def __init__(self, tz: tzinfo, agent_id: str | None = None) -> None:
        self._tz = tz
        self._agent_id = agent_id
        self.rows: dict[tuple[date, str], Tally] = collections.defaultdict(Tally)
        self.total = Tally()

    def add(self, at: datetime, agents: Iterable[str | None], count: Callable[[Tally, F], None], fact: F) -> None:
        """`count(tally, fact)` on the row of each agent credited and on the total."""
        credited = [a for a in agents if a is not None and self._agent_id in (None, a)]
        if self._agent_id is not None and not credited:
            return
        for tally in [self.rows[(local_day(at, self._tz), a)] for a in credited] + [self.total]:
            count(tally, fact)


def ledger(facts: ReportFacts, since: datetime | None, until: datetime, tz: tzinfo,
           agent_id: str | None = None) -> Ledger:
    book = Ledger(tz, agent_id)
    for handled in facts.handled:
        book.add(handled.at, [handled.agent_id], Tally.handled, handled)
    for conversation in facts.conversations:
        for answer in answers(conversation.started_at, conversation.messages):
            if (since is None or since <= answer.at) and answer.at < until:  # earlier ones counted before
                book.add(answer.at, [answer.agent_id], Tally.answered, answer)
    for chat in facts.ended:
        book.add(chat.ended_at, [chat.agent_id], Tally.ended, chat)
    for event in facts.breaches:
        book.add(event.at, [event.agent_id], Tally.breached, event)
    for rating in facts.ratings:
        book.add(rating.at, rating.agent_ids, Tally.rated, rating)
    return book


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def figures(tally: Tally, policy: PolicyConfig) -> dict[str, Any]:
    """The figures of a tally: seconds and percents to 0.1, the CSAT average
    to 0.01, None where there is nothing to measure."""
    first, gaps, handle, ratings = tally.first_waits, tally.gap_waits, tally.handle_s, tally.ratings
    return {
        "chats": len(tally.chats),
        "first_response": {"count": len(first), "median_s": _r(median(first)), "p90_s": _r(p90(first)),
                           "within_pct": _r(within_pct(first, policy.first_response_s)),
                           "breaches": tally.breaches["first_response"]},
        "response_gap": {"count": len(gaps), "median_s": _r(median(gaps)), "p90_s": _r(p90(gaps)),
                         "breaches": tally.breaches["response_gap"]},
        "handle": {"count": len(handle), "median_s": _r(median(handle)), "mean_s": _r(mean(handle))},
        "converted": tally.converted,
        "abandoned": tally.abandoned,
        "csat": {"pct": _r(satisfied_pct(ratings)), "average": _r(mean(ratings), 2), "count": len(ratings)},
    }


def flat(nested: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"csat": {"pct": 50.0}} -> {"csat_pct": 50.0}: one column a figure."""
    found: dict[str, Any] = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            found |= flat(value, f"{prefix}{key}_")
        else:
            found[f"{prefix}{key}"] = value
    return found


@dataclasses.dataclass(frozen=True)
class Report:
    first: date
    last: date
    rows: list[dict[str, Any]]  # {"day", "agent_id", "agent_name", figure columns}, by day then name
    totals: dict[str, Any]  # the figure columns
    tag: Tag | None = None  # the chats counted carry it; None: every chat

    @property
    def columns(self) -> list[str]:
        return ["day", "agent_id", "agent_name", "tags", *self.totals]

    def csv_rows(self) -> list[dict[str, Any]]:
        """The rows, each naming the tag its chats carry ("" for all chats):
        a file read later still says what it counted."""
        return [row | {"tags": self.tag.name if self.tag else ""} for row in self.rows]


class Reports:
    def __init__(self, store: Store, tz: tzinfo, policy: PolicyConfig) -> None:
        self._store = store
        self._tz = tz
        self._policy = policy

    async def window(self, since: datetime | None, until: datetime, agent_id: str | None = None,
                     tag_id: str | None = None) -> Ledger:
        return ledger(await self._store.report_facts(since, until, tag_id), since, until, self._tz, agent_id)

    async def day(self, day: date) -> dict[str, Any]:
        """The desk's figures of one desk-local day (nested)."""
        book = await self.window(day_start(day, self._tz), day_start(day + timedelta(days=1), self._tz))
        return figures(book.total, self._policy)

    async def report(self, first: date, last: date, agent_id: str | None = None,
                     tag_id: str | None = None) -> Report:
        """Rows per desk-local day and agent from `first` to `last` (both
        included, at most MAX_DAYS days), and the totals of the scope; with
        `tag_id`, of the chats carrying that tag (archived or not) only.
        Raises BadRequest for a bad range, NotFound for an unknown agent or tag."""
        if not first <= last < first + timedelta(days=MAX_DAYS):
            raise BadRequest(f"from must be on or before to, and at most {MAX_DAYS} days before it")
        names = {a.id: a.name for a in await self._store.list_agents()}
        if agent_id is not None and agent_id not in names:
            raise NotFound("no such agent")
        tag = await self._store.tag_by_id(tag_id) if tag_id is not None else None
        if tag_id is not None and tag is None:
            raise NotFound("no such tag")
        book = await self.window(day_start(first, self._tz), day_start(last + timedelta(days=1), self._tz),
                                 agent_id, tag_id)
        rows = [{"day": day.isoformat(), "agent_id": who, "agent_name": names.get(who, ""),
                 **flat(figures(tally, self._policy))} for (day, who), tally in book.rows.items()]
        rows.sort(key=lambda row: (row["day"], row["agent_name"], row["agent_id"]))
        return Report(first, last, rows, flat(figures(book.total, self._policy)), tag)
