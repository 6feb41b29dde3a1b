"""Series of a cluster's exporters read through a service's selector: labels they never carry.

cAdvisor's `container_*` series are scraped from the kubelet and kube-state-metrics' `kube_*` series from
kube-state-metrics: Prometheus gives each sample the `job` and `instance` of the target it scraped, the
exporter's (`job="kubelet"`, `job="kube-state-metrics"`), never the workload's the series describe. A service
selector's `job` (or `instance`) filled into such a selector (`container_cpu_usage_seconds_total{$selector}`)
selects nothing, ever: the CPU and memory alerts cannot fire and their missing-data twins ticket for as long as
the service runs (round 39: the example platform did this for every service). The series describe the workload
by `namespace`, `pod` and `container`, which the service's targets carry on `up`: joined there, they read its
own containers. A spec for the exporter itself (its selector names the exporter's job) is not judged.

node_exporter's `node_*` series describe a node, scraped from the node_exporter on it: under Kubernetes (the
platform's `target_labels` or the service's selector names `namespace`) that is a DaemonSet with a job of its own,
and `node_filesystem_avail_bytes{job="checkout"}` selects nothing (round 40: a disk at 95% never fired, promtool).
On VMs a service's own job may scrape its host's node_exporter too: there they are not judged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model import promql_tree
from compiler.model.metric_paths import metric_path
from compiler.model.promql import Matcher
from compiler.model.promql_check import SAMPLE_WINDOW, selectors
from compiler.model.types import Metric, Service
from compiler.spec.document import Path

_NODE_SERIES = re.compile(r"node_\w+")  # node_exporter's: judged in a Kubernetes fleet only
# series family -> (what scrapes it, the job its series carry where it is scraped the usual way)
_FAMILIES = (
    (re.compile(r"(container|machine)_\w+"), "cAdvisor's, scraped from each node's kubelet", "kubelet"),
    (re.compile(r"kubelet_volume_stats_\w+"), "the kubelet's", "kubelet"),
    (re.compile(r"kube_\w+"), "kube-state-metrics'", "kube-state-metrics"),
    (_NODE_SERIES, "node_exporter's, scraped from each node", "node-exporter"),
)
_FAMILY_TEXT = re.compile(r"\b(container|machine|kube|kubelet_volume_stats|node)_")
_TARGET_LABELS = ("job", "instance")  # set by Prometheus from the target scraped: the exporter's
_EXPORTER_JOBS = re.compile(r".*(kubelet|cadvisor|kube-state-metrics|node.?exporter).*", re.IGNORECASE)
_NODE_ADVICE = (
    "a pod's volume is the kubelet's kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes "
    "(by namespace and persistentvolumeclaim), and a node's own disk is the node's to watch, in a spec whose "
    "selector names node_exporter's job"
)
_JOIN = "* on (namespace, pod) group_left () group by (namespace, pod) (up{$selector})"
_SHOWN = 3


def exporter_job_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric (a platform default's once, naming the services it reaches) that reads
    cAdvisor or kube-state-metrics series by the service's own `job` or `instance`."""
    found: dict[tuple[Location, Path, tuple[str, ...]], list[str]] = {}
    for service in services:
        pinned = [m for m in service.selector if m.label in _TARGET_LABELS and m.op in ("=", "=~")]
        if not pinned or any(_EXPORTER_JOBS.fullmatch(m.value) for m in pinned):
            continue
        kubernetes = "namespace" in (service.fleet_target_labels or ()) or any(
            m.label == "namespace" for m in service.selector
        )
        for metric in service.metrics:
            if series := _read_by(metric, pinned, kubernetes):
                path = metric_path(service, metric)
                found.setdefault((metric.location, path, series), []).append(service.name)
    return [
        Diagnostic(location, path, _message(series, names, own=path[0] == "metrics"))
        for (location, path, series), names in found.items()
    ]


def _read_by(metric: Metric, pinned: Sequence[Matcher], kubernetes: bool) -> tuple[str, ...]:
    """The exporter series of `metric` selected by one of the service's `pinned` target matchers (node_exporter's
    only in a Kubernetes fleet)."""
    wanted = {(m.label, m.value) for m in pinned}
    if metric.selector is not None:
        chosen = [(metric.selector.metric, {(m.label, m.value) for m in metric.selector.matchers})]
    elif metric.expr and _FAMILY_TEXT.search(metric.expr) and any(m.render() in metric.expr for m in pinned):
        try:  # parsed only when the text names such a series and the matcher (most expressions do neither)
            tree = promql_tree.parse_filled(metric.expr, window=SAMPLE_WINDOW)
        except (ValueError, TypeError):
            return ()  # reported where expressions are checked
        chosen = [(s.name or "", {(m.name, m.value) for m in s.matchers.matchers}) for s in selectors(tree)]
    else:
        return ()
    found = {name for name, labels in chosen if _family(name) and labels & wanted}
    return tuple(sorted(name for name in found if kubernetes or not _NODE_SERIES.fullmatch(name)))


def _family(series: str) -> tuple[str, str] | None:
    for pattern, scraped, job in _FAMILIES:
        if pattern.fullmatch(series):
            return scraped, job
    return None


def _message(series: Sequence[str], services: Sequence[str], own: bool) -> str:
    said = []
    for name in series:
        family = _family(name)
        assert family is not None
        said.append(f'{name} is {family[0]} (job="{family[1]}" where it is scraped the usual way)')
    shown = ", ".join(services[:_SHOWN]) + (f" and {len(services) - _SHOWN} more" if len(services) > _SHOWN else "")
    whose = "the service's" if own else f"each service's ({shown})"
    pods = [name for name in series if not _NODE_SERIES.fullmatch(name)]
    advice = [_NODE_ADVICE] if len(pods) < len(series) else []
    if pods:
        advice.insert(
            0,
            "select the service's pods by the namespace and pod its targets' `up` carries, each series joined as "
            f'`{pods[0]}{{container!=""}} {_JOIN}` inside the sum (docs/operations.md, "CPU and memory of a '
            "service's pods\")",
        )
    return (
        f"{'; '.join(said)}: such series carry their exporter's job and instance, never {whose}, so the "
        "selector's job or instance matches none of them, ever: the alerts over this metric cannot fire and its "
        f"missing-data twin tickets for as long as the service runs; {'; '.join(advice)}"
    )
