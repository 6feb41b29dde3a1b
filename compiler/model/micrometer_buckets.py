"""A latency SLI over a Micrometer timer at a threshold Micrometer writes no bucket for (round 45; round 44's known
limit (1)).

A Micrometer timer (Spring Boot's `http_server_requests_seconds`...) writes `le` buckets at two kinds of values
only: its percentile histogram's (`percentiles-histogram`), a fixed series of nanosecond counts (1, 2, 3, then from
each power of 4 up in steps of a third of it: 0.447392426 and 0.536870911 s around 500ms), and the SLO boundaries the
service configures (`management.metrics.distribution.slo.http.server.requests=500ms`). A round threshold is never
one of the first: replayed with promtool (round 44), a healthy Spring service's 99% SLO at 500ms read no `le="0.5"`
series, saw no request, and SLODataMissing ticketed from the 10th minute for as long as it ran. obsc cannot see the
service's configuration, so it warns at the metric until the spec declares the boundaries it publishes
(`buckets: [0.1, 0.5, 1, 5, 10]`, which also makes a threshold off them, or a p99 line above them, a located
error). A percentile bucket cannot be written as a threshold (whole milliseconds at the least).

Round 46: a team's own timer (`@Timed("checkout")`, `checkout_seconds`) has no name to know it by, and round 45's
four Spring names let it through. A service that reads any series only Micrometer writes (those timers, Spring Boot's
`application_ready_time_seconds`, `logback_events_total`) or Micrometer's `outcome` tag is instrumented with it, so
its other `_seconds` histograms scraped with the service's own selector are read as Micrometer timers too; an
exporter's histogram (its own `job`) is not.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal

from compiler.errors import Diagnostic, Location
from compiler.model.metric_paths import metric_path
from compiler.model.types import Metric, Service, SliKind
from compiler.model.units import decimal_text
from compiler.spec.document import Path

# Micrometer timers by the names they are exported under (Spring Boot's own instrumentation)
_TIMERS = frozenset(
    {
        "http_server_requests_seconds",
        "http_client_requests_seconds",
        "spring_data_repository_invocations_seconds",
        "tasks_scheduled_execution_seconds",
    }
)
# Series only Micrometer (and Spring Boot through it) writes, besides the timers; and its `outcome` tag's values
_ONLY_MICROMETER = frozenset({"application_ready_time_seconds", "application_started_time_seconds"})
_ONLY_MICROMETER_COUNTERS = frozenset({"logback_events_total"})
_OUTCOMES = frozenset({"INFORMATIONAL", "SUCCESS", "REDIRECTION", "CLIENT_ERROR", "SERVER_ERROR", "UNKNOWN"})
_TIMER_SERIES = ("", "_count", "_sum", "_bucket", "_max")
_NS = Decimal(10) ** 9


@functools.cache
def percentile_buckets_ns() -> frozenset[int]:
    """Micrometer's percentile-histogram boundaries in nanoseconds, up to about 13 days (4^25 ns)."""
    found = {1, 2, 3}
    for exp in range(2, 52, 2):
        current, step = 1 << exp, (1 << exp) // 3
        while current < (1 << (exp + 2)) - step:
            found.add(current)
            current += step
    return frozenset(found)


def micrometer_bucket_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per Micrometer timer and threshold (once however many services read it) whose threshold
    is no percentile-histogram boundary, while the spec declares no `buckets:` for it."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        witness = _micrometer_witness(service)
        for slo in service.slos:
            histogram, seconds = slo.sli.latency, slo.sli.threshold_seconds
            if slo.sli.kind is not SliKind.LATENCY or histogram is None or seconds is None:
                continue
            if (message := _unpublished(histogram, seconds, _timer_reason(service, histogram, witness))) is not None:
                found.setdefault((histogram.location, metric_path(service, histogram)), message)
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _micrometer_witness(service: Service) -> str | None:
    """A series or tag the service reads that only Micrometer writes (the first in its metrics), or None."""
    for metric in service.metrics:
        if metric.selector is None:
            continue
        name = metric.selector.metric
        if name in _ONLY_MICROMETER | _ONLY_MICROMETER_COUNTERS or any(
            name == timer + suffix for timer in _TIMERS for suffix in _TIMER_SERIES
        ):
            return name
        if any(m.label == "outcome" and _OUTCOMES & set(m.value.split("|")) for m in metric.selector.matchers):
            return f"{name}'s outcome tag"
    return None


def _timer_reason(service: Service, histogram: Metric, witness: str | None) -> str | None:
    """Why `histogram` is read as a Micrometer timer: by its Spring name, or as a `_seconds` histogram scraped with
    the service's own selector in a service that reads Micrometer's series; None when it is not read as one."""
    series = histogram.selector.metric if histogram.selector is not None else ""
    if series in _TIMERS:
        return "is a Micrometer timer"
    own_scrape = histogram.selector is not None and set(service.selector) <= set(histogram.selector.matchers)
    if witness is not None and series.endswith("_seconds") and own_scrape:
        return f"reads as a Micrometer timer (this service reads {witness}, which only Micrometer writes)"
    return None


def _unpublished(histogram: Metric, seconds: Decimal, reason: str | None) -> str | None:
    """Why a Micrometer timer may write no bucket at `seconds`; None when it does, when the spec says its buckets, or
    when `histogram` is not read as a timer (`reason` None)."""
    series = histogram.selector.metric if histogram.selector is not None else ""
    if reason is None or histogram.buckets or histogram.unit not in ("", "s"):
        return None
    ns = seconds * _NS
    buckets = percentile_buckets_ns()
    if ns == ns.to_integral_value() and int(ns) in buckets:
        return None
    le, near = decimal_text(seconds), _around(ns, buckets)
    setting = f"management.metrics.distribution.slo.{series.removesuffix('_seconds').replace('_', '.')}"
    return (
        f'{series} {reason}: it writes le="{le}" only where the service publishes {le}s as an SLO '
        f"boundary ({setting}={_spring_duration(seconds)}); its percentile histogram's {near}, so without the "
        "boundary the SLO sees no request and SLODataMissing tickets from its 10th minute; once the service "
        "publishes it, declare the boundaries it publishes on the metric, "
        f"{{selector: {series}, buckets: [..., {le}, ...]}} (obsc then checks the threshold and the p99 line "
        "against them)"
    )


def _around(ns: Decimal, buckets: frozenset[int]) -> str:
    """The percentile buckets on either side of `ns`; past the largest (a threshold of weeks), that one alone."""
    below = [b for b in buckets if b < ns]
    above = [b for b in buckets if b > ns]
    if not above:
        return f"largest bucket is {decimal_text(Decimal(max(below)) / _NS)}"
    return "buckets around it are " + " and ".join(decimal_text(Decimal(b) / _NS) for b in (max(below), min(above)))


def _spring_duration(seconds: Decimal) -> str:
    """A duration as Spring Boot's properties take it: a whole number and a unit (`500ms`; `0.5s` is refused)."""
    for unit, scale in (("s", 1), ("ms", 1000), ("us", 10**6)):
        if (value := seconds * scale) == value.to_integral_value():
            return f"{int(value)}{unit}"
    return f"{int(seconds * _NS)}ns"
