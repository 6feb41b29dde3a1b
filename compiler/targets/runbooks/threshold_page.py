"""The runbook sections of a threshold alert (`threshold_alerts:`): what it compares, what a missing
metric does to it, and the queries that show the value and the series behind it."""

from __future__ import annotations

from collections.abc import Sequence

from compiler import conventions as names
from compiler.model.alerts import AlertDef
from compiler.model.ratio_values import undefined_when_idle
from compiler.model.thresholds import (
    MISSING_FOR_SECONDS,
    VANISHED_LOOKBACK,
    rate_window,
    signal_aggregation,
    signal_expr,
    signal_name,
    vanished_instances_ticket,
    watches_vanished_groups,
    watches_vanished_instances,
)
from compiler.model.types import Comparison, MetricType, Service, ThresholdAlert
from compiler.model.units import format_duration
from compiler.targets import markdown

Query = tuple[str, str]


def _alert(first: AlertDef) -> ThresholdAlert:
    assert first.threshold is not None
    return first.threshold


def meaning(service: Service, first: AlertDef) -> list[str]:
    alert = _alert(first)
    metric = alert.metric
    source = markdown.code(metric.selector.render() if metric.selector is not None else str(metric.expr))
    value = "its per-second rate over 5m" if metric.type is MetricType.COUNTER else "its value"
    per = f", per {', '.join(alert.by)}" if alert.by else ""
    agg = "the soonest timestamp" if alert.comparison is Comparison.WITHIN else f"the {signal_aggregation(alert)}"
    if alert.comparison is Comparison.WITHIN:
        rule = f"less than {alert.threshold_text} remains until that timestamp"
    else:
        rule = f"{value} is {alert.comparison.value} {alert.threshold_text}"
    hold = format_duration(alert.for_seconds) if alert.for_seconds else "0s"
    out = [
        f"Threshold alert on metric **{metric.name}** ({source}): fires when {rule} ({agg} of its series{per}), "
        f"held for {hold}. Tier: {alert.tier.value}."
    ]
    if alert.description:
        out += ["", markdown.text(alert.description)]
    if undefined_when_idle(metric):
        out += [
            "",
            "**NaN is no value**: the expression divides or takes a quantile, so 0/0 (nothing to divide: no "
            "requests, nothing queued) or no observations read NaN. A group whose every value is NaN is under "
            "no line and over none: neither this alert nor its missing-data alert fires while it lasts.",
        ]
    missing = format_duration(max(alert.for_seconds, MISSING_FOR_SECONDS))
    if watches_vanished_instances(alert, bool(service.targets)):
        out += [
            "",
            f"**Missing data fires too**: with no {metric.name} series at all for {missing}, this alert "
            'fires with a "has no series" summary (the exporter is gone, the series was renamed, the selector no '
            f"longer matches); and so it does, labelled with the instance, for an instance still scraped that had "
            f"series in the last {VANISHED_LOOKBACK} and has none for {missing} while others report"
            + (" (at warning: a ticket, not a page)" if _instance_ticket(service, alert) else "")
            + ". An instance gone from `up` too (a scale-down, a renamed pod) is not missing data.",
        ]
    elif watches_vanished_groups(alert):
        groups = ", ".join(alert.by)
        out += [
            "",
            f"**Missing data fires too**: with no {metric.name} series at all for {missing}, this alert "
            'fires with a "has no series" summary (the exporter is gone, the series was renamed, the selector no '
            f"longer matches); and so it does, labelled with the group ({groups}), for a group whose last value in "
            f"the last {VANISHED_LOOKBACK} was past the line and that has had no series for {missing}: no series is "
            "no recovery. A group last seen on the right side of the line that goes quiet is not detected (a "
            "deleted one is not broken).",
        ]
    elif alert.missing_fires:
        out += [
            "",
            f"**Missing data fires too**: with no {metric.name} series at all for {missing}, this alert "
            'fires with a "has no series" summary (the exporter is gone, the series was renamed, the selector no '
            "longer matches). One group going quiet while others report is not detected.",
        ]
    else:
        out += [
            "",
            f"**Missing data is silent** (`missing: ignore`): without {metric.name} series this alert cannot "
            "fire. Something else must watch the exporter (its `up`, ServiceDown).",
        ]
    return out


def impact(budgets: Sequence[str]) -> list[str]:
    """`budgets`: the `budget_line` of each of the service's SLOs."""
    out = ["_Say what users notice when this fires, and how soon it becomes an incident._"]
    if budgets:
        out += ["", "SLOs of the service (their pages say how much budget is burning):"]
        out += [f"- {line}" for line in budgets]
    return out


def diagnosis(service: Service, first: AlertDef) -> list[Query]:
    alert = _alert(first)
    own = "{" + f'{names.LABEL_SERVICE}="{service.name}"' + "}"
    compared, itself = f"{signal_name(alert)}{own}", signal_expr(alert)
    if alert.comparison is Comparison.WITHIN:  # time left, not the timestamp: the number the line is in
        compared, itself = f"{compared} - time()", f"{itself} - time()"
    out = [
        ("the value the alert compares (recorded)", compared),
        ("the same, from the metric itself", itself),
    ]
    metric = alert.metric
    if metric.selector is not None:
        series = metric.selector.render()
        if metric.type is MetricType.COUNTER:
            series = f"rate({series}[{rate_window(alert)}])"
        out.append(_series_behind(alert, series))
    return out


def _series_behind(alert: ThresholdAlert, series: str) -> Query:
    """The series that set the compared value: the smallest under `min` (the soonest timestamp of a `within`)
    or a `sum`/`avg` alert `below` its line, else the largest. topk of 11 certificates hid the one expiring."""
    if alert.comparison is Comparison.WITHIN:
        return ("the ten soonest timestamps behind it", f"bottomk(10, {series})")
    aggregation = signal_aggregation(alert)
    if aggregation == "min" or (aggregation != "max" and alert.comparison is Comparison.BELOW):
        return ("the ten smallest series behind it", f"bottomk(10, {series})")
    return ("the ten largest series behind it", f"topk(10, {series})")


def _instance_ticket(service: Service, alert: ThresholdAlert) -> bool:
    return vanished_instances_ticket(alert, alert.tier, bool(service.targets))
