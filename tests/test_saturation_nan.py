"""A NaN series in a CPU, memory or disk gauge averaged or summed over instances (found by a hunt, round 29).
An exporter's utilisation gauge is NaN for a pod it cannot measure yet (a 0/0 before its first sample, no
limit known): one such series made `avg` and `sum` NaN, compared false against the line, and its series was
there, so the missing-data twin said nothing either: a pod at 95% CPU paged nobody for as long as one other
pod read NaN. NaN samples are now left out, as threshold alerts do and `max` does; every series NaN is no
signal, which the twin reports. Inputs written here by hand, 1m steps (promtool)."""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: gx
team: core
selector: {job: gx}
metrics:
  cpu: {selector: pod_cpu_utilisation_ratio, aggregation: avg}
  memory: {selector: pod_memory_utilisation_percent, unit: percent, aggregation: avg}
alerts: {cpu: {warning: 80%}, memory: {warning: 80%}}
"""
NAN = " ".join(["NaN"] * 41)
UP = {'up{job="gx",instance="a"}': "1x40", 'up{job="gx",instance="b"}': "1x40"}


def _missing(alert: str, at: str, count: int) -> dict[str, object]:
    expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing",data="missing"}}) or vector(0)'
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": count}]}


def test_one_nan_instance_does_not_hide_a_saturated_one(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "gx", SPEC)
    series = {
        **UP,
        'pod_cpu_utilisation_ratio{job="gx",instance="a"}': "0.95x40",
        'pod_cpu_utilisation_ratio{job="gx",instance="b"}': NAN,
        'pod_memory_utilisation_percent{job="gx",instance="a"}': "95x40",
        'pod_memory_utilisation_percent{job="gx",instance="b"}': NAN,
    }
    checks = [_firing("ServiceCPUSaturation", "30m", 1), _firing("ServiceMemorySaturation", "30m", 1)]
    assert _promtool(tmp_path, rules, "gx", series, checks) == ""
    # and a healthy instance beside a NaN one stays quiet (the NaN is not read as saturated)
    healthy = {**series, 'pod_cpu_utilisation_ratio{job="gx",instance="a"}': "0.2x40"}
    assert _promtool(tmp_path, rules, "gx", healthy, [_firing("ServiceCPUSaturation", "30m", 0)]) == ""


def test_every_instance_nan_is_missing_data(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "gx", SPEC)
    series = {
        **UP,
        'pod_cpu_utilisation_ratio{job="gx",instance="a"}': NAN,
        'pod_cpu_utilisation_ratio{job="gx",instance="b"}': NAN,
        'pod_memory_utilisation_percent{job="gx",instance="a"}': "20x40",
    }
    checks = [_missing("ServiceCPUSaturation", "30m", 1), _missing("ServiceMemorySaturation", "30m", 0)]
    assert _promtool(tmp_path, rules, "gx", series, checks) == ""


MAX_SPEC = """apiVersion: obsc/v1
service: gx
team: core
selector: {job: gx}
metrics:
  cpu: {selector: pod_cpu_utilisation_ratio}
"""


def test_every_series_nan_under_max_is_missing_data_too(tmp_path: Path) -> None:
    # max (the default) skips a NaN beside a number, but of NaN alone it is NaN: a series no line and no twin read
    rules = _rules(tmp_path, "gx", MAX_SPEC)
    series = {**UP, 'pod_cpu_utilisation_ratio{job="gx",instance="a"}': NAN}
    assert _promtool(tmp_path, rules, "gx", series, [_missing("ServiceCPUSaturation", "30m", 1)]) == ""
