"""A gRPC call that fails through Istio's sidecars is HTTP 200 in `istio_requests_total` (round 46).

gRPC answers over HTTP/2 with status 200 and puts its own code in a trailer, so Istio's standard metrics write
`response_code="200"` for a call that ended Unavailable or Internal, and the code in `grpc_response_status` ("14",
"13"). An SLI that picks failures by `response_code=~"5.."` on a gRPC service counts none of them; replayed with
promtool (round 46): 20% of a ledger service's calls Unavailable for 30 minutes, read through the callers' sidecars
at 99.9%, paged nothing and ticketed nothing. A good-requests selector on `response_code` counts them as good alike.
obsc cannot see which protocol a service speaks, so an SLI over `response_code` alone is warned of at the metric
until its selector says it: `request_protocol="http"` (an HTTP service), or the gRPC codes read
(`grpc_response_status`), in the metric's selector or the service's.

Linkerd's proxy errs the other way: its `response_total{classification="failure"}` is a 5xx for HTTP, and for gRPC
every code but OK, the caller's NotFound and InvalidArgument included; a healthy gRPC service with 4% NotFound paged
its 99.9% SLO from the 5th minute for 3 hours (promtool). A selector on `classification` is warned of until it says
its protocol: `grpc_status=""` (HTTP responses carry none; in the metric's selector, as the service's takes no empty
value: round 48's newcomer put it there as told and was refused), or the gRPC codes it counts (`grpc_status`).
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.grpc_codes import read_as_outcomes
from compiler.model.metric_paths import metric_path
from compiler.model.types import Service
from compiler.spec.document import Path

# Istio's request counter: one series per response_code, with the gRPC code beside it
_MESH_REQUESTS = frozenset({"istio_requests_total"})
# Linkerd's proxy counter: `classification` success or failure, `grpc_status` beside it for gRPC
_LINKERD_REQUESTS = "response_total"
# Labels that say which protocol's outcome the selector reads
_SAYS_THE_PROTOCOL = frozenset({"request_protocol", "grpc_response_status"})
# The server's gRPC failures by number: Unknown, DeadlineExceeded, Unimplemented, Internal, Unavailable, DataLoss
_SERVER_CODES = "2|4|12|13|14|15"


def mesh_grpc_status_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per mesh request metric (once however many services read it) whose outcome is read
    without saying the protocol: Istio's `response_code` alone, blind to a gRPC call's failure, or Linkerd's
    `classification`, which takes every gRPC code but OK as a failure."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric, as_good in read_as_outcomes(service):
            selector = metric.selector
            labels = {m.label for m in selector.matchers} if selector is not None else set()
            if selector is None or not (message := _unsaid(selector.metric, labels, as_good)):
                continue
            found.setdefault((metric.location, metric_path(service, metric)), message)
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _unsaid(series: str, labels: set[str], as_good: bool) -> str | None:
    """Why a mesh request selector on `labels` misreads a gRPC service's outcome, or None."""
    if series in _MESH_REQUESTS and "response_code" in labels and not labels & _SAYS_THE_PROTOCOL:
        return _message(series, as_good)
    if series == _LINKERD_REQUESTS and "classification" in labels and "grpc_status" not in labels:
        return _linkerd_message(as_good)
    return None


def _linkerd_message(as_good: bool) -> str:
    counted = "leaves them out of the good requests" if as_good else "counts them as failures"
    return (
        'response_total is Linkerd\'s: its classification="failure" is a 5xx for HTTP and, for gRPC, every code but '
        "OK, the caller's own NotFound, InvalidArgument, AlreadyExists and PermissionDenied too: if this service "
        f"speaks gRPC, a selector on classification {counted} (a healthy service with 4% NotFound paged a 99.9% SLO "
        'from its 5th minute, for as long as it lasted); say which protocol it reads: grpc_status="" in the '
        "metric's selector for an HTTP service (its responses carry none; the service's selector takes no empty "
        f'value), grpc_status=~"{_SERVER_CODES}" (Unknown, DeadlineExceeded, Unimplemented, Internal, Unavailable, '
        "DataLoss) in the metric's selector or the service's for a gRPC one"
    )


def _message(series: str, as_good: bool) -> str:
    counted = "counts them as good requests" if as_good else "counts none of them"
    return (
        f'{series} writes a gRPC call that failed as response_code="200", its code in grpc_response_status ("14" '
        f'Unavailable, "13" Internal): if this service speaks gRPC, a selector on response_code alone {counted} '
        "(20% Unavailable for 30 minutes paged nothing); say which protocol it reads, in the metric's selector or the "
        f'service\'s: request_protocol="http" for an HTTP service, grpc_response_status=~"{_SERVER_CODES}" '
        "(Unknown, DeadlineExceeded, Unimplemented, Internal, Unavailable, DataLoss) for a gRPC one, and for one "
        "serving both a raw SLI adding the two"
    )
