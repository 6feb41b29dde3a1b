"""OpenTelemetry's older HTTP and RPC duration histograms count milliseconds, and exported without the unit suffix
(`add_metric_suffixes: false`) their names say no unit: `http_server_duration`, `rpc_client_duration` (round 53,
audit53). Read as seconds, a 1s p99 line compared a healthy 120 ms p99 as 120 > 1 and paged for good, and a 250ms
threshold read le="0.25", a bucket OpenTelemetry never has. Like Envoy's `_rq_time` (round 43), such a histogram
must declare its unit; `http_server_request_duration_seconds` (the newer conventions, seconds) is read as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from tests.spec_errors import spec_errors

SPEC = (
    "apiVersion: obsc/v1\nservice: cart\nteam: core\nselector: {{job: cart}}\n"
    "metrics:\n  requests: http_server_requests_total\n  latency: {latency}\n"
    "slos: [{{name: latency, objective: 99, sli: {{latency: latency, threshold: 250ms}}}}]\n"
    "alerts:\n  latency_p99: {{critical: 1s}}\n"
)


@pytest.mark.parametrize(
    "series", ["http_server_duration", "http_client_duration", "rpc_server_duration", "shop_http_server_duration"]
)
def test_an_otel_duration_without_its_unit_must_declare_it(tmp_path: Path, series: str) -> None:
    found = spec_errors(tmp_path, {"cart.yaml": SPEC.format(latency=series)})
    assert len(found) == 1, found
    assert found[0].startswith(f"metrics.latency: {series} counts ms (OpenTelemetry's older http.server"), found
    assert f"write it as {{selector: {series}, unit: ms}}" in found[0], found


def test_declared_in_ms_it_reads_the_otel_bucket(tmp_path: Path) -> None:
    spec = SPEC.format(latency="{selector: http_server_duration, unit: ms}")
    assert spec_errors(tmp_path, {"cart.yaml": spec}) == []
    service = load_fleet([str(tmp_path)], CompileOptions(), {})[0].services[0]
    assert service.slos[0].sli.threshold_le == 250  # le="250" of a ms histogram, not le="0.25"


@pytest.mark.parametrize("series", ["http_server_request_duration_seconds", "http_server_duration_seconds"])
def test_names_of_the_newer_conventions_are_read_as_before(tmp_path: Path, series: str) -> None:
    found = spec_errors(tmp_path, {"cart.yaml": SPEC.format(latency=series)})
    assert not any("counts ms" in f for f in found), found
