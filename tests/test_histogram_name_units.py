"""A latency histogram whose name does not settle its unit is a located warning (round 44, a fleet nobody here wrote).

Round 43's rule reads a unit at the end of a histogram's name (`_ms`, `_milliseconds`) and a list of exporters that
count milliseconds under a unit-less name (Envoy, Kong): any other was read as seconds without a word. Replayed with
promtool (round 44), APISIX's `apisix_http_latency` (milliseconds) on a healthy gateway (p99 between 200 and 500 ms,
a 99% SLO at 500ms) paged ServiceHighLatencyP99 (critical) from its 10th minute for as long as it ran and ticketed
SLODataMissing (no le="0.5" bucket); with `unit: ms` nothing fired. Also read as seconds without a word:
`request_latency_ms_histogram` (the unit not last), and `unit: ms` on `http_server_requests_seconds` read a 300ms
threshold as le="300" (300 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.model.histogram_names import name_unit_problem
from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: gateway
team: data
selector: {job: gateway}
metrics:
  requests: http_requests_total
  latency: LATENCY
slos: [{name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}]
alerts: {traffic_anomaly: false}
"""


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], latency: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "gateway.yaml").write_text(SPEC.replace("LATENCY", latency))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("latency", "said"),
    [
        ("apisix_http_latency", "apisix_http_latency has no time unit in its name, so obsc reads its buckets as"),
        ("request_latency_ms_histogram", "request_latency_ms_histogram holds `ms` in its name but does not end in it"),
        (
            "{selector: http_server_requests_seconds, unit: ms}",
            "http_server_requests_seconds is named in seconds but declares unit: ms",
        ),
        (  # round 47: a healthy Envoy cluster paged ServiceHighLatencyP99 and its SLO saw no bucket (promtool)
            "{selector: envoy_cluster_upstream_rq_time, unit: s}",
            "envoy_cluster_upstream_rq_time declares unit: s, but Envoy's request-time histograms count milliseconds",
        ),
        ("{selector: kong_latency, unit: µs}", "kong_latency declares unit: µs, but Kong's `kong_latency` counts"),
    ],
    ids=["no-unit", "unit-not-last", "seconds-declared-ms", "envoy-declared-s", "kong-declared-us"],
)
def test_a_histogram_whose_name_does_not_settle_its_unit_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], latency: str, said: str
) -> None:
    err = _err(tmp_path, capsys, latency)
    assert f"gateway.yaml:7:12 $.metrics.latency: warning: {said}" in err, err
    assert err.count("$.metrics.latency: warning:") == 1, err  # once, though the SLO and the p99 both read it


@pytest.mark.parametrize(
    "latency",
    [
        "{selector: http_server_requests_seconds, buckets: [0.1, 0.5, 1, 10]}",  # Micrometer, its SLO boundaries
        "'grpc_server_handling_seconds{grpc_type=\"unary\"}'",
        "us_east_request_latency_seconds",  # `us` a region, not microseconds
        "{selector: apisix_http_latency, unit: ms}",
        "{selector: apisix_http_latency, unit: s}",
        "{selector: 'response_latency_ms{direction=\"inbound\"}', unit: ms}",  # Linkerd (direction: its own warning)
        "{selector: request_latency_ms_histogram, unit: ms}",
        "{selector: envoy_cluster_upstream_rq_time, unit: ms}",
    ],
)
def test_a_histogram_named_or_declared_in_its_unit_is_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], latency: str
) -> None:
    assert "$.metrics.latency: warning:" not in _err(tmp_path, capsys, latency)


@pytest.mark.parametrize(
    ("series", "unit", "warned"),
    [
        ("http_server_requests_seconds", "ns", True),  # nanoseconds declared on a name in seconds, as ms and µs are
        ("http_server_requests_seconds", "µs", True),
        ("rpc_ms_latency_seconds", "ms", False),  # the name says ms too: the declared unit agrees with one of its words
        # A name ending in a unit is read as declared, as the suffix error offers (`unit: s` too): not "named in
        # seconds" for a seconds word inside it (a hand mutant of round 44 said so, and passed every test).
        ("x_seconds_ms", "µs", False),
    ],
)
def test_a_declared_unit_is_read_against_every_unit_word(series: str, unit: str, warned: bool) -> None:
    # Hand mutants of round 44 passed every test: `ns` left out of the declared units compared, and the declared
    # unit warned of although a unit word of the name says it. Asked of the reader itself (a compile: ~3 CPU-s).
    assert (name_unit_problem(series, unit) is not None) is warned
