"""Round 35: a service measured only through a prober (`selector: {job: blackbox}`) still inherited the
platform's request, error and latency metrics, read through the prober's selector
(`http_requests_total{job="blackbox"}`): ServiceHighErrorRate, ServiceHighLatencyP99, ServiceUnusualTraffic,
ServiceNewErrorType and a requests panel about the exporter (series it does not have: alerts that can never fire).
Round 33 left out cpu, memory and disk only. Every platform metric read through the selector is now left out of
such a service; a reference to one says why, where the spec writes it."""

from __future__ import annotations

from pathlib import Path

from compiler.api import CompileOptions, load_fleet
from compiler.errors import InputError
from compiler.model.types import AlertKind, Service
from tests.platform_text import sink_platform
from tests.test_prober_selector import PROBED

PLATFORM = sink_platform(
    before="""\
defaults:
  metrics:
    requests: http_requests_total
    errors: http_requests_total{code=~"5.."}
    latency: http_request_duration_seconds
    cpu: sum(rate(container_cpu_usage_seconds_total{$selector}[$window]))
    nodes_ready:
      selector: 'kube_node_status_condition{condition="Ready",status="true"}'
      service_selector: false
      type: gauge
      aggregation: sum
    cluster_load: {expr: 'sum(node_load1{cluster="main"})', type: gauge}
"""
)
TRAFFIC = {AlertKind.ERROR_RATE, AlertKind.LATENCY_P99, AlertKind.TRAFFIC_ANOMALY, AlertKind.NEW_ERROR_TYPE}


def _load(tmp: Path, spec: str) -> tuple[Service, list[str]]:
    (tmp / "platform.yaml").write_text(PLATFORM)
    (tmp / "svc.yaml").write_text(spec)
    fleet, notes = load_fleet([str(tmp)], CompileOptions(), {})
    return fleet.services[0], notes


def _errors(tmp: Path, spec: str) -> list[str]:
    try:
        _load(tmp, spec)
    except InputError as error:
        return [str(d) for d in error.diagnostics]
    raise AssertionError("the spec compiled")


def test_a_probed_service_gets_none_of_the_platforms_metrics_read_through_its_selector(tmp_path: Path) -> None:
    service, notes = _load(tmp_path, PROBED)
    # nodes_ready (service_selector: false) and cluster_load (an expression without $selector) read nothing
    # through the prober's selector: kept
    assert {m.name for m in service.metrics} == {"probe_ok", "nodes_ready", "cluster_load"}
    assert not TRAFFIC & {a.kind for a in service.key_alerts}
    said = [n for n in notes if "not applied" in n]
    assert said and "platform metrics cpu, errors, latency, requests not applied" in said[0], notes


def test_the_same_platform_keeps_every_metric_for_a_service_read_through_its_selector(tmp_path: Path) -> None:
    own = PROBED.replace("selector: {job: blackbox}", "selector: {job: homepage}").replace(
        "  probe_ok:", "  hits: {selector: homepage_hits_total}\n  probe_ok:"
    )
    service, notes = _load(tmp_path, own)
    assert {"requests", "errors", "latency", "cpu"} <= {m.name for m in service.metrics}
    assert {a.kind for a in service.key_alerts} >= TRAFFIC
    assert not [n for n in notes if "not applied" in n], notes


def test_a_probed_spec_that_reads_a_left_out_metric_is_told_why_where_it_reads_it(tmp_path: Path) -> None:
    spec = PROBED + (
        "  - {name: available, objective: 99.9, sli: {errors: errors, total: requests}}\n"
        "threshold_alerts:\n  - {name: SlowHome, metric: latency, above: 2s}\n"
    )
    errors = _errors(tmp_path, spec)
    assert len(errors) == 3, errors
    for line, col, name in ((10, 54, "errors"), (10, 69, "requests"), (12, 30, "latency")):
        found = [e for e in errors if e.startswith(f"{tmp_path / 'svc.yaml'}:{line}:{col} ")]
        assert found and f"metric {name!r} is a platform default not applied to this service" in found[0], errors
        assert f"declare metrics.{name} here with the service's own labels" in found[0]


def test_a_probed_spec_tuning_an_alert_of_a_left_out_metric_is_told_why(tmp_path: Path) -> None:
    errors = _errors(tmp_path, PROBED.replace("slos:", "alerts:\n  error_rate: {critical: 5%}\nslos:"))
    assert len(errors) == 1, errors
    assert ":9:15 $.alerts.error_rate: error_rate reads metrics.requests, metrics.errors" in errors[0]
    assert "a platform default is not applied here: every metric read through the selector is a prober's" in errors[0]
