"""A gRPC call that fails through Istio's sidecars is HTTP 200 in `istio_requests_total` (round 46).

gRPC answers over HTTP/2 with status 200 and puts its own code in a trailer, so Istio's standard metrics write
`response_code="200"` for a call that ended Unavailable or Internal, and the code in `grpc_response_status` ("14",
"13"). An SLI that picks failures by `response_code=~"5.."` on a gRPC service counts none of them; replayed with
promtool (round 46): 20% of a ledger service's calls Unavailable for 30 minutes, read through the callers' sidecars
at 99.9%, paged nothing and ticketed nothing. A good-requests selector on `response_code` counts them as good alike.
obsc cannot see which protocol a service speaks, so an SLI over `response_code` alone is warned of at the metric
until its selector says it: `request_protocol="http"` (an HTTP service), or the gRPC codes read
(`grpc_response_status`), in the metric's selector or the service's.
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
# Labels that say which protocol's outcome the selector reads
_SAYS_THE_PROTOCOL = frozenset({"request_protocol", "grpc_response_status"})
# The server's gRPC failures by number: Unknown, DeadlineExceeded, Unimplemented, Internal, Unavailable, DataLoss
_SERVER_CODES = "2|4|12|13|14|15"


def mesh_grpc_status_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per mesh request metric (once however many services read it) whose outcome is read
    from `response_code` alone, blind to a gRPC call's failure."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric, as_good in read_as_outcomes(service):
            selector = metric.selector
            if selector is None or selector.metric not in _MESH_REQUESTS:
                continue
            labels = {m.label for m in selector.matchers}
            if "response_code" in labels and not labels & _SAYS_THE_PROTOCOL:
                found.setdefault((metric.location, metric_path(service, metric)), _message(selector.metric, as_good))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


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
