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

import re
from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.metric_paths import metric_path
from compiler.model.types import MetricType, Service, SliKind
from compiler.spec.document import Path

_QUANTILE = "quantile"
_SUMMARY_ONLY = re.compile(r"vault_\w+")  # Vault's telemetry: every timer a summary (ms), no histogram


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


def summary_histogram_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """A located warning at each metric read as a histogram whose writer publishes only summaries."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric in service.metrics:
            selector = metric.selector
            if metric.type is not MetricType.HISTOGRAM or selector is None:
                continue
            if summary_only(series := selector.metric):
                found.setdefault((metric.location, metric_path(service, metric)), _histogram_message(series))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def summary_only(series: str) -> bool:
    """Whether `series` is written by a writer that publishes its timers only as summaries (no histogram)."""
    return bool(_SUMMARY_ONLY.fullmatch(series))


def _histogram_message(series: str) -> str:
    return (
        f"{series} is read as a histogram, but Vault's telemetry writes its timers as summaries (quantiles 0.5, "
        f"0.9 and 0.99 per node, in milliseconds) with no {series}_bucket series: a latency SLI or p99 alert over "
        "it sees no request (replayed: SLODataMissing ticketed from the first minute, and an hour of every request "
        "at 2 s paged nothing); measure Vault's latency where its requests pass (a proxy's or a probe's "
        "histogram), or draw a threshold alert on the slowest node's quantile, {selector: "
        f"'{series}{{quantile=\"0.99\"}}', type: gauge, aggregation: max, unit: ms}}"
    )
