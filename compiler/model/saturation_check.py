"""cpu, memory and disk are compared as a share of capacity (the built-in lines are 80%): what cannot be one.

A raw CPU-seconds counter, a byte count or a timestamp compared with 0.8 fires on every healthy service
(200 MiB in use read as 2e10 %). Such a metric is refused at its line, with the expression that would make
it a share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compiler.model.share_range import PERCENT_NAMES
from compiler.model.types import MetricType

SATURATION = ("cpu", "memory", "disk")
SHARE_UNITS = ("", "percent", "percentunit")  # no unit: a 0-1 share, as the alert lines are written

_COUNTER_SUFFIXES = ("_total", "_count", "_sum", "_bucket")
_AMOUNT_SUFFIXES = ("_bytes", "_seconds", "_timestamp")
_BARE_SERIES = re.compile(r"\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^{}]*\})?\s*")  # a series, no function applied

_PODS = " * on (namespace, pod) group_left () group by (namespace, pod) (up{$selector})"  # cAdvisor's and
# kube-state-metrics' series carry their exporter's job: the service's pods are joined on its targets' `up`
_AS_SHARE = {
    "cpu": f'sum(rate(container_cpu_usage_seconds_total{{container!=""}}[$window]){_PODS})'
    f' / sum(kube_pod_container_resource_limits{{resource="cpu"}}{_PODS})',
    "memory": f'sum(container_memory_working_set_bytes{{container!=""}}{_PODS})'
    f' / sum(kube_pod_container_resource_limits{{resource="memory"}}{_PODS})',
    "disk": "max(1 - kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes"
    " * on (namespace, persistentvolumeclaim) group_left () group by (namespace, persistentvolumeclaim)"
    f" (kube_pod_spec_volumes_persistentvolumeclaims_info{_PODS}))",
}
# The same shares on a host, from the node exporter's series (round 44: a bastion's `node_filesystem_avail_bytes`
# was told to write the kubelet's volume shares, which a host outside Kubernetes does not have); the fullest
# filesystem, the busiest host. The advice above wrote `[5m]`, which obsc refuses in an expr (`[$window]`).
_NODE_SERIES = re.compile(r"(?<![A-Za-z0-9_:])node_")  # the node exporter's, not kube-state-metrics' kube_node_*
_NO_PSEUDO_FS = 'fstype!~"tmpfs|overlay|squashfs"'
_ON_A_HOST = {
    "cpu": 'max(1 - avg by (instance) (rate(node_cpu_seconds_total{$selector, mode="idle"}[$window])))',
    "memory": "max(1 - node_memory_MemAvailable_bytes{$selector} / node_memory_MemTotal_bytes{$selector})",
    "disk": f"max(1 - node_filesystem_avail_bytes{{$selector, {_NO_PSEUDO_FS}}}"
    f" / node_filesystem_size_bytes{{$selector, {_NO_PSEUDO_FS}}})",
}


def metric_body(name: str, value: Any) -> Any:
    """A metric as written under `metrics:`, as its mapping: a bare string is a series selector, except the
    saturation metrics', which are utilisation expressions."""
    if isinstance(value, str):
        return {"expr": value} if name in SATURATION else {"selector": value}
    return value


def saturation_problems(name: str, body: Mapping[str, Any], mtype: MetricType) -> list[tuple[str, str]]:
    """(key, message) when saturation metric `name` cannot be a share of capacity."""
    if name not in SATURATION:
        return []
    written = body.get("selector", body.get("expr", ""))
    bare = _BARE_SERIES.fullmatch(str(written))
    series = bare.group(1) if bare else ""
    share = (_ON_A_HOST if _NODE_SERIES.search(str(written)) else _AS_SHARE)[name]
    advice = f"write it as a share of capacity, e.g. `{name}: {{expr: '{share}'}}`"
    if mtype is not MetricType.GAUGE:
        return [("type", f"a {mtype.value} is not a share of capacity (0-1) as {name} alerts compare: {advice}")]
    unit = str(body.get("unit", ""))
    if unit not in SHARE_UNITS:
        return [
            (
                "unit",
                f"unit {unit!r} is an amount, not a share of capacity as {name} alerts compare (declare percentunit "
                f"for 0-1 or percent for 0-100, or {advice})",
            )
        ]
    if "selector" in body and body.get("aggregation") == "sum":
        # each series is a share of its own instance's capacity: two pods at half read as 100%, and 200 healthy
        # pods at 1% fired the 80% line
        return [
            (
                "aggregation",
                f"a sum of {name} shares adds up every instance's (two at 50% read as 100%), so a healthy fleet "
                f"fires the line: use max (the busiest instance, the default) or avg; series that split one "
                f"capacity between them are summed in an expr (`{name}: {{expr: 'sum(...{{$selector}})'}}`)",
            )
        ]
    if series.endswith(PERCENT_NAMES) and not unit:
        # read as 0-1, the 80% line is 0.8: a CPU at 1% of a 0-100 gauge ticketed (round 39)
        return [
            (
                "selector" if "selector" in body else "expr",
                f"{series} is named as a 0-100 percentage, and with no unit {name} is read as a 0-1 share: a "
                f"line of 80% is compared as 0.8, crossed at 0.8%; declare unit: percent (or percentunit if it "
                "counts 0-1)",
            )
        ]
    if series.endswith(_COUNTER_SUFFIXES):
        what = "a counter (its running total is always above 80%)"
    elif series.endswith(_AMOUNT_SUFFIXES) and not unit:
        what = "an amount (bytes, seconds)"
    else:
        return []
    key = "selector" if "selector" in body else "expr"
    return [(key, f"{series} is {what}, not a share of capacity (0-1) as {name} alerts compare: {advice}")]
