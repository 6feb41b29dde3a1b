"""Errors and requests whose labels do not pair every failure with its requests: the error ratio reads wrong.

The error-rate alert and the dashboard's error ratio divide `errors` by `requests` series by series
(`(errors or 0 * requests) / (requests > 0)`, `model.queries.failed_share`), matching every label. An
expression kept per label on one side only (`sum by (topic) (...)` requests beside summed errors) leaves the
failures without a partner, and only the `0 * requests` series divide: the ratio read 0% while every request
failed, and ServiceHighErrorRate never fired (found by the round 33 dashboard hunt). A selector is summed to
no labels; an expression's labels are read as model.promql_groups reads them.

Round 34: `sum without (pod) (...)` was not judged, though it keeps at least the labels every selector below it
fixes (the service selector's `job`), so beside a plain sum it leaves the failures as alone; and a label both
sides keep that the errors' own matchers fix (`sum by (code)` on both, errors `code=~"5.."`) pairs each failing
code with that code's requests only: the ratio reads 100% at the first failure. An expression whose labels
cannot be told otherwise is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import promql_parser as pp

from compiler.model import promql_tree
from compiler.model.promql_check import SAMPLE_WINDOW, children, selectors
from compiler.model.promql_groups import kept_labels
from compiler.model.types import Metric

_EVERY_VALUE = (".*", ".*?")  # a regex matcher that narrows nothing
_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


def _kept(metric: Metric) -> tuple[tuple[str, ...], bool] | None:
    """(the labels the metric's rate keeps, whether more may be kept: `without`); None when they cannot be told."""
    if metric.selector is not None or not metric.expr:
        return (), False
    kept = kept_labels(metric.expr)
    if not kept.problem:
        return tuple(sorted(kept.labels)), False
    surely = _kept_without(metric.expr)
    return None if surely is None else (surely, True)


def _parsed(expr: str) -> Any:
    try:
        return promql_tree.parse_filled(expr, window=SAMPLE_WINDOW)
    except (ValueError, TypeError):
        return None


def _kept_without(expr: str) -> tuple[str, ...] | None:
    """The labels `sum without (L) (...)` surely keeps: those every selector below fixes to a value, less L; None
    for another shape, or one below that could drop or rename labels (an aggregation, label_*, a vector match)."""
    node = _parsed(expr)
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    modifier = node.modifier if isinstance(node, pp.AggregateExpr) else None
    if modifier is None or not str(modifier.type).endswith("Without"):
        return None
    if any(_may_drop_labels(n) for n in _below(node.expr)):
        return None
    fixed = [{m.name for m in s.matchers.matchers if _op(m) == "Equal" and m.value} for s in selectors(node)]
    surely = set.intersection(*fixed) - set(modifier.labels) - {"__name__"} if fixed else set()
    return tuple(sorted(surely))


def _op(matcher: Any) -> str:
    return str(matcher.op).rsplit(".", 1)[-1]  # Equal, NotEqual, Re, NotRe


def _below(node: Any) -> Iterator[Any]:
    yield node
    for child in children(node):
        yield from _below(child)


def _may_drop_labels(node: Any) -> bool:
    if isinstance(node, pp.AggregateExpr):
        return True
    if isinstance(node, pp.Call):
        return str(node.func.name).startswith("label_")
    return isinstance(node, pp.BinaryExpr) and node.modifier is not None


def _fixed(metric: Metric, label: str) -> frozenset[str] | None:
    """The matchers on `label` when every selector of the metric's expression has one (as text); else None."""
    tree = _parsed(metric.expr or "")
    found: set[str] = set()
    for selector in selectors(tree) if tree is not None else ():
        mine = [m for m in selector.matchers.matchers if m.name == label and m.value not in _EVERY_VALUE]
        if not mine:
            return None
        found |= {f'{m.name}{_OPS[_op(m)]}"{m.value}"' for m in mine}
    return frozenset(found) if found else None


def error_groups_problem(metrics: Mapping[str, Metric]) -> str | None:
    requests, errors = metrics.get("requests"), metrics.get("errors")
    if requests is None or errors is None:
        return None
    mine, theirs = _kept(errors), _kept(requests)
    if mine is None or theirs is None or (mine[1] and theirs[1]):
        return None
    if mine == theirs:
        return _fixed_problem(errors, requests, mine[0])
    if (mine[1] and set(mine[0]) <= set(theirs[0])) or (theirs[1] and set(theirs[0]) <= set(mine[0])):
        return None  # a `without` side may keep exactly the other's labels

    def words(kept: tuple[tuple[str, ...], bool]) -> str:
        labels, more = kept
        if more:
            return f"keeps {', '.join(labels)} and every other label its `without` does not name"
        return f"keeps {', '.join(labels)}" if labels else "keeps no label (one sum)"

    same = ", ".join(mine[0] if not mine[1] else theirs[0])
    return (
        f"errors {words(mine)} but requests {words(theirs)}: the error ratio divides each errors series by the "
        "requests series with the same labels, so the failures find none and the error-rate alert and the "
        "dashboard's error ratio read 0% whatever fails; keep the same labels in both "
        f"({f'`sum by ({same}) (...)`' if same else 'a plain `sum(...)`'} in each), or none"
    )


def _fixed_problem(errors: Metric, requests: Metric, kept: tuple[str, ...]) -> str | None:
    for label in kept:
        fixed = _fixed(errors, label)
        if fixed is not None and fixed != _fixed(requests, label):
            return (
                f"errors and requests both keep {label}, which the errors' own matchers narrow "
                f"({', '.join(sorted(fixed))}): "
                f"each errors series divides the requests of its own {label} only, all of them failures, so the "
                f"error-rate alert and the dashboard's error ratio read 100% at the first failure; sum {label} "
                f"away on both sides (keep the labels the failures share with their requests)"
            )
    return None
