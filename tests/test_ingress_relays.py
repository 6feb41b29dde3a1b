"""An SLO counted by an ingress controller, with `targets:` naming the controller's scrape job (round 47).

Live (Prometheus 2.42, Alertmanager 0.25): an ingress-nginx service at 50 req/s with no request for 40 minutes and
its controller up raised no alert at all; with `targets_via: ingress` it paged SLOTrafficStopped once. A located
warning names `targets_via: ingress`, which the schema now accepts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: shop-ingress
team: data
selector: {namespace: shop, ingress: shop-web}
TARGETS
metrics:
  requests: REQUESTS
  errors: REQUESTS{status=~"5.."}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
"""
NGINX = "nginx_ingress_controller_requests"
CONTROLLER = "targets: {job: ingress-nginx-controller-metrics}"
WARNING = "shop-ingress.yaml:7:13 $.metrics.requests: warning: nginx_ingress_controller_requests is counted by the "


def _specs(tmp_path: Path, targets: str, requests: str = NGINX) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "shop-ingress.yaml").write_text(SPEC.replace("TARGETS", targets).replace("REQUESTS", requests))
    return specs


@pytest.mark.parametrize(
    ("targets", "requests", "said"),
    [
        (CONTROLLER, NGINX, True),
        (CONTROLLER + "\ntargets_via: ingress", NGINX, False),
        ("targets: false", NGINX, False),  # no `up` taken for the service's: SLOTrafficStopped is written
        ("targets: {job: traefik}", "traefik_service_requests_total", True),
        ("targets: {job: envoy}", "envoy_cluster_upstream_rq_xx", False),  # a sidecar's `up` dies with the pod
    ],
    ids=["controller-taken-for-the-service", "relay-said", "no-targets", "traefik", "envoy-sidecar"],
)
def test_an_ingress_controllers_targets_ask_for_targets_via(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], targets: str, requests: str, said: bool
) -> None:
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, targets, requests)))
    assert result.code == 0, result.err
    assert (WARNING.replace(NGINX, requests) in result.err) is said, result.err
    assert result.err.count("say targets_via: ingress beside it") == int(said), result.err


def test_an_ingress_relay_pages_when_its_requests_stop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With `targets_via: ingress` the SLO gets SLOTrafficStopped gated on the controller's `up`, and its generated
    promtool cases (stopped while busy yesterday and a week ago: pages; the controller down: quiet) pass."""
    promtool = require_tool("promtool", "PROMTOOL")
    out = tmp_path / "out"
    result = run_obsc(
        capsys, "compile", str(_specs(tmp_path, CONTROLLER + "\ntargets_via: ingress")), "--out", str(out)
    )
    assert result.code == 0, result.err
    rules = (out / "prometheus" / "rules" / "shop-ingress.yaml").read_text()
    assert "alert: SLOTrafficStopped" in rules
    assert 'sum(up{job="ingress-nginx-controller-metrics"}) > 0' in rules
    cases = sorted((out / "prometheus" / "tests").glob("shop-ingress*.test.yaml"))
    stopped = [c for c in cases if "SLOTrafficStopped" in c.read_text()]
    assert stopped, [c.name for c in cases]
    run = subprocess.run([promtool, "test", "rules", *map(str, stopped)], cwd=out / "prometheus", capture_output=True)
    assert run.returncode == 0, run.stdout.decode()[-3000:] + run.stderr.decode()[-3000:]


LATENCY_SPEC = """apiVersion: obsc/v1
service: shop-ingress
team: data
selector: {namespace: shop, ingress: shop-web}
targets: {job: ingress-controller}
metrics:
  requests: shop_requests_total
  errors: shop_requests_total{code=~"5.."}
  latency: HISTOGRAM
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}ALERTS}
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}
"""


@pytest.mark.parametrize(
    ("histogram", "alerts", "said"),
    [
        # the latency SLO's histogram is the controller's, the requests the service's own: the latency SLO's
        # events stop with the controller's traffic as well
        ("nginx_ingress_controller_request_duration_seconds", "", "latency: warning: nginx_ingress_controller_req"),
        ("{selector: kong_request_latency_ms, unit: ms}", "", "latency: warning: kong_request_latency_ms is count"),
    ],
    ids=["controller-histogram", "kong"],
)
def test_a_latency_slo_over_the_controllers_histogram_asks_for_targets_via(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], histogram: str, alerts: str, said: str
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    spec = LATENCY_SPEC.replace("HISTOGRAM", histogram).replace("ALERTS", alerts)
    (specs / "shop-ingress.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert f"shop-ingress.yaml:9:12 $.metrics.{said}" in result.err, result.err
    assert result.err.count("say targets_via: ingress beside it") == 1, result.err


def test_the_warning_stands_at_the_first_controller_metric_and_not_for_a_ticket_only_slo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ticket-only SLO pages nothing, so SLOTrafficStopped (critical) would not be written for it: no warning.
    With two critical SLOs over controller metrics the one warning stands at the first line."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    quiet = (
        SPEC.replace("TARGETS", CONTROLLER)
        .replace("REQUESTS", NGINX)
        .replace("total: requests}", "total: requests}, alerts: {critical: false}")
    )
    (specs / "shop-ingress.yaml").write_text(quiet)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert "targets_via: ingress" not in result.err, result.err
    both = (
        LATENCY_SPEC.replace("shop_requests_total", NGINX)
        .replace("HISTOGRAM", NGINX.replace("requests", "request_duration_seconds"))
        .replace("ALERTS", "")
    )
    (specs / "shop-ingress.yaml").write_text(both)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert f"shop-ingress.yaml:7:13 $.metrics.requests: warning: {NGINX} is counted" in result.err, result.err
    assert result.err.count("say targets_via: ingress beside it") == 1, result.err


def test_requests_counted_by_the_controllers_histogram_count_ask_for_targets_via(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The requests as the controller's histogram counts them (its `_count` series) are the controller's too."""
    count = "nginx_ingress_controller_request_duration_seconds_count"
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, CONTROLLER, count)))
    assert result.code == 0, result.err
    assert WARNING.replace(NGINX, count) in result.err, result.err
