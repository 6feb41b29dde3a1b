"""Units a spec leaves unsaid. Whether an expression metric's values are per second, so that its panel says so
(`ops`, "3 ops/s") when the spec declares no unit: `rate(hits[$window]) + rate(misses[$window])` is lookups per
second, which a `short` axis showed as a bare "3" (round 45, a Redis cache's lookups). A ratio of two rates, a rate
scaled by a number (`* 60` per minute, `* 8` bits), a count, an increase or anything this reading does not know is
not: the panel keeps the unit it had. And whether a gauge is a share (named so, or an average of 1-or-0 series)."""

from __future__ import annotations

from typing import Any

import promql_parser as pp

from compiler import conventions as names
from compiler.model import promql_tree
from compiler.model.share_range import named_scale
from compiler.model.types import Aggregation, Metric, MetricType

_RATES = ("rate", "irate")
_KEEPS_UNIT = ("sum", "avg", "min", "max", "topk", "bottomk", "quantile")  # aggregations that keep the unit
# functions whose result is in the unit of their first vector argument
_PASS_THROUGH = (
    *("abs", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "label_replace", "label_join"),
    *("avg_over_time", "min_over_time", "max_over_time", "last_over_time", "quantile_over_time"),
)
_SAMPLE_WINDOW = "5m"  # what `$window` stands for while reading


def per_second_gauge(metric: Metric) -> bool:
    """An expression gauge with no declared unit whose values are per-second rates."""
    if metric.type is not MetricType.GAUGE or metric.unit or metric.selector is not None or not metric.expr:
        return False
    try:
        tree = promql_tree.parse_filled(metric.expr, window=_SAMPLE_WINDOW, selector='job="x"')
    except (ValueError, TypeError):
        return False
    return _per_second(tree)


def share_unit(metric: Metric) -> str:
    """`percentunit` or `percent` for a gauge with no declared unit that is a share, else ``: one named so
    (`*_ratio`, a recorded `job:x:ratio`; `*_percent`), an `avg` of 1-or-0 series (`probe_success`, `up`, an
    exporter's `mysql_up`, kube-state-metrics' readiness) or of a `bool` comparison. A `short` axis showed the
    share of probe locations that succeed as 0.667 for two of three (round 46), and a `*_ratio` gauge or an
    `avg(kube_pod_status_ready)` alike (round 47)."""
    if metric.type is not MetricType.GAUGE or metric.unit:
        return ""
    if metric.selector is not None:
        name = metric.selector.metric
        if named := named_scale(metric) or ("percentunit" if _recorded_ratio(name) else ""):
            return named
        return "percentunit" if metric.aggregation is Aggregation.AVG and _zero_one_name(name) else ""
    try:
        tree = promql_tree.parse_filled(metric.expr or "", window=_SAMPLE_WINDOW, selector='job="x"')
    except (ValueError, TypeError):
        return ""
    return "percentunit" if _averaged_zero_one(tree) else ""


def _recorded_ratio(name: str) -> bool:
    """A recording rule's name whose operation says ratio (`level:metric:ratio`, `...:ratio_rate5m`)."""
    return ":" in name and name.rsplit(":", 1)[1].startswith("ratio")


def _zero_one_name(name: str) -> bool:
    return name in names.ZERO_ONE_SERIES or name.endswith(names.ZERO_ONE_SUFFIXES)


def _averaged_zero_one(node: Any) -> bool:
    """`avg(...)` or `avg_over_time(...)` (through parentheses and further averages) of 1-or-0 values."""
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    if isinstance(node, pp.AggregateExpr) and str(node.op) == "avg":
        return _averaged_zero_one(node.expr) or _zero_one(node.expr)
    if isinstance(node, pp.Call) and node.func.name == "avg_over_time" and node.args:
        inner = node.args[0]
        return _zero_one(inner.vector_selector if isinstance(inner, pp.MatrixSelector) else inner)
    return False


def _zero_one(node: Any) -> bool:
    while isinstance(node, pp.ParenExpr | pp.SubqueryExpr):
        node = node.expr
    if isinstance(node, pp.VectorSelector):
        return _zero_one_name(node.name or "")
    if isinstance(node, pp.BinaryExpr):
        return node.modifier is not None and bool(node.modifier.return_bool)  # `x > bool 0`
    return _averaged_zero_one(node)


def _per_second(node: Any) -> bool:
    if isinstance(node, pp.ParenExpr | pp.SubqueryExpr):
        return _per_second(node.expr)
    if isinstance(node, pp.AggregateExpr):
        return str(node.op) in _KEEPS_UNIT and _per_second(node.expr)
    if isinstance(node, pp.Call):
        return _call(node)
    if isinstance(node, pp.BinaryExpr):
        return _binary(node)
    return False


def _call(node: Any) -> bool:
    name = node.func.name
    if name in _RATES:
        return True
    vectors = [a for a in node.args if not isinstance(a, pp.NumberLiteral | pp.StringLiteral)]
    return name in _PASS_THROUGH and bool(vectors) and _per_second(vectors[0])


def _binary(node: Any) -> bool:
    op = str(node.op)
    if op in ("and", "unless"):
        return _per_second(node.lhs)
    return op in ("+", "-", "or") and _per_second(node.lhs) and _per_second(node.rhs)  # `* 60`, `* 8`: unknown
