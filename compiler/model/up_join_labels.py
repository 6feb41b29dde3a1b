"""A metric joined to the service's targets by labels the platform says their `up` does not carry.

The CPU and memory of a service's pods are read by joining cAdvisor's series to `group by (namespace, pod)
(up{$selector})` (docs/operations.md). Under static or file-SD scrape configs (`defaults.target_labels: []`) `up`
carries neither label: the group is one series with both empty, no container series matches it, the alerts over
the metric cannot fire and its missing-data twin tickets for as long as the service runs (promtool, round 40); only
`obsc verify` said so, against a live server. The platform's `target_labels` says which labels `up` carries; `pod`
is read as there wherever `namespace` is (Kubernetes service discovery puts both), and as absent elsewhere. A fleet
that does not say is not judged (the Kubernetes labels are guessed, with their own warning).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import promql_parser as pp

from compiler.errors import Diagnostic, Location
from compiler.model import promql_tree
from compiler.model.fleet_target_labels import ALWAYS, said
from compiler.model.metric_paths import metric_path
from compiler.model.promql_check import SAMPLE_WINDOW, nodes_of
from compiler.model.types import Metric, Service
from compiler.spec.document import Path

_SHOWN = 3


def up_join_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric (a platform default's once, naming the services it reaches) that groups the
    service's `up` by a label the platform's `target_labels` leaves off it."""
    found: dict[tuple[Location, Path, tuple[str, ...], frozenset[str]], list[str]] = {}
    for service in services:
        if service.fleet_target_labels is None:
            continue
        fleet = frozenset(service.fleet_target_labels)
        carried = ALWAYS | fleet | ({"pod"} if "namespace" in fleet else set())
        for metric in service.metrics:
            if lost := tuple(label for label in _up_group_labels(metric) if label not in carried):
                path = metric_path(service, metric)
                found.setdefault((metric.location, path, lost, fleet), []).append(service.name)
    return [
        Diagnostic(location, path, _message(lost, fleet, names, own=path[0] == "metrics"))
        for (location, path, lost, fleet), names in found.items()
    ]


def _up_group_labels(metric: Metric) -> list[str]:
    """The labels each `group by (...) (up{...})` (any aggregation of `up` by labels) of the metric keeps."""
    if not metric.expr or "up" not in metric.expr:
        return []
    try:
        tree = promql_tree.parse_filled(metric.expr, window=SAMPLE_WINDOW)
    except (ValueError, TypeError):
        return []  # reported where expressions are checked
    kept: list[str] = []
    for node in nodes_of(tree, pp.AggregateExpr):
        if _reads_up(node.expr) and node.modifier is not None and node.modifier.type == pp.AggModifierType.By:
            kept.extend(label for label in node.modifier.labels if label not in kept)
    return kept


def _reads_up(node: Any) -> bool:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return isinstance(node, pp.VectorSelector) and node.name == "up"


def _message(lost: Sequence[str], fleet: frozenset[str], services: Sequence[str], own: bool) -> str:
    shown = ", ".join(services[:_SHOWN]) + (f" and {len(services) - _SHOWN} more" if len(services) > _SHOWN else "")
    whose = "the service's" if own else f"each service's ({shown})"
    labels = ", ".join(lost)
    return (
        f"it groups {whose} `up` by {labels}, which the platform's {said(fleet)} says the targets do not carry "
        f"(`pod` is read as there only beside `namespace`, under Kubernetes service discovery): the group has "
        f"{labels} empty, no series joined on it matches, the alerts over this metric cannot fire and its "
        "missing-data twin tickets for as long as the service runs; join on labels `up` carries, or add the "
        "label to target_labels if the targets do carry it"
    )
