"""Linkerd's proxy metrics read without `direction`: the service's own calls counted with the calls it answers.

The Linkerd proxy beside each workload counts both ways: `direction="inbound"` for the requests it received and
`direction="outbound"` for the calls the workload made (those carry `dst_*` labels naming the callee), in the same
`request_total`, `response_total` and `response_latency_ms` series names, with the workload's own labels
(`namespace`, `deployment`, `pod`) on both. A newcomer's cart spec read `response_total{deployment="cart"}` with
`classification="failure"` as its errors: replayed with promtool (99.9%/30d, cart answering 600 requests a minute
without a failure while 5% of its 300 calls a minute to a payments service failed and were retried), the SLO paged
a healthy cart; pinned to `direction="inbound"` it stayed quiet. A selector reading a namespace counts each call
between two of its workloads twice. A located warning, not an error: a workload that calls nothing through the
mesh has no outbound series.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic, Location
from compiler.model import promql_tree
from compiler.model.mesh_reporter import OPS, passes
from compiler.model.metric_paths import metric_path
from compiler.model.promql import Matcher
from compiler.model.promql_check import selectors
from compiler.model.types import Service, SliKind
from compiler.spec.document import Path

_PROXY_SERIES = re.compile(r"(?:route_)?(?:request_total|response_total|response_latency_ms(?:_bucket|_count|_sum)?)")
# Both directions and a value neither names: matchers that pass all three pin no direction
_DIRECTIONS = ("inbound", "outbound", "obsc-any-other-direction")
Matchers = list[tuple[str, str, str]]


def unpinned_direction(series: str, matchers: Matchers) -> bool:
    """Whether a selector of Linkerd's proxy `series` reads both directions: no matcher on `direction` keeps one
    out, and none on a callee's `dst_*` label (only outbound series carry those) asks for a value."""
    if not _PROXY_SERIES.fullmatch(series):
        return False
    if any(label.startswith("dst_") and not passes(op, value, "") for label, op, value in matchers):
        return False
    on_direction = [(op, value) for label, op, value in matchers if label == "direction"]
    return all(passes(op, value, view) for op, value in on_direction for view in _DIRECTIONS)


def direction_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric or raw SLI query (once however many services read it) that reads Linkerd's
    proxy metrics in both directions."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric in service.metrics:
            selector = metric.selector
            if selector is not None and unpinned_direction(selector.metric, _of(selector.matchers)):
                found.setdefault((metric.location, metric_path(service, metric)), _message(selector.metric))
        for index, slo in enumerate(service.slos):
            if slo.sli.kind is not SliKind.RAW:
                continue
            for role, query in (("errors", slo.sli.raw_errors), ("total", slo.sli.raw_total)):
                if series := next(_unpinned_in(query or ""), None):
                    found.setdefault((slo.location, ("slos", index, "sli", "raw", role)), _message(series))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _of(matchers: Sequence[Matcher]) -> Matchers:
    return [(m.label, m.op, m.value) for m in matchers]


def _unpinned_in(query: str) -> Iterator[str]:
    try:
        tree = promql_tree.parse_filled(query, window="5m")
    except (ValueError, TypeError):
        return
    for selector in selectors(tree):
        found = [(m.name, OPS[str(m.op).rsplit(".", 1)[-1]], m.value) for m in selector.matchers.matchers]
        if unpinned_direction(selector.name or "", found):
            yield selector.name or ""


def _message(series: str) -> str:
    return (
        f'{series} is Linkerd\'s proxy metric, counted on both sides of a meshed call: direction="inbound" for the '
        'requests the workload\'s proxy received, direction="outbound" for the calls the workload made; read '
        "without direction, the service's own calls count as its requests (a dependency's failures page it: 5% "
        "failing calls to a dependency paged a healthy 99.9% SLO) and a call between two workloads the selector "
        "both reads counts twice; pin direction=\"inbound\" in the metric's selector or the service's (the requests "
        'it answered), or read its callers\' view with direction="outbound" and dst_deployment'
    )
