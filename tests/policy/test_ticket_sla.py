"""The ticket SLA clocks: warnings at 75% of each target on the target's own
clock (business time across weekends, holidays and DST), the critical
ticket's hourly update, the clock states and the report figures."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.policy.calendar import parse_hours
from server.policy.holidays import closed_dates
from server.policy.ticket_sla import (DeskCalendar, TicketSlaLimits, TicketTimeline, clock_states, deadlines, due,
                                      figures)
from server.policy.tickets import ticket_due

NY = ZoneInfo("America/New_York")
HOURS = parse_hours("mon-fri 09:00-18:00")
CAL = DeskCalendar(HOURS, NY, closed_dates("US", range(2025, 2028)))
LIMITS = TicketSlaLimits()


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(UTC)


def ticket(priority: str, created: datetime, **kw) -> TicketTimeline:
    response, resolution = ticket_due(priority, created, CAL.hours, CAL.tz, CAL.closed)
    return TicketTimeline(priority, created, response, resolution, **kw)


def table(t: TicketTimeline) -> list[tuple[str, str, datetime]]:
    return [(d.kind, d.stage, d.at) for d in deadlines(t, LIMITS, CAL)]


def test_critical_ticket_runs_on_wall_time_and_must_update_every_hour():
    created = ny(2026, 3, 7, 23, 0)  # a Saturday night: critical is 24/7
    assert table(ticket("critical", created)) == [
        ("response", "warning", created + timedelta(minutes=11, seconds=15)),
        ("response", "breach", created + timedelta(minutes=15)),
        ("update", "warning", created + timedelta(minutes=45)),
        ("update", "breach", created + timedelta(hours=1)),
        ("resolution", "warning", created + timedelta(hours=3)),
        ("resolution", "breach", created + timedelta(hours=4)),
    ]


def test_the_update_clock_restarts_at_each_update_to_the_requester():
    created = ny(2026, 5, 4, 10, 0)
    updated = created + timedelta(minutes=50)
    t = ticket("critical", created, first_response_at=created + timedelta(minutes=5), last_update_at=updated)
    updates = [(d.stage, d.at, d.since) for d in deadlines(t, LIMITS, CAL) if d.kind == "update"]
    assert updates == [("warning", updated + timedelta(minutes=45), updated),
                       ("breach", updated + timedelta(hours=1), updated)]
    assert not [d for d in deadlines(t, LIMITS, CAL) if d.kind == "response"]  # answered


@pytest.mark.parametrize("priority", ["high", "medium", "low"])
def test_only_critical_tickets_have_the_update_clock(priority):
    assert "update" not in {d.kind for d in deadlines(ticket(priority, ny(2026, 5, 4, 10, 0)), LIMITS, CAL)}


@pytest.mark.parametrize(("created", "warn", "breach"), [
    # Friday 17:30: 30 min left that day, the rest on Monday (in EDT: DST began on Sunday the 8th).
    (ny(2026, 3, 6, 17, 30), ny(2026, 3, 9, 9, 15), ny(2026, 3, 9, 9, 30)),
    # Friday 17:30 before Martin Luther King Jr. Day (Monday the 19th, off): Tuesday.
    (ny(2026, 1, 16, 17, 30), ny(2026, 1, 20, 9, 15), ny(2026, 1, 20, 9, 30)),
    # Saturday: counting starts at Monday's opening.
    (ny(2026, 5, 2, 12, 0), ny(2026, 5, 4, 9, 45), ny(2026, 5, 4, 10, 0)),
    # Inside hours on a Wednesday: plain 45 and 60 minutes.
    (ny(2026, 5, 6, 10, 0), ny(2026, 5, 6, 10, 45), ny(2026, 5, 6, 11, 0)),
])
def test_high_ticket_response_warns_at_75_percent_of_business_time(created, warn, breach):
    found = [(d.stage, d.at) for d in deadlines(ticket("high", created), LIMITS, CAL) if d.kind == "response"]
    assert found == [("warning", warn), ("breach", breach)]


def test_low_ticket_business_day_targets_warn_on_a_working_day():
    created = ny(2026, 7, 2, 9, 0)  # Thursday 09:00; Friday the 3rd is Independence Day (observed)
    t = ticket("low", created)
    assert t.response_due_at == ny(2026, 7, 2, 18, 0)  # the whole of Thursday
    assert t.resolution_due_at == ny(2026, 7, 7, 18, 0)  # Thu, Mon, Tue
    found = {(d.kind, d.stage): d.at for d in deadlines(t, LIMITS, CAL)}
    assert found[("response", "warning")] == ny(2026, 7, 2, 15, 45)  # 6 h 45 of 9 h
    # 27 h of open time, 75% is 20 h 15: Thursday's 9 h, Monday's 9 h, then 2 h 15 on Tuesday.
    assert found[("resolution", "warning")] == ny(2026, 7, 7, 11, 15)


def test_a_solved_ticket_has_no_running_clock_and_one_awaiting_confirmation_neither():
    created = ny(2026, 5, 4, 10, 0)
    assert deadlines(ticket("critical", created, resolved_at=created + timedelta(hours=1)), LIMITS, CAL) == []
    assert deadlines(ticket("critical", created, running=False), LIMITS, CAL) == []


def test_due_lists_what_is_reached_at_now():
    created = ny(2026, 5, 4, 10, 0)
    t = ticket("critical", created)
    assert [(d.kind, d.stage) for d in due(t, LIMITS, CAL, created + timedelta(minutes=59))] == [
        ("response", "warning"), ("response", "breach"), ("update", "warning")]


def test_warn_percent_is_configurable_and_checked():
    created = ny(2026, 5, 4, 10, 0)
    half = TicketSlaLimits(warn_percent=50, update_s=1800)
    found = {(d.kind, d.stage): d.at for d in deadlines(ticket("critical", created), half, CAL)}
    assert found[("update", "warning")] == created + timedelta(minutes=15)
    assert found[("update", "breach")] == created + timedelta(minutes=30)
    with pytest.raises(ValueError):
        TicketSlaLimits(warn_percent=100)
    with pytest.raises(ValueError):
        TicketSlaLimits(update_s=0)


def test_clock_states_at_now():
    created = ny(2026, 5, 4, 10, 0)
    t = ticket("critical", created, first_response_at=created + timedelta(minutes=20))
    states = clock_states(t, LIMITS, CAL, created + timedelta(minutes=50))
    assert (states["response"].state, states["response"].level) == ("missed", "breached")
    assert (states["update"].state, states["update"].level) == ("running", "warning")
    assert states["update"].due_at == created + timedelta(hours=1)
    assert (states["resolution"].state, states["resolution"].level) == ("running", "ok")
    low = clock_states(ticket("low", created), LIMITS, CAL, created)
    assert low["update"].state == "stopped"


def test_figures_count_met_breached_and_open_per_priority():
    created = ny(2026, 5, 4, 10, 0)
    now = created + timedelta(hours=5)
    tickets = [
        ticket("critical", created, first_response_at=created + timedelta(minutes=10),
               resolved_at=created + timedelta(hours=3)),  # both met
        ticket("critical", created, first_response_at=created + timedelta(minutes=30)),  # late; overdue
        ticket("high", created),  # 1 h business: overdue at 15:00; 8 h: open
        ticket("high", created, running=False),  # awaiting confirmation: not counted
        ticket("low", created, resolved_at=created + timedelta(hours=1)),  # solved without a reply
    ]
    got = {p: f.view() for p, f in figures(tickets, now).items()}
    assert got["critical"] == {"tickets": 2, "response": {"met": 1, "breached": 1, "open": 0},
                               "resolution": {"met": 1, "breached": 1, "open": 0}}
    assert got["high"] == {"tickets": 1, "response": {"met": 0, "breached": 1, "open": 0},
                           "resolution": {"met": 0, "breached": 0, "open": 1}}
    assert got["medium"] == {"tickets": 0, "response": {"met": 0, "breached": 0, "open": 0},
                             "resolution": {"met": 0, "breached": 0, "open": 0}}
    assert got["low"]["response"] == {"met": 0, "breached": 0, "open": 0}
    assert got["low"]["resolution"] == {"met": 1, "breached": 0, "open": 0}


def test_a_critical_tickets_hour_is_a_real_hour_across_the_spring_forward():
    created = ny(2026, 3, 8, 1, 30)  # 01:30 EST; at 02:00 the clocks jump to 03:00 EDT
    found = {(d.kind, d.stage): d.at for d in deadlines(ticket("critical", created), LIMITS, CAL)}
    assert found[("update", "breach")] == ny(2026, 3, 8, 3, 30) == created + timedelta(hours=1)
    assert found[("resolution", "breach")].astimezone(NY).hour == 6  # 4 real hours: 06:30 EDT on the wall
