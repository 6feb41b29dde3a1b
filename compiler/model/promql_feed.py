"""The counters a free-PromQL SLI's presence probe reads (a raw SLI's total, an error ratio), for the generated
data-missing tests: fed rising or flat, they show SLODataMissing quiet while the SLI has data.

Values are not modelled, so only forms that give a sample whatever the counters' values are accepted: a named
selector read through a rate-like call, aggregations, `or`, arithmetic with a number or between two sums
without labels (which always match). A comparison, `and`/`unless`, an offset or `@`, a vector match on labels
or any other call is None: such a probe may hold no sample with the series fed, and a test expecting it quiet
would fail against a correct rule.
"""

from __future__ import annotations

from typing import Any

import promql_parser as pp

from compiler.model import promql_tree
from compiler.model.promql import Matcher

_RATES = ("rate", "irate", "increase")
_AGGREGATIONS = ("sum", "min", "max", "avg", "count", "group")
_ARITHMETIC = ("+", "-", "*", "/")
_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


def fed_counters(probe: str) -> list[tuple[str, tuple[Matcher, ...]]] | None:
    """(metric, matchers) of each selector of `probe`, in order, when series fed under every one surely give the
    probe a sample; else None."""
    try:
        tree = promql_tree.parse(probe)
    except ValueError:
        return None
    found: list[tuple[str, tuple[Matcher, ...]]] = []
    if _shape(tree, found) in (None, "scalar"):
        return None
    return found


def _shape(node: Any, found: list[tuple[str, tuple[Matcher, ...]]]) -> str | None:
    """'scalar', 'bare' (a vector without labels) or 'labelled' when `node` gives a sample with every selector's
    series present (each appended to `found`); None for a form not accepted."""
    if isinstance(node, pp.NumberLiteral):
        return "scalar"
    if isinstance(node, pp.ParenExpr):
        return _shape(node.expr, found)
    if isinstance(node, pp.Call):
        if node.func.name not in _RATES or len(node.args) != 1 or not isinstance(node.args[0], pp.MatrixSelector):
            return None
        selector = node.args[0].vector_selector
        if selector.name in (None, "up") or selector.offset is not None or selector.at is not None:
            return None
        matchers = tuple(
            Matcher(m.name, _OPS[str(m.op).rsplit(".", 1)[-1]], m.value)
            for m in selector.matchers.matchers
            if m.name != "__name__"
        )
        found.append((selector.name, matchers))
        return "labelled"
    if isinstance(node, pp.AggregateExpr):
        if str(node.op) not in _AGGREGATIONS or node.param is not None or _shape(node.expr, found) in (None, "scalar"):
            return None
        return "bare" if node.modifier is None else "labelled"
    if not isinstance(node, pp.BinaryExpr):
        return None
    left, right, op = _shape(node.lhs, found), _shape(node.rhs, found), str(node.op)
    if left is None or right is None:
        return None
    if op == "or":
        return "bare" if left == right == "bare" else "labelled"
    if op not in _ARITHMETIC:
        return None
    if "scalar" in (left, right):
        return right if left == "scalar" else left
    matching = node.modifier.matching if node.modifier is not None else None
    return "bare" if left == right == "bare" and matching is None else None


# one series in, its own value out: min, max and avg as well as sum (count and group give 1)
_SAME_VALUE = ("sum", "min", "max", "avg")


def single_rate(query: str, keep: tuple[str, ...]) -> tuple[str, tuple[Matcher, ...]] | None:
    """(metric, matchers) when `query` is the rate of one selector, under any aggregations that keep the labels
    `keep` (a grouped SLO's): with one series fed under it, the query's value is that series' rate, per group.
    None for any other form (values are then not modelled)."""
    try:
        node = promql_tree.parse(query)
    except ValueError:
        return None
    while isinstance(node, (pp.ParenExpr, pp.AggregateExpr)):
        if isinstance(node, pp.AggregateExpr):
            mod = node.modifier
            if str(node.op) not in _SAME_VALUE or node.param is not None:
                return None
            if keep:  # a `by` must list every group label, a `without` none of them
                if mod is None:
                    return None
                named = set(keep) & set(mod.labels)
                if named != (set(keep) if str(mod.type).endswith("By") else set()):
                    return None
        node = node.expr
    found: list[tuple[str, tuple[Matcher, ...]]] = []
    if not isinstance(node, pp.Call) or node.func.name != "rate" or _shape(node, found) is None:
        return None
    return found[0]
