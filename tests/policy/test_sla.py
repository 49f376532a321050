"""The chat SLA clocks: first response, response gap, duration; moved by the test, never slept."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.policy.sla import (
    ChatTimeline,
    ClockState,
    Deadline,
    MessageMark,
    SlaLimits,
    clock_states,
    deadlines,
    due,
    elapsed_s,
    timeline,
)

LIMITS = SlaLimits()  # the documented defaults: 60/45, 120/90, 900/1200
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 (the chat's start) plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def stages(chat: ChatTimeline, now: datetime) -> list[tuple[str, str]]:
    return [(d.kind, d.stage) for d in due(chat, LIMITS, now)]


# --- first response ------------------------------------------------------


@pytest.mark.parametrize(
    ("now_s", "expected"),
    [
        pytest.param(44, [], id="quiet_before_45_s"),
        pytest.param(45, [("first_response", "warning")], id="warning_at_exactly_45_s"),
        pytest.param(59.9, [("first_response", "warning")], id="still_only_a_warning_before_60_s"),
        pytest.param(60, [("first_response", "warning"), ("first_response", "breach")], id="breach_at_exactly_60_s"),
    ],
)
def test_first_response_warns_then_breaches(now_s: float, expected: list[tuple[str, str]]) -> None:
    chat = ChatTimeline(started_at=T0, oldest_unanswered_visitor_at=T0)
    assert stages(chat, at(now_s)) == expected


def test_first_response_deadlines_carry_the_limit() -> None:
    chat = ChatTimeline(started_at=T0)
    assert deadlines(chat, LIMITS) == [
        Deadline("first_response", "warning", at(45), 60),
        Deadline("first_response", "breach", at(60), 60),
    ]


def test_first_agent_reply_stops_the_first_response_clock() -> None:
    chat = ChatTimeline(started_at=T0, first_agent_reply_at=at(30))
    assert deadlines(chat, LIMITS) == []


FAST = SlaLimits(first_response_s=30, first_response_warn_s=20)


@pytest.mark.parametrize(
    ("limits", "now_s", "expected"),
    [
        pytest.param(FAST, 20, [("first_response", "warning")], id="configured_warning"),
        pytest.param(FAST, 30, [("first_response", "warning"), ("first_response", "breach")], id="configured_breach"),
    ],
)
def test_limits_come_from_config(limits: SlaLimits, now_s: int, expected: list[tuple[str, str]]) -> None:
    assert [(d.kind, d.stage) for d in due(ChatTimeline(started_at=T0), limits, at(now_s))] == expected


# --- response gap, built from the messages ---------------------------------

REPLIED_AT_10 = [MessageMark(at(0), "visitor"), MessageMark(at(10), "agent")]


@pytest.mark.parametrize(
    ("messages", "now_s", "expected"),
    [
        pytest.param(REPLIED_AT_10, 500, [], id="everything_answered_no_gap_clock"),
        pytest.param(
            [*REPLIED_AT_10, MessageMark(at(100), "visitor")], 189, [], id="visitor_waits_89_s_no_warning"
        ),
        pytest.param(
            [*REPLIED_AT_10, MessageMark(at(100), "visitor")],
            190,
            [("response_gap", "warning")],
            id="visitor_waits_90_s_warning",
        ),
        pytest.param(
            [*REPLIED_AT_10, MessageMark(at(100), "visitor")],
            220,
            [("response_gap", "warning"), ("response_gap", "breach")],
            id="visitor_waits_120_s_breach",
        ),
        pytest.param(
            [*REPLIED_AT_10, MessageMark(at(100), "visitor"), MessageMark(at(150), "visitor")],
            220,
            [("response_gap", "warning"), ("response_gap", "breach")],
            id="gap_runs_from_the_oldest_unanswered_message",
        ),
        pytest.param(
            [*REPLIED_AT_10, MessageMark(at(100), "visitor"), MessageMark(at(180), "agent")],
            220,
            [],
            id="answered_visitor_message_resets_the_gap_clock",
        ),
        pytest.param(
            [*REPLIED_AT_10, MessageMark(at(100), "visitor"), MessageMark(at(180), "agent"), MessageMark(at(200), "visitor")],
            290,
            [("response_gap", "warning")],
            id="next_visitor_message_starts_a_new_gap",
        ),
        pytest.param(
            [*REPLIED_AT_10, MessageMark(at(100), "visitor"), MessageMark(at(180), "note")],
            220,
            [("response_gap", "warning"), ("response_gap", "breach")],
            id="a_note_does_not_answer",
        ),
        pytest.param(
            [*REPLIED_AT_10, MessageMark(at(100), "visitor"), MessageMark(at(180), "system")],
            220,
            [("response_gap", "warning"), ("response_gap", "breach")],
            id="a_system_message_does_not_answer",
        ),
        pytest.param(
            [MessageMark(at(0), "visitor"), MessageMark(at(20), "note"), MessageMark(at(30), "system")],
            60,
            [("first_response", "warning"), ("first_response", "breach")],
            id="notes_and_system_messages_are_not_a_first_response",
        ),
        pytest.param(
            [MessageMark(at(0), "visitor"), MessageMark(at(1), "visitor")],
            119,
            [("first_response", "warning"), ("first_response", "breach")],
            id="before_the_first_reply_only_the_first_response_clock_runs",
        ),
    ],
)
def test_response_gap_from_messages(messages: list[MessageMark], now_s: int, expected: list[tuple[str, str]]) -> None:
    assert stages(timeline(T0, None, messages), at(now_s)) == expected


@pytest.mark.parametrize(
    ("messages", "first_reply", "unanswered"),
    [
        pytest.param([], None, None, id="no_messages"),
        pytest.param([MessageMark(at(5), "visitor")], None, at(5), id="first_visitor_message_unanswered"),
        pytest.param(REPLIED_AT_10, at(10), None, id="answered"),
        pytest.param([MessageMark(at(5), "note"), MessageMark(at(9), "agent")], at(9), None, id="note_is_not_the_first_reply"),
        pytest.param(
            [*REPLIED_AT_10, MessageMark(at(20), "agent"), MessageMark(at(30), "visitor"), MessageMark(at(40), "system")],
            at(10),
            at(30),
            id="first_reply_stays_the_first",
        ),
    ],
)
def test_timeline_from_messages(
    messages: list[MessageMark], first_reply: datetime | None, unanswered: datetime | None
) -> None:
    assert timeline(T0, None, messages) == ChatTimeline(T0, None, first_reply, unanswered)


def test_unknown_author_is_refused() -> None:
    with pytest.raises(ValueError, match='unknown message author "bot"'):
        MessageMark(at(0), "bot")  # type: ignore[arg-type]


# --- duration ------------------------------------------------------------

ASSIGNED = at(30)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(ASSIGNED + timedelta(seconds=899), [], id="no_warning_before_15_minutes"),
        pytest.param(ASSIGNED + timedelta(seconds=900), [("duration", "warning")], id="warning_at_exactly_900_s"),
        pytest.param(ASSIGNED + timedelta(seconds=1199), [("duration", "warning")], id="not_converted_at_1199_s"),
        pytest.param(
            ASSIGNED + timedelta(seconds=1200),
            [("duration", "warning"), ("duration", "convert")],
            id="chat_converts_to_ticket_at_exactly_1200_s",
        ),
    ],
)
def test_duration_runs_from_assignment(now: datetime, expected: list[tuple[str, str]]) -> None:
    chat = ChatTimeline(started_at=T0, assigned_at=ASSIGNED, first_agent_reply_at=at(40))
    assert stages(chat, now) == expected


def test_unassigned_chat_has_no_duration_clock() -> None:
    chat = ChatTimeline(started_at=T0, first_agent_reply_at=at(40))
    assert due(chat, LIMITS, at(100_000)) == []


def test_all_clocks_in_time_order() -> None:
    chat = ChatTimeline(started_at=T0, assigned_at=at(0))
    assert deadlines(chat, LIMITS) == [
        Deadline("first_response", "warning", at(45), 60),
        Deadline("first_response", "breach", at(60), 60),
        Deadline("duration", "warning", at(900), 1200),
        Deadline("duration", "convert", at(1200), 1200),
    ]


def test_ties_are_ordered_by_kind() -> None:
    limits = SlaLimits(response_gap_warn_s=50, response_gap_s=100, duration_warn_s=150, duration_convert_s=200)
    chat = ChatTimeline(started_at=T0, assigned_at=at(0), first_agent_reply_at=at(1), oldest_unanswered_visitor_at=at(100))
    assert [(d.kind, d.stage, d.at) for d in deadlines(chat, limits)] == [
        ("duration", "warning", at(150)),
        ("response_gap", "warning", at(150)),
        ("duration", "convert", at(200)),
        ("response_gap", "breach", at(200)),
    ]


# --- limits and elapsed ----------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"first_response_warn_s": 60}, id="warning_equal_to_limit"),
        pytest.param({"response_gap_warn_s": 150}, id="warning_after_limit"),
        pytest.param({"duration_warn_s": 0}, id="zero_warning"),
        pytest.param({"duration_convert_s": 600}, id="convert_before_warning"),
    ],
)
def test_limits_refuse_a_warning_not_before_its_limit(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="need 0 < warning"):
        SlaLimits(**kwargs)


@pytest.mark.parametrize(
    ("since", "now", "expected"),
    [
        pytest.param(at(0), at(0), 0, id="zero"),
        pytest.param(at(0), at(59.999), 59, id="rounds_down"),
        pytest.param(at(0), at(1200), 1200, id="twenty_minutes"),
        pytest.param(at(10), at(0), 0, id="never_negative"),
    ],
)
def test_elapsed_s(since: datetime, now: datetime, expected: int) -> None:
    assert elapsed_s(since, now) == expected


@pytest.mark.parametrize(
    ("chat", "expected"),
    [
        pytest.param(ChatTimeline(started_at=T0, assigned_at=at(30)),
                     {"first_response": T0, "duration": at(30)}, id="first_response_and_duration"),
        pytest.param(ChatTimeline(started_at=T0, assigned_at=at(5), first_agent_reply_at=at(20),
                                  oldest_unanswered_visitor_at=at(70)),
                     {"response_gap": at(70), "duration": at(5)}, id="response_gap_from_the_oldest_waiting"),
    ],
)
def test_each_deadline_knows_when_its_clock_started(chat: ChatTimeline, expected: dict) -> None:
    """`since` is what tells one wait from the next: a stage is fired once per (kind, stage, since)."""
    assert {d.kind: d.since for d in deadlines(chat, LIMITS)} == expected
    assert all(d.since is not None for d in deadlines(chat, LIMITS))


# --- the clocks' state, as a console shows it ------------------------------

GAP_WAITS = [*REPLIED_AT_10, MessageMark(at(100), "visitor")]
GAP_ANSWERED = [*GAP_WAITS, MessageMark(at(250), "agent")]


def first_response(state: str, stage: str = "ok", answered_at: datetime | None = None) -> ClockState:
    return ClockState("first_response", state, 60, stage, T0, at(45), at(60), answered_at)


def gap(state: str, stage: str = "ok", start_s: int = 100, answered_at: datetime | None = None) -> ClockState:
    return ClockState("response_gap", state, 120, stage, at(start_s), at(start_s + 90), at(start_s + 120),
                      answered_at)


@pytest.mark.parametrize(
    ("messages", "fired", "first", "response_gap"),
    [
        pytest.param([MessageMark(at(0), "visitor")], set(), first_response("running"),
                     ClockState("response_gap", "stopped", 120), id="new_chat_waits_for_its_first_response"),
        pytest.param([MessageMark(at(0), "visitor")], {("first_response", "warning", T0), ("first_response", "breach", T0)},
                     first_response("running", "breached"), ClockState("response_gap", "stopped", 120),
                     id="a_breached_first_response_runs_on_until_an_agent_answers"),
        pytest.param([MessageMark(at(0), "visitor"), MessageMark(at(70), "note")],
                     {("first_response", "breach", T0)}, first_response("running", "breached"),
                     ClockState("response_gap", "stopped", 120), id="a_note_does_not_answer_it"),
        pytest.param([MessageMark(at(0), "visitor"), MessageMark(at(70), "agent")], {("first_response", "breach", T0)},
                     first_response("met", "breached", at(70)), ClockState("response_gap", "stopped", 120),
                     id="answered_late_is_met_and_keeps_its_breach"),
        pytest.param(REPLIED_AT_10, set(), first_response("met", answered_at=at(10)),
                     ClockState("response_gap", "stopped", 120), id="answered_nothing_waits"),
        pytest.param(GAP_WAITS, set(), first_response("met", answered_at=at(10)), gap("running"),
                     id="a_visitor_message_after_the_answer_starts_a_gap"),
        pytest.param([*GAP_WAITS, MessageMark(at(150), "visitor")], {("response_gap", "warning", at(100))},
                     first_response("met", answered_at=at(10)), gap("running", "warning"),
                     id="the_gap_runs_from_the_oldest_unanswered_message"),
        pytest.param(GAP_WAITS, {("response_gap", "warning", at(100)), ("response_gap", "breach", at(100))},
                     first_response("met", answered_at=at(10)), gap("running", "breached"),
                     id="a_breached_gap_runs_on_until_answered"),
        pytest.param(GAP_ANSWERED, {("response_gap", "breach", at(100))}, first_response("met", answered_at=at(10)),
                     gap("met", "breached", answered_at=at(250)), id="an_answered_gap_is_met"),
        pytest.param([*GAP_ANSWERED, MessageMark(at(300), "visitor")], {("response_gap", "breach", at(100))},
                     first_response("met", answered_at=at(10)), gap("running", start_s=300),
                     id="a_new_wait_starts_afresh_its_stage_is_its_own"),
    ],
)
def test_clock_states(messages, fired, first, response_gap) -> None:
    states = clock_states(timeline(T0, None, messages), LIMITS, fired)
    assert (states["first_response"], states["response_gap"]) == (first, response_gap)


def test_the_duration_clock_runs_from_the_assignment_and_stops_before() -> None:
    assert clock_states(ChatTimeline(T0), LIMITS, set())["duration"] == ClockState("duration", "stopped", 1200)
    fired = {("duration", "warning", ASSIGNED)}
    assert clock_states(ChatTimeline(T0, ASSIGNED), LIMITS, fired)["duration"] == ClockState(
        "duration", "running", 1200, "warning", ASSIGNED, ASSIGNED + timedelta(seconds=900),
        ASSIGNED + timedelta(seconds=1200))
