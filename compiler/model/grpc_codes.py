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

Round 52: gRPC's own OpenTelemetry plugin (gRFC A66: `grpc_server_call_duration_seconds`) writes the code in
`grpc_status` as its upper-case name ("UNAVAILABLE", "NOT_FOUND"), as py-grpc-prometheus does in `grpc_code`. Read
as Linkerd's numbers, `grpc_status!="OK"` was told to count `grpc_status=~"2|4|12|13|14|15"`, which selects nothing
there (an SLO that can never page), and a spec naming the caller's codes (`grpc_status!~"OK|NOT_FOUND|..."`) was
warned that it counted them. A label's vocabulary is now the one its matchers write.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

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
_CAMEL = {name: name for name in _NAMES}
_NUMBERS = {name: str(number) for number, name in enumerate(_NAMES)}
# The gRPC spec's own spelling, in number order (Canceled is CANCELLED there)
_UPPER_NAMES = (
    *("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS"),
    *("PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE"),
    *("UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"),
)
_UPPER = dict(zip(_NAMES, _UPPER_NAMES, strict=True))
# Each label's vocabularies, the usual one first: go-grpc-prometheus's names (py-grpc-prometheus's upper case);
# OpenTelemetry's, Istio's and Linkerd's numbers (gRPC's OpenTelemetry plugin's upper-case names in grpc_status)
_LABELS: dict[str, tuple[dict[str, str], ...]] = {"grpc_code": (_CAMEL, _UPPER), "grpc_status": (_NUMBERS, _UPPER)}
_LABELS |= {label: (_NUMBERS,) for label in ("rpc_grpc_status_code", "grpc_response_status")}
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


def _callers_counted_bad(
    matchers: Sequence[Matcher], as_good: bool
) -> tuple[str, Mapping[str, str], tuple[str, ...]] | None:
    """The code label, its vocabulary and the caller's codes the matchers count as failures without naming them,
    or None."""
    for label in _LABELS:
        on_label = [m for m in matchers if m.label == label]
        negative = any(m.op in ("!=", "!~") for m in on_label)
        if not on_label or negative is as_good:  # failures named one by one, or good calls excluded one by one
            continue
        values = vocabulary(label, on_label)
        passed = [name for name in _CALLERS if all(_passes(m, values[name]) for m in on_label)]
        counted = [name for name in _CALLERS if name not in passed] if as_good else passed
        if counted:
            return label, values, tuple(counted)
    return None


def code_values(label: str) -> tuple[str, ...]:
    """Every value `label` (one of GRPC_CODE_LABELS) holds in any of its vocabularies."""
    return tuple(dict.fromkeys(value for values in _LABELS[label] for value in values.values()))


def vocabulary(label: str, on_label: Sequence[Matcher]) -> Mapping[str, str]:
    """The spelling of the codes `label` holds, code name -> value: the vocabulary whose values the label's
    matchers write most (the label's usual one when they write none, or as many of another's)."""
    choices = _LABELS[label]
    written = [sum(any(_writes(m, value) for m in on_label) for value in v.values()) for v in choices]
    return choices[written.index(max(written))]


def _writes(matcher: Matcher, value: str) -> bool:
    if matcher.op in ("=", "!="):
        return matcher.value == value
    return bool(full_match(matcher.value, value))


def _passes(matcher: Matcher, value: str) -> bool:
    if matcher.op in ("=", "!="):
        return (matcher.value == value) is (matcher.op == "=")
    return bool(full_match(matcher.value, value)) is (matcher.op == "=~")


def _server_failures(label: str, values: Mapping[str, str]) -> str:
    """The server's failures as a matcher on `label`, in its vocabulary (names, or OpenTelemetry's numbers)."""
    return f'{label}=~"{"|".join(values[name] for name in _SERVER_CODES)}"'


def _message(label: str, values: Mapping[str, str], codes: Sequence[str], as_good: bool) -> str:
    how = "leaves out of the good calls" if as_good else "counts as failed calls"
    named = ", ".join(name if values is _NUMBERS else values[name] for name in codes)
    return (
        f"this selector {how} {named}: the caller's own outcomes (a key that does not exist, a bad "
        "request, a client that gave up), which a healthy server returns all day, so its budget burns with its "
        "clients' mistakes (2% NotFound on a 99.99% SLO pages for as long as it lasts); the server's failures are "
        f"{_server_failures(label, values)}; {_MEANT[as_good]}"
    )


_MEANT = {
    False: "to count the caller's codes too, name each failed code in a =~ regex",
    True: "to count the caller's codes as good, name them beside OK, or name the failed codes in a !~ regex",
}
