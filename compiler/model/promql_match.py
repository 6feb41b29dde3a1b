"""Which input series a PromQL expression of a few label-keeping forms returns, labels and all: enough for
promql_yields.yields_with to read a set operator's vector matching (`unless on (job, instance) y` removes the
left side's series whose target has a `y`) instead of guessing from its left side alone.

The forms: a selector, a range over one, a rate-like call of one, parentheses, a comparison with a number
(values are not modelled: `rate(x[5m]) > 0` keeps every series), and `and`/`or`/`unless` of two of these.
Anything else (an aggregation, arithmetic between vectors, label_replace) is None: the caller falls back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import promql_parser as pp

Labels = dict[str, str]  # with __name__ while the series keeps its name
Selects = Callable[[Any, str, Mapping[str, str]], bool]  # does a selector node select (name, labels)

_KEEPS_LABELS = ("rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes")
_COMPARISONS = ("==", "!=", ">", "<", ">=", "<=")


def matched_series(node: Any, series: Sequence[tuple[str, Mapping[str, str]]], selects: Selects) -> list[Labels] | None:
    """The label sets `node` returns when only `series` (name, labels) exist; None for a form not listed above."""
    if isinstance(node, pp.ParenExpr):
        return matched_series(node.expr, series, selects)
    if isinstance(node, pp.MatrixSelector):
        return matched_series(node.vector_selector, series, selects)
    if isinstance(node, pp.VectorSelector):
        return [{**labels, "__name__": name} for name, labels in series if selects(node, name, labels)]
    if isinstance(node, pp.Call) and node.func.name in _KEEPS_LABELS and len(node.args) == 1:
        inner = matched_series(node.args[0], series, selects)
        return None if inner is None else [{k: v for k, v in s.items() if k != "__name__"} for s in inner]
    if not isinstance(node, pp.BinaryExpr):
        return None
    op, modifier = str(node.op), node.modifier
    if op in _COMPARISONS and isinstance(node.rhs, pp.NumberLiteral) and not (modifier and modifier.return_bool):
        return matched_series(node.lhs, series, selects)
    if op not in ("and", "or", "unless"):
        return None
    left, right = matched_series(node.lhs, series, selects), matched_series(node.rhs, series, selects)
    if left is None or right is None:
        return None
    key = _signature(modifier.matching if modifier is not None else None)
    on_right = {key(s) for s in right}
    if op == "and":
        return [s for s in left if key(s) in on_right]
    if op == "unless":
        return [s for s in left if key(s) not in on_right]
    on_left = {key(s) for s in left}
    return left + [s for s in right if key(s) not in on_left]


def _signature(matching: Any) -> Callable[[Labels], tuple[tuple[str, str], ...]]:
    """What two series are matched on: the `on (...)` labels (a missing one reads as ""), else every label
    but `ignoring (...)`'s and the name."""
    if matching is not None and str(matching.type).endswith("Include"):
        names = tuple(matching.labels)
        return lambda s: tuple((n, s.get(n, "")) for n in names)
    ignored = {"__name__", *(matching.labels if matching is not None else ())}
    return lambda s: tuple(sorted((k, v) for k, v in s.items() if k not in ignored and v != ""))
