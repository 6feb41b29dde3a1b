"""Why a metric's expression returns no series: the first of its selectors with none over the lookback, and,
when that selector reads an exporter's series by a `job` or `instance` they do not carry, the ones they do.

A platform's `container_cpu_usage_seconds_total{$selector}` filled with `job="checkout"` selects nothing: cAdvisor's
series carry the kubelet's job. "The expression returns no series" named neither the selector nor the job; the
reader had to take the expression apart by hand. Asked only once the expression is found empty: one count per
selector up to the first empty one, and at most two more for the job it reads by.
"""

from __future__ import annotations

from collections.abc import Callable

from compiler.model import promql_tree
from compiler.model.promql import Matcher, render_matchers
from compiler.model.promql_check import SAMPLE_WINDOW, selectors
from compiler.verify.client import Prometheus, QueryRejected

Count = Callable[[str], int]  # 0 for a query Prometheus refuses
_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
_TARGET_LABELS = ("job", "instance")  # set by Prometheus from the target it scraped
SHOWN = 5


def why_empty(expr: str, lookback: str, count: Count, prometheus: Prometheus) -> str:
    """'' when the expression does not parse."""
    try:
        tree = promql_tree.parse_filled(expr, window=SAMPLE_WINDOW)
    except (ValueError, TypeError):
        return ""
    found = selectors(tree)
    for node in found:
        matchers = tuple(
            Matcher(m.name, _OPS[str(m.op).rsplit(".", 1)[-1]], m.value)
            for m in node.matchers.matchers
            if not (node.name and m.name == "__name__")
        )
        name = node.name or ""
        selector = f"{name}{{{render_matchers(matchers)}}}"
        if count(f"last_over_time({selector}[{lookback}])"):
            continue
        said = f"; {selector} has no series in the last {lookback}"
        pinned = [m for m in matchers if m.label in _TARGET_LABELS and m.op == "="]
        if not pinned or not name:
            return said
        rest = f"{name}{{{render_matchers(tuple(m for m in matchers if m not in pinned))}}}"
        if rest.endswith("{}"):
            rest = name
        if not count(f"last_over_time({rest}[{lookback}])"):
            return said
        try:
            jobs = sorted(prometheus.label_values(pinned[0].label, rest))
        except QueryRejected:
            return said
        shown = ", ".join(f'{pinned[0].label}="{j}"' for j in jobs[:SHOWN]) + (" ..." if len(jobs) > SHOWN else "")
        return (
            f"{said}, while {rest} has series, under {shown}: they carry the {pinned[0].label} of the target that "
            f"exports them (cAdvisor's kubelet, kube-state-metrics), not the service's {pinned[0].render()}; "
            "select the service's pods by the namespace and pod its targets' `up` carries: "
            f"`{name}{{...}} * on (namespace, pod) group_left () group by (namespace, pod) (up{{$selector}})` "
            '(docs/operations.md, "CPU and memory of a service\'s pods")'
        )
    return (
        ""
        if not found
        else (
            f"; each of its selectors has series in the last {lookback}, so its operators drop them: a join "
            "`on (...)` over a label one side lacks (`up` without `pod` or `namespace`), or a filter nothing passes"
        )
    )
