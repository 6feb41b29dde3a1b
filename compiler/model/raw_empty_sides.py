"""Event queries that add or subtract two queries, either of which may have no series (round 42).

PromQL's `A + B` and `A - B` keep only the label sets both sides have: where one side has no series the result
has none. Client libraries create a labelled counter's series at its first event, and Celery's exporter a task's
`celery_task_failed_total` at its first failure, so a raw SLI counting `succeeded + failed` as its total (a Celery
worker fleet, round 42, promtool) had no total on a healthy fleet that had not failed since its exporter started
(`SLODataMissing` ticketed for good), and none when every task failed on a fresh exporter (no `succeeded` series):
the outage ticketed "no data" and never paged. `total - good` as the errors is empty the same way when no request
succeeds, and errors with no series are read as none failing. A located warning at the query, with the form that
is empty only when both sides are (`A + B or A or B`); a side already kept from being empty (`or vector(0)`, or
the sum under an `or`) is not warned.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import promql_parser as pp

from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx
from compiler.model.promql import Matcher, expand
from compiler.model.promql_check import children, nodes_of
from compiler.model.promql_sample import sample_tree
from compiler.spec.document import Path

_JOINING = frozenset({"+", "-"})


def raw_empty_side_warnings(
    bodies: Mapping[str, str], selector: tuple[Matcher, ...], ctx: Ctx, path: Path
) -> tuple[Diagnostic, ...]:
    """A located warning at each raw query (`path`: the raw SLI) that adds or subtracts two series queries with
    nothing to stand in when one side has no series."""
    found = []
    for key in ("errors", "total"):
        if key not in bodies:
            continue
        joined = unguarded_join(expand(str(bodies[key]), selector))
        if joined:
            found.append(Diagnostic(ctx.loc((*path, key)), (*path, key), _warning(key, joined)))
    return tuple(found)


def unguarded_join(query: str) -> str | None:
    """The operator (`+` or `-`) of the first join of two series queries in `query` that nothing guards, or None
    (also when the query does not parse or is too big to walk: its own checks report that)."""
    tree = sample_tree(query)
    return None if tree is None else next(_joins(tree, guarded=False), None)


def _joins(node: Any, guarded: bool) -> Iterator[str]:
    if isinstance(node, pp.BinaryExpr):
        op = str(node.op)
        if op == "or":
            yield from _joins(node.lhs, True)  # whatever the left side lacks, the right side stands in for
            yield from _joins(node.rhs, guarded)
            return
        if (
            op in _JOINING
            and not guarded
            and _reads_series(node.lhs)
            and _reads_series(node.rhs)
            and not _kept_join(node)
        ):
            yield op
    for child in children(node):
        yield from _joins(child, guarded)


def _kept_join(node: Any) -> bool:
    # `total - good` needs only good kept: the total is the traffic itself, and what it lacks nothing replaces
    return _kept(node.rhs) and (str(node.op) == "-" or _kept(node.lhs))


def _reads_series(node: Any) -> bool:
    return any(True for _ in nodes_of(node, pp.VectorSelector))


def _kept(node: Any) -> bool:
    """Whether a side has a series whatever its selectors find: it ends in `or` (`or vector(0)`)."""
    while isinstance(node, pp.ParenExpr | pp.AggregateExpr):
        node = node.expr
    return isinstance(node, pp.BinaryExpr) and str(node.op) == "or"


def _warning(key: str, op: str) -> str:
    effect = {
        "total": (
            "a healthy fleet that has not failed yet has no total (SLODataMissing for good), and every task failing "
            "on a fresh exporter (no successes counter) had none either: it ticketed 'no data' and never paged"
        ),
        "errors": (
            "errors with no series are read as none failing: `total - good` with no good series (every request "
            "failing on a new pod) and `failed + rejected` before the first rejection count no failures at all"
        ),
    }[key]
    return (
        f"the {key} query joins two queries with `{op}`, which has no series wherever either side has none, and a "
        f"counter is created at its first event (a failures counter before the first failure): {effect}. Write "
        f"{REMEDY[op]}, or count both in one selector"
    )


REMEDY = {"+": "`A + B or A or B` (empty only when both sides are)", "-": "`A - B or A` (B absent: none of A is B)"}
