"""A declared share unit that contradicts the scale its series or expression says (round 41).

A `%` line is read in the metric's declared unit: `90%` is 0.9 on `percentunit`, 90 on `percent`. The checks
before caught a bare number off the scale (`above: 90` on a 0-1 share) but trusted the declaration itself, so
`expr: 'used / size'` declared `unit: percent` compared a 0-1 ratio with 90 and never fired (a full disk at 95%,
promtool), and `expr: '100 * used / size'` declared `unit: percentunit` compared 0-100 with 0.9 and fired at 1%
used. A warning at the `unit:` says which scale the expression reads and what to declare. Read from the names
Prometheus's conventions give (`_ratio` 0-1, `_percent` 0-100) and from an expression's outermost arithmetic: a
`* 100` is 0-100; a division of series none named a percent, through `1 -` and aggregations, is 0-1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import promql_parser as pp

from compiler.errors import Diagnostic
from compiler.model import promql_tree
from compiler.model.build_context import Ctx
from compiler.model.promql_check import nodes_of
from compiler.model.share_range import PERCENT_NAMES
from compiler.model.threshold_paths import written_indexes
from compiler.model.types import Metric, MetricType, ThresholdAlert

_SCALES = {"percentunit": "a 0-1 share", "percent": "a 0-100 share"}


def read_scale(metric: Metric) -> str:
    """`percent` or `percentunit` when the metric's series name or expression says its scale, else ``."""
    if metric.type is MetricType.COUNTER:
        return ""
    if metric.selector is not None:
        name = metric.selector.metric
        return "percent" if name.endswith(PERCENT_NAMES) else "percentunit" if name.endswith("_ratio") else ""
    try:
        tree = promql_tree.parse_filled(metric.expr or "", window="5m")
    except ValueError:
        return ""
    return _scale(tree)


def _number(node: Any) -> float | None:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return float(node.val) if isinstance(node, pp.NumberLiteral) else None


def _scale(node: Any) -> str:
    if isinstance(node, pp.ParenExpr | pp.AggregateExpr):
        return _scale(node.expr)
    if not isinstance(node, pp.BinaryExpr):
        return ""
    op, left, right = str(node.op), _number(node.lhs), _number(node.rhs)
    if op == "*" and 100 in (left, right):
        return "percent"
    if op == "-" and left == 1:
        return _scale(node.rhs)  # 1 - used/size: still 0-1
    if op == "/" and _scale(node.lhs) == "percent":
        return "percent"  # 100 * used / size parses as (100 * used) / size
    if op == "/" and left is None and right is None:
        named = any((s.name or "").endswith(PERCENT_NAMES) for s in nodes_of(node, pp.VectorSelector))
        return "" if named else "percentunit"
    return ""


def declared_scale_lines(data: Mapping[str, Any], alerts: Sequence[ThresholdAlert], ctx: Ctx) -> tuple[Diagnostic, ...]:
    """A located warning, at the metric's `unit:` (else at the alert), for each metric a threshold alert reads
    whose declared share unit is not the scale it reads."""
    metrics = data.get("metrics") if isinstance(data.get("metrics"), Mapping) else {}
    index = written_indexes(data)
    found: dict[str, Diagnostic] = {}
    for alert in alerts:
        metric = alert.metric
        scale = read_scale(metric)
        if metric.name in found or metric.unit not in _SCALES or scale in ("", metric.unit):
            continue
        own = metrics.get(metric.name) if isinstance(metrics, Mapping) else None
        if isinstance(own, Mapping) and "unit" in own:
            path: tuple[str | int, ...] = ("metrics", metric.name, "unit")
        elif alert.name in index:
            path = ("threshold_alerts", index[alert.name], alert.comparison.value)
        else:
            continue
        found[metric.name] = Diagnostic(ctx.loc(path), path, _message(metric, scale))
    return tuple(found.values())


def _message(metric: Metric, scale: str) -> str:
    says = f"series {metric.selector.metric}" if metric.selector is not None else "expression"
    why = "its name" if metric.selector is not None else ("its * 100" if scale == "percent" else "its division")
    line, values = ("0.9", "0 to 100") if metric.unit == "percentunit" else ("90", "0 to 1")
    effect = "fires on almost any value" if scale == "percent" else "never fires"
    return (
        f"metric {metric.name!r} declares unit: {metric.unit} ({_SCALES[metric.unit]}) but its {says} reads "
        f"{_SCALES[scale]} ({why}): a line of 90% is compared as {line} against values from {values}, so an "
        f"above: line {effect} (a below: line the reverse); declare unit: {scale}"
    )
