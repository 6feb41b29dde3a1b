"""gRPC status codes an SLI counts as failures without naming them.

`grpc_server_handled_total` carries every call's status in `grpc_code` (OpenTelemetry: the number in
`rpc_grpc_status_code`). `grpc_code!="OK"` as the failures, or `grpc_code="OK"` as the good calls, counts the
caller's own outcomes as the server failing: NotFound (a lookup of a key that does not exist), InvalidArgument,
AlreadyExists, PermissionDenied, Unauthenticated, FailedPrecondition, OutOfRange and Canceled (the client gave
up), which a healthy server returns all day. A ledger API answering 2% of its calls NotFound burned a 99.99%
budget at 46x and paged for as long as it ran (promtool, round 40). It is the HTTP 4xx of gRPC; a spec that means
to count them names them (`grpc_code=~"NotFound|Internal|..."`), which is not warned of.

Round 46: the meshes write the number too, Istio in `grpc_response_status` and Linkerd in `grpc_status`; read by
`grpc_response_status!="0"` a healthy gRPC service with 4% NotFound paged its 99.9% SLO from the 5th minute for 3
hours (promtool), and was not warned of. The server's failures are named in the label's own vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.metric_paths import metric_path
from compiler.model.promql import Matcher
from compiler.model.promql_regex import full_match
from compiler.model.types import Metric, Service, SliKind
from compiler.spec.document import Path

# The codes in number order: the index is the number OpenTelemetry writes.
_NAMES = (
    *("OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists"),
    *("PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented"),
    *("Internal", "Unavailable", "DataLoss", "Unauthenticated"),
)
# The caller's outcomes. ResourceExhausted and Aborted are left out: a server's own limits and conflicts are
# fairly counted as failures.
_CALLERS = (
    *("Canceled", "InvalidArgument", "NotFound", "AlreadyExists", "PermissionDenied", "FailedPrecondition"),
    *("OutOfRange", "Unauthenticated"),
)
_LABELS = {"grpc_code": dict(zip(_NAMES, _NAMES, strict=True))}
_NUMBERS = {name: str(number) for number, name in enumerate(_NAMES)}
# OpenTelemetry's, Istio's and Linkerd's labels hold the number
_LABELS |= {label: _NUMBERS for label in ("rpc_grpc_status_code", "grpc_response_status", "grpc_status")}
GRPC_CODE_LABELS = frozenset(_LABELS)  # the labels that hold a call's gRPC code, by name or number
_SERVER_CODES = ("Unknown", "DeadlineExceeded", "Unimplemented", "Internal", "Unavailable", "DataLoss")


def grpc_code_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric (once however many services read it) whose code matchers count the
    caller's codes as failures without naming them: as an SLI's (or the error-rate alert's) failures through a
    negative matcher, or as an SLI's good calls through positive ones that leave them out."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric, as_good in read_as_outcomes(service):
            if (
                metric.selector is None
                or (found_bad := _callers_counted_bad(metric.selector.matchers, as_good)) is None
            ):
                continue
            path = metric_path(service, metric)
            found.setdefault((metric.location, path), _message(*found_bad, as_good))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def read_as_outcomes(service: Service) -> Iterator[tuple[Metric, bool]]:
    """The metrics read as failures (False) or good events (True): ratio SLIs' and the `errors` metric."""
    for slo in service.slos:
        if slo.sli.kind is SliKind.RATIO:
            if slo.sli.errors is not None:
                yield slo.sli.errors, False
            if slo.sli.good is not None:
                yield slo.sli.good, True
    yield from ((m, False) for m in service.metrics if m.name == "errors")


def _callers_counted_bad(matchers: Sequence[Matcher], as_good: bool) -> tuple[str, tuple[str, ...]] | None:
    """The code label and the caller's codes the matchers count as failures without naming them, or None."""
    for label, values in _LABELS.items():
        on_label = [m for m in matchers if m.label == label]
        negative = any(m.op in ("!=", "!~") for m in on_label)
        if not on_label or negative is as_good:  # failures named one by one, or good calls excluded one by one
            continue
        passed = [name for name in _CALLERS if all(_passes(m, values[name]) for m in on_label)]
        counted = [name for name in _CALLERS if name not in passed] if as_good else passed
        if counted:
            return label, tuple(counted)
    return None


def _passes(matcher: Matcher, value: str) -> bool:
    if matcher.op in ("=", "!="):
        return (matcher.value == value) is (matcher.op == "=")
    return bool(full_match(matcher.value, value)) is (matcher.op == "=~")


def _server_failures(label: str) -> str:
    """The server's failures as a matcher on `label`, in its vocabulary (names, or OpenTelemetry's numbers)."""
    return f'{label}=~"{"|".join(_LABELS[label][name] for name in _SERVER_CODES)}"'


def _message(label: str, codes: Sequence[str], as_good: bool) -> str:
    how = "leaves out of the good calls" if as_good else "counts as failed calls"
    return (
        f"this selector {how} {', '.join(codes)}: the caller's own outcomes (a key that does not exist, a bad "
        "request, a client that gave up), which a healthy server returns all day, so its budget burns with its "
        "clients' mistakes (2% NotFound on a 99.99% SLO pages for as long as it lasts); the server's failures are "
        f"{_server_failures(label)}; {_MEANT[as_good]}"
    )


_MEANT = {
    False: "to count the caller's codes too, name each failed code in a =~ regex",
    True: "to count the caller's codes as good, name them beside OK, or name the failed codes in a !~ regex",
}
