"""Event queries whose long windows obsc reads otherwise than they are written.

obsc evaluates a raw event query (its own `sli: {raw: {errors, total}}`, or one imported from a peer that evaluates
it over every window, as Sloth's `[1d]` and `[3d]` rules do) over the fast windows as written: the pages. Its coarse
tier (1d, 3d, the period: the tickets and the budget) averages the query's 5m values instead. That is the same
number for sums of `rate`, `increase`, `count_over_time` or `sum_over_time`, but not where something that is no sum
stands above the window: `count(... > 0)` over 3d is the share of instances that failed once in three days, its 5m
mean the share failing in a 5m slice (~1/36 of it for one failure an hour at 1m scrapes).

A located warning, not an error: the mean of 5m values is a defined, time-weighted reading (the one the documented
`raw: {error_ratio}` form has), the pages read the query as written, and specs compiling today keep compiling.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import promql_parser as pp

from compiler.errors import Diagnostic
from compiler.model import promql_tree
from compiler.model.build_context import Ctx
from compiler.model.promql import Matcher, expand
from compiler.model.promql_check import children
from compiler.model.promql_text import fill, size_problems
from compiler.model.raw_empty_sides import raw_empty_side_warnings
from compiler.model.raw_windows import PER_WINDOW
from compiler.model.replica_copies import reads_one_copy
from compiler.model.types import Service
from compiler.spec.document import Path

_SENTINEL_SECONDS = 7331  # what `$window` stands for while parsing: a range no one writes, so it is found again
# Per-window functions whose value over a long window is the mean (or the sum) of their values over its slices
_ADDITIVE = frozenset({"rate", "increase", "count_over_time", "sum_over_time", "avg_over_time"})
_LINEAR_AGGREGATIONS = frozenset({"sum", "avg"})
_LABEL_ONLY = frozenset({"label_replace", "label_join", "sort", "sort_desc"})
_COUNTED = "sum(rate(jobs_{}{{$selector}}[$window]))"  # the hint: summed counts read one ratio on every window


def not_a_window_mean(query: str) -> str | None:
    """What in `query` (over `$window`) makes its value over 1d or 3d differ from the mean of its 5m values
    (`count()`, `max_over_time()`, `>`), or None when nothing does, the query does not parse, or it is too big to
    walk (its size or depth is reported by the query's own checks: a deep one was a RecursionError here, exit 70)."""
    tree = _parsed(query)
    return None if tree is None else _culprit(tree)


def _parsed(query: str) -> Any:
    """`query`'s tree with `$window` as the sentinel, or None when it is too big to walk or does not parse."""
    if size_problems(query):
        return None
    try:
        return promql_tree.parse_filled(query, window=f"{_SENTINEL_SECONDS}s")
    except (ValueError, TypeError):
        return None


# Stands for a service's selector while a raw body is read once for the whole fleet: any matchers read alike.
_ANY_SELECTOR = 'job="x"'


@functools.lru_cache(maxsize=256)
def _surely_a_window_mean(body: str) -> bool:
    """True when `body` read with a stand-in selector parses and holds no culprit: with the service's own
    (non-empty) selector it then holds none either, since `_culprit` never reads a matcher, and a text that no
    longer parses has none by definition. A fleet made from one template writes its raw bodies once; each of
    its services' was parsed again (2,000 parses of the 10,000 a 1,000-service fleet made)."""
    tree = _parsed(fill(body, selector=_ANY_SELECTOR))
    return tree is not None and _culprit(tree) is None


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
    elif isinstance(node, pp.AggregateExpr) and str(node.op) not in _LINEAR_AGGREGATIONS and not reads_one_copy(node):
        return f"{node.op}()"  # max without (replica) reads one of a series' copies, the same count on every window
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


def raw_window_mean_warnings(
    bodies: Mapping[str, str], selector: tuple[Matcher, ...], ctx: Ctx, path: Path
) -> tuple[Diagnostic, ...]:
    """A located warning at each raw query (`path`: the raw SLI) whose 1d and 3d values are not its 5m mean."""
    found = []
    per_window = bodies.get("per") == PER_WINDOW
    for key in ("errors", "total"):
        body = str(bodies[key])
        culprit = None if selector and _surely_a_window_mean(body) else not_a_window_mean(expand(body, selector))
        if culprit:
            found.append(Diagnostic(ctx.loc((*path, key)), (*path, key), _warning(key, culprit, per_window)))
    return tuple(found)


def _warning(key: str, culprit: str, per_window: bool) -> str:
    # under `per: window` rate() is refused: the counts are the exporter's per-period sums
    counted, names = ("sum(sum_over_time(jobs_{}{{$selector}}[$window]))", ("failed_sum", "count_sum"))
    if not per_window:
        counted, names = _COUNTED, ("failed_total", "total")
    return (
        f"{culprit} stands above $window in the {key} query, so its 1d and 3d windows (the tickets, and the budget) "
        "read another number than the query says: obsc evaluates it as written over the pages' windows but averages "
        "its 5m values over the long ones, the same only for sums of rate, increase, count_over_time or "
        "sum_over_time (count(increase(x[$window]) > 0) over 1d counts an instance that failed once that day, its "
        "5m mean one failing in the same 5 minutes); to read one ratio on every window, count events: "
        f"{counted.format(names[0])} over {counted.format(names[1])}"
    )


def raw_query_warnings(
    bodies: Mapping[str, str], selector: tuple[Matcher, ...], ctx: Ctx, path: Path
) -> tuple[Diagnostic, ...]:
    """The located warnings on a raw SLI's event queries: no mean of 5m over the long windows (above), a join with
    a side that may have no series (raw_empty_sides)."""
    return raw_window_mean_warnings(bodies, selector, ctx, path) + raw_empty_side_warnings(bodies, selector, ctx, path)


def window_mean_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """Every raw query of `services` whose 1d and 3d windows read the mean of its 5m values (compile, validate)."""
    return [d for service in services for slo in service.slos for d in slo.window_means]
