"""Routing: who takes the next chat, and the order of the waiting queue."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from server.policy.routing import Candidate, Wait, can_take, pick_agent, queue_order_key, skill_in_force, why_waiting

T0 = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def agent(agent_id: str, load: int = 0, idle_min: int = 0, **fields: object) -> Candidate:
    """An on-shift, available agent with room for 3 chats, idle for `idle_min` minutes."""
    base = Candidate(
        agent_id=agent_id,
        load=load,
        capacity=3,
        idle_since=T0 - timedelta(minutes=idle_min),
        on_shift=True,
        available=True,
    )
    return replace(base, **fields)


@pytest.mark.parametrize(
    ("candidates", "skill", "expected"),
    [
        pytest.param([agent("a", load=2), agent("b", load=1), agent("c", load=2)], None, "b", id="least_loaded_first"),
        pytest.param(
            [agent("a", load=1, idle_min=5), agent("b", load=1, idle_min=30)], None, "b", id="longest_idle_breaks_a_tie"
        ),
        pytest.param(
            [agent("a", load=0, idle_min=1), agent("b", load=1, idle_min=60)], None, "a", id="load_beats_idle_time"
        ),
        pytest.param(
            [agent("a", capacity=10, load=2), agent("b", capacity=2, load=1)], None, "b", id="absolute_load_not_share"
        ),
        pytest.param([agent("a", tier=2), agent("b", tier=1)], None, "b", id="lowest_tier_breaks_a_tie"),
        pytest.param([agent("a", tier=2), agent("b", tier=1, load=2)], None, "b", id="lowest_tier_before_load"),
        pytest.param([agent("a", tier=2), agent("b", tier=1, load=3)], None, "a", id="next_tier_when_first_is_full"),
        pytest.param(
            [agent("a", tier=1, available=False), agent("b", tier=3, load=2)], None, "b", id="tier_fallback_skips_away"
        ),
        pytest.param([agent("b"), agent("a")], None, "a", id="agent_id_breaks_a_full_tie"),
        pytest.param([agent("a", load=3), agent("b", load=2)], None, "b", id="full_agent_is_skipped"),
        pytest.param([agent("a", on_shift=False, on_call=True)], None, None, id="on_call_takes_no_ordinary_chat"),
        pytest.param([agent("a", load=3), agent("b", load=4)], None, None, id="everyone_full_is_none"),
        pytest.param([agent("a", capacity=0)], None, None, id="zero_capacity_takes_nothing"),
        pytest.param([agent("a", available=False), agent("b", load=2)], None, "b", id="away_agent_is_skipped"),
        pytest.param([agent("a", on_shift=False), agent("b", load=2)], None, "b", id="off_shift_agent_is_skipped"),
        pytest.param(
            [agent("a", on_shift=False), agent("b", available=False)], None, None, id="nobody_on_shift_and_available"
        ),
        pytest.param([], None, None, id="no_agents"),
        pytest.param(
            [agent("a"), agent("b", load=2, skills=frozenset({"billing", "network"}))],
            "billing",
            "b",
            id="skill_filter_over_load",
        ),
        pytest.param([agent("a", skills=frozenset({"network"}))], "billing", None, id="nobody_with_the_skill"),
        pytest.param(
            [agent("a", skills=frozenset({"billing"})), agent("b")], None, "a", id="no_skill_asked_anyone_goes"
        ),
        pytest.param(
            [agent("a", load=3, skills=frozenset({"billing"})), agent("b", skills=frozenset({"billing"}), tier=3)],
            "billing",
            "b",
            id="skilled_but_full_is_skipped",
        ),
    ],
)
def test_pick_agent(candidates: list[Candidate], skill: str | None, expected: str | None) -> None:
    chosen = pick_agent(candidates, skill)
    assert (chosen.agent_id if chosen else None) == expected
    # The choice depends on the snapshot, not on the order it comes in.
    reverse = pick_agent(reversed(candidates), skill)
    assert (reverse.agent_id if reverse else None) == expected


@pytest.mark.parametrize(
    ("candidates", "need", "expected"),
    [
        pytest.param([agent("a", tier=1), agent("b", tier=2, load=2)], {"min_tier": 2}, "b", id="min_tier_skips_lower"),
        pytest.param([agent("a", tier=2), agent("b", tier=3)], {"min_tier": 2}, "a", id="lowest_adequate_tier"),
        pytest.param([agent("a", tier=3, load=3)], {"min_tier": 2}, None, id="no_adequate_tier_with_room"),
        pytest.param(
            [agent("a", on_shift=False, on_call=True), agent("b", on_shift=False)],
            {"critical": True},
            "a",
            id="critical_to_on_call_off_shift",
        ),
        pytest.param(
            [agent("a", on_shift=False, on_call=True, available=False)],
            {"critical": True},
            None,
            id="on_call_must_be_available",
        ),
        pytest.param(
            [agent("a", on_shift=False, on_call=True, load=1), agent("b")], {"critical": True}, "b",
            id="on_shift_and_on_call_both_take_critical",
        ),
        pytest.param(
            [agent("a", skills=frozenset({"billing"}), tier=2), agent("b", skills=frozenset({"billing"}), tier=1)],
            {"skill": "billing", "min_tier": 1},
            "b",
            id="skill_then_lowest_tier",
        ),
    ],
)
def test_pick_agent_with_needs(candidates: list[Candidate], need: dict, expected: str | None) -> None:
    skill = need.pop("skill", None)
    chosen = pick_agent(candidates, skill, **need)
    assert (chosen.agent_id if chosen else None) == expected


def test_pick_agent_accepts_a_generator() -> None:
    chosen = pick_agent(agent(name, load=n) for n, name in enumerate("cba"))
    assert chosen is not None and chosen.agent_id == "c"


@pytest.mark.parametrize(
    ("fields", "skill", "expected"),
    [
        pytest.param({}, None, True, id="room_on_shift_available"),
        pytest.param({"load": 2}, None, True, id="one_slot_left"),
        pytest.param({"load": 3}, None, False, id="at_capacity"),
        pytest.param({"available": False}, None, False, id="away"),
        pytest.param({"on_shift": False}, None, False, id="off_shift"),
        pytest.param({"skills": frozenset({"billing"})}, "billing", True, id="has_skill"),
        pytest.param({"skills": frozenset({"billing"})}, "Billing", False, id="skills_match_exactly"),
        pytest.param({"on_shift": False, "on_call": True}, None, False, id="on_call_off_shift_not_for_ordinary"),
    ],
)
def test_can_take(fields: dict[str, object], skill: str | None, expected: bool) -> None:
    assert can_take(agent("a", **fields), skill) is expected


def test_queue_puts_requeued_first_then_priority_then_arrival() -> None:
    at = [T0 + timedelta(seconds=s) for s in range(6)]
    entries = {
        "low_early": (3, False, at[0]),
        "critical_late": (0, False, at[4]),
        "critical_early": (0, False, at[1]),
        "high": (1, False, at[2]),
        "requeued_low": (3, True, at[5]),
        "requeued_high": (1, True, at[3]),
    }
    order = sorted(entries, key=lambda name: queue_order_key(*entries[name]))
    assert order == ["requeued_high", "requeued_low", "critical_early", "critical_late", "high", "low_early"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param((3, True, T0 + timedelta(hours=1)), (0, False, T0), id="requeued_before_critical"),
        pytest.param((0, False, T0 + timedelta(hours=1)), (1, False, T0), id="priority_before_arrival"),
        pytest.param((2, False, T0), (2, False, T0 + timedelta(seconds=1)), id="earlier_arrival_first"),
        pytest.param((2, False, T0 + timedelta(hours=1), True), (2, False, T0), id="priority_support_first_in_level"),
        pytest.param((1, False, T0 + timedelta(hours=1)), (2, False, T0, True), id="support_stays_within_level"),
    ],
)
def test_queue_order_key(first: tuple, second: tuple) -> None:
    assert queue_order_key(*first) < queue_order_key(*second)


# --- a skill nobody can give: the fallback, and why a chat waits ------------

LAPSE = T0 + timedelta(seconds=30)
BILLING = frozenset({"billing"})


@pytest.mark.parametrize(
    ("skill", "fallback_at", "now", "expected"),
    [
        pytest.param("billing", LAPSE, T0, "billing", id="asked_before_the_wait_is_over"),
        pytest.param("billing", LAPSE, LAPSE - timedelta(microseconds=1), "billing", id="asked_until_the_instant"),
        pytest.param("billing", LAPSE, LAPSE, None, id="dropped_at_exactly_the_fallback"),
        pytest.param("billing", None, T0 + timedelta(days=9), "billing", id="no_fallback_never_drops"),
        pytest.param(None, LAPSE, T0, None, id="no_skill_asked"),
    ],
)
def test_skill_in_force(skill, fallback_at, now, expected) -> None:
    assert skill_in_force(skill, fallback_at, now) == expected


def test_a_chat_falls_back_to_any_agent_once_its_skill_wait_is_over() -> None:
    generalist = [agent("g")]
    assert pick_agent(generalist, skill_in_force("billing", LAPSE, T0)) is None
    assert pick_agent(generalist, skill_in_force("billing", LAPSE, LAPSE)).agent_id == "g"


@pytest.mark.parametrize(
    ("candidates", "skill", "fields", "expected"),
    [
        pytest.param([], None, {}, Wait("nobody_on_shift"), id="no_agents"),
        pytest.param([agent("a", on_shift=False)], None, {}, Wait("nobody_on_shift"), id="nobody_on_shift"),
        pytest.param([agent("lead", capacity=0)], None, {}, Wait("nobody_on_shift"),
                     id="a_lead_who_takes_no_chats_is_nobody"),
        pytest.param([agent("a", on_shift=False, on_call=True)], None, {"critical": True}, Wait("next"),
                     id="on_call_for_a_critical_chat"),
        pytest.param([agent("a")], None, {"min_tier": 2}, Wait("needs_tier", 2), id="needs_a_higher_tier"),
        pytest.param([agent("a")], "billing", {"fallback_at": LAPSE}, Wait("needs_skill", 1, "billing", LAPSE),
                     id="nobody_on_shift_has_the_skill"),
        pytest.param([agent("a", skills=BILLING, on_shift=False), agent("b")], "billing", {"fallback_at": LAPSE},
                     Wait("needs_skill", 1, "billing", LAPSE), id="the_skilled_agent_is_off_shift"),
        pytest.param([agent("a", skills=BILLING, load=3), agent("b")], "billing", {"fallback_at": LAPSE},
                     Wait("skill_busy", 1, "billing", LAPSE), id="the_skilled_agent_is_full"),
        pytest.param([agent("a", skills=BILLING, available=False)], "billing", {"fallback_at": LAPSE},
                     Wait("skill_busy", 1, "billing", LAPSE), id="the_skilled_agent_is_away"),
        pytest.param([agent("a", available=False)], "billing", {"fallback_at": T0}, Wait("nobody_available"),
                     id="after_the_fallback_the_skill_is_not_the_reason"),
        pytest.param([agent("a", available=False), agent("b", on_shift=False)], None, {}, Wait("nobody_available"),
                     id="those_on_shift_are_away"),
        pytest.param([agent("a", load=3), agent("b", available=False)], None, {}, Wait("all_busy"),
                     id="those_available_are_full"),
        pytest.param([agent("a", load=2)], None, {}, Wait("next"), id="someone_can_take_it"),
        pytest.param([agent("a", skills=BILLING)], "billing", {"fallback_at": LAPSE}, Wait("next", 1, "billing", LAPSE),
                     id="the_skilled_agent_can_take_it"),
    ],
)
def test_why_a_chat_waits(candidates, skill, fields, expected) -> None:
    assert why_waiting(candidates, skill, now=T0, **fields) == expected
