"""Latency histograms that time long-running requests with the short ones.

The Kubernetes API server's `apiserver_request_duration_seconds` observes every request, each WATCH (and CONNECT:
exec, port-forward) timed over its whole life, as long as the client stays: minutes. Read whole, a healthy server's
watches are slow requests: replayed with promtool (round 41, a 99.9%/30d latency SLO at 1s, WATCH 1% of requests),
the healthy API server ticketed from its 10th minute and paged (6h/30m pair) from its 20th, for as long as it ran.
A located warning at the metric while its matchers let such requests through; a selector naming only them
(`verb="WATCH"`) is the spec's choice.

gRPC's histograms (go-grpc-prometheus and go-grpc-middleware's `grpc_server_handling_seconds`, the client's
`grpc_client_handling_seconds`, grpc-java's `grpc_server_handled_latency_seconds`) time a streaming RPC over the
stream's life in the same histogram as the unary calls, told apart only by `grpc_type`. Round 41 left them unwarned
(most gRPC services stream nothing); round 42 replayed a price feed whose subscriptions (server streams, minutes
each) were 4% of its calls: a healthy service's 99% latency SLO ticketed from its 10th minute for as long as it
ran (promtool). The service cannot tell obsc whether it streams, and a streaming method added later breaks an
SLO that read the histogram whole without a word; `grpc_type="unary"` costs a unary-only service nothing, so the
selector that lets streams through is warned of.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.mesh_reporter import passes
from compiler.model.metric_paths import metric_path
from compiler.model.types import MetricType, Service
from compiler.spec.document import Path

_WATCHES = "WATCH at 1% of an API server's requests paged a 99.9% SLO from its 20th minute on"
_STREAMS = "server streams at 4% of a price feed's calls ticketed its healthy 99% SLO from the 10th minute on"
_GRPC = ("grpc_type", ("server_stream", "client_stream", "bidi_stream"), 'grpc_type="unary"', _STREAMS, ("unary",))
_VERBS = ("GET", "LIST", "POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION", "APPLY")
# histogram → (the label, its long-running values, the matcher that leaves them out, what it did when read whole,
# the label's short values as the server writes them)
_LONG_RUNNING = {
    "apiserver_request_duration_seconds": ("verb", ("WATCH", "CONNECT"), 'verb!~"WATCH|CONNECT"', _WATCHES, _VERBS),
    "grpc_server_handling_seconds": _GRPC,
    "grpc_client_handling_seconds": _GRPC,
    "grpc_server_handled_latency_seconds": _GRPC,
}


def long_running_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per histogram metric (once however many services read it) that times long-running
    requests with the short ones."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric in service.metrics:
            selector = metric.selector
            if metric.type is not MetricType.HISTOGRAM or selector is None or selector.metric not in _LONG_RUNNING:
                continue
            label, kinds, leave_out, seen, short = _LONG_RUNNING[selector.metric]
            on_label = [(m.op, m.value) for m in selector.matchers if m.label == label]
            # the server's own short values, not a made-up one: `verb=~"GET|LIST|WATCH"` lets no made-up verb pass
            # (round 42: read as naming watches only, not warned of) and every short verb left out names watches
            if not any(all(passes(op, value, kind) for op, value in on_label) for kind in short):
                continue  # names only long-running kinds, e.g. verb="WATCH": meant
            through = [kind for kind in kinds if all(passes(op, value, kind) for op, value in on_label)]
            if through:
                path = metric_path(service, metric)
                found.setdefault((metric.location, path), _message(selector.metric, label, through, leave_out, seen))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _message(histogram: str, label: str, kinds: Sequence[str], leave_out: str, seen: str) -> str:
    named = ", ".join(f'{label}="{kind}"' for kind in kinds)
    return (
        f"{histogram} times long-running requests ({named}) over their whole life, minutes, beside the short ones: a "
        f"latency SLO or p99 over them reads a healthy server's watches and streams as slow requests ({seen}); "
        f"leave them out with {leave_out}"
    )
