"""GET /metrics for Prometheus: the desk's figures read from the store at
scrape time (`services.metrics.Metrics.scrape`), through a collector that
only formats what was read just before.

Let in: `Authorization: Bearer <[metrics] token>` (when a token is set), or,
from a request without an Authorization header, a client address in
`[metrics] allow` (unless the request came through a proxy, which makes
every client look local); else 401 when a token would help, 403 when none
is set.
"""
from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator, Mapping

from aiohttp import hdrs, web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString

from ..config import MetricsConfig
from ..policy.figures import Histogram
from ..services.metrics import Scrape
from ..services.model import EndReason
from .keys import SERVICES

PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
SLA_KINDS = ("first_response", "response_gap")  # the clocks that breach (duration converts)


def setup_metrics(app: web.Application) -> None:
    app.router.add_get("/metrics", serve)


async def serve(request: web.Request) -> web.Response:
    metrics = request.app[SERVICES].metrics
    admit(request, request.app[SERVICES].desk.config.metrics)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ScrapeCollector(await metrics.scrape()))
    return web.Response(body=generate_latest(registry), headers={hdrs.CONTENT_TYPE: CONTENT_TYPE_LATEST,
                                                                 hdrs.CACHE_CONTROL: "no-store"})


def admit(request: web.Request, config: MetricsConfig) -> None:
    """Raises HTTPUnauthorized or HTTPForbidden unless let in (see above).
    A request that sends credentials is judged by them alone: a wrong one
    is refused from an allowed address too, so a scraper with a stale or
    mistyped token fails loudly instead of riding on its address."""
    authorization = request.headers.get(hdrs.AUTHORIZATION)
    if authorization is not None:
        if _right_token(authorization, config):
            return
        _refuse(config, "this Authorization is not Bearer <[metrics] token>")
    if not any(h in request.headers for h in PROXY_HEADERS) and _listed(request.remote, config):
        return
    _refuse(config, "this address is not in [metrics] allow")


def _right_token(authorization: str, config: MetricsConfig) -> bool:
    scheme, _, sent = authorization.partition(" ")
    return bool(config.token) and scheme.lower() == "bearer" and \
        hmac.compare_digest(sent.strip().encode(), config.token.encode())


def _refuse(config: MetricsConfig, why: str) -> None:
    """401 when a token is set (sending it would help), else 403."""
    if config.token:
        raise web.HTTPUnauthorized(text=f"{why}: send Authorization: Bearer <[metrics] token>\n",
                                   headers={hdrs.WWW_AUTHENTICATE: 'Bearer realm="metrics"'})
    raise web.HTTPForbidden(text=f"{why}\n")


def _listed(remote: str | None, config: MetricsConfig) -> bool:
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:  # none, or a Unix socket
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in config.networks)


class ScrapeCollector(Collector):
    """Formats one scrape; a registry of its own each time."""

    def __init__(self, scrape: Scrape) -> None:
        self._scrape = scrape

    def collect(self) -> Iterator[Metric]:
        s, totals = self._scrape, self._scrape.totals
        ratings = dict.fromkeys(range(1, 6), 0)
        yield CounterMetricFamily("shiftdesk_chats_started", "Chats started.", value=totals.chats_started)
        yield _labelled(CounterMetricFamily, "shiftdesk_chats_ended", "Chats ended, by reason (converted: "
                        "became a ticket; abandoned: the visitor left).", "reason",
                        {str(r): 0 for r in EndReason} | totals.ended_by_reason)
        yield _labelled(CounterMetricFamily, "shiftdesk_sla_breaches", "SLA breaches, by clock.", "kind",
                        dict.fromkeys(SLA_KINDS, 0) | totals.breaches_by_kind)
        yield _labelled(CounterMetricFamily, "shiftdesk_survey_ratings", "Surveys submitted, by rating (1-5).",
                        "rating", ratings | totals.ratings)
        yield _labelled(CounterMetricFamily, "shiftdesk_survey_exclusions", "Surveys a supervisor excluded from "
                        "the scores, by rating.", "rating", ratings | totals.excluded)
        yield _histogram("shiftdesk_first_response_seconds", "Wait from a chat's start to the first agent answer.",
                         s.first_response)
        yield _histogram("shiftdesk_response_gap_seconds", "Wait of a visitor message for an agent answer, "
                         "after the first answer.", s.response_gap)
        yield from _gauges(s.live)
        yield from _ticket_sla(s)


def _labelled(kind: type[CounterMetricFamily] | type[GaugeMetricFamily], name: str, documentation: str,
              label: str, values: Mapping) -> Metric:
    family = kind(name, documentation, labels=[label])
    for key, value in sorted(values.items(), key=lambda item: str(item[0])):
        family.add_metric([str(key)], value)
    return family


def _histogram(name: str, documentation: str, histogram: Histogram) -> Metric:
    buckets = [(floatToGoString(bound), count) for bound, count in histogram.cumulative()]
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=histogram.total)


def _gauges(live: dict) -> Iterator[Metric]:
    yield GaugeMetricFamily("shiftdesk_queue_length", "Chats waiting in the queue.", value=live["queue"]["length"])
    yield GaugeMetricFamily("shiftdesk_queue_longest_wait_seconds", "How long the oldest queued chat has waited.",
                            value=live["queue"]["longest_wait_s"])
    yield _labelled(GaugeMetricFamily, "shiftdesk_agents", "Agents on shift (connected or not), and available, "
                    "busy (holding a chat) or away.", "state", live["agents"])
    yield GaugeMetricFamily("shiftdesk_chats_active", "Chats an agent is handling now.", value=live["active_chats"])


TICKET_KINDS = ("response", "resolution", "update")
PRIORITIES = ("critical", "high", "medium", "low")


def _ticket_sla(s: Scrape) -> Iterator[Metric]:
    """Ticket SLA breaches ever recorded and clocks overdue now, by clock and
    priority (every pair present, 0 when none)."""
    pairs = [(kind, priority) for kind in TICKET_KINDS for priority in PRIORITIES]
    breaches = CounterMetricFamily("shiftdesk_ticket_sla_breaches", "Ticket SLA breaches, by clock (response, "
                                   "resolution, update: a critical ticket's hourly update) and priority.",
                                   labels=["kind", "priority"])
    overdue = GaugeMetricFamily("shiftdesk_tickets_overdue", "Open tickets whose SLA clock is past due now, by "
                                "clock and priority.", labels=["kind", "priority"])
    for pair in pairs:
        breaches.add_metric(list(pair), s.ticket_breaches.get(pair, 0))
        overdue.add_metric(list(pair), s.tickets_overdue.get(pair, 0))
    yield breaches
    yield overdue
