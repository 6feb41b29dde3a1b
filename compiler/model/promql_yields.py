"""Which samples a model expression gives when only some series exist: the generated tests' inputs (which SLOs
and alerts a scenario's series feed, which groups a `sum by` over them gives). Read from the parsed text, never run."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from compiler.model import promql_text as text_checks
from compiler.model import promql_tree
from compiler.model.promql_check import SAMPLE_WINDOW, selectors, yields_where
from compiler.model.promql_match import matched_series
from compiler.model.promql_regex import full_match


@functools.lru_cache(maxsize=1 << 12)
def may_yield_from_nothing(expr: str) -> bool:
    """yields_with(expr, []) without matching `and`/`unless`: True wherever that is (and at times where not)."""
    return yields_where(parsed_with_names(expr)[0], lambda selector: False)


def yields_with(expr: str, series: Sequence[tuple[str, Mapping[str, str]]]) -> bool:
    """Whether a model expression (`$window` left in) gives a sample when only `series` (name, labels) exist:
    which SLOs a generated test's inputs give data. Values are not modelled (`x > 0` counts as a sample); the
    vector matching of `and`/`or`/`unless` is, where promql_match reads the whole expression."""
    tree, names = parsed_with_names(expr)
    series = series if names is None else [s for s in series if s[0] in names]  # others: selected by none
    if (exact := matched_series(tree, series, selects)) is not None:
        return bool(exact)
    return yields_where(tree, lambda selector: any(selects(selector, name, labels) for name, labels in series))


@functools.lru_cache(maxsize=1024)
def parsed_with_names(expr: str) -> tuple[Any, frozenset[str] | None]:
    """The parsed tree (only read), the names its selectors read (None: any); room for a service's rules."""
    tree = promql_tree.parse(text_checks.fill(expr, window=SAMPLE_WINDOW))
    named = [s.name for s in selectors(tree)]
    return tree, None if None in named or "" in named else frozenset(named)


def groups_with(expr: str, series: Sequence[tuple[str, Mapping[str, str]]], by: Sequence[str]) -> set[tuple[str, ...]]:
    """The values of the `by` labels (a missing label reads as "") of the `series` an expression's selectors
    select: the groups a `sum by` over it gives, when nothing in between rewrites those labels."""
    chosen = selectors(parsed_with_names(expr)[0])
    return {
        tuple(labels.get(label, "") for label in by)
        for name, labels in series
        if any(selects(selector, name, labels) for selector in chosen)
    }


def selects(selector: Any, name: str, labels: Mapping[str, str]) -> bool:  # yields_with reads a series so
    if selector.name not in (None, name):
        return False
    values = {**labels, "__name__": name}
    for m in selector.matchers.matchers:
        value, op = values.get(m.name, ""), str(m.op).rsplit(".", 1)[-1]
        if op in ("Equal", "NotEqual"):
            hit = value == m.value
        else:
            matched = full_match(m.value, value)  # RE2, as Prometheus: never a backtracking engine on spec text
            if matched is None:
                return False
            hit = matched
        if hit != (op in ("Equal", "Re")):
            return False
    return True
