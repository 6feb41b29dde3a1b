"""A share plotted as a share whatever its name says it is, not only `avg(probe_success)` (round 47).

Round 46 read the share unit from two names only, so a `*_ratio` gauge (a cache's hit ratio, 0.93), a recorded
`job:...:ratio`, a `*_percent` gauge and an average of other 1-or-0 series (kube-state-metrics' readiness, an
exporter's `mysql_up`, a `bool` comparison) kept a `short` axis: 0.93 read as a bare number beside its 0.9 line.
A gauge of another kind, and a share's `min`, keep theirs."""

from __future__ import annotations

from pathlib import Path

from compiler.api import compile_specs
from compiler.targets.grafana.standard import service_argument
from tests.test_grafana_support import all_panels, service_dashboard

SPEC = """apiVersion: obsc/v1
service: cache
team: edge
selector: {job: cache}
metrics:
  hit_ratio: {selector: cache_hit_ratio, type: gauge, aggregation: max}
  recorded_ratio: {selector: "job:cache_errors:ratio_rate5m", type: gauge, aggregation: max}
  used_percent: {selector: cache_used_percent, type: gauge, aggregation: max}
  pods_ready: {selector: 'kube_pod_status_ready{condition="true"}', type: gauge, aggregation: avg}
  db_reached: {selector: mysql_up, type: gauge, aggregation: avg}
  fast_share: {expr: 'avg(cache_last_lookup_seconds{$selector} < bool 0.1)', type: gauge}
  ready_over_time: {expr: 'avg(avg_over_time(kube_pod_status_ready{$selector}[$window]))', type: gauge}
  any_ready: {selector: 'kube_pod_status_ready{condition="true"}', type: gauge, aggregation: min}
  entries: {selector: cache_entries, type: gauge, aggregation: avg}
  lookup_ratio: {expr: 'sum(cache_bytes{$selector}) / sum(cache_entries{$selector})', type: gauge}
threshold_alerts:
  - {name: CacheHitsLow, metric: hit_ratio, below: 0.9, for: 10m, tier: warning}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""

SHARES = {
    "hit_ratio": "percentunit",
    "recorded_ratio": "percentunit",
    "used_percent": "percent",
    "pods_ready": "percentunit",
    "db_reached": "percentunit",
    "fast_share": "percentunit",
    "ready_over_time": "percentunit",
    "any_ready": "short",  # every pod at once, not a share
    "entries": "short",  # not a 1-or-0 series
    "lookup_ratio": "short",  # a division of two amounts is not read as a share
}


def test_shares_are_plotted_as_shares_by_name_and_by_what_they_average(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "cache.yaml").write_text(SPEC)
    board = service_dashboard(compile_specs([str(tmp_path / "specs")]), "cache")
    units = {}
    for panel in all_panels(board):
        units.setdefault(panel["title"], set()).add(panel.get("fieldConfig", {}).get("defaults", {}).get("unit"))
    # hit_ratio's business panel and its threshold alert's panel (titled as the metric) alike
    assert {name: units.get(name) for name in SHARES} == {name: {unit} for name, unit in SHARES.items()}, units


def test_a_standard_dashboard_reads_the_same_unit(tmp_path: Path) -> None:
    """The platform's Jsonnet gets the unit obsc's panels plot (examples/lib's golden signals divide a `percent`
    saturation metric by 100 and plot the rest as 0-1): '' before, for a share named or averaged as one."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "cache.yaml").write_text(SPEC)
    compilation = compile_specs([str(tmp_path / "specs")])
    [service] = compilation.fleet.services
    metrics = service_argument(service, compilation.fleet.platform, "echo")["metrics"]
    assert {name: metrics[name]["unit"] or "short" for name in SHARES} == SHARES
