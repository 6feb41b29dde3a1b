"""A state-set gauge read without its state label: a condition on it never changes (round 49).

Several exporters write one series per possible state of an object, 1 for the state it is in and 0 for each other
(an OpenMetrics StateSet): elasticsearch_exporter's cluster health by `color`, node_exporter's systemd units by
`state`, kube-state-metrics' pod phases and conditions, cert-manager's readiness by `condition`, consul_exporter's
health checks by `status` (passing, warning, critical, maintenance). Read without that
label, every state's series is aggregated together, whatever state the object is in: `max` is 1 and `min` 0 for as
long as it exists (`sum` counts the objects, `avg` is one over the number of states). A newcomer's Elasticsearch
spec read `elasticsearch_cluster_health_status` (min) with `good_when: health == 1`: replayed with promtool, a
healthy green cluster paged SLOErrorBudgetBurnFast within the first half hour, every slice bad. A HAProxy host read
`node_systemd_unit_state{name="haproxy.service"}` (max) `below: 1`: the unit failed for an hour and nothing fired.

A located warning at the metric, not an error: a sum of one state set over many objects is a count of them (pods in
any phase) that a spec may mean. It is said of a metric a time-slice SLI or a threshold alert reads, and of any
other whose `min`, `max` or `avg` is a constant line on its dashboard. A matcher on the state label that
keeps any state out (`color="red"`, `state!="active"`) pins it; so does an alert's `by:` on it; in a PromQL
expression, the label named anywhere (a `by (color)`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.mesh_reporter import OPS, passes
from compiler.model.metric_paths import metric_path
from compiler.model.promql_check import selectors
from compiler.model.promql_sample import sample_tree
from compiler.model.types import Aggregation, Metric, Service, SliKind
from compiler.spec.document import Path

# Each exporter's state-set gauge, its state label and the states it writes (what a matcher must keep out; the
# first is the one the warning's example pins).
_TRUTH = ("true", "false", "unknown")
_PHASES = ("Failed", "Pending", "Running", "Succeeded", "Unknown")
_CHECKS = ("critical", "warning", "passing", "maintenance")  # consul_exporter's health checks (round 53)
_STATE_SETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "elasticsearch_cluster_health_status": ("color", ("red", "yellow", "green")),
    "node_systemd_unit_state": ("state", ("failed", "active", "activating", "deactivating", "inactive")),
    "windows_service_state": ("state", ("running", "stopped", "start pending", "stop pending", "paused", "unknown")),
    "kube_pod_status_phase": ("phase", _PHASES),
    "kube_pod_status_ready": ("condition", _TRUTH),
    "kube_pod_status_scheduled": ("condition", _TRUTH),
    "kube_node_status_condition": ("status", _TRUTH),
    "kube_deployment_status_condition": ("status", _TRUTH),
    "kube_horizontalpodautoscaler_status_condition": ("status", _TRUTH),
    "kube_job_complete": ("condition", _TRUTH),
    "kube_job_failed": ("condition", _TRUTH),
    "kube_namespace_status_phase": ("phase", ("Active", "Terminating")),
    "kube_persistentvolume_status_phase": ("phase", ("Failed", "Pending", "Available", "Bound", "Released")),
    "kube_persistentvolumeclaim_status_phase": ("phase", ("Lost", "Bound", "Pending")),
    "certmanager_certificate_ready_status": ("condition", ("True", "False", "Unknown")),
    "gotk_reconcile_condition": ("status", ("True", "False", "Unknown", "Deleted")),
    "consul_health_service_status": ("status", _CHECKS),
    "consul_health_node_status": ("status", _CHECKS),
}
_ANY_OTHER = "obsc-any-other-state"  # a value no state is: a matcher passing it and every state keeps none out
Matchers = Sequence[tuple[str, str, str]]
_CONSTANT = (Aggregation.MIN, Aggregation.MAX, Aggregation.AVG)  # over every state: 0, 1, 1/states


def unpinned_state(series: str, matchers: Matchers) -> str | None:
    """The state label of a state-set `series` whose `matchers` (label, op, value) let every state through, else
    None (another series, or the state read)."""
    if (known := _STATE_SETS.get(series)) is None:
        return None
    label, states = known
    on_label = [(op, value) for name, op, value in matchers if name == label]
    if all(passes(op, value, state) for op, value in on_label for state in (*states, _ANY_OTHER)):
        return label
    return None


def state_set_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric (once however many services read it) that aggregates a state-set series
    across every state and that a time-slice SLI or a threshold alert reads, or that no sum can make a count."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        grouped = {(a.metric.name, label) for a in service.threshold_alerts for label in a.by}
        for metric in _conditions_read(service):
            for series, label in _unpinned(metric):
                if (metric.name, label) not in grouped:
                    key = (metric.location, metric_path(service, metric))
                    found.setdefault(key, _message(metric.name, series, label))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _conditions_read(service: Service) -> Iterator[Metric]:
    """The gauges a condition reads (time-slice SLIs, threshold alerts), and the metrics combined by min, max or
    avg (a constant on a dashboard); an alert's `by:` on the state label reads it (state_set_warnings)."""
    for metric in service.metrics:
        if metric.selector is not None and metric.aggregation in _CONSTANT:
            yield metric
    for slo in service.slos:
        if slo.sli.kind is SliKind.TIME_SLICE and slo.sli.gauge is not None:
            yield slo.sli.gauge
    for alert in service.threshold_alerts:
        yield alert.metric


def _unpinned(metric: Metric) -> Iterator[tuple[str, str]]:
    """(series, state label) for each state-set series the metric reads across every state."""
    if metric.selector is not None:
        matchers = [(m.label, m.op, m.value) for m in metric.selector.matchers]
        if label := unpinned_state(metric.selector.metric, matchers):
            yield metric.selector.metric, label
        return
    tree = sample_tree(metric.expr or "")
    if tree is None:
        return
    for node in selectors(tree):
        series = str(node.name or "")
        matchers = [(m.name, OPS[str(m.op).rsplit(".", 1)[-1]], m.value) for m in node.matchers.matchers]
        label = unpinned_state(series, matchers)
        # a label the expression names elsewhere (`max by (color)`, `on (condition)`) is read, not summed away
        if label and not re.search(rf"(?<![\w\"]){re.escape(label)}(?![\w\"])", _outside_strings(metric.expr or "")):
            yield series, label


def _outside_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)


def _message(metric: str, series: str, label: str) -> str:
    example = f'{series}{{{label}="{_STATE_SETS[series][1][0]}"}}'
    return (
        f"metric {metric!r} reads {series} across every {label}: the exporter writes one series per {label}, 1 "
        f"for the {label} the object is in and 0 for each other, so read together max is 1 and min is 0 whatever "
        f"{label} it is in (sum counts the objects, in any {label}) and a condition on it never changes "
        "(replayed: min with == 1 paged a green Elasticsearch cluster, every slice bad; max below 1 stayed quiet "
        f"through a failed systemd unit); pin the {label} in the selector ({example} is 1 while it is in that "
        f"{label}), or group the alert by: [{label}]"
    )
