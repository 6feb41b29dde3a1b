"""An expression metric with no declared unit whose values are per-second rates is plotted as such (`ops`,
"3 ops/s"), on its business panel and on its threshold alert's panel. Before round 45 a Redis cache's lookups,
`rate(hits[$window]) + rate(misses[$window])`, read as a bare "3" on a `short` axis (a counter's panel said
ops/s). A ratio of two rates, a rate scaled by a number, a count, an increase or a declared unit keep the unit
they had."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import compile_specs
from compiler.model.types import Metric, MetricType
from compiler.targets.grafana.rate_units import per_second_gauge
from tests.test_grafana_support import all_panels, service_dashboard

SPEC = """apiVersion: obsc/v1
service: cache
team: data
selector: {job: redis}
metrics:
  lookups:
    expr: 'rate(redis_keyspace_hits_total{$selector}[$window]) + rate(redis_keyspace_misses_total{$selector}[$window])'
  hit_share:
    expr: >-
      sum(rate(redis_keyspace_hits_total{$selector}[$window]))
      / sum(rate(redis_commands_total{$selector}[$window]))
threshold_alerts:
  - {name: CacheBusy, metric: lookups, above: 5000, for: 10m}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_a_per_second_expression_is_plotted_per_second(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "cache.yaml").write_text(SPEC)
    board = service_dashboard(compile_specs([str(tmp_path / "specs")]), "cache")
    units = [(p["title"], p.get("fieldConfig", {}).get("defaults", {}).get("unit")) for p in all_panels(board)]
    assert [u for t, u in units if t.startswith("lookups")] == ["ops", "ops"], units  # business and threshold panels
    assert ("hit_share", "short") in units, units


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("rate(a[$window])", True),
        ("sum by (x) (rate(a{$selector}[$window])) * 60", False),  # per minute: not per second
        ("sum(rate(a[$window])) * 8", False),  # bits? the spec says: unit: bps
        ("sum(irate(a[$window])) - sum(irate(b[$window]))", True),
        ("max_over_time(sum(rate(a[$window]))[1h:5m])", True),
        ("clamp_min(rate(a[$window]) - rate(b[$window]), 0)", True),
        ("rate(a[$window]) or vector(0)", False),
        ("rate(a[$window]) / rate(b[$window])", False),
        ("rate(a[$window]) * rate(b[$window])", False),  # per second squared (a mutant of round 45 said ops)
        ("rate(a[$window]) and on () up", True),  # filtered, its values a rate's (a mutant read no filter)
        ("count(rate(a[$window]))", False),
        ("increase(a[$window])", False),
        ("rate(a[$window]) > 0", False),
        ("a", False),
        ("rate(a[", False),  # does not parse: the unit it had
    ],
)
def test_which_expressions_read_per_second(expr: str, expected: bool) -> None:
    assert per_second_gauge(Metric(name="m", type=MetricType.GAUGE, expr=expr)) is expected


def test_a_declared_unit_is_the_panels_whatever_the_expression() -> None:
    # a rate in bits per second says bps (a hand mutant of round 45 reading the expression first passed every test)
    assert not per_second_gauge(Metric(name="m", type=MetricType.GAUGE, expr="rate(a[$window]) * 8", unit="bps"))
    assert not per_second_gauge(Metric(name="m", type=MetricType.GAUGE, expr="rate(a[$window])", unit="Bps"))
