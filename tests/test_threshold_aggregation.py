"""How a threshold alert combines a gauge's series (round 21, from a round-20 hunt). A plain gauge without
`aggregation` was summed: free bytes summed over two disks stayed above a `below:` line while one disk was full,
and three temperatures of 40 read 120 over a line of 80. It is a located error now
(tests/errors/gauge_threshold_without_aggregation). A share or ratio that declares none is its busiest series
(max): right for `above:`, but `below:` must read its lowest one. Inputs written here by hand."""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _firing, _promtool, _rules

_SPEC = """apiVersion: obsc/v1
service: cache
team: core
selector: {{job: cache}}
targets: false
metrics:
  hits: {{selector: cache_hit_ratio, type: gauge}}
  free: {{selector: node_filesystem_avail_bytes, type: gauge, unit: bytes, aggregation: {free}}}
threshold_alerts:
  - {{name: CacheHitsLow, metric: hits, below: 0.5, for: 5m}}
  - {{name: CacheHitsHigh, metric: hits, above: 0.99, for: 5m, missing: ignore}}
  - {{name: DiskAlmostFull, metric: free, below: 2GiB, for: 5m}}
"""
_ONE_BAD = {
    'cache_hit_ratio{job="cache",instance="a"}': "0.1x30",  # one instance misses almost every read
    'cache_hit_ratio{job="cache",instance="b"}': "0.9x30",
    'node_filesystem_avail_bytes{job="cache",instance="a"}': "0x30",  # one disk full
    'node_filesystem_avail_bytes{job="cache",instance="b"}': "10737418240x30",
}
_HEALTHY = {
    'cache_hit_ratio{job="cache",instance="a"}': "0.9x30",
    'cache_hit_ratio{job="cache",instance="b"}': "0.95x30",
    'node_filesystem_avail_bytes{job="cache",instance="a"}': "10737418240x30",
    'node_filesystem_avail_bytes{job="cache",instance="b"}': "10737418240x30",
}


def test_one_instance_under_a_below_line_fires(tmp_path: Path) -> None:
    # the ratio's default (max) read 0.9: the instance at 0.1 hid behind the other one, and nothing fired
    rules = _rules(tmp_path, "cache", _SPEC.format(free="min"))
    checks = [
        _firing("CacheHitsLow", "20m", 1),
        _firing("DiskAlmostFull", "20m", 1),
        _firing("CacheHitsHigh", "20m", 0),
    ]
    assert _promtool(tmp_path, rules, "cache", _ONE_BAD, checks) == ""


def test_a_healthy_service_fires_nothing(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "cache", _SPEC.format(free="min"))
    checks = [_firing(alert, "20m", 0) for alert in ("CacheHitsLow", "CacheHitsHigh", "DiskAlmostFull")]
    assert _promtool(tmp_path, rules, "cache", _HEALTHY, checks) == ""


def test_a_declared_aggregation_is_compared_as_declared(tmp_path: Path) -> None:
    # `aggregation: sum` on free bytes is the spec's choice (a pool's total): one full disk does not fire it
    rules = _rules(tmp_path, "cache", _SPEC.format(free="sum"))
    assert _promtool(tmp_path, rules, "cache", _ONE_BAD, [_firing("DiskAlmostFull", "20m", 0)]) == ""
