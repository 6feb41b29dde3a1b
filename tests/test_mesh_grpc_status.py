"""Round 46: a gRPC service behind Istio whose SLI reads `istio_requests_total{response_code=~"5.."}`. gRPC fails with
HTTP 200 and its own code in `grpc_response_status`, so 20% of the calls Unavailable for 30 minutes paged nothing
(replayed below with promtool); read by `grpc_response_status` the same outage pages. Compiled without a word before;
now a located warning at the metric until the selector says which protocol it reads. Linkerd errs the other way:
its classification="failure" takes every gRPC code but OK, the caller's NotFound included."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import conventions as names
from tests.cli_helpers import run_obsc
from tests.promtool_helpers import counter_values
from tests.test_healthy_lines import PLATFORM  # one team, data
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: ledger
team: data
selector: {{destination_workload: ledger, reporter: source{pin}}}
targets: {{app: ledger}}
metrics:
  requests: istio_requests_total
  errors: '{errors}'
slos: [{{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}]
alerts: {{traffic_anomaly: false}}
"""
BY_STATUS = 'istio_requests_total{response_code=~"5.."}'
BY_GRPC_CODE = 'istio_requests_total{grpc_response_status=~"2|4|12|13|14|15"}'
SAID = 'istio_requests_total writes a gRPC call that failed as response_code="200"'


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], errors: str, pin: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "ledger.yaml").write_text(SPEC.format(errors=errors, pin=pin))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    return result.err


def test_an_http_status_on_istios_request_counter_is_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _err(tmp_path, capsys, BY_STATUS, "")
    assert f"ledger.yaml:8:11 $.metrics.errors: warning: {SAID}" in err, err
    assert 'request_protocol="http" for an HTTP service' in err and err.count(SAID) == 1, err


@pytest.mark.parametrize(
    ("errors", "pin"),
    [
        (BY_STATUS, ", request_protocol: http"),
        (BY_GRPC_CODE, ""),
        # the gRPC codes beside the HTTP status say it too (a hand mutant of round 46 reading request_protocol alone
        # as saying the protocol passed every test)
        ('istio_requests_total{response_code="200",grpc_response_status=~"2|4|12|13|14|15"}', ""),
    ],
    ids=["http-said", "grpc-codes", "grpc-codes-beside-status"],
)
def test_a_selector_that_says_its_protocol_is_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], errors: str, pin: str
) -> None:
    assert SAID not in _err(tmp_path, capsys, errors, pin)


def test_a_grpc_outage_behind_istio_pages_by_its_grpc_code_and_not_by_its_http_status(tmp_path: Path) -> None:
    labels = 'destination_workload="ledger",reporter="source",request_protocol="grpc",response_code="200"'
    # 100 calls a minute, 20% Unavailable from the 30th minute
    ok, failed = (f'istio_requests_total{{{labels},grpc_response_status="{code}"}}' for code in ("0", "14"))
    series = counter_values([(30, 0, 100), (30, 0.2, 100)], ok, failed) | {
        'up{app="ledger",instance="l1:15090"}': "1x60"
    }
    # both page pairs (5m/1h and 30m/6h) by the 45th minute, or neither
    for case, (errors, pages) in enumerate(((BY_STATUS, 0), (BY_GRPC_CODE, 2))):
        (work := tmp_path / str(case)).mkdir()
        rules = _rules(work, "ledger", SPEC.format(errors=errors, pin="").replace("team: data", "team: core"))
        report = _promtool(work, rules, "ledger", series, [_firing(names.SLO_BURN_FAST, "45m", pages)])
        assert report == "", (errors, report)


LINKERD = """apiVersion: obsc/v1
service: web
team: data
selector: {{deployment: web, direction: inbound}}
targets: {{deployment: web}}
metrics:
  requests: response_total
  errors: '{errors}'
slos: [{{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}]
alerts: {{traffic_anomaly: false}}
"""
LINKERD_SAID = 'response_total is Linkerd\'s: its classification="failure" is a 5xx for HTTP and, for gRPC, every code'


@pytest.mark.parametrize(
    ("errors", "warned"),
    [
        ('response_total{classification="failure"}', True),
        ('response_total{classification="failure", grpc_status=""}', False),  # HTTP: its responses carry none
        ('response_total{grpc_status=~"2|4|12|13|14|15"}', False),
    ],
    ids=["classification", "http-said", "grpc-codes"],
)
def test_linkerds_classification_is_warned_at_the_metric_until_the_protocol_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], errors: str, warned: bool
) -> None:
    # Linkerd counts every gRPC code but OK as a failure: a healthy gRPC service with 4% NotFound paged its 99.9%
    # SLO from the 5th minute for 3 hours (promtool, round 46), compiled without a word before.
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "web.yaml").write_text(LINKERD.format(errors=errors))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert (f"web.yaml:8:11 $.metrics.errors: warning: {LINKERD_SAID}" in result.err) is warned, result.err


def test_linkerds_advice_for_an_http_service_is_one_the_service_selector_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Round 48: the warning said grpc_status="" belonged "in the metric's selector or the service's", and the
    # service's selector refuses an empty value (exit 2). It now sends an empty value to the metric's selector.
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "web.yaml").write_text(LINKERD.format(errors='response_total{classification="failure"}'))
    warned = run_obsc(capsys, "validate", str(specs))
    assert 'grpc_status="" in the metric\'s selector for an HTTP service' in warned.err, warned.err
    assert "the service's selector takes no empty value" in warned.err
    service_pin = LINKERD.replace("direction: inbound}}", 'direction: inbound, grpc_status: ""}}')
    (specs / "web.yaml").write_text(service_pin.format(errors='response_total{classification="failure"}'))
    refused = run_obsc(capsys, "validate", str(specs))
    assert refused.code == 2 and "$.selector.grpc_status: an empty value matches only series without" in refused.err
