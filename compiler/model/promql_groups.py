"""Which labels a PromQL query's result keeps: the groups its outermost aggregation makes.

`sum by (route) (rate(x[5m]))` is one series per route. obsc sums a raw SLI query `by` the SLO's groups
(none: one sum over the service), so a query grouped by labels the SLO does not name reads one failing
route diluted by the others. Importers map the kept labels to `by:`; the model refuses a raw SLI that
groups by labels its SLO does not keep.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import promql_parser as pp

from compiler.model import promql_tree
from compiler.model.promql_check import children
from compiler.model.promql_text import size_problems

_SAMPLE_WINDOW = "5m"  # what `$window` stands for while parsing
_KEEPS_INPUT = ("topk", "bottomk")  # they pick series and keep all of their labels
_LABELLESS_CALLS = ("vector", "time", "scalar", "pi")


@dataclass(frozen=True)
class Kept:
    """The labels of every series the query returns (`()` for one series without labels), or, when they
    cannot be told from the text, why (`problem`)."""

    labels: tuple[str, ...] = ()
    problem: str = ""
    scalar: bool = False  # a number: matches any labels in arithmetic


# Both read the query with `$selector` and `$window` stood in for, so one platform metric or one template's raw
# SLI is the same text in every service: cached, a 1,000-service fleet parses it once per worker, not 8,000 times.
@functools.lru_cache(maxsize=4096)
def kept_labels(query: str) -> Kept:
    """The labels `query` keeps; a query that does not parse keeps none (its parse error is reported where
    the query is checked)."""
    tree = _parsed(query)
    return Kept() if tree is None else _kept(tree)


def _parsed(query: str) -> Any:
    """The query's tree, or None when it does not parse or is too big to walk: the model reads a raw SLI's or a
    metric's groups before the query's own checks (which report both), and `_kept` recurses once per level
    (1,900 nested parentheses, within the 4,096-character limit, were a RecursionError: exit 70)."""
    if size_problems(query):
        return None
    try:
        return promql_tree.parse_filled(query, window=_SAMPLE_WINDOW, selector='job="x"')
    except (ValueError, TypeError):
        return None


def _kept(node: Any) -> Kept:
    if isinstance(node, pp.NumberLiteral):
        return Kept(scalar=True)
    if isinstance(node, pp.ParenExpr | pp.UnaryExpr | pp.SubqueryExpr):
        return _kept(node.expr)
    if isinstance(node, pp.VectorSelector | pp.MatrixSelector):
        return Kept(problem="it is not aggregated (one ratio per series)")
    if isinstance(node, pp.AggregateExpr):
        return _aggregate(node)
    if isinstance(node, pp.Call):
        name = node.func.name
        if name in _LABELLESS_CALLS:
            return Kept(scalar=name != "vector")
        if name in ("label_replace", "label_join", "absent", "absent_over_time"):
            return Kept(problem=f"its {name}(...) sets labels")
        vectors = [a for a in node.args if not isinstance(a, pp.NumberLiteral | pp.StringLiteral)]
        return _kept(vectors[0]) if vectors else Kept(scalar=True)
    if isinstance(node, pp.BinaryExpr):
        return _binary(node)
    return Kept(problem=f"its {type(node).__name__} cannot be read")


def _aggregate(node: Any) -> Kept:
    op = str(node.op)
    if op in _KEEPS_INPUT:
        return _kept(node.expr)
    modifier = node.modifier
    made = {node.param.val} if op == "count_values" and isinstance(node.param, pp.StringLiteral) else set()
    if modifier is None:
        return Kept(tuple(sorted(made)))
    if str(modifier.type).endswith("Without"):
        return Kept(problem=f"its {op} without ({', '.join(modifier.labels)}) keeps labels it does not name")
    return Kept(tuple(sorted(set(modifier.labels) | made)))


@functools.lru_cache(maxsize=4096)
def written_labels(query: str) -> tuple[str, ...]:
    """The labels label_replace and label_join write that the query's result keeps (not summed away after)."""
    tree = _parsed(query)
    if tree is None:
        return ()
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, pp.Call) and node.func.name in ("label_replace", "label_join") and len(node.args) > 1:
            found |= {node.args[1].val} if isinstance(node.args[1], pp.StringLiteral) else set()
        if isinstance(node, pp.AggregateExpr) and str(node.op) not in _KEEPS_INPUT:
            continue  # it keeps only what it groups by (and count_values' label: in Kept already)
        stack.extend(children(node))
    return tuple(sorted(found))


def _binary(node: Any) -> Kept:
    left, right = _kept(node.lhs), _kept(node.rhs)
    for side in (left, right):
        if side.problem:
            return side
    if left.scalar or right.scalar:
        return right if left.scalar else left
    op, modifier = str(node.op), node.modifier
    matching = modifier.matching if modifier is not None else None
    if op in ("and", "unless"):
        return left
    if modifier is not None and str(modifier.card).endswith(("ManyToOne", "OneToMany")):
        return Kept(problem=f"its {op} group_left/group_right match keeps labels of one side")
    if matching is not None and op != "or":
        names = set(matching.labels)
        on = str(matching.type).endswith("Include")
        kept = set(left.labels) & names if on else set(left.labels) - names
        return Kept(tuple(sorted(kept)))
    if op == "or" and not (left.labels and right.labels):  # `... or vector(0)`: the groups, and one series more
        return left if left.labels else right
    if left.labels != right.labels:
        return Kept(problem=f"its two sides of {op} keep different labels ({_shown(left)} and {_shown(right)})")
    return left


def _shown(kept: Kept) -> str:
    return f"by ({', '.join(kept.labels)})" if kept.labels else "none"
