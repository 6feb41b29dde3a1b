"""A histogram named in milliseconds (or µs, ns) must say its unit (found by a hunt on histograms we did not write).

Read as seconds, `latency: http_request_duration_milliseconds` with `threshold: 250ms` matched le="0.25", a
bucket that does not exist (the SLO could never page; only SLODataMissing said so), and its p99 of 300 (ms)
compared as 300 s with the 5 s line: a critical page that never resolved on a healthy service. Such a
histogram without `unit:` is now a located error; with `unit: ms` it is read in ms (as before)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compiler import conventions as names
from tests.import_helpers import import_and_compile
from tests.test_pages import compiled, errors_of
from tests.test_sli_semantics import _firing, _promtool, _rules

SLO = "slos: [{name: fast, objective: 99, sli: {latency: latency, threshold: 250ms}}]\n"


@pytest.mark.parametrize(
    ("series", "unit"),
    [
        ("http_request_duration_milliseconds", "ms"),
        ("http_request_duration_ms", "ms"),
        ("rpc_latency_microseconds", "µs"),
        ("grpc_server_handling_nanoseconds", "ns"),
    ],
)
def test_a_histogram_named_in_another_unit_must_declare_it(tmp_path: Path, series: str, unit: str) -> None:
    errors = errors_of(tmp_path, f"selector: {{job: svc}}\nmetrics:\n  latency: {series}\n" + SLO)
    assert len(errors) == 1 and errors[0].startswith("metrics.latency: "), errors
    assert f"named in {unit} but declares no unit" in errors[0] and f"unit: {unit}}}" in errors[0]


@pytest.mark.parametrize(
    "series",
    [
        "envoy_cluster_upstream_rq_time",
        "envoy_http_downstream_rq_time",
        "envoy_cluster_internal_upstream_rq_time",
        "kong_latency",
    ],
)
def test_an_exporter_histogram_in_ms_without_the_unit_in_its_name_must_declare_it(tmp_path: Path, series: str) -> None:
    # round 43: Envoy's `_rq_time` counts ms; read as seconds a 1s threshold matched its le="1" (1 ms) bucket and a
    # healthy edge (p99 100 ms) paged the latency SLO's fast pair and the 5s p99 line within 10 minutes (promtool)
    errors = errors_of(tmp_path, f"selector: {{job: svc}}\nmetrics:\n  latency: {series}\n" + SLO)
    assert len(errors) == 1 and errors[0].startswith("metrics.latency: "), errors
    assert f"{series} counts ms (" in errors[0] and "though the name says no unit" in errors[0], errors
    assert f"{{selector: {series}, unit: ms}}" in errors[0], errors


def test_a_name_that_only_resembles_an_exporter_histogram_is_seconds(tmp_path: Path) -> None:
    body = "selector: {job: svc}\nmetrics:\n  latency: envoy_cluster_upstream_rq_time_seconds\n"
    _, service, _ = compiled(tmp_path, body + SLO.replace("250ms", "1s"))
    assert service.metric("latency") is not None and service.metric("latency").unit == ""  # type: ignore[union-attr]


@pytest.mark.parametrize("unit", ["ms", "s"])
def test_a_declared_unit_is_taken_as_written(tmp_path: Path, unit: str) -> None:
    body = f"selector: {{job: svc}}\nmetrics:\n  latency: {{selector: x_duration_milliseconds, unit: {unit}}}\n"
    _, service, _ = compiled(tmp_path, body + SLO)
    assert service.metric("latency") is not None and service.metric("latency").unit == unit  # type: ignore[union-attr]


MS = """apiVersion: obsc/v1
service: svc
team: core
selector: {job: svc}
metrics:
  latency: {selector: http_request_duration_milliseconds, unit: ms}
alerts: {traffic_anomaly: false}
"""


def test_with_its_unit_a_healthy_ms_histogram_does_not_page(tmp_path: Path) -> None:
    # 60 requests a minute, all within 100 ms: p99 below 0.1 s, nothing pages
    rules = _rules(tmp_path, "svc", MS + SLO)
    name = "http_request_duration_milliseconds"
    series = {'up{job="svc"}': "1x40", f'{name}_count{{job="svc"}}': "0+60x40"}
    for le in ("25", "100", "250", "1000", "+Inf"):
        series[f'{name}_bucket{{job="svc",le="{le}"}}'] = "0+60x40" if le != "25" else "0x40"
    checks = [_firing(a, "30m", 0) for a in ("ServiceHighLatencyP99", names.SLO_BURN_FAST, names.SLO_DATA_MISSING)]
    assert _promtool(tmp_path, rules, "svc", series, checks) == ""


PYRRA = """apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: api-latency, namespace: web}
spec:
  target: "99"
  window: 28d
  indicator:
    latency:
      success: {metric: 'http_request_duration_milliseconds_bucket{job="api",le="250"}'}
      total: {metric: 'http_request_duration_milliseconds_count{job="api"}'}
"""


def test_a_pyrra_latency_objective_on_a_ms_histogram_imports_in_ms(tmp_path: Path) -> None:
    # its le="250" is 250 ms: imported as `threshold: 250s` on a histogram read as seconds before
    source = tmp_path / "slo.yaml"
    source.write_text(PYRRA)
    imported, compilation = import_and_compile("pyrra", [source], tmp_path / "out")
    assert "    selector: http_request_duration_milliseconds\n    unit: ms\n" in imported.specs["api-latency.yaml"]
    slo = compilation.fleet.services[0].slos[0]
    assert slo.sli.threshold_seconds == Decimal("0.25") and slo.sli.latency is not None
    assert slo.sli.latency.unit == "ms"
