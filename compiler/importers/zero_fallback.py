"""An event query's `or vector(0)`: a peer's idiom (the ratio then reads 0, not no data, when a service has
traffic and no failures), which obsc refuses in an errors query because it already counts absent errors as 0
while the total has traffic, and the constant alone would count errors where there is no traffic at all.
Taken off, the SLO reads the same; left on, the import of a spec the peer accepts failed (errors), or a good
query stayed raw PromQL instead of obsc's {good, total} SLI.
"""

from __future__ import annotations

import re

import promql_parser as pp

from compiler.model import promql_tree

# `or vector(0)` (also `or on() vector(0)`, `vector(0.0)`) at the end of the query text
# From the start of a run of blanks only: from each blank of a long run, the run was read again (quadratic).
_FALLBACK = re.compile(r"(?<!\s)\s+or\s*(?:on\s*\(\s*\)\s*)?vector\s*\(\s*0(?:\.0*)?\s*\)\s*$")
_SAMPLE_WINDOW = "5m"  # what `$window` stands for while parsing


def without_zero_fallback(query: str) -> str | None:
    """The query without its last `or vector(0)`, or None when it has none at its top level (inside
    parentheses it is part of a larger expression, which obsc's checks judge as written)."""
    match = _FALLBACK.search(query)
    if match is None:
        return None
    try:
        tree = promql_tree.parse_filled(query, window=_SAMPLE_WINDOW)
    except (ValueError, TypeError):
        return None
    fallback = getattr(tree, "rhs", None)
    if not (isinstance(tree, pp.BinaryExpr) and str(tree.op) == "or" and isinstance(fallback, pp.Call)):
        return None
    if fallback.func.name != "vector":
        return None
    return query[: match.start()].rstrip()


def fallback_note(counted: str) -> str:
    """Why `or vector(0)` was taken off a `counted` (errors or good) query."""
    return (
        f"`or vector(0)` taken off the {counted} query: obsc counts absent {counted} events as 0 while the total "
        "has traffic (the same ratio), and refuses the constant in an errors query, where it would count errors "
        "with no traffic"
    )
