"""An availability SLI counting Istio's calls in the server's view only (`reporter="destination"`).

A call that never reached a server pod is reported by the caller's sidecar alone: with every pod unready the
callers get 503 (no healthy upstream, `response_flags="UH"`), the server's sidecar sees nothing, and an SLI over the
destination view reads no traffic while its pods stay up (so ServiceDown is quiet too). Replayed with promtool
(round 41, 99.9%/30d, 60 requests a minute): a 60-minute outage of that kind after a healthy day fired nothing at
all; the same SLI over `reporter="source"` paged within 5 minutes. A located warning, not an error: callers without a
sidecar (outside the mesh) are reported by the destination alone, and such a service has no other view.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic
from compiler.model import promql_tree
from compiler.model.mesh_reporter import OPS, passes
from compiler.model.promql_check import selectors
from compiler.model.types import Service, Sli, SliKind


def destination_view_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """A located warning at each SLO counting its events in the server's view only (see the module's text)."""
    return [
        Diagnostic(slo.location, ("slos", index, "sli"), _SERVER_VIEW.format(slo=slo.name))
        for service in services
        for index, slo in enumerate(service.slos)
        if any(_server_view_only(series, matchers) for series, matchers in _total_selectors(slo.sli))
    ]


_SERVER_VIEW = (
    'SLO {slo!r} counts the calls the server\'s sidecar saw (reporter="destination"), and a call that never reaches '
    "a server pod is in none of them: no healthy upstream (every pod unready, 503 UH), a refused or reset "
    "connection (UF, URX), the caller's timeout (UT): in an outage where every caller gets 503 and the pods stay "
    'up, the SLI reads no traffic and nothing pages; count reporter="source" (what the callers got) unless the '
    "callers have no sidecar (nothing reports them as source)"
)


def _total_selectors(sli: Sli) -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    """(series, matchers) of what an availability SLI counts as its events: a ratio's total, a raw SLI's total."""
    if sli.kind is SliKind.RATIO and sli.total is not None and sli.total.selector is not None:
        yield sli.total.selector.metric, [(m.label, m.op, m.value) for m in sli.total.selector.matchers]
    elif sli.kind is SliKind.RAW:
        try:
            tree = promql_tree.parse_filled(sli.raw_total or "", window="5m")
        except (ValueError, TypeError):
            return
        for selector in selectors(tree):
            found = [(m.name, OPS[str(m.op).rsplit(".", 1)[-1]], m.value) for m in selector.matchers.matchers]
            yield selector.name or "", found


def _server_view_only(series: str, matchers: list[tuple[str, str, str]]) -> bool:
    """Whether a selector of Istio's request counter reads the destination view and not the source one."""
    on_reporter = [(op, value) for label, op, value in matchers if label == "reporter"]
    return (
        series == "istio_requests_total"
        and bool(on_reporter)
        and all(passes(op, value, "destination") for op, value in on_reporter)
        and not all(passes(op, value, "source") for op, value in on_reporter)
    )


# Round 50: the destination's labels that Istio's caller sidecar reads from the pod that answered (its peer metadata):
# a call no pod answered (503 UH, UF, UT) carries them as "unknown"; the service's own (`destination_service_name`,
# `destination_service_namespace`, `destination_service`) come from the route and stay.
_ANSWERING_POD = frozenset(
    {
        "destination_workload",
        "destination_workload_namespace",
        "destination_app",
        "destination_version",
        "destination_canonical_service",
        "destination_canonical_revision",
    }
)


def answering_pod_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """A located warning at each SLO counting the callers' view by a label of the pod that answered."""
    found = []
    for service in services:
        for index, slo in enumerate(service.slos):
            labels = sorted({label for s, m in _total_selectors(slo.sli) for label in _pod_labels_read(s, m)})
            if labels:
                message = _ANSWERING_POD_TEXT.format(slo=slo.name, labels=", ".join(labels))
                found.append(Diagnostic(slo.location, ("slos", index, "sli"), message))
    return found


def _pod_labels_read(series: str, matchers: list[tuple[str, str, str]]) -> list[str]:
    """The answering pod's labels a source-view selector of Istio's request counter pins (an "unknown" fails)."""
    on_reporter = [(op, value) for label, op, value in matchers if label == "reporter"]
    if series != "istio_requests_total" or not all(passes(op, value, "source") for op, value in on_reporter):
        return []
    if on_reporter and all(passes(op, value, "destination") for op, value in on_reporter):
        return []  # both views: refused or warned of as read twice elsewhere
    return [label for label, op, value in matchers if label in _ANSWERING_POD and not passes(op, value, "unknown")]


_ANSWERING_POD_TEXT = (
    "SLO {slo!r} counts the callers' view (reporter=\"source\") by {labels}, which the caller's sidecar takes from "
    "the pod that answered: a call no pod answered (every pod unready, 503 UH; a refused connection, UF) carries "
    '"unknown" there, so the outage reporter="source" is read for is in none of the SLI\'s series and nothing '
    "pages; select the service by destination_service_name and destination_service_namespace (from the route, "
    "kept on every call) instead"
)
