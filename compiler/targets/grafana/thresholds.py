"""Threshold alerts on the service dashboard: one panel per compared expression, in a row of its own, plotting
exactly what the rule compares (`model.thresholds.compared_expr`: the recorded signal, one series per `by`
group, or for `within` the time left) with a dashed line at each alert's value in the tier's colour.

The metric's own panel plots the metric over the whole service at Grafana's rate interval: a line there
said something else (a per-tenant line over the sum of every tenant, a time-left line over a timestamp), so
that panel only names the alerts in its description.
"""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.builders import dashboard as builders

from compiler.model.metric_seconds import seconds_by_name
from compiler.model.thresholds import compared_expr, compared_groups, rate_window, signal_aggregation, signal_name
from compiler.model.types import Comparison, MetricType, Service, ThresholdAlert, Tier
from compiler.model.units import format_duration
from compiler.targets import links as cross_links
from compiler.targets.grafana.groups import variable_matchers
from compiler.targets.grafana.panels import BLUE, ORANGE, RED, Line, Link, Query, timeseries_panel
from compiler.targets.grafana.rate_units import per_second_gauge, share_unit

_COLORS = {Tier.CRITICAL: RED, Tier.WARNING: ORANGE, Tier.INFO: BLUE}
WIDTH = 12


def threshold_note(service: Service, metric: str) -> str:
    """` Threshold alerts (plotted as they compare it, below): ConsumerLagHigh (warning) above 1000.` or ""."""
    mine = [a for a in service.threshold_alerts if a.metric.name == metric]
    if not mine:
        return ""
    return " Threshold alerts (each plotted as it compares it, in the threshold alerts row): " + _listed(mine) + "."


def threshold_panels(service: Service, runbooks: dict[int, list[Link]]) -> list[builders.Panel]:
    """A panel per compared expression, at the id the alerts' dashboard_url opens (links.threshold_panel_id)."""
    out = []
    for group in compared_groups(service.threshold_alerts):
        first = group[0]
        pid = cross_links.threshold_panel_id(service, first)
        lines = [Line(float(a.threshold), _COLORS[a.tier]) for a in sorted(group, key=lambda a: (a.tier.rank, a.name))]
        out.append(
            timeseries_panel(
                pid,
                _title(first),
                _description(first, group),
                _unit(first),
                [Query(_legend(first), compared_expr(first, service.name, matchers=variable_matchers(first.by)))],
                WIDTH,
                lines=lines,
                links=runbooks.get(pid, ()),
            )
        )
    return out


def _listed(alerts: Sequence[ThresholdAlert]) -> str:
    return "; ".join(
        f"{a.name} ({a.tier.value}) {a.comparison.value} {a.threshold_text} for {format_duration(a.for_seconds)}"
        for a in alerts
    )


def _title(alert: ThresholdAlert) -> str:
    name = alert.metric.title or alert.metric.name
    if alert.comparison is Comparison.WITHIN:
        name += ": time left"
    elif alert.metric.type is MetricType.COUNTER:
        name += " per second"
    return f"{name} per {', '.join(alert.by)}" if alert.by else name


def _description(alert: ThresholdAlert, group: Sequence[ThresholdAlert]) -> str:
    metric = alert.metric.name
    if alert.comparison is Comparison.WITHIN:
        what = f"Time left until the soonest {metric} timestamp (min − now)"
    elif alert.metric.type is MetricType.COUNTER:
        what = f"Per-second rate of {metric} over {rate_window(alert)} ({signal_aggregation(alert)})"
    else:
        what = f"{metric} ({signal_aggregation(alert)})"
    per = f", one series per {', '.join(alert.by)}" if alert.by else " for the whole service"
    return (
        f"{what}{per}: recorded as {signal_name(alert)}, exactly what the alerts compare with their lines. "
        f"Alerts: {_listed(group)}."
    )


def _legend(alert: ThresholdAlert) -> str:
    if alert.by:
        return " ".join(f"{{{{{label}}}}}" for label in alert.by)
    return "time left" if alert.comparison is Comparison.WITHIN else alert.metric.title or alert.metric.name


def _unit(alert: ThresholdAlert) -> str:
    """Seconds for time left; otherwise the metric's own unit (the line is in it), except a date unit: Grafana
    reads those as epoch milliseconds, and the signal is the exporter's value; seconds for a gauge named in them."""
    if alert.comparison is Comparison.WITHIN:
        return "s"
    unit = alert.metric.unit
    if unit and not unit.startswith("dateTime"):
        return unit
    if alert.metric.type is MetricType.COUNTER or per_second_gauge(alert.metric):
        return "ops"
    if share := share_unit(alert.metric):
        return share
    # a `*_seconds` gauge: its `above: 1h30m` line is 5400 seconds, which a `short` axis read as "5.40 K"
    return "s" if seconds_by_name(alert.metric) else "short"
