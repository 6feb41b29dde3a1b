"""Units a spec leaves unsaid. Whether an expression metric's values are per second, so that its panel says so
(`ops`, "3 ops/s") when the spec declares no unit: `rate(hits[$window]) + rate(misses[$window])` is lookups per
second, which a `short` axis showed as a bare "3" (round 45, a Redis cache's lookups). A ratio of two rates, a rate
scaled by a number (`* 60` per minute, `* 8` bits), a count, an increase or anything this reading does not know is
not: the panel keeps the unit it had. And whether a gauge is a share (an average of 1-or-0 series)."""

from __future__ import annotations

from typing import Any

import promql_parser as pp

from compiler import conventions as names
from compiler.model import promql_tree
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


def share_gauge(metric: Metric) -> bool:
    """A gauge with no declared unit that averages 1-or-0 series (`avg` of `probe_success` or `up`): the share of
    probe locations (targets) that succeed, which a `short` axis showed as 0.667 for two locations of three."""
    return (
        metric.type is MetricType.GAUGE
        and not metric.unit
        and metric.selector is not None
        and metric.selector.metric in names.ZERO_ONE_SERIES
        and metric.aggregation is Aggregation.AVG
    )


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
