"""/api/v1/reports: the desk's figures, as the dashboard's reports show
them (services/reports.py, services/ticket_sla.py), in JSON or CSV.
Desk-wide tokens only: the figures count every site's chats."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

import msgspec
from aiohttp import hdrs, web

from ...services.errors import BadRequest
from ...services.reports import MAX_DAYS, Report
from ..params import Id, Query
from ..reports import csv_text
from .registry import Call, operation
from .types import Ok

Seconds = Annotated[float | None, msgspec.Meta(description="Seconds, to 0.1; null with nothing to measure")]
Count = Annotated[int, msgspec.Meta(ge=0)]
Format = Annotated[Literal["json", "csv"], msgspec.Meta(description="csv: the same rows as a CSV file")]


class ReportQuery(Query):
    """The desk-local days a report covers (at most 366), and its filters."""

    first: Annotated[date, msgspec.Meta(description="The first desk-local day, YYYY-MM-DD")] = msgspec.field(
        name="from")
    last: Annotated[date, msgspec.Meta(description="The last desk-local day, YYYY-MM-DD (included)")] = msgspec.field(
        name="to")
    agent_id: Annotated[Id | None, msgspec.Meta(description="Only this agent's figures")] = None
    format: Format = "json"


class ChatReportQuery(ReportQuery):
    """The days, the filters, and a tag."""

    tag: Annotated[Id | None, msgspec.Meta(description="A tag's id: only the chats carrying it")] = None


class Figures(msgspec.Struct, kw_only=True):
    """What the chats of a day and agent (or of the whole range) add up to."""

    chats: Annotated[Count, msgspec.Meta(description="Chats handled")]
    first_response_count: Annotated[Count, msgspec.Meta(description="First responses given")]
    first_response_median_s: Seconds
    first_response_p90_s: Seconds
    first_response_within_pct: Annotated[float | None, msgspec.Meta(
        description="Percent of first responses within the desk's target")]
    first_response_breaches: Annotated[Count, msgspec.Meta(description="First-response SLA breaches")]
    response_gap_count: Annotated[Count, msgspec.Meta(description="Later responses given")]
    response_gap_median_s: Seconds
    response_gap_p90_s: Seconds
    response_gap_breaches: Annotated[Count, msgspec.Meta(description="Response-gap SLA breaches")]
    handle_count: Annotated[Count, msgspec.Meta(description="Chats ended after an agent had them")]
    handle_median_s: Seconds
    handle_mean_s: Seconds
    converted: Annotated[Count, msgspec.Meta(description="Chats that became tickets")]
    abandoned: Annotated[Count, msgspec.Meta(description="Chats the visitor left while waiting")]
    csat_pct: Annotated[float | None, msgspec.Meta(description="Percent of surveys rated 4 or 5")]
    csat_average: Annotated[float | None, msgspec.Meta(description="The average rating, 1 to 5")]
    csat_count: Annotated[Count, msgspec.Meta(description="Surveys counted")]


class ReportRow(Figures, kw_only=True):
    """One agent's figures on one desk-local day."""

    day: Annotated[date, msgspec.Meta(description="The desk-local day")]
    agent_id: Annotated[str | None, msgspec.Meta(description="The agent (null: what no agent held)")]
    agent_name: Annotated[str, msgspec.Meta(description="The agent's name")]


class ChatReport(msgspec.Struct, kw_only=True):
    """The chats' figures per desk-local day and agent, and their totals
    (each chat counted once, so not the sum of the rows)."""

    ok: Ok = True
    first: Annotated[date, msgspec.Meta(description="The first day")] = msgspec.field(name="from")
    last: Annotated[date, msgspec.Meta(description="The last day (included)")] = msgspec.field(name="to")
    tag: Annotated[str | None, msgspec.Meta(description="The name of the tag the chats carry (null: every chat)")]
    rows: list[ReportRow]
    totals: Figures


