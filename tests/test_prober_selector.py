"""Round 33: a service measured only through a prober (a probe SLI, `selector: {job: blackbox}`) got the
platform's CPU and memory alerts and panels with its selector in `container_cpu_usage_seconds_total{$selector}`:
the blackbox exporter's container, alerted on as the service's. Those inherited metrics are now left out (said
by -v); a spec's own saturation metric, or a selector that other metrics read the service through, keeps them."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.types import AlertKind, Service
from tests.platform_text import sink_platform

PLATFORM = sink_platform(
    before="""\
defaults:
  metrics:
    cpu: >-
      sum(rate(container_cpu_usage_seconds_total{$selector}[$window]))
      / sum(kube_pod_container_resource_limits{$selector,resource="cpu"})
    memory: >-
      sum(container_memory_working_set_bytes{$selector})
      / sum(kube_pod_container_resource_limits{$selector,resource="memory"})
"""
)
PROBED = """\
apiVersion: obsc/v1
service: homepage
team: web
selector: {job: blackbox}
targets: false
metrics:
  probe_ok: {selector: 'probe_success{instance="https://www.example.com/"}', type: gauge, aggregation: min}
slos:
  - {name: reachable, objective: 99.5, sli: {good_when: probe_ok == 1}}
"""
SATURATION = {AlertKind.CPU, AlertKind.MEMORY}


def _load(tmp: Path, spec: str) -> tuple[Service, list[str]]:
    (tmp / "platform.yaml").write_text(PLATFORM)
    (tmp / "svc.yaml").write_text(spec)
    fleet, notes = load_fleet([str(tmp)], CompileOptions(), {})
    return fleet.services[0], notes


def test_a_probe_only_service_does_not_watch_the_probers_container(tmp_path: Path) -> None:
    service, notes = _load(tmp_path, PROBED)
    assert service.metric("cpu") is None and service.metric("memory") is None
    assert not SATURATION & {a.kind for a in service.key_alerts}
    said = [n for n in notes if "not applied" in n]
    assert said and "cpu, memory not applied" in said[0] and "probe_ok" in said[0], notes


def test_a_saturation_metric_the_spec_declares_is_kept(tmp_path: Path) -> None:
    own = "  cpu: {expr: 'max(rate(container_cpu_usage_seconds_total{pod=~\"homepage-.*\"}[$window]))'}\n"
    service, notes = _load(tmp_path, PROBED.replace("slos:", own + "slos:"))
    assert AlertKind.CPU in {a.kind for a in service.key_alerts} and service.metric("memory") is None
    assert [n for n in notes if "platform metrics memory not applied" in n], notes


def test_a_selector_the_service_itself_is_read_through_keeps_the_platforms_saturation(tmp_path: Path) -> None:
    service, notes = _load(tmp_path, PROBED.replace("slos:", "  requests: http_requests_total\nslos:"))
    assert {a.kind for a in service.key_alerts} >= SATURATION
    assert not [n for n in notes if "not applied" in n], notes


RAW_SLO = """\
  - name: available
    objective: 99.5
    sli:
      raw:
        errors: 'sum(rate(http_requests_total{$selector,code=~"5.."}[$window]))'
        total: 'sum(rate(http_requests_total{$selector}[$window]))'
"""


def test_a_raw_sli_over_the_services_own_series_keeps_the_platforms_saturation(tmp_path: Path) -> None:
    """Round 34: only `metrics:` was read, so a raw SLI over http_requests_total{$selector} (the service's own
    series, through the same selector) was not counted and the platform's CPU and memory alerts were dropped."""
    service, notes = _load(tmp_path, PROBED + RAW_SLO)
    assert {a.kind for a in service.key_alerts} >= SATURATION
    assert not [n for n in notes if "not applied" in n], notes


@pytest.mark.parametrize(
    ("expr", "probed"),
    [
        ("min(probe_success{$selector})", True),
        ("max(probe_duration_seconds{$selector}) * on() group_left min(probe_success{$selector})", True),
        ('sum(rate(http_requests_total{$selector,handler="/probe_status"}[$window]))', False),
        ("sum(rate(http_requests_total{$selector}[$window])) / on() count(probe_success{$selector})", False),
        ("min(probe_success{job='blackbox'})", True),
        (
            'min(probe_success{$selector}) and on() max(app_info{job="homepage"})',
            True,
        ),  # app_info: not through it  # reads nothing through $selector: the probe_ok metric decides
    ],
)
def test_an_expression_is_a_probers_when_every_selector_it_reads_through_is_a_probe(
    tmp_path: Path, expr: str, probed: bool
) -> None:
    """Round 34: a `probe_` anywhere in an expression's text (a label value, one of two series) made it a
    prober's, and the service lost the platform's CPU and memory alerts."""
    own = f"  reads:\n    type: gauge\n    expr: >-\n      {expr}\n"
    service, _ = _load(tmp_path, PROBED.replace("slos:", own + "slos:"))
    assert (not SATURATION & {a.kind for a in service.key_alerts}) is probed


@pytest.mark.parametrize(
    "other",
    [
        "  build_info: 'app_build_info{instance=\"https://www.example.com/\"}'\n",  # obsc's version alert reads it
        "  deploys: {selector: 'deployments_total{app=\"homepage\"}', service_selector: false}\n",  # not through it
    ],
)
def test_metrics_that_say_nothing_of_whose_the_selector_is_leave_it_a_probers(tmp_path: Path, other: str) -> None:
    """build_info is read by obsc's own alerts, and a metric with service_selector: false reads nothing through
    the selector: neither makes the prober's job the service's (both mutants survived round 33's tests)."""
    service, notes = _load(tmp_path, PROBED.replace("slos:", other + "slos:"))
    assert not SATURATION & {a.kind for a in service.key_alerts}
    assert [n for n in notes if "not applied" in n], notes
