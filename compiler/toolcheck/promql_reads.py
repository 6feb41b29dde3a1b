"""The metric names a PromQL expression reads, or None when it may read any series.

A focused promtool run (see `promtool_focus`) gives a test only the rules its assertions can read, so this
must never answer too few names: a selector without a fixed name (`{job="x"}`, a `__name__` regex), an
expression the parser refuses, or a node kind not known here all answer None ("anything").
"""

from __future__ import annotations

import functools
from typing import Any

import promql_parser as pp

from compiler.model.promql_check import children

_LEAVES = (pp.NumberLiteral, pp.StringLiteral)
# The kinds whose sub-expressions `children` (the spec checks' walker) lists; any other kind reads "anything".
_BRANCHES = (pp.Call, pp.BinaryExpr, pp.AggregateExpr, pp.MatrixSelector, pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)


@functools.lru_cache(maxsize=1 << 14)  # a fleet's rules repeat the same expressions per service
def metric_names(expr: str) -> frozenset[str] | None:
    try:
        tree = pp.parse(expr)
    except (ValueError, TypeError):
        return None
    names: set[str] = set()
    try:
        return frozenset(names) if _collect(tree, names) else None
    except RecursionError:  # nested deeper than Python's stack: unknown, so "anything"
        return None


def _collect(node: Any, names: set[str]) -> bool:
    """Add the names `node` reads to `names`; False when it may read any series."""
    if isinstance(node, pp.VectorSelector):
        name = _selector_name(node)
        if name is None:
            return False
        names.add(name)
        return True
    if isinstance(node, _LEAVES):
        return True
    if not isinstance(node, _BRANCHES):
        return False  # a kind the spec checks' walker does not know: it would read as a leaf there
    return all(_collect(child, names) for child in children(node))


def _selector_name(selector: Any) -> str | None:
    if selector.matchers.or_matchers:
        return None  # `{a="1" or b="2"}`: not in Prometheus 2.42 anyway
    fixed = [m.value for m in selector.matchers.matchers if m.name == "__name__"]
    if selector.name:
        return str(selector.name) if not fixed else None
    if len(fixed) == 1 and all(m.op == pp.MatchOp.Equal for m in selector.matchers.matchers if m.name == "__name__"):
        return str(fixed[0])
    return None
