"""Event queries whose long windows obsc reads otherwise than their source.

A peer evaluates an event query over every window (Sloth's `[1d]` and `[3d]`). obsc evaluates it over the fast
windows only; its coarse tier (1d, 3d, the period: the tickets) averages the query's 5m values. That is the
same number for sums of `rate`, `increase`, `count_over_time` or `sum_over_time`, but not where something that
is no sum stands above the window: `count(... > 0)` over 3d is the share of instances that failed once in
three days, its 5m mean the share failing in a 5m slice (~1/36 of it for one failure an hour at 1m scrapes).
The import keeps the query (the source's own definition) and says so, located at the query.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import promql_parser as pp

from compiler.importers.source import Source
from compiler.model.promql_check import children
from compiler.spec.document import Path

_SENTINEL_SECONDS = 7331  # what `$window` stands for while parsing: a range no one writes, so it is found again
# Per-window functions whose value over a long window is the mean (or the sum) of their values over its slices
_ADDITIVE = frozenset({"rate", "increase", "count_over_time", "sum_over_time", "avg_over_time"})
_LINEAR_AGGREGATIONS = frozenset({"sum", "avg"})
_LABEL_ONLY = frozenset({"label_replace", "label_join", "sort", "sort_desc"})


def not_a_window_mean(query: str) -> str | None:
    """What in `query` (over `$window`) makes its value over 1d or 3d differ from the mean of its 5m values
    (`count()`, `max_over_time()`, `>`), or None when nothing does or the query does not parse."""
    try:
        tree = pp.parse(query.replace("$window", f"{_SENTINEL_SECONDS}s"))
    except (ValueError, TypeError):
        return None
    return _culprit(tree)


def _culprit(node: Any) -> str | None:
    """The first thing above a `$window` range that is not a sum of its parts, or None."""
    if not _reads_window(node):
        return None
    if isinstance(node, pp.Call):
        name = node.func.name
        if any(_is_window_range(arg) for arg in node.args):
            return None if name in _ADDITIVE else f"{name}()"
        if name not in _LABEL_ONLY:
            return f"{name}()"
    elif isinstance(node, pp.AggregateExpr) and str(node.op) not in _LINEAR_AGGREGATIONS:
        return f"{node.op}()"
    elif isinstance(node, pp.BinaryExpr):
        op = str(node.op)
        if op in ("==", "!=", ">", "<", ">=", "<="):
            return f"the comparison `{op}`"
        if op in ("*", "/", "^", "%", "atan2") and _reads_window(node.lhs) and _reads_window(node.rhs):
            return f"`{op}` of two windowed queries"
    elif isinstance(node, pp.SubqueryExpr) and _is_window_range(node):
        return None  # below the range every point is read alike
    for child in children(node):
        found = _culprit(child)
        if found:
            return found
    return None


def _is_window_range(node: Any) -> bool:
    return isinstance(node, pp.MatrixSelector | pp.SubqueryExpr) and node.range == timedelta(seconds=_SENTINEL_SECONDS)


def _reads_window(node: Any) -> bool:
    if _is_window_range(node):
        return True
    return any(_reads_window(child) for child in children(node))


def note_window_means(src: Source, queries: list[tuple[Path, str]], theirs: str) -> None:
    """A note at each query (once per place) whose 1d and 3d values obsc reads otherwise than `theirs` does."""
    noted: set[Path] = set()
    for path, query in queries:
        culprit = not_a_window_mean(query)
        if culprit and path not in noted:
            noted.add(path)
            src.note(path, _note(theirs, culprit))


def _note(theirs: str, culprit: str) -> str:
    return (
        f"{culprit} stands above the window, so obsc's 1d and 3d windows (its tickets) read another number: "
        f"{theirs}, obsc averages the query's 5m values there, the same only for sums of rate, increase, "
        "count_over_time or sum_over_time (count(... > 0) over 3d counts an instance that failed once in three "
        "days, its 5m mean one failing now): imported as written; write the SLI as summed counts to read the "
        "same ratio"
    )
