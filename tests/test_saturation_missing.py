"""The CPU, memory and disk alerts say when their signal has no series (round 25's known limit).

An exporter upgrade or a relabelling that drops a label their expression matches (cAdvisor's `container`)
left them without series, quiet for good, while every threshold alert had a missing-data twin. They now have
one: data="missing", held max(for, 10m), only while the service's targets report. Inputs written by hand,
1m steps (promtool)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.test_sli_semantics import _promtool, _rules

USAGE = 'sum(rate(container_cpu_usage_seconds_total{$selector,container!=""}[$window]))'
SPEC = f"""apiVersion: obsc/v1
service: api
team: core
selector: {{job: api}}
metrics:
  cpu: {USAGE} / sum(kube_pod_container_resource_limits{{$selector,resource="cpu"}})
  disk: 1 - sum(node_filesystem_avail_bytes{{$selector}}) / sum(node_filesystem_size_bytes{{$selector}})
alerts:
  cpu: {{warning: 80%, critical: 95%}}
  disk_full: {{critical: {{threshold: 2h, for: 30m}}}}
"""
SEL = 'job="api",instance="i1"'
LIMITS = f'kube_pod_container_resource_limits{{{SEL},resource="cpu"}}'


def _missing(alert: str, at: str, count: int, severity: str) -> dict[str, object]:
    expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing",data="missing",severity="{severity}"}}) or vector(0)'
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": count}]}


def test_cadvisor_losing_container_fires_the_cpu_twin_once_at_the_page_tier(tmp_path: Path) -> None:
    # the usage series lost `container` in an upgrade: `container!=""` matches nothing, the CPU lines read nothing
    rules = _rules(tmp_path, "api", SPEC)
    series = {f"container_cpu_usage_seconds_total{{{SEL}}}": "0+60x60", LIMITS: "1x60", f"up{{{SEL}}}": "1x60"}
    checks = [_missing("ServiceCPUSaturation", at, n, "critical") for at, n in (("14m", 0), ("16m", 1))]
    checks.append(_missing("ServiceCPUSaturation", "16m", 0, "warning"))  # one missing series, one alert
    assert _promtool(tmp_path, rules, "api", series, checks) == ""


def test_the_disk_twin_stands_for_the_fill_prediction(tmp_path: Path) -> None:
    # the disk alert is off: the prediction reads the disk signal alone, its twin holds 30m (its own `for`)
    rules = _rules(tmp_path, "api", SPEC)
    series = {f"up{{{SEL}}}": "1x60"}
    checks = [_missing("ServiceDiskFillingUp", at, n, "critical") for at, n in (("29m", 0), ("31m", 1))]
    assert _promtool(tmp_path, rules, "api", series, checks) == ""


def test_a_service_scaled_to_zero_or_measured_stays_quiet(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "api", SPEC)
    scaled = {"container_cpu_usage_seconds_total{job='other',container='x'}": "0+60x60"}  # nothing of api
    assert _promtool(tmp_path, rules, "api", scaled, [_missing("ServiceCPUSaturation", "40m", 0, "critical")]) == ""
    measured = {
        f'container_cpu_usage_seconds_total{{{SEL},container="app"}}': "0+6x60",
        LIMITS: "1x60",
        f"up{{{SEL}}}": "1x60",
    }
    assert _promtool(tmp_path, rules, "api", measured, [_missing("ServiceCPUSaturation", "40m", 0, "critical")]) == ""


def test_a_service_nobody_scrapes_gets_no_twin(tmp_path: Path) -> None:
    # a batch job's containers exist only while it runs, and without `up` nothing tells "not running" apart
    rules = _rules(tmp_path, "api", SPEC.replace("selector: {job: api}", "selector: {job: api}\ntargets: false"))
    groups = yaml.safe_load(rules.read_text())["groups"]
    labels = [r.get("labels", {}) for g in groups for r in g["rules"] if "alert" in r]
    assert not [x for x in labels if x.get("data") == "missing"]
