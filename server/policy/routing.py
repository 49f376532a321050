"""The routing choice: which agent takes a chat, and the order of the waiting queue.

Pure: candidates are a snapshot built by the service, no I/O, no clock.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class Candidate:
    """An agent as routing sees it at one instant.

    `load` is the number of chats the agent holds now, `capacity` the most it
    may hold at once (0: it takes no chats, a lead who only watches); `idle_since` (aware) is when it last had no chat or last
    took one, whichever the service tracks; `on_shift` is the calendar's
    answer for now; `available` is the agent's own status; `tier` is 1-3;
    `on_call` agents take critical chats when off shift too; `available`
    is the agent's status and its connection: available and connected.
    """

    agent_id: str
    load: int
    capacity: int
    idle_since: datetime
    on_shift: bool
    available: bool
    tier: int = 1
    skills: frozenset[str] = frozenset()
    on_call: bool = False


def can_take(candidate: Candidate, skill: str | None = None, *, min_tier: int = 1, critical: bool = False) -> bool:
    """On shift (or on call, for a `critical` chat), available, below
    capacity, at `min_tier` or above, and holding `skill` if one is asked
    (exact match; None asks for none)."""
    return (
        (candidate.on_shift or (critical and candidate.on_call))
        and candidate.available
        and candidate.load < candidate.capacity
        and candidate.tier >= min_tier
        and (skill is None or skill in candidate.skills)
    )


def pick_agent(
    candidates: Iterable[Candidate], skill: str | None = None, *, min_tier: int = 1, critical: bool = False
) -> Candidate | None:
    """The agent who takes the next chat, or None if nobody can (see `can_take`).

    Among those who can: the lowest tier (the first line answers first and
    higher tiers stay free for escalations; a higher tier takes chats only
    when every lower one is full or away), then the fewest chats held
    (absolute load, not a share of capacity), then the longest idle (earliest
    `idle_since`), then `agent_id`, so the same snapshot always gives the
    same agent.
    """
    eligible = [c for c in candidates if can_take(c, skill, min_tier=min_tier, critical=critical)]
    return min(eligible, key=_routing_rank, default=None)


def _routing_rank(candidate: Candidate) -> tuple[int, int, datetime, str]:
    return (candidate.tier, candidate.load, candidate.idle_since, candidate.agent_id)


def queue_order_key(
    priority_rank: int, front: bool, enqueued_at: datetime, priority_support: bool = False
) -> tuple[int, int, int, datetime]:
    """Sort key of a waiting chat: smaller goes first.

    Chats put back at the front (re-queued after an agent dropped them or
    transferred to a tier or skill) come before all others; then by
    `priority_rank` (0 = critical, 1 = high, ...); within a priority, chats
    from plans with priority support first; then by arrival (`enqueued_at`,
    aware).
    """
    return (0 if front else 1, priority_rank, 0 if priority_support else 1, enqueued_at)


def skill_in_force(skill: str | None, fallback_at: datetime | None, now: datetime) -> str | None:
    """The skill a waiting chat still asks for at `now` (aware): `skill`
    until `fallback_at`, then none, so any adequate agent takes it (the
    desk's `skill_fallback_s`, like Zendesk's max wait time)."""
    if skill is None or (fallback_at is not None and now >= fallback_at):
        return None
    return skill


WaitReason = Literal["nobody_on_shift", "needs_tier", "needs_skill", "skill_busy", "nobody_available", "all_busy",
                     "next"]


@dataclass(frozen=True)
class Wait:
    """Why a chat waits, for the lead's queue.

    `reason`: "nobody_on_shift" (nobody on shift, or on call for a critical
    chat, takes chats), "needs_tier" (nobody on shift is of `min_tier` or
    above), "needs_skill" (nobody on shift has `skill`), "skill_busy" (those
    who have it are busy, away or offline), "nobody_available" (those on shift
    are away or offline), "all_busy" (those available are full), "next"
    (someone can take it: it goes at the next routing pass). `skill` and
    `fallback_at` are set while a skill is asked for: the instant it stops
    being asked (None: it never stops).
    """

    reason: WaitReason
    min_tier: int = 1
    skill: str | None = None
    fallback_at: datetime | None = None


def why_waiting(candidates: Iterable[Candidate], skill: str | None, *, now: datetime, min_tier: int = 1,
                critical: bool = False, fallback_at: datetime | None = None) -> Wait:
    """Why a chat that asks for `skill` (None: any) and `min_tier` is not
    assigned at `now`, given every agent (connected or not) as a candidate."""
    asked = skill_in_force(skill, fallback_at, now)
    wait = Wait("next", min_tier, asked, fallback_at if asked else None)
    working = [c for c in candidates if (c.on_shift or (critical and c.on_call)) and c.capacity > 0]
    if not working:
        return _because(wait, "nobody_on_shift")
    working = [c for c in working if c.tier >= min_tier]
    if not working:
        return _because(wait, "needs_tier")
    if asked is not None:
        working = [c for c in working if asked in c.skills]
        if not working:
            return _because(wait, "needs_skill")
        if not any(c.available and c.load < c.capacity for c in working):
            return _because(wait, "skill_busy")
        return wait
    available = [c for c in working if c.available]
    if not available:
        return _because(wait, "nobody_available")
    if not any(c.load < c.capacity for c in available):
        return _because(wait, "all_busy")
    return wait


def _because(wait: Wait, reason: WaitReason) -> Wait:
    return Wait(reason, wait.min_tier, wait.skill, wait.fallback_at)
