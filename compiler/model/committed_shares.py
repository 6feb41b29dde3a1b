"""A memory share divided by what the runtime has committed, not by what it may grow to (round 48).

prom-client's `nodejs_heap_size_total_bytes` is the heap V8 holds now, and V8 sizes it to the live set: a healthy
process reads used / total at 0.94-0.97 (152 of 159 MiB under a 2 GiB limit, in one public report), so a newcomer's
Node service with `memory: {expr: 'max(nodejs_heap_size_used_bytes{...} / nodejs_heap_size_total_bytes{...})'}`
had its 80% ServiceMemorySaturation ticket up for good (replayed with promtool: firing 25 minutes after the first
sample, on a process at 7% of its limit). The JVM's committed memory (Micrometer's `jvm_memory_committed_bytes`,
client_java's `jvm_memory_bytes_committed`) grows and shrinks with use the same way. A located warning at the
metric whose expression divides by one of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import promql_parser as pp

from compiler.errors import Diagnostic, Location
from compiler.model import promql_tree
from compiler.model.metric_paths import metric_path
from compiler.model.promql_check import nodes_of, selectors
from compiler.model.types import Service
from compiler.spec.document import Path

# What a runtime holds now, sized to its use: no capacity to divide by
_COMMITTED = frozenset(
    {
        "nodejs_heap_size_total_bytes",
        "nodejs_heap_space_size_total_bytes",
        "jvm_memory_committed_bytes",
        "jvm_memory_bytes_committed",
        "jvm_memory_pool_committed_bytes",
        "jvm_memory_pool_bytes_committed",
    }
)


def committed_share_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric expression (once however many services read it) that divides by a
    runtime's committed memory."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric in service.metrics:
            if metric.expr is None:
                continue
            if series := next(_divisors(metric.expr), None):
                found.setdefault((metric.location, metric_path(service, metric)), _message(metric.name, series))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _divisors(expr: str) -> Iterator[str]:
    """The committed-memory series a `/` of `expr` divides by."""
    try:
        tree = promql_tree.parse_filled(expr, window="5m")
    except (ValueError, TypeError):
        return
    for node in nodes_of(tree, pp.BinaryExpr):
        if str(node.op) == "/":
            yield from (s.name for s in selectors(node.rhs) if s.name in _COMMITTED)


def _message(name: str, series: str) -> str:
    return (
        f"metric {name!r} divides by {series}, the memory the runtime holds now, which it sizes to what it uses: "
        "a healthy process reads near 1 (a Node process at 152 of 159 MiB of heap, 7% of its 2 GiB limit, read "
        "96%), so a line on it fires on a healthy service and says nothing of how close the limit is; divide by "
        "what it may grow to: the JVM's jvm_memory_max_bytes (client_java: jvm_memory_bytes_max; -1 where a pool "
        "has none), or, for a Node process (prom-client writes no V8 heap limit), the container's memory against "
        "its limit"
    )
