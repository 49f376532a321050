"""The desk's figures: answers read from a chat's messages by the SLA
clocks' rules, the statistics over them, histograms and agent states."""
from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.policy.figures import (AgentState, Answer, agent_state, answers, day_start, histogram, local_day, mean,
                                   median, p90, satisfied_pct, within_pct)
from server.policy.sla import MessageMark

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 (the chat's start) plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def said(*script: tuple[float, str]) -> list[MessageMark]:
    """(seconds, author) pairs; agent messages are Ann's."""
    return [MessageMark(at(s), author, "ann" if author in ("agent", "note") else None) for s, author in script]


def waits(script: list[MessageMark]) -> list[tuple[float, bool]]:
    return [(a.waited_s, a.first) for a in answers(T0, script)]


# --- answers -------------------------------------------------------------


@pytest.mark.parametrize(("script", "expected"), [
    pytest.param([], [], id="no_messages_no_answer"),
    pytest.param(said((0, "visitor")), [], id="a_wait_still_open_is_not_an_answer"),
    pytest.param(said((0, "visitor"), (20, "agent")), [(20, True)], id="first_response_from_the_start"),
    pytest.param(said((0, "visitor"), (5, "visitor"), (20, "agent")), [(20, True)],
                 id="visitor_messages_before_the_first_answer_are_one_wait"),
    pytest.param(said((0, "visitor"), (10, "note"), (15, "system"), (40, "agent")), [(40, True)],
                 id="notes_and_system_messages_never_answer"),
    pytest.param(said((0, "visitor"), (20, "agent"), (30, "visitor"), (60, "agent")),
                 [(20, True), (30, False)], id="a_gap_after_the_first_answer"),
    pytest.param(said((0, "visitor"), (20, "agent"), (30, "visitor"), (50, "visitor"), (100, "agent")),
                 [(20, True), (70, False)], id="a_gap_runs_from_the_oldest_unanswered_message"),
    pytest.param(said((0, "visitor"), (20, "agent"), (25, "agent"), (30, "visitor"), (35, "note"), (90, "agent")),
                 [(20, True), (60, False)], id="an_agent_message_with_nobody_waiting_is_no_gap"),
    pytest.param(said((0, "visitor"), (20, "agent"), (30, "visitor")), [(20, True)],
                 id="a_gap_left_open_at_the_end_is_not_counted"),
    pytest.param(said((30, "agent")), [(30, True)], id="first_response_counts_from_the_start_not_a_message"),
])
def test_answers_follow_the_sla_clocks(script: list[MessageMark], expected: list[tuple[float, bool]]) -> None:
    assert waits(script) == expected


def test_an_answer_is_credited_to_the_agent_who_wrote_it() -> None:
    script = [MessageMark(at(0), "visitor", "vic"), MessageMark(at(20), "agent", "ann"),
              MessageMark(at(30), "visitor", "vic"), MessageMark(at(45), "agent", "bob")]
    assert answers(T0, script) == [Answer(at(20), "ann", 20.0, True), Answer(at(45), "bob", 15.0, False)]


def test_a_clock_running_behind_never_makes_a_negative_wait() -> None:
    assert waits(said((-2, "agent"))) == [(0.0, True)]


# --- desk-local days -----------------------------------------------------

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(("day", "starts_utc"), [
    pytest.param(date(2026, 11, 23), datetime(2026, 11, 23, 5, 0, tzinfo=UTC), id="winter_midnight_is_05_utc"),
    pytest.param(date(2026, 7, 1), datetime(2026, 7, 1, 4, 0, tzinfo=UTC), id="summer_midnight_is_04_utc"),
    pytest.param(date(2026, 11, 1), datetime(2026, 11, 1, 4, 0, tzinfo=UTC), id="the_25_hour_day_starts_in_summer_time"),
])
def test_a_desk_day_starts_at_local_midnight(day: date, starts_utc: datetime) -> None:
    assert day_start(day, NEW_YORK) == starts_utc


def test_late_evening_in_new_york_is_still_that_day() -> None:
    assert local_day(datetime(2026, 11, 24, 4, 59, tzinfo=UTC), NEW_YORK) == date(2026, 11, 23)
    assert local_day(datetime(2026, 11, 24, 5, 0, tzinfo=UTC), NEW_YORK) == date(2026, 11, 24)


# --- statistics ----------------------------------------------------------


@pytest.mark.parametrize(("values", "expected_median", "expected_p90", "expected_mean"), [
    pytest.param([], None, None, None, id="nothing_to_measure"),
    pytest.param([42], 42, 42, 42, id="one_value"),
    pytest.param([70, 10, 30, 20], 25, 70, 32.5, id="even_count_median_between_the_middle_two"),
    pytest.param([10, 20, 30], 20, 30, 20, id="p90_of_three_is_the_largest"),
    pytest.param(list(range(1, 11)), 5.5, 9, 5.5, id="p90_of_ten_is_the_ninth"),
    pytest.param(list(range(1, 21)), 10.5, 18, 10.5, id="p90_of_twenty_is_the_eighteenth"),
])
def test_median_p90_and_mean(values, expected_median, expected_p90, expected_mean) -> None:
    assert (median(values), p90(values), mean(values)) == (expected_median, expected_p90, expected_mean)


@pytest.mark.parametrize(("values", "limit", "expected"), [
    pytest.param([], 60, None, id="nothing_answered"),
    pytest.param([10, 20, 30, 70], 60, 75.0, id="three_of_four"),
    pytest.param([60], 60, 100.0, id="exactly_at_the_limit_is_within"),
    pytest.param([60.5], 60, 0.0, id="past_the_limit"),
])
def test_within_target(values, limit, expected) -> None:
    assert within_pct(values, limit) == expected


@pytest.mark.parametrize(("ratings", "expected"), [
    pytest.param([], None, id="no_survey"),
    pytest.param([5, 2], 50.0, id="half"),
    pytest.param([4, 5, 3], pytest.approx(66.667, abs=0.001), id="four_counts"),
    pytest.param([1, 2, 3], 0.0, id="none_satisfied"),
])
def test_satisfied_share(ratings, expected) -> None:
    assert satisfied_pct(ratings) == expected


# --- histograms ----------------------------------------------------------


def test_a_value_falls_in_the_first_bucket_it_does_not_exceed() -> None:
    found = histogram([10, 20, 30, 60, 70], [30, 60])
    assert found.counts == (3, 1, 1) and found.count == 5 and found.total == 190
    assert found.cumulative() == [(30, 3), (60, 4), (math.inf, 5)]


def test_histograms_of_the_same_buckets_add() -> None:
    assert histogram([10], [30, 60]) + histogram([45, 90], [60, 30]) == histogram([10, 45, 90], [30, 60])
    with pytest.raises(ValueError):
        histogram([10], [30]) + histogram([10], [60])


@pytest.mark.parametrize("bounds", [[0, 30], [30, 30], [-1]])
def test_bucket_bounds_must_be_positive_and_distinct(bounds) -> None:
    with pytest.raises(ValueError):
        histogram([], bounds)


# --- agent states --------------------------------------------------------


@pytest.mark.parametrize(("on_shift", "connected", "available", "chats", "expected"), [
    pytest.param(True, True, True, 0, AgentState.AVAILABLE, id="on_shift_connected_available"),
    pytest.param(True, True, True, 1, AgentState.BUSY, id="one_chat_is_busy"),
    pytest.param(True, False, True, 2, AgentState.BUSY, id="busy_while_reconnecting"),
    pytest.param(False, True, True, 1, AgentState.BUSY, id="a_shift_that_ended_keeps_its_chats"),
    pytest.param(True, True, False, 0, AgentState.AWAY, id="status_away"),
    pytest.param(True, False, True, 0, AgentState.AWAY, id="not_connected_is_away"),
    pytest.param(False, True, True, 0, None, id="off_shift_without_a_chat_is_not_counted"),
])
def test_agent_states(on_shift, connected, available, chats, expected) -> None:
    assert agent_state(on_shift=on_shift, connected=connected, available=available, chats=chats) is expected
