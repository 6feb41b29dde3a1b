"""Round 40: a gRPC service's SLI over `grpc_server_handled_total{grpc_code!="OK"}` counts the caller's own codes
(NotFound, InvalidArgument, Canceled...) as the server failing. A ledger API answering 2% of its calls NotFound,
healthy otherwise, at 99.99%/90d: the fast and medium pages fired from the first evaluations and stayed up, with
both tickets and SLOErrorBudgetExhausted (promtool, 4 hours replayed). obsc compiled it without a word; it now warns
at the metric's line, and stays quiet where the spec names the codes it counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.grpc_codes import grpc_code_warnings, vocabulary
from compiler.model.promql import Matcher
from tests.cli_helpers import run_obsc
from tests.platform_text import sink_platform

SPEC = """apiVersion: obsc/v1
service: ledger
team: rpc
selector: {{job: ledger}}
metrics:
  requests: grpc_server_handled_total
  {metric}: '{selector}'
slos:
  - {{name: availability, objective: 99.99, sli: {{{metric}: {metric}, total: requests}}}}
"""


def _warnings(tmp: Path, metric: str, selector: str) -> list[str]:
    (tmp / "platform.yaml").write_text(sink_platform())
    (tmp / "ledger.yaml").write_text(SPEC.format(metric=metric, selector=selector))
    fleet, _ = load_fleet([str(tmp)], CompileOptions(), {})
    return [str(d) for d in grpc_code_warnings(fleet.services)]


@pytest.mark.parametrize(
    "metric, selector, codes",
    [
        ("errors", 'grpc_server_handled_total{grpc_code!="OK"}', "Canceled, InvalidArgument, NotFound,"),
        ("errors", 'grpc_server_handled_total{grpc_code!~"OK|Canceled"}', "InvalidArgument, NotFound,"),
        ("good", 'grpc_server_handled_total{grpc_code="OK"}', "Canceled, InvalidArgument, NotFound,"),
        ("good", 'grpc_server_handled_total{grpc_code=~"OK|NotFound"}', "Canceled, InvalidArgument, AlreadyExists,"),
        ("errors", 'rpc_server_duration_count{rpc_grpc_status_code!="0"}', "Canceled, InvalidArgument, NotFound,"),
        # 5 is NotFound: left out by its number, not counted
        (
            "errors",
            'rpc_server_duration_count{rpc_grpc_status_code!~"0|5"}',
            "Canceled, InvalidArgument, AlreadyExists,",
        ),
    ],
    ids=["not-ok", "not-ok-or-canceled", "good-ok", "good-ok-notfound", "otel-numbers", "otel-notfound-by-number"],
)
def test_the_callers_codes_counted_as_failures_are_warned_at_the_metric(
    tmp_path: Path, metric: str, selector: str, codes: str
) -> None:
    said = _warnings(tmp_path, metric, selector)
    assert len(said) == 1, said
    assert said[0].startswith(f"{tmp_path / 'ledger.yaml'}:7:") and f"$.metrics.{metric}: " in said[0], said
    assert codes in said[0], said


@pytest.mark.parametrize(
    ("selector", "server"),
    [
        (
            'istio_requests_total{reporter="source", grpc_response_status!="0"}',
            'grpc_response_status=~"2|4|12|13|14|15"',
        ),
        ('response_total{grpc_status!~"0|1"}', 'grpc_status=~"2|4|12|13|14|15"'),
    ],
    ids=["istio", "linkerd"],
)
def test_a_meshs_numbered_code_label_is_read_as_the_codes(tmp_path: Path, selector: str, server: str) -> None:
    # Round 46: Istio and Linkerd write the code's number in their own labels; `grpc_response_status!="0"` counted a
    # healthy service's NotFound as failures without a word. The server's failures are said in the label's numbers.
    said = _warnings(tmp_path, "errors", selector)
    assert len(said) == 1 and "InvalidArgument, NotFound," in said[0], said
    assert f"the server's failures are {server};" in said[0], said


@pytest.mark.parametrize(
    "metric, selector",
    [
        ("errors", 'grpc_server_handled_total{grpc_code=~"Unknown|DeadlineExceeded|Internal|Unavailable|DataLoss"}'),
        ("errors", 'grpc_server_handled_total{grpc_code=~"NotFound|Internal|Unavailable"}'),  # named: meant
        ("good", 'grpc_server_handled_total{grpc_code!~"Internal|Unavailable|Unknown"}'),
        ("errors", "ledger_failures_total"),  # no code label: another counter
        (
            "errors",
            'grpc_server_handled_total{grpc_code!~"OK|Canceled|InvalidArgument|NotFound|AlreadyExists|'
            'PermissionDenied|FailedPrecondition|OutOfRange|Unauthenticated"}',
        ),
    ],
    ids=["server-codes", "named", "good-by-exclusion", "no-code-label", "every-caller-code-left-out"],
)
def test_codes_the_spec_names_are_not_warned_of(tmp_path: Path, metric: str, selector: str) -> None:
    assert _warnings(tmp_path, metric, selector) == []


def test_validate_says_it_once_as_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _warnings(tmp_path, "errors", 'grpc_server_handled_total{grpc_code!="OK"}')
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0
    assert result.err.count("warning: this selector counts as failed calls Canceled") == 1, result.err


def test_the_error_rate_alert_s_errors_are_warned_of_without_an_slo(tmp_path: Path) -> None:
    """`metrics.errors` is read by ServiceHighErrorRate too: a spec without an SLO over it is warned of."""
    _warnings(tmp_path, "errors", 'grpc_server_handled_total{grpc_code!="OK"}')
    spec = tmp_path / "ledger.yaml"
    spec.write_text(spec.read_text().split("slos:")[0])
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    said = [str(d) for d in grpc_code_warnings(fleet.services)]
    assert len(said) == 1 and "$.metrics.errors: " in said[0], said


@pytest.mark.parametrize(
    ("selector", "named", "server"),
    [
        (
            'grpc_server_call_duration_seconds_count{grpc_status!="OK"}',
            "CANCELLED, INVALID_ARGUMENT, NOT_FOUND,",
            'grpc_status=~"UNKNOWN|DEADLINE_EXCEEDED|UNIMPLEMENTED|INTERNAL|UNAVAILABLE|DATA_LOSS"',
        ),
        (
            'grpc_server_handled_total{grpc_code!~"OK|NOT_FOUND"}',
            "CANCELLED, INVALID_ARGUMENT, ALREADY_EXISTS,",
            'grpc_code=~"UNKNOWN|DEADLINE_EXCEEDED|UNIMPLEMENTED|INTERNAL|UNAVAILABLE|DATA_LOSS"',
        ),
    ],
    ids=["grpc-otel-plugin", "py-grpc-prometheus"],
)
def test_upper_case_code_names_are_read_and_answered_in_upper_case(
    tmp_path: Path, selector: str, named: str, server: str
) -> None:
    # Round 52: gRPC's OpenTelemetry plugin writes `grpc_status="UNAVAILABLE"` (py-grpc-prometheus `grpc_code` alike).
    # Read as Linkerd's numbers, `grpc_status!="OK"` was told to count grpc_status=~"2|4|12|13|14|15": nothing there.
    said = _warnings(tmp_path, "errors", selector)
    assert len(said) == 1 and named in said[0], said
    assert f"the server's failures are {server};" in said[0], said


@pytest.mark.parametrize(
    "selector",
    [
        'grpc_server_call_duration_seconds_count{grpc_status!~"OK|CANCELLED|INVALID_ARGUMENT|NOT_FOUND|ALREADY_EXISTS|'
        'PERMISSION_DENIED|FAILED_PRECONDITION|OUT_OF_RANGE|UNAUTHENTICATED"}',
        'grpc_server_call_duration_seconds_count{grpc_status=~"UNKNOWN|INTERNAL|UNAVAILABLE"}',
    ],
    ids=["callers-left-out", "server-named"],
)
def test_upper_case_codes_the_spec_names_are_not_warned_of(tmp_path: Path, selector: str) -> None:
    # Read as numbers, every caller's code passed a !~ of names: the careful spec was warned that it counted them.
    assert _warnings(tmp_path, "errors", selector) == []


@pytest.mark.parametrize(("label", "usual"), [("grpc_status", "14"), ("grpc_code", "Unavailable")])
def test_matchers_writing_no_code_read_the_labels_usual_vocabulary(label: str, usual: str) -> None:
    """Linkerd's numbers in grpc_status, go-grpc-prometheus's names in grpc_code, when the matchers write no code of
    either vocabulary (review53: grpc_status's vocabularies listed upper case first passed every test)."""
    assert vocabulary(label, [Matcher(label, "!=", "")])["Unavailable"] == usual
