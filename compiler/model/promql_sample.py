"""A free query read for its shape: `$window` as a sample range, too big or unparsable read as nothing."""

from __future__ import annotations

from typing import Any

from compiler.model import promql_tree
from compiler.model.promql_text import size_problems

SAMPLE_RANGE = "5m"  # what `$window` stands for; any valid range gives the same shape


def sample_tree(query: str) -> Any | None:
    """`query`'s tree with `$window` filled, or None when it is too big to walk (its own checks report the size: a
    deep one overflows Python's recursion) or does not parse (its own checks report that too)."""
    if size_problems(query):
        return None
    try:
        return promql_tree.parse_filled(query, window=SAMPLE_RANGE)
    except (ValueError, TypeError):
        return None
