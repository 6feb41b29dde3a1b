"""Latency histograms whose name does not settle the unit obsc reads their buckets in (round 44).

A histogram named in a unit at its end (`x_milliseconds`, `x_ms`) must declare it (an error, build_targets), and so
must a few exporters' histograms known to count milliseconds with no unit in the name (units._UNIT_BY_EXPORTER).
That list is names: another exporter's is read as seconds without a word. Replayed with promtool (round 44),
APISIX's `apisix_http_latency` (milliseconds, buckets 1 to 60000) on a healthy gateway (p99 200-500 ms) under a 99%
SLO at 500ms read its le="0.5" bucket, which no series has (the SLO saw nothing; SLODataMissing ticketed), and its
p99 of a few hundred (ms) as seconds: ServiceHighLatencyP99 paged from the 10th minute for as long as it ran.
So the name itself is read, word by word:
- no time unit in it at all (`apisix_http_latency`): a warning to declare the unit, `unit: s` when it is seconds;
- a unit word not at its end (`request_latency_ms_histogram`), which the suffix rule missed: a warning naming it;
- a declared unit the name contradicts (`unit: ms` on `http_server_requests_seconds`): a warning, since a 300ms
  threshold then reads le="300", 300 s, a bucket that every request is under or that no series has; so does one
  that contradicts the unit its exporter is known to count in (`unit: s` on Envoy's `..._rq_time`, round 47).
A declared `unit:` that agrees with the name, or any on a name with no unit, is the spec's word: nothing is said.
`obsc verify` compares the live buckets and mean observation with the spec (live_series.unit_mismatch).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.metric_paths import metric_path
from compiler.model.summary_slices import summary_only
from compiler.model.types import Metric, MetricType, Service, SliKind
from compiler.model.units import exporter_unit, histogram_unit_in_name
from compiler.spec.document import Path

_SECONDS_WORDS = frozenset({"seconds", "second", "secs", "sec"})
# A word of a histogram's name that is a time unit other than seconds, by obsc unit. `us` and `ns` are left out
# here: as words of a name they are as often a region or a namespace (`us_east`, `kube_ns`).
_OTHER_WORDS = {"milliseconds": "ms", "millis": "ms", "msec": "ms", "ms": "ms"} | {
    "microseconds": "µs", "micros": "µs", "nanoseconds": "ns", "nanos": "ns"
}  # fmt: skip


def histogram_name_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per latency histogram (once however many services read it) whose name does not say the
    unit obsc reads it in: no unit word, a unit word the suffix rule did not read, or one its `unit:` contradicts."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric in _latency_histograms(service):
            assert metric.selector is not None
            if summary_only(metric.selector.metric):
                continue  # no histogram at all: summary_histogram_warnings says so, and no unit would read one
            if (message := name_unit_problem(metric.selector.metric, metric.unit)) is None:
                continue
            path = metric_path(service, metric)
            found.setdefault((metric.location, path), message)
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _latency_histograms(service: Service) -> Iterator[Metric]:
    """The histograms read as durations: the p99 alerts' `latency` metric and each latency SLI's histogram."""
    seen: set[str] = set()
    latency = service.metric("latency")
    candidates = [latency] + [slo.sli.latency for slo in service.slos if slo.sli.kind is SliKind.LATENCY]
    for metric in candidates:
        if metric is None or metric.type is not MetricType.HISTOGRAM or metric.selector is None:
            continue
        if metric.name not in seen:
            seen.add(metric.name)
            yield metric


def name_unit_problem(series: str, unit: str) -> str | None:
    """Why `series` read in `unit` ("" = seconds, not declared) may be read in the wrong unit; None when its name
    and its unit agree, or the spec declared a unit the name does not contradict."""
    if (known := exporter_unit(series)) is not None and unit and unit != known[0]:
        # the exporter's unit is a fact, not a reading of the name: Envoy's rq_time under `unit: s` read a healthy
        # cluster's p99 of ~100 (ms) as 100 s and paged, and its SLO found no le="0.1" bucket (round 47, promtool)
        return (
            f"{series} declares unit: {unit}, but {known[1]}: obsc reads its buckets as {unit}, so a 100ms threshold "
            f"reads a bucket its series do not have (the SLO sees no requests, SLODataMissing fires) and a healthy "
            f"p99 of 100 (ms) is read as 100 {unit} (a healthy Envoy cluster paged ServiceHighLatencyP99 within the "
            f"hour); write unit: {known[0]}"
        )
    words = series.lower().split("_")
    said = next((_OTHER_WORDS[w] for w in words if w in _OTHER_WORDS), None)
    in_seconds = any(w in _SECONDS_WORDS for w in words)
    if unit in ("ms", "µs", "ns"):
        if in_seconds and said != unit and histogram_unit_in_name(series) is None:
            return (
                f"{series} is named in seconds but declares unit: {unit}, so obsc reads its buckets as {unit}: a "
                f'300ms threshold reads le="300" (300 s), a bucket every request is under or no series has, and a '
                f"p99 of 0.25 (s) as 0.25 {unit}; drop `unit: {unit}` unless its buckets really count {unit}"
            )
        return None
    if unit or in_seconds or histogram_unit_in_name(series) is not None:
        return None  # declared seconds, or named in seconds, or the suffix rule's error already asks for the unit
    if said:
        return (
            f"{series} holds `{next(w for w in words if w in _OTHER_WORDS)}` in its name but does not end in it, so "
            f'obsc reads its buckets as seconds (a 250ms threshold as le="0.25", a p99 of 300 as 300 s); if they '
            f"count {said}, write {{selector: {series}, unit: {said}}}, else `unit: s`"
        )
    return (
        f"{series} has no time unit in its name, so obsc reads its buckets as seconds: if they count milliseconds (as "
        f'APISIX\'s apisix_http_latency does, buckets 1 to 60000), a 250ms threshold reads le="0.25" (0.25 ms) and a '
        f"p99 of 300 ms pages as 300 s; say which: {{selector: {series}, unit: s}} or `unit: ms` (`obsc verify` "
        f"compares the live buckets with it)"
    )
