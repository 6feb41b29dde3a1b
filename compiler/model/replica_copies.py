"""Copies of one series that differ only by the label naming the Prometheus that holds them.

A high-availability pair scrapes every target twice; each replica stamps its samples with an external label
(`replica` in Thanos' documentation, `prometheus_replica` from the Prometheus Operator, `rule_replica` from a Thanos
ruler). Read through federation, a remote-write store or a query layer that does not deduplicate, each series
arrives once per replica, so `sum(rate(...))` counts every event once per copy: the error ratio holds, but a
`min_bad_events` floor, a key alert's 3-failures floor and a counter line (`10/m`) are met by half the events.
`max without (replica) (rate(...))` reads one copy (the fuller one while a replica is down): obsc recognises that
form, and `obsc verify` looks for the copies on a live server.
"""

from __future__ import annotations

from typing import Any

import promql_parser as pp

from compiler.model.promql_check import children
from compiler.model.selector_text import selector_with_offset

REPLICA_LABELS = ("replica", "prometheus_replica", "rule_replica")
_ONE_COPY = frozenset({"max", "min"})  # the copies hold one counter: either reads it


def reads_one_copy(node: Any) -> bool:
    """Whether `node` is an aggregation keeping one of a series' replica copies: `max without (replica) (...)`
    (or min), dropping replica labels and nothing else."""
    if not isinstance(node, pp.AggregateExpr) or str(node.op) not in _ONE_COPY or node.modifier is None:
        return False
    dropped = set(node.modifier.labels or ())
    return node.modifier.type == pp.AggModifierType.Without and bool(dropped) and dropped <= set(REPLICA_LABELS)


def selectors_read_whole(tree: Any, label: str) -> list[str]:
    """The selectors of `tree` some occurrence of which is summed in every copy of `label`: not under a `max
    without (label)` (one copy read of one counter says nothing of another the query adds to it)."""
    found: list[str] = []

    def walk(node: Any, once: bool) -> None:
        if isinstance(node, pp.VectorSelector) and not once:
            found.append(selector_with_offset(node))  # str(node) drops a regex's escapes
        below = once or (reads_one_copy(node) and label in node.modifier.labels)
        for child in children(node):
            walk(child, below)

    walk(tree, False)
    return sorted(set(found))
