"""Threshold alerts on the spec's own metrics (`threshold_alerts:`): a recorded signal, then the comparison.

Like the key-metric alerts, each alert reads a recorded signal (`service:<metric>:<aggregation>`,
label `service` plus its `by` labels), not the raw metric: a free-PromQL metric is testable the same way
as a selector, and alerts on one metric share one recording. Counters are compared as their 5m rate,
`within` as time left (`signal - time()`, the earliest timestamp of each group).

A metric that disappears (exporter gone, renamed series) would read as healthy: unless the spec says
`missing: ignore`, a second rule of the same name fires when the signal has had no series for
max(for, 10m), so a scrape gap or a restart does not page. Split `by: [instance]`, it also fires for one
instance still scraped whose series vanished while the others report (vanished_instances); split by other
labels, a gauge's group whose series vanished while its last value was past the line (vanished_groups).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model import queries
from compiler.model.alert_kinds import KEEP_FIRING_SECONDS
from compiler.model.alerts import AlertDef, service_alerts
from compiler.model.promql import Selector
from compiler.model.thresholds import (
    MISSING_FOR_SECONDS,
    VANISHED_LOOKBACK,
    compared_expr,
    narrowed_counter_family,
    rate_window,
    reads_up,
    recorded_signal_expr,
    signal_name,
    vanished_instances_ticket,
    watches_vanished_groups,
    watches_vanished_instances,
)
from compiler.model.types import AlertKind, Comparison, MetricType, Platform, Service, ThresholdAlert
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus import templates as tmpl
from compiler.targets.prometheus.missing_sparse import sparse_text, sparse_window_seconds, with_sparse
from compiler.targets.prometheus.rule_model import Rule, record, series
from compiler.targets.prometheus.slo import alert_annotations, alert_labels
from compiler.targets.prometheus.slo_groups import group_text


def signal_series(service: Service, alert: ThresholdAlert) -> str:
    return series(signal_name(alert), {names.LABEL_SERVICE: service.name})


def threshold_rules(service: Service, platform: Platform) -> tuple[Rule, ...]:
    """Recorded signals first (rules of a group run in order), then every alert and its missing-data rule."""
    alerts = [a for a in service_alerts(service) if a.threshold is not None]
    recorded: dict[str, Rule] = {}
    for alert in alerts:
        assert alert.threshold is not None
        name = signal_name(alert.threshold)
        recorded.setdefault(
            name, record(name, recorded_signal_expr(alert.threshold), {names.LABEL_SERVICE: service.name})
        )
    out = list(recorded.values())
    for alert in alerts:
        out.append(_alert_rule(service, platform, alert))
        assert alert.threshold is not None
        if alert.threshold.missing_fires:
            apart = split_instances(service, alert)
            out.append(_missing_rule(service, platform, alert, instances=not apart))
            if apart:
                out.append(_instance_missing_rule(service, platform, alert))
    return tuple(out)


def split_instances(service: Service, alert: AlertDef) -> bool:
    """Whether the twin's instance branch is a warning rule of its own (model.thresholds.vanished_instances_ticket)."""
    assert alert.threshold is not None
    return vanished_instances_ticket(alert.threshold, alert.tier, bool(service.targets))


def comparison_expr(service: Service, alert: ThresholdAlert, compared: str = "") -> str:
    """The compared expression (model.thresholds, which the alert's dashboard panel plots) against the line."""
    op = ">" if alert.comparison is Comparison.ABOVE else "<"  # below, or within: less time left than the line
    return f"{compared or compared_expr(alert, service.name)} {op} {decimal_text(alert.threshold)}"


def value_template(alert: ThresholdAlert) -> str:
    """How the alert's value reads: time left, a duration, a percentage, or a plain (SI-prefixed) number."""
    if alert.comparison is Comparison.WITHIN or alert.metric.unit == "s":
        return tmpl.DURATION
    if alert.metric.unit == "percentunit":
        return tmpl.PERCENT
    return tmpl.NUMBER


def _what(alert: ThresholdAlert) -> str:
    metric = alert.metric
    name = metric.title or metric.name
    rate = f" (per second, over {rate_window(alert)})" if metric.type is MetricType.COUNTER else ""
    per = f" for {group_text(alert.by)}" if alert.by else ""  # which topic: each alert of a notification says its own
    return f"{name}{rate}{per}"


def texts(service: Service, alert: ThresholdAlert) -> tuple[str, str]:
    """(summary, description): the spec's own words first, then what obsc knows (value, line, hold)."""
    hold = format_duration(alert.for_seconds)
    what, line, value = _what(alert), alert.threshold_text, value_template(alert)
    if alert.comparison is Comparison.WITHIN:
        default = f"{service.name}: {what} is less than {line} away"
        fact = f"{what} is {value} away (alert within {line}, held {hold})."
    else:
        word = alert.comparison.value
        default = f"{service.name}: {what} is {word} {line}"
        fact = f"{what} is {value} (alert {word} {line}, held {hold})."
    description = f"{alert.description} {fact}" if alert.description else fact
    return alert.summary or default, description


