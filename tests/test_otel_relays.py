"""Round 52, a fleet nobody here wrote: a Java checkout API on the OpenTelemetry agent pushes its metrics to a
collector, whose Prometheus exporter writes them under the API's own job (`shop/checkout-api`); the spec names the
collector's job in `targets:`. Without `targets_via: collector` the collector's `up` was taken for the API's:
replayed with promtool on the compiled rules, the API's series gone for 3 hours with the collector up raised two
SLODataMissing tickets and no page. Compiled without a word before; now a located warning at the first such metric."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: checkout-api
team: data
selector: {{job: {job}}}
targets: {{job: otel-collector}}
{via}metrics:
  requests: {series}_count
  errors: {series}_count{{{status}=~"5.."}}
  latency: {latency}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
  - {{name: latency, objective: 99, sli: {{latency: latency, threshold: 250ms}}}}
"""
STABLE = {
    "series": "http_server_request_duration_seconds",
    "status": "http_response_status_code",
    "latency": "http_server_request_duration_seconds",
}


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], **fields: str) -> str:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    values = {"job": "shop/checkout-api", "via": "", **STABLE, **fields}
    (tmp_path / "checkout-api.yaml").write_text(SPEC.format(**values))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("series", "status", "latency"),
    [
        ("http_server_request_duration_seconds", "http_response_status_code", "http_server_request_duration_seconds"),
        (
            "http_server_duration_milliseconds",
            "http_status_code",
            "{selector: http_server_duration_milliseconds, unit: ms}",
        ),
    ],
    ids=["stable", "older-ms"],
)
def test_an_sdks_metrics_under_another_job_than_the_targets_are_warned_at_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str, status: str, latency: str
) -> None:
    err = _err(tmp_path, capsys, series=series, status=status, latency=latency)
    said = f"checkout-api.yaml:7:13 $.metrics.requests: warning: {series}_count is an OpenTelemetry SDK's"
    assert said in err and "say targets_via: collector" in err, err
    assert err.count("is an OpenTelemetry SDK's") == 1, err


@pytest.mark.parametrize(
    "fields",
    [{"via": "targets_via: collector\n"}, {"job": "otel-collector"}],
    ids=["relay-said", "read-under-the-targets-job"],
)
def test_a_relay_said_or_the_targets_own_job_is_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, str]
) -> None:
    assert "is an OpenTelemetry SDK's" not in _err(tmp_path, capsys, **fields)


def test_targets_without_a_job_matcher_are_not_warned_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`targets:` naming no job says nothing of whose `up` it is (review53: judged as another job than the
    selector's, the warning was given without one)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.format(job="shop/checkout-api", via="", **STABLE).replace(
        "targets: {job: otel-collector}", "targets: {namespace: shop}"
    )
    (tmp_path / "checkout-api.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert "is an OpenTelemetry SDK's" not in result.err


def test_grpcs_plugin_series_under_another_job_is_warned_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """gRPC's OpenTelemetry plugin pushed through a collector (review53: its series dropped from the SDK names
    passed every test)."""
    series = "grpc_server_call_duration_seconds"
    err = _err(tmp_path, capsys, series=series, status="grpc_status", latency=series)
    assert f"{series}_count is an OpenTelemetry SDK's" in err, err


def test_the_warning_stands_at_the_first_metric_in_the_spec_whatever_the_slo_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The latency SLO listed first reads `latency` (line 9); the warning stands at `requests` (line 7), the first
    in the file (review53: the first metric of the first SLO passed every test)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.format(job="shop/checkout-api", via="", **STABLE)
    lines = spec.splitlines(keepends=True)
    availability, latency = lines[-2], lines[-1]
    (tmp_path / "checkout-api.yaml").write_text("".join([*lines[:-2], latency, availability]))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert "checkout-api.yaml:7:13 $.metrics.requests: warning:" in result.err, result.err


def test_targets_whose_job_pattern_holds_the_selectors_job_are_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`targets:` reading `job` by a pattern that takes in the selector's own job names no single other job: its `up`
    is the API's too (review54: the job read by any operator, the pattern itself taken for another job, warned)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.format(job="shop/checkout-api", via="", **STABLE).replace(
        "targets: {job: otel-collector}", "targets: '{job=~\"shop/checkout-api|otel-collector\"}'"
    )
    (tmp_path / "checkout-api.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert "is an OpenTelemetry SDK's" not in result.err, result.err


def test_a_histograms_sum_named_as_the_total_is_read_by_its_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The family is the name less `_bucket`, `_count` or `_sum` (ingress_relays.critical_counts): a total read from
    the SDK histogram's `_sum` is the SDK's all the same (review54: `_sum` not stripped, no warning)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.format(job="shop/checkout-api", via="", **STABLE).replace("_seconds_count", "_seconds_sum")
    (tmp_path / "checkout-api.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert "http_server_request_duration_seconds_sum is an OpenTelemetry SDK's" in result.err, result.err
