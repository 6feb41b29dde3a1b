"""The one door to the PromQL parser: every tree any module of obsc walks comes from `parse`.

The parser (Rust) reads any depth; the walkers (Python, one or two frames per level) do not: a metric nested
1,900 levels deep, within the 4,096-character limit, was a RecursionError (exit 70) in the first walker that read
it, before the query's own checks could refuse it (located, exit 2). Guarding each walker missed the next one, so
the bound sits where a tree is made: `parse` refuses, as text that does not parse (ValueError, which every reader
already takes for "reported where the query is checked"), an expression whose tree could be deeper than a walk
goes. The spec's own bound (promql_text.MAX_NESTING, MAX_OPERATORS) is tighter and is the located message; this
one leaves room for what obsc wraps around a spec's expression (aggregations, a ratio of two raw queries, a
comparison) and still keeps a walk far from Python's 1,000 frames: a tree is at most about 2 levels per
parenthesis and 1 per operator deep (128 + 300 here).
tests/test_architecture.py holds that no other module calls the parser. A spec's query (`$window`, `$selector`) is
read through `parse_filled`, which fills them only where obsc does (promql_text.fill), never inside a label value.

Memoised per process, by the exact text: a compile parses a query again in each reader (its checks, the
series it is fed, its sample, ...: 5,018 parses of 2,665 texts for a 200-service fleet). Sharing a tree is
safe because nothing can change one (promql_parser's nodes refuse assignment); a text that does not parse is
not remembered (it raises again, the same way).
"""

from __future__ import annotations

import functools
from typing import Any

import promql_parser as pp

from compiler.model.promql_text import MAX_NESTING, MAX_OPERATORS, fill, numbers_for_durations, shape

WALK_NESTING = 2 * MAX_NESTING
WALK_OPERATORS = 3 * MAX_OPERATORS  # a ratio of two raw queries at the spec's bound, and what obsc adds


@functools.lru_cache(maxsize=1 << 12)
def parse(text: str) -> Any:
    """The parsed tree of `text`; ValueError when it does not parse, is too deep to walk, or holds a number where
    Prometheus takes a duration (`x[1e20]`, `offset 1e30`: the parser panicked on them, exit 1 with a Rust
    traceback, or overflowed, exit 70, in whichever reader met them first; round 44)."""
    deepest, operators = shape(text)
    if deepest > WALK_NESTING or operators > WALK_OPERATORS:
        raise ValueError(f"too deep to read ({deepest} nested parentheses, {operators} operators)")
    if numbers := numbers_for_durations(text):
        raise ValueError(numbers[0][1])
    try:
        return pp.parse(text)
    except OverflowError as exc:  # a number the parser's own integers cannot hold
        raise ValueError(f"a number too large to read: {exc}") from None


def parse_filled(text: str, *, window: str, selector: str | None = None) -> Any:
    """The tree of a spec's query with `$window` (and `$selector`, when given) filled where obsc fills them."""
    return parse(fill(text, selector=selector, window=window))