def missing_family(service: Service, alert: ThresholdAlert) -> Selector | None:
    """The family a counter compared `above` also needs gone before its data counts as missing: its name with
    the service's labels. Its narrower series, such as errors (`outcome="error"`), appear with the first such
    event, so none yet is no events, under the line (it ticketed every healthy service). None for every other
    alert, and for a metric read without the service's labels (an exporter's)."""
    if alert.comparison is not Comparison.ABOVE:
        return None
    return narrowed_counter_family(alert.metric, service.selector)


def missing_expr(service: Service, alert: ThresholdAlert, instances: bool = True) -> str:
    """`instances=False`: without the instance branch, a rule of its own (split_instances)."""
    lines = [f"absent({signal_series(service, alert)})"]
    if (family := missing_family(service, alert)) is not None:
        lines.append(f"absent(sum({family.render()}))")
    hold = max(alert.for_seconds, MISSING_FOR_SECONDS)
    whole = with_sparse(lines, hold)
    if (down := targets_down_within(service, alert, hold)) is not None:
        whole = f"(\n{whole}\n)\nunless on ()\n{down}"
    own = vanished_instances(service, alert) if instances else None
    parts = [whole] + [p for p in (own, vanished_groups(service, alert)) if p]
    return whole if len(parts) == 1 else "\nor\n".join(f"(\n{part}\n)" for part in parts)


def targets_down_within(service: Service, alert: ThresholdAlert, hold: int) -> str | None:
    """While every target of the service reported down at some evaluation of the twin's sparse window: the
    signal is missing because nothing answers, which is ServiceDown's page, not missing data. Alertmanager
    inhibits the twin only while ServiceDown fires; ServiceDown ends when the targets answer (its crash-loop
    branch a few minutes later), but the twin's sparse branch reads the outage for a third of its hold more,
    then `keep_firing_for`: a Celery exporter down 40 minutes paged ServiceDown, then its queue-age twin once
    the exporter was back (a second page for one incident, live on Prometheus 2.42 and Alertmanager 0.25).
    Over the sparse window, any outage the twin could read is seen. Only with ServiceDown (without it the twin
    is the only word of a dead exporter); no `up` series at all is no reading (ServiceDown's `or vector(0)`).
    Not for a signal read from `up` itself (a floor of instances): all targets down is a value of it, not missing."""
    if reads_up(alert) or not service.targets or not any(a.kind is AlertKind.SERVICE_DOWN for a in service.key_alerts):
        return None
    window = format_duration(sparse_window_seconds(hold))
    return f"min_over_time(sum({queries.up(service)})[{window}:]) == 0"


def vanished_groups(service: Service, alert: ThresholdAlert) -> str | None:
    """An alert split by labels other than `instance` (a gauge's): the groups whose last value within
    VANISHED_LOOKBACK was past the line and that have no series now. A lagging topic that the exporter stops
    reporting is not a recovery, and the alert resolved on it. A group last seen healthy stays quiet: nothing
    says a topic or a partition should still exist (a deleted one is not broken); one deleted while past its
    line tickets until the lookback ends (`missing: ignore` drops it)."""
    if not watches_vanished_groups(alert):
        return None
    last = comparison_expr(service, alert, compared_expr(alert, service.name, VANISHED_LOOKBACK))
    return f"{last}\nunless on ({', '.join(alert.by)})\n{signal_series(service, alert)}"


def vanished_instances(service: Service, alert: ThresholdAlert) -> str | None:
    """An alert split by `instance`: the instances still scraped whose signal had series within
    VANISHED_LOOKBACK and has none now, while other instances' series are there (all gone is `absent`'s).

    `up` tells a broken instance from one removed by a scale-down or a deploy that renamed its pods (gone
    from `up` as well); the lookback keeps quiet an instance that never had the series (a metric written by
    an exporter whose `instance` is not a target's), and ends the ticket a day after. A counter's narrower
    series (errors) vanish at a restart until the next event: its family's series there count as present.
    Per instance, whatever else the alert is split by: a topic gone from an instance that still reports
    others is not a vanished instance.
    Only `instance`: for another label (`topic`, `partition`) nothing says whether the value should still
    exist, and a deleted topic would ticket."""
    if not watches_vanished_instances(alert, bool(service.targets)):
        return None
    own = signal_series(service, alert)
    lines = [f"group by (instance) (last_over_time({own}[{VANISHED_LOOKBACK}]))", f"unless on (instance)\n{own}"]
    if (family := missing_family(service, alert)) is not None:
        lines.append(f"unless on (instance)\n{family.render()}")
    lines += [f"and on (instance)\n{queries.up(service)}", f"and on ()\ncount({own}) > 0"]
    return "\n".join(lines)


