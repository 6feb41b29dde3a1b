"""Request counts and durations derived from traces, read as a service's SLI without saying which spans (round 47).

The OpenTelemetry Collector's spanmetrics connector (and its older processor, and Grafana Tempo's metrics generator)
counts every span of a service: `traces_span_metrics_calls_total` (`traces_spanmetrics_calls_total`, `calls_total`)
and the duration histogram carry `span_kind` and `status_code`. Two readings a newcomer writes count the wrong thing:
- no `span_kind`: the service's outgoing calls (SPAN_KIND_CLIENT) and its internal spans are counted beside the
  requests it serves (SPAN_KIND_SERVER), so a dependency's failure the service retries or falls back from burns its
  budget, and a database call's duration is one of its requests'. Replayed with promtool (round 47): a healthy
  99.9% SLO over 14d at 10 req/s, whose inventory client spans failed 3% (retried, every request served), paged
  from its 5th minute for the 4 hours it ran; with `span_kind="SPAN_KIND_SERVER"` it stayed quiet.
- `status_code` read by what it is not: a span's status is UNSET unless the code sets it, and instrumentation sets
  it only on errors (OK is for an application to say explicitly), so `status_code!="STATUS_CODE_OK"` counts almost
  every healthy request as failed (paged from the 5th minute, promtool), and `status_code="STATUS_CODE_OK"` as the
  good events counts almost none as good.
Both are warnings at the metric: a team may mean to count what it counts.

Span metrics come from a collector, never from the service: `targets:` then names the collector's `up`, which stays
1 while the service is dead, and without `targets_via: collector` obsc took it for the service's own (ServiceDown
watched the collector, and no SLOTrafficStopped was written): a service whose pods all died read as no traffic and
paged nothing (promtool, round 47). A warning at the first span metric names `targets_via: collector`.

The connector's duration histogram has fixed default buckets (2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400,
2000, 5000, 10000, 15000 ms) unless the collector's `histogram.explicit.buckets` says others: a latency SLO at 250ms
read no le="250" series, so SLODataMissing fired on a healthy service and an hour of every request at ~900 ms paged
nothing (promtool, round 47; at 200ms it paged). Warned, as Micrometer's timers are, until the metric declares the
buckets the collector writes (`buckets:`, which obsc then checks the threshold against).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal

from compiler.errors import Diagnostic, Location
from compiler.model.grpc_codes import read_as_outcomes
from compiler.model.metric_paths import metric_path
from compiler.model.promql import Matcher
from compiler.model.promql_regex import full_match
from compiler.model.types import Metric, MetricType, Service, SliKind
from compiler.model.units import decimal_text
from compiler.spec.document import Path

# The series spanmetrics writes, under any namespace: calls, and the duration histogram (`latency` before 0.85)
_SERIES = re.compile(
    r"(?:\w+_)?(?:calls(?:_total)?|(?:duration|latency)(?:_milliseconds|_seconds)?(?:_bucket|_count|_sum)?)"
)
_NAMESPACED = re.compile(r"traces_span_?metrics_\w+")
_SPAN_LABELS = frozenset({"span_kind", "span_name", "service_name"})
_ENTRY_KINDS = ("SPAN_KIND_SERVER", "SPAN_KIND_CONSUMER")  # a request served, a message taken
_OTHER_KINDS = ("SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_INTERNAL")
_UNSET = "STATUS_CODE_UNSET"
_DURATIONS = re.compile(r"(?:\w+_)?duration(?:_milliseconds|_seconds)?")  # the connector's; Tempo's `latency` differs
_DEFAULT_BUCKETS_MS = frozenset(Decimal(b) for b in (2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000))
_DEFAULT_BUCKETS_MS |= {Decimal(5000), Decimal(10000), Decimal(15000)}


def span_metric_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per span-derived metric (once however many services read it) that mixes a service's own
    spans with its outgoing and internal ones, or counts an unset status as a failure (or not as good)."""
    found: dict[tuple[Location, Path], list[str]] = {}
    for service in services:
        for metric, as_good in _read_metrics(service):
            if metric.selector is None or not is_span_metric(metric.selector.metric, metric.selector.matchers):
                continue
            key = (metric.location, metric_path(service, metric))
            said = found.setdefault(key, [])
            for message in (_kinds_mixed(metric.selector.matchers), _unset_misread(metric.selector.matchers, as_good)):
                if message is not None and message not in said:
                    said.append(message)
    for service in services:
        for slo in service.slos:
            histogram, seconds = slo.sli.latency, slo.sli.threshold_seconds
            if histogram is None or seconds is None or (message := _bucket_unwritten(histogram, seconds)) is None:
                continue
            said = found.setdefault((histogram.location, metric_path(service, histogram)), [])
            if message not in said:
                said.append(message)
    out = [Diagnostic(location, path, "; ".join(said)) for (location, path), said in found.items() if said]
    return out + [d for service in services if (d := _relay_unsaid(service)) is not None]


