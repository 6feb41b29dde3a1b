"""A line written without a unit on a gauge expression whose arithmetic says its scale (round 42).

A bare number is itself where no unit is declared, so obsc compared it as written: `threads_connected /
max_connections * 100` with `above: 0.9` (a MySQL spec meaning 90%) fired on a healthy database at 10 of 150
connections, 6.7 > 0.9, from its 10th minute for good (promtool), and `used / limit` with `above: 90` can never
fire. Round 41 warned of a declared unit against the expression (unit_scale) and of a bare line off a `_ratio` or
`_percent` name (share_range), not of this. Only the shapes that leave little doubt are judged:

- a division of gauges (no range: a ratio of rates is an error ratio, where 0.5 for 0.5% is usual) times 100,
  with a bare `above:` line under 1: a share of capacity over 0.9% is no line anyone draws;
- a division of gauges whose divisor reads a capacity (`max`, `limit`, `quota`, `capacity`, `size`), with a bare
  line over 1 up to 100: a part of its whole is at most 1 (a `depth / rate` drain time is no such division).

A warning at the line, not an error: the expression may mean otherwise, and declaring the unit (with a `%` line)
both says what is meant and silences it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import promql_parser as pp

from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx
from compiler.model.promql_check import nodes_of
from compiler.model.promql_sample import sample_tree
from compiler.model.promql_text import fill
from compiler.model.threshold_paths import written_indexes
from compiler.model.types import Comparison, Metric, MetricType, ThresholdAlert
from compiler.model.unit_scale import read_scale
from compiler.model.units import decimal_text

_CAPACITY = re.compile(r"(?:^|_)(?:max|maxmemory|limit|limits|quota|quotas|capacity|size)(?:_|$)")


def bare_scale_lines(data: Mapping[str, Any], alerts: Sequence[ThresholdAlert], ctx: Ctx) -> tuple[Diagnostic, ...]:
    """A located warning at the line of each threshold alert whose bare number is off the scale its gauge
    expression reads (see the module's docstring)."""
    index = written_indexes(data)
    found = []
    for alert in alerts:
        number = _bare(alert.threshold_text)
        if number is None or alert.name not in index or not _judged(alert.metric):
            continue
        problem = _problem(alert, number)
        if problem:
            path = ("threshold_alerts", index[alert.name], alert.comparison.value)
            found.append(Diagnostic(ctx.loc(path), path, problem))
    return tuple(found)


def _bare(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _judged(metric: Metric) -> bool:
    return not metric.unit and metric.selector is None and metric.type is not MetricType.COUNTER and bool(metric.expr)


def _problem(alert: ThresholdAlert, number: Decimal) -> str | None:
    tree = sample_tree(fill(alert.metric.expr or "", selector=""))
    if tree is None:
        return None
    divisions = [n for n in nodes_of(tree, pp.BinaryExpr) if str(n.op) == "/" and _of_gauges(n)]
    if not divisions:
        return None
    name, line, hundredfold = alert.metric.name, alert.threshold_text, decimal_text(number * 100)
    if read_scale(alert.metric) == "percent":
        if alert.comparison is Comparison.ABOVE and 0 < number < 1:
            return (
                f"metric {name!r} is a share of gauges times 100 (0 to 100), where the bare line {line} is {line}%: "
                f"a healthy service crosses it at almost any load; write {hundredfold} for the share {line}, or "
                f"declare unit: percent and write {hundredfold}% ({line}% if you meant that)"
            )
        return None
    capacity = next((d for d in divisions if _reads_capacity(d.rhs)), None)
    if capacity is not None and 1 < abs(number) <= 100 and not _hundredfold(tree):
        effect = "can never fire" if alert.comparison is Comparison.ABOVE else "fires on every value"
        return (
            f"metric {name!r} divides by a capacity ({capacity.rhs}), a share from 0 to 1, where the bare line "
            f"{line} is {hundredfold}%: this {alert.comparison.value}: alert {effect}; declare unit: percentunit "
            f"and write {line}% (or multiply the expression by 100)"
        )
    return None


def _hundredfold(tree: Any) -> bool:
    """Whether a 100 stands anywhere in the expression: `100 - avail / size * 100` reads 0 to 100 though its
    outermost arithmetic is no `* 100`."""
    return any(float(n.val) == 100 for n in nodes_of(tree, pp.NumberLiteral))


def _of_gauges(division: Any) -> bool:
    """A division whose sides read series as they are: no range (a rate), numbers alone are no ratio."""
    under = list(nodes_of(division, object))
    reads = any(isinstance(n, pp.VectorSelector) for n in nodes_of(division.lhs, object))
    ranged = any(isinstance(n, pp.MatrixSelector | pp.SubqueryExpr) for n in under)
    return reads and not ranged and any(isinstance(n, pp.VectorSelector) for n in nodes_of(division.rhs, object))


def _reads_capacity(divisor: Any) -> bool:
    return any(isinstance(n, pp.VectorSelector) and _CAPACITY.search(n.name or "") for n in nodes_of(divisor, object))