def missing_texts(service: Service, alert: ThresholdAlert, instances: bool = True) -> tuple[str, str]:
    hold = format_duration(max(alert.for_seconds, MISSING_FOR_SECONDS))
    metric = alert.metric.title or alert.metric.name
    summary = f"{service.name}: {metric} has no series, so {alert.name} cannot tell"
    description = (
        f"No {alert.metric.name} series for {hold}: the exporter is gone, the series was renamed or the selector "
        f"no longer matches. {alert.name} reads it and would stay quiet (set missing: ignore if that is expected)."
    ) + sparse_text(max(alert.for_seconds, MISSING_FOR_SECONDS))
    if targets_down_within(service, alert, max(alert.for_seconds, MISSING_FOR_SECONDS)) is not None:
        window = format_duration(sparse_window_seconds(max(alert.for_seconds, MISSING_FOR_SECONDS)))
        description += (
            f" Quiet while every target of {service.name} was down in the last {window}: that is ServiceDown's page."
        )
    if watches_vanished_groups(alert):
        description += (
            f" Or, the alert labelled with a group: its last value in the last {VANISHED_LOOKBACK} was past the "
            f"line, and it has had no series for {hold} while others report (no series is no recovery)."
        )
    if instances and watches_vanished_instances(alert, bool(service.targets)):
        description += (
            f" Or, the alert labelled with an instance: that instance is still scraped and had {alert.metric.name} "
            f"series in the last {VANISHED_LOOKBACK}, but none for {hold}, while other instances report (an "
            "exporter or collector failing on it, a relabelling)."
        )
    return summary, description


def _alert_rule(service: Service, platform: Platform, alert: AlertDef) -> Rule:
    assert alert.threshold is not None
    return Rule(
        expr=comparison_expr(service, alert.threshold),
        alert=alert.name,
        for_seconds=alert.threshold.for_seconds,
        keep_firing_seconds=KEEP_FIRING_SECONDS,
        labels=alert_labels(service, alert),
        annotations=alert_annotations(service, platform, alert, *texts(service, alert.threshold)),
        source=alert,
    )


def _instance_missing_rule(service: Service, platform: Platform, alert: AlertDef) -> Rule:
    """The instance branch of a critical alert's twin, at warning (split_instances)."""
    assert alert.threshold is not None
    expr = vanished_instances(service, alert.threshold)
    assert expr is not None
    hold = format_duration(max(alert.threshold.for_seconds, MISSING_FOR_SECONDS))
    metric = alert.threshold.metric.title or alert.threshold.metric.name
    summary = f"{service.name}: {metric} has no series for instance={{{{ $labels.instance }}}}"
    description = (
        f"Instance {{{{ $labels.instance }}}} is still scraped and had {alert.threshold.metric.name} series in the "
        f"last {VANISHED_LOOKBACK}, but none for {hold}, while other instances report: {alert.name} cannot tell for "
        "it (an exporter or collector failing on it, a relabelling, or a role that no longer writes it, such as a "
        f"replica promoted at a failover). A ticket: the others are still watched; it ends {VANISHED_LOOKBACK} "
        "after the last series."
    )
    labels = {**dict(alert_labels(service, alert)), names.LABEL_DATA: "missing", names.LABEL_SEVERITY: "warning"}
    return Rule(
        expr=expr,
        alert=alert.name,
        for_seconds=max(alert.threshold.for_seconds, MISSING_FOR_SECONDS),
        keep_firing_seconds=KEEP_FIRING_SECONDS,
        labels=tuple(sorted(labels.items())),
        annotations=alert_annotations(service, platform, alert, summary, description),
        source=alert,
    )


def _missing_rule(service: Service, platform: Platform, alert: AlertDef, instances: bool = True) -> Rule:
    assert alert.threshold is not None
    return Rule(
        expr=missing_expr(service, alert.threshold, instances),
        alert=alert.name,
        for_seconds=max(alert.threshold.for_seconds, MISSING_FOR_SECONDS),
        # an exporter in a crash loop answers one scrape in a few minutes: without it each answer resolved the
        # twin and it fired again a hold later, a page every cycle for one broken exporter
        keep_firing_seconds=KEEP_FIRING_SECONDS,
        labels=tuple(sorted({**dict(alert_labels(service, alert)), names.LABEL_DATA: "missing"}.items())),
        annotations=alert_annotations(service, platform, alert, *missing_texts(service, alert.threshold, instances)),
        source=alert,
    )
