"""A time-slice SLI over a summary's quantile gauge combined across series (round 49).

A summary (Micrometer's client-side percentiles, a Go or Java client's Summary) writes each quantile per series: one
per endpoint, method, status and instance. Quantiles cannot be combined: `max` over them is the slowest series'
p99, so a slow call to an endpoint that is rarely called makes that series' p99 slow for as long as the client
keeps the call in its window (Micrometer: about two minutes), and each of those minutes is a bad slice whatever the
service's other thousands of requests did. A newcomer's Spring Boot spec read `http_server_requests_seconds
{quantile="0.99"}` (max) with `good_when: p99 < 0.5`: replayed with promtool, 600 fast requests a minute and one 3s
export call every 10 minutes paged the 99% SLO (SLOErrorBudgetBurnFast from the 30th minute, for the whole 3 hours).
A histogram bucket at the threshold counts the requests themselves (`{latency, threshold}`: Micrometer publishes
one with `management.metrics.distribution.slo.http.server.requests=500ms`). A located warning at `good_when`: a
summary with a single series (one instance, no labels) reads right.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.errors import Diagnostic
from compiler.model.types import Service, SliKind

_QUANTILE = "quantile"


def summary_slice_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """A located warning at each time-slice SLO whose gauge is a summary's quantile combined across series."""
    found = []
    for service in services:
        for index, slo in enumerate(service.slos):
            gauge = slo.sli.gauge
            if slo.sli.kind is not SliKind.TIME_SLICE or gauge is None or gauge.selector is None:
                continue
            quantiles = [m.value for m in gauge.selector.matchers if m.label == _QUANTILE and m.op == "="]
            if quantiles:
                where = ("slos", index, "sli", "good_when")
                found.append(Diagnostic(slo.location, where, _message(slo.name, gauge.selector.metric, quantiles[0])))
    return found


def _message(slo: str, series: str, quantile: str) -> str:
    return (
        f"SLO {slo!r}: good_when reads {series}'s {quantile} quantile, a summary's, combined across its series "
        "(one per endpoint, status, instance...): quantiles cannot be combined, so each slice is judged by the "
        "slowest series, and one slow call to a rarely called endpoint makes bad slices for as long as the client "
        "keeps it in its window (replayed: one 3s call every 10 minutes beside 600 fast requests a minute paged a "
        "99% SLO); count requests under the threshold instead: publish a histogram bucket at it (Micrometer: "
        "management.metrics.distribution.slo.http.server.requests=500ms) and write a latency SLI, {latency: "
        "<histogram>, threshold: 500ms}, the histogram declaring buckets: [0.5]; a summary of one series (no "
        "labels, one instance) reads right"
    )
