"""Counter metrics written as two queries added or subtracted, either of which may have no series (round 43).

Round 42 warned of `A + B` in a raw SLI's queries; a metric's own `expr` has the same hole and was not judged.
`requests: {expr: 'sum(rate(web_requests_total[$window])) + sum(rate(mobile_requests_total[$window]))', type:
counter}` before the mobile app's first request (a client library creates a counter at its first event) has no
series: the error-rate key alert divides by nothing, and 50% of web uploads failing for 30 minutes fired neither
its 2% ticket nor its 10% page (promtool, 1m samples). A threshold alert over `failed + rejected` before the first
rejection fired only its missing-data twin ("no data") at 100 failures a minute. Counters only: a gauge
expression (`memory total - available`) reads series an exporter keeps from its start.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.raw_empty_sides import REMEDY, unguarded_join
from compiler.model.types import MetricType, Service
from compiler.spec.document import Path


def counter_join_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per counter metric expression (a platform default's once) that adds or subtracts two
    series queries with nothing to stand in when one side has none."""
    found: dict[tuple[Location, Path], Diagnostic] = {}
    for service in services:
        for metric in service.metrics:
            if metric.type is not MetricType.COUNTER or not metric.expr:
                continue
            own = metric.location.file == service.location.file
            path: Path = ("metrics", metric.name, "expr") if own else ("defaults", "metrics", metric.name, "expr")
            if (metric.location, path) not in found and (op := unguarded_join(metric.expr)):
                found[(metric.location, path)] = Diagnostic(metric.location, path, _message(metric.name, op))
    return list(found.values())


def _message(name: str, op: str) -> str:
    return (
        f"counter metric '{name}' joins two queries with `{op}`, which has no series wherever either side has none, "
        "and a counter is created at its first event: while one side has no series (a client that has not called "
        "yet, no rejection so far) every error-rate alert, threshold alert and panel reading it sees nothing "
        "(50% of requests failing paged nothing; a threshold alert fired only its 'no data' twin); write "
        f"{REMEDY[op]}, or count both in one selector"
    )