class ClockTally(msgspec.Struct, kw_only=True):
    """One service-level clock over some tickets."""

    met: Annotated[Count, msgspec.Meta(description="Done in time")]
    breached: Annotated[Count, msgspec.Meta(description="Done late, or not done past its due")]
    open: Annotated[Count, msgspec.Meta(description="Not done, not due yet")]


class PriorityFigures(msgspec.Struct, kw_only=True):
    """The tickets of one priority and their two clocks."""

    priority: Annotated[Literal["critical", "high", "medium", "low"], msgspec.Meta(description="The priority")]
    tickets: Annotated[Count, msgspec.Meta(description="Tickets opened in the range")]
    response: ClockTally
    resolution: ClockTally


class TicketReport(msgspec.Struct, kw_only=True):
    """The service levels of the tickets opened in the range, per priority, as they stand now."""

    ok: Ok = True
    first: Annotated[date, msgspec.Meta(description="The first day")] = msgspec.field(name="from")
    last: Annotated[date, msgspec.Meta(description="The last day (included)")] = msgspec.field(name="to")
    priorities: list[PriorityFigures]


TICKET_COLUMNS = ["priority", "tickets", "response_met", "response_breached", "response_open",
                  "resolution_met", "resolution_breached", "resolution_open"]


def csv_answer(name: str, first: date, last: date, columns: list[str], rows: list[dict[str, Any]]) -> web.Response:
    filename = f"shiftdesk-{name}-{first.isoformat()}-{last.isoformat()}.csv"
    return web.Response(text=csv_text(columns, rows), content_type="text/csv", charset="utf-8",
                        headers={hdrs.CONTENT_DISPOSITION: f'attachment; filename="{filename}"'})


@operation("GET", "/reports/chats", operation_id="getChatReport", summary="The chats' figures per day and agent",
           tag="reports", scope="read", response=ChatReport, query=ChatReportQuery, csv=True)
async def chat_report(call: Call) -> ChatReport | web.Response:
    """First response, response gaps, handle time, conversions and
    satisfaction per desk-local day and agent, as the dashboard's report.
    Desk-wide tokens only (403 for a site token); `format=csv` answers the
    dashboard's CSV file."""
    call.require_desk_wide()
    q: ChatReportQuery = call.query
    report: Report = await call.services.metrics.reports.report(q.first, q.last, q.agent_id, q.tag)
    if q.format == "csv":
        return csv_answer("report", report.first, report.last, report.columns, report.csv_rows())
    return msgspec.convert({"from": report.first, "to": report.last, "rows": report.rows, "totals": report.totals,
                            "tag": report.tag.name if report.tag else None}, ChatReport)


@operation("GET", "/reports/tickets", operation_id="getTicketReport", summary="The tickets' service levels",
           tag="reports", scope="read", response=TicketReport, query=ReportQuery, csv=True)
async def ticket_report(call: Call) -> TicketReport | web.Response:
    """Response and resolution clocks met, breached and open per priority,
    of the tickets opened on the days given (assigned to `agent_id` if
    given), as they stand now. Desk-wide tokens only (403 for a site token)."""
    call.require_desk_wide()
    q: ReportQuery = call.query
    if not q.first <= q.last < q.first + timedelta(days=MAX_DAYS):
        raise BadRequest(f"from must be on or before to, and at most {MAX_DAYS} days before it")
    figures = await call.services.ticket_sla.figures_of_days(q.first, q.last, q.agent_id)
    rows = [{"priority": p, **f} for p, f in figures.items()]
    if q.format == "csv":
        flat = [{"priority": r["priority"], "tickets": r["tickets"],
                 **{f"{k}_{n}": r[k][n] for k in ("response", "resolution") for n in ("met", "breached", "open")}}
                for r in rows]
        return csv_answer("tickets", q.first, q.last, TICKET_COLUMNS, flat)
    return msgspec.convert({"from": q.first, "to": q.last, "priorities": rows}, TicketReport)


