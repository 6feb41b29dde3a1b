"""Business metrics on the service dashboard (every metric beyond the well-known ones), and the latency SLO
lines a histogram's quantile panel carries.

A timestamp summed over instances means nothing: two tokens expiring next week read as a date decades away
(or, in a `ms` panel, as a duration of a century). A gauge read as a timestamp (a date unit, a `within:`
threshold alert's metric, a freshness SLI's last success) is plotted as its alerts read it: the soonest
(`min`) for `within:`, otherwise its own aggregation, or the newest (`max`) in place of a sum; in epoch
milliseconds under a date unit, which Grafana shows as a date.
"""

from __future__ import annotations

from decimal import Decimal

from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import dashboard as models

from compiler.model.metric_seconds import name_says_timestamp, seconds_by_name
from compiler.model.panel_ids import panel_ids
from compiler.model.types import Aggregation, Comparison, Metric, MetricType, Service, SliKind
from compiler.model.units import HISTOGRAM_SECONDS, decimal_text
from compiler.targets.grafana import queries as q
from compiler.targets.grafana.panels import BLUE, Line, Link, Query, timeseries_panel
from compiler.targets.grafana.rate_units import per_second_gauge, share_unit
from compiler.targets.grafana.thresholds import threshold_note

WIDTH = 8
DATE_UNIT = "dateTimeAsIso"


def business_panels(service: Service, runbooks: dict[int, list[Link]]) -> list[Builder[models.Panel]]:
    business = [m for m in service.metrics if m.is_business]
    panels: list[Builder[models.Panel]] = []
    for metric in business:
        pid = panel_ids(service).metric(metric.name)
        description = f"Business metric {metric.name} ({metric.type.value})."
        aggregation = timestamp_aggregation(service, metric)
        lines = slo_lines(service, metric)
        if aggregation is not None:
            words = _TIMESTAMP_WORDS[aggregation]
            description += f" A timestamp: the {words} ({aggregation}) of its series, as a date."
            unit = metric.unit if metric.unit.startswith("dateTime") else DATE_UNIT
            queries = [Query(metric.title or metric.name, q.timestamp_ms(metric, aggregation))]
        else:
            unit = _unit(metric)
            queries = [Query(legend, expr) for legend, expr in q.metric_queries(service, metric)]
        if lines:
            description += f" Latency SLO thresholds (blue): {slo_lines_text(lines)}."
        panels.append(
            timeseries_panel(
                pid,
                metric.title or metric.name,
                description + threshold_note(service, metric.name),
                unit,
                queries,
                WIDTH,
                lines=lines,
                links=runbooks.get(pid, ()),
            )
        )
    return panels


_TIMESTAMP_WORDS = {"min": "soonest", "max": "newest", "avg": "average"}


def timestamp_aggregation(service: Service, metric: Metric) -> str | None:
    """How a timestamp gauge's series combine on its panel; None when the metric is not read as a timestamp."""
    if metric.type is not MetricType.GAUGE:
        return None
    if any(a.metric.name == metric.name and a.comparison is Comparison.WITHIN for a in service.threshold_alerts):
        return "min"  # what the within: alerts compare: the soonest
    fresh = any(
        s.sli.kind is SliKind.FRESHNESS and s.sli.gauge is not None and s.sli.gauge.name == metric.name
        for s in service.slos
    )
    if not fresh and not metric.unit.startswith("dateTime"):
        return None
    return Aggregation.MAX.value if metric.aggregation is Aggregation.SUM else metric.aggregation.value


def slo_lines(service: Service, histogram: Metric) -> list[Line]:
    """A line at the threshold of each latency SLO that reads `histogram` (its quantiles are plotted in seconds,
    queries.quantile), none for another histogram's SLOs."""
    return [
        Line(float(s.sli.threshold_seconds), BLUE)
        for s in service.slos
        if s.sli.latency is not None
        and s.sli.latency.name == histogram.name
        and s.sli.threshold_seconds is not None
        and histogram.selector is not None
    ]


def slo_lines_text(lines: list[Line]) -> str:
    return ", ".join(f"{decimal_text(Decimal(repr(line.value)))}s" for line in lines)


def _unit(metric: Metric) -> str:
    """A business metric's panel unit: its own, but seconds for a histogram's quantiles, which are recorded in
    seconds whatever time unit the histogram declares (queries.quantile)."""
    if metric.type is MetricType.HISTOGRAM and metric.selector is not None and metric.unit in HISTOGRAM_SECONDS:
        return "s"
    if metric.type is MetricType.GAUGE and seconds_by_name(metric) and not name_says_timestamp(metric):
        return "s"  # as its threshold panel: a `*_seconds` gauge's values are seconds (a duration, not a date)
    if per_second_gauge(metric):
        return "ops"  # `rate(a) + rate(b)`: per second, as a counter's panel says
    if share := share_unit(metric):
        return share  # `avg(probe_success)`: the share of probe locations that succeed; a `*_ratio` gauge
    return metric.unit or {MetricType.COUNTER: "ops", MetricType.GAUGE: "short", MetricType.HISTOGRAM: "s"}[metric.type]