def _bucket_unwritten(histogram: Metric, seconds: Decimal) -> str | None:
    """Why the connector's duration histogram may write no bucket at `seconds`: none of its default buckets is
    there and the spec declares no `buckets:`."""
    if histogram.selector is None or histogram.buckets or histogram.unit not in ("", "s", "ms"):
        return None
    series = histogram.selector.metric
    if not (_DURATIONS.fullmatch(series) and is_span_metric(series, histogram.selector.matchers)):
        return None
    ms = (seconds * 1000).normalize()
    if ms in _DEFAULT_BUCKETS_MS:
        return None
    le = decimal_text(ms) if histogram.unit == "ms" else decimal_text(seconds)
    below = max((b for b in _DEFAULT_BUCKETS_MS if b < ms), default=None)
    above = min((b for b in _DEFAULT_BUCKETS_MS if b > ms), default=None)
    near = " or ".join(f"{decimal_text(b)}ms" for b in (below, above) if b is not None)
    return (
        f"{series} is the spanmetrics connector's duration histogram, whose default buckets (2, 4, 6, 8, 10, 50, "
        f'100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000 ms) have no le="{le}": unless the collector\'s '
        f"histogram.explicit.buckets holds {decimal_text(ms)}ms, the SLO sees no request (SLODataMissing fires on a "
        f"healthy service, and an hour of every request at 900 ms paged nothing); set the threshold on a default "
        f"bucket ({near}), or declare the buckets the collector writes, {{selector: {series}, buckets: [..., {le}, "
        "...]}, which obsc then checks the threshold against"
    )


def _relay_unsaid(service: Service) -> Diagnostic | None:
    """A warning at the first span metric of a service whose targets are taken for its own (no `targets_via`)."""
    if not service.targets or service.relayed:
        return None
    spans = [
        m for m, _ in _read_metrics(service) if m.selector and is_span_metric(m.selector.metric, m.selector.matchers)
    ]
    if not spans:
        return None
    first = min(spans, key=lambda m: (m.location.line, m.location.col))
    up = ",".join(m.render() for m in service.targets)
    return Diagnostic(
        first.location,
        metric_path(service, first),
        f"span metrics are written by a collector, not by the service, so up{{{up}}} is the collector's and stays 1 "
        "while the service is dead: ServiceDown cannot see it die and a total outage reads as no traffic (its pods "
        "all gone for an hour paged nothing); say targets_via: collector beside targets:, and its critical SLOs page "
        "SLOTrafficStopped when their events stop while they were busy at this time yesterday and a week ago",
    )


def is_span_metric(series: str, matchers: Sequence[Matcher]) -> bool:
    """A spanmetrics series: its namespaced name, or a bare `calls_total`/`duration...` read with a span label."""
    if _NAMESPACED.fullmatch(series):
        return True
    return bool(_SERIES.fullmatch(series)) and any(
        m.label in _SPAN_LABELS or (m.label == "status_code" and "STATUS_CODE_" in m.value) for m in matchers
    )


def _read_metrics(service: Service) -> Iterator[tuple[Metric, bool | None]]:
    """The metrics read as failures (False), good events (True) or all events and durations (None)."""
    yield from read_as_outcomes(service)
    for slo in service.slos:
        if slo.sli.kind is SliKind.RATIO and slo.sli.total is not None:
            yield slo.sli.total, None
        if slo.sli.kind is SliKind.LATENCY and slo.sli.latency is not None:
            yield slo.sli.latency, None
    yield from ((m, None) for m in service.metrics if m.name == "requests" or m.type is MetricType.HISTOGRAM)


def _passes(matchers: Sequence[Matcher], label: str, value: str) -> bool:
    for m in (m for m in matchers if m.label == label):
        passed = (m.value == value) if m.op in ("=", "!=") else bool(full_match(m.value, value))
        if passed is (m.op in ("!=", "!~")):
            return False
    return True


def _kinds_mixed(matchers: Sequence[Matcher]) -> str | None:
    entry = [k for k in _ENTRY_KINDS if _passes(matchers, "span_kind", k)]
    other = [k for k in _OTHER_KINDS if _passes(matchers, "span_kind", k)]
    if not entry or not other:
        return None
    kinds = [k.removeprefix("SPAN_KIND_") for k in (*entry, *other)]
    return (
        f"this span metric lets span_kind {'/'.join(kinds)} through: the service's outgoing "
        "calls and internal spans are counted beside the requests it serves, so a dependency's failure it retries "
        "burns its budget and a database call's duration is one of its requests' (3% of a healthy service's client "
        "calls failing, retried, paged its 99.9% SLO from the 5th minute, for as long as it lasted); pin the "
        'requests it serves, span_kind="SPAN_KIND_SERVER" (SPAN_KIND_CONSUMER for a queue consumer), in the '
        "metric's selector or the service's"
    )


def _unset_misread(matchers: Sequence[Matcher], as_good: bool | None) -> str | None:
    if as_good is None or not any(m.label == "status_code" and "STATUS_CODE_" in m.value for m in matchers):
        return None
    if _passes(matchers, "status_code", _UNSET) is as_good:
        return None
    how = "leaves out of the good events" if as_good else "counts as failed"
    return (
        f"this selector {how} spans whose status is {_UNSET}, the status of every span the code did not mark: "
        "instrumentation sets STATUS_CODE_ERROR on a failure and leaves a success unset (OK is for an application "
        "to say explicitly), so nearly every healthy request reads as failed (paged from the 5th minute, for as "
        'long as it ran); count failures as status_code="STATUS_CODE_ERROR", good events as '
        'status_code!="STATUS_CODE_ERROR"'
    )
