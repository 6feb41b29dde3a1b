"""Latency histograms that time long-running requests with the short ones.

The Kubernetes API server's `apiserver_request_duration_seconds` observes every request, each WATCH (and CONNECT:
exec, port-forward) timed over its whole life, as long as the client stays: minutes. Read whole, a healthy server's
watches are slow requests: replayed with promtool (round 41, a 99.9%/30d latency SLO at 1s, WATCH 1% of requests),
the healthy API server ticketed from its 10th minute and paged (6h/30m pair) from its 20th, for as long as it ran.
A located warning at the metric while its matchers let such requests through; a selector naming only them
(`verb="WATCH"`) is the spec's choice. Round 51: `verb!~"WATCH|CONNECT"` still lets the streamed subresources through,
`kubectl logs -f` (a GET of pods/log, timed until the client leaves) and pods' or services' `proxy`: replayed with
promtool, followed logs at 1% of a healthy server's requests paged its 99.9% latency SLO at 1s by the 40th minute
on, as the watches did; the Kubernetes mixin's own selectors leave out
`subresource!~"log|proxy|attach|exec|portforward"`. The SLI histograms beside it
(`apiserver_request_sli_duration_seconds`, 1.27's, and the older `_slo_` one) time the same requests.

gRPC's histograms (go-grpc-prometheus and go-grpc-middleware's `grpc_server_handling_seconds`, the client's
`grpc_client_handling_seconds`, grpc-java's `grpc_server_handled_latency_seconds`) time a streaming RPC over the
stream's life in the same histogram as the unary calls, told apart only by `grpc_type`. Round 41 left them unwarned
(most gRPC services stream nothing); round 42 replayed a price feed whose subscriptions (server streams, minutes
each) were 4% of its calls: a healthy service's 99% latency SLO ticketed from its 10th minute for as long as it
ran (promtool). The service cannot tell obsc whether it streams, and a streaming method added later breaks an
SLO that read the histogram whole without a word; `grpc_type="unary"` costs a unary-only service nothing, so the
selector that lets streams through is warned of.

Round 54: Grafana Loki times every request of its read and write paths in `loki_request_duration_seconds`, by
`route`, a live tail (`loki_api_v1_tail`, the older `api_prom_tail`, and the querier's `/logproto.Querier/Tail`
stream to the ingesters) over the whole time the client follows the logs. Replayed with promtool, 10 tails a
minute of ~10 minutes each beside 600 short requests paged a healthy Loki's ServiceHighLatencyP99 from its 10th
minute to the end (230 min). Loki's own mixin leaves them out with `route!~"(?i).*tail.*"`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compiler.errors import Diagnostic, Location
from compiler.model.mesh_reporter import passes
from compiler.model.metric_paths import metric_path
from compiler.model.types import MetricType, Service
from compiler.spec.document import Path

_WATCHES = "WATCH at 1% of an API server's requests paged a 99.9% SLO from its 20th minute on"
_STREAMED = ("log", "proxy", "attach", "exec", "portforward")  # streamed as long as the client stays
_STREAMS = "server streams at 4% of a price feed's calls ticketed its healthy 99% SLO from the 10th minute on"
_VERBS = ("GET", "LIST", "POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION", "APPLY")
# the subresources a short request names ("": none, most requests)
_SUBRESOURCES = ("", "status", "scale", "binding", "eviction", "token", "approval", "finalize", "ephemeralcontainers")


@dataclass(frozen=True)
class _Label:
    label: str
    long: tuple[str, ...]  # its long-running values
    short: tuple[str, ...]  # its short values as the server writes them
    leave_out: str  # the matcher that leaves the long-running ones out


_GRPC = (
    (_Label("grpc_type", ("server_stream", "client_stream", "bidi_stream"), ("unary",), 'grpc_type="unary"'),),
    _STREAMS,
)
_APISERVER = (
    (
        _Label("verb", ("WATCH", "CONNECT"), _VERBS, 'verb!~"WATCH|CONNECT"'),
        _Label("subresource", _STREAMED, _SUBRESOURCES, f'subresource!~"{"|".join(_STREAMED)}"'),
    ),
    _WATCHES,
)
_TAIL_ROUTES = ("loki_api_v1_tail", "api_prom_tail", "/logproto.Querier/Tail")
_LOKI_ROUTES = ("loki_api_v1_push", "loki_api_v1_query_range", "loki_api_v1_query", "/logproto.Pusher/Push")
_LOKI = (
    (_Label("route", _TAIL_ROUTES, _LOKI_ROUTES, 'route!~"(?i).*tail.*"'),),
    "10 live tails a minute beside 600 short requests paged a healthy Loki's p99 from its 10th minute on",
)
# histogram → (the labels telling its long-running requests, what it did when read whole)
_LONG_RUNNING = {
    "apiserver_request_duration_seconds": _APISERVER,
    "apiserver_request_sli_duration_seconds": _APISERVER,
    "apiserver_request_slo_duration_seconds": _APISERVER,
    "grpc_server_handling_seconds": _GRPC,
    "grpc_client_handling_seconds": _GRPC,
    "grpc_server_handled_latency_seconds": _GRPC,
    "loki_request_duration_seconds": _LOKI,
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
            labels, seen = _LONG_RUNNING[selector.metric]
            through: list[tuple[_Label, str]] = []
            for label in labels:
                on_label = [(m.op, m.value) for m in selector.matchers if m.label == label.label]
                # the server's own short values, not a made-up one: `verb=~"GET|LIST|WATCH"` lets no made-up verb
                # pass (round 42: read as naming watches only, not warned of) and every short verb left out names
                # watches
                if not any(all(passes(op, value, kind) for op, value in on_label) for kind in label.short):
                    break  # names only long-running kinds, e.g. verb="WATCH" or subresource="log": meant
                through += [(label, k) for k in label.long if all(passes(op, v, k) for op, v in on_label)]
            else:
                if through:
                    path = metric_path(service, metric)
                    found.setdefault((metric.location, path), _message(selector.metric, through, seen))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _message(histogram: str, through: Sequence[tuple[_Label, str]], seen: str) -> str:
    named = ", ".join(f'{label.label}="{kind}"' for label, kind in through)
    leave_out = ", ".join(dict.fromkeys(label.leave_out for label, _ in through))
    return (
        f"{histogram} times long-running requests ({named}) over their whole life, minutes, beside the short ones: a "
        f"latency SLO or p99 over them reads a healthy server's watches and streams as slow requests ({seen}); "
        f"leave them out with {leave_out}"
    )
