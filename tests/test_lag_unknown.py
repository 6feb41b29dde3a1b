"""A lag below 0 is an exporter's "unknown", not a lag (a fleet nobody here wrote, round 42).

kafka_exporter writes `kafka_consumergroup_lag -1` for a partition with no committed offset. A consumer group whose
consumers crash before their first commit has every partition at -1: summed, -3, under every `above:` line and
there, so neither the lag alert nor its missing-data twin fired (promtool, before: nothing in an hour). A lag's
negative samples now read as no value: that group has no series, and the twin tickets at 15m (its 10m hold after
the signal's scrape-gap grace); once the consumers commit, a small lag resolves it. Inputs by hand, 1m steps."""

from __future__ import annotations

from pathlib import Path

from compiler.model.promql import known_values, parse_selector
from tests.conftest import require_tool
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: billing
team: core
selector: {job: billing}
metrics:
  lag:
    selector: 'kafka_consumergroup_lag{consumergroup="billing"}'
    service_selector: false
    type: gauge
    aggregation: sum
threshold_alerts:
  - {name: BillingLagHigh, metric: lag, above: 5000, for: 10m}
"""


def _partition(number: int) -> str:
    return f'kafka_consumergroup_lag{{consumergroup="billing",topic="bills",partition="{number}"}}'


def test_a_group_that_never_committed_is_missing_data_not_a_small_lag(tmp_path: Path) -> None:
    require_tool("promtool")
    rules = _rules(tmp_path, "billing", SPEC)
    # 30 minutes with no committed offset on any partition, then committed and caught up (lag 10)
    series = {'up{job="billing"}': "1x60", **{_partition(p): "-1x29 10x30" for p in range(3)}}
    checks = [
        _firing("BillingLagHigh", "9m", 0),
        _firing("BillingLagHigh", "15m", 1),
        _firing("BillingLagHigh", "59m", 0),
    ]
    assert _promtool(tmp_path, rules, "billing", series, checks) == ""


SLICES = (
    SPEC.replace("threshold_alerts:\n  - {name: BillingLagHigh, metric: lag, above: 5000, for: 10m}\n", "").rstrip("\n")
    + """
slos: [{name: caught-up, objective: 99, sli: {good_when: "lag < 1000"}}]
"""
)


def test_a_time_slice_over_a_group_that_never_committed_is_no_slice_not_a_good_one(tmp_path: Path) -> None:
    # before: -3 < 1000, every slice good and SLODataMissing quiet for the hour
    require_tool("promtool")
    rules = _rules(tmp_path, "billing", SLICES)
    series = {'up{job="billing"}': "1x40", **{_partition(p): "-1x40" for p in range(3)}}
    checks = [_firing("SLODataMissing", "5m", 0), _firing("SLODataMissing", "30m", 1)]
    assert _promtool(tmp_path, rules, "billing", series, checks) == ""


def test_a_group_caught_up_at_0_is_a_lag_not_missing_data(tmp_path: Path) -> None:
    """A lag of 0 is the healthy consumer's value: only the negatives are unknowns (`>= 0`). Dropping 0 too (a
    hand mutant in round 43's review) left a caught-up group without series, and its missing-data twin fired."""
    require_tool("promtool")
    rules = _rules(tmp_path, "billing", SPEC)
    series = {'up{job="billing"}': "1x60", **{_partition(p): "0x60" for p in range(3)}}
    checks = [_firing("BillingLagHigh", "20m", 0), _firing("BillingLagHigh", "59m", 0)]
    assert _promtool(tmp_path, rules, "billing", series, checks) == ""


def test_only_a_lag_by_name_loses_its_negative_samples() -> None:
    """`lag` as a word of the name: a flag's or a lagoon's -1 is a value (read as a lag, it was dropped)."""
    assert known_values(parse_selector("kafka_consumergroup_lag")) == "kafka_consumergroup_lag{} >= 0"
    assert known_values(parse_selector("lag_seconds")) == "lag_seconds{} >= 0"
    for name in ("feature_flag_state", "lagoon_level", "laggard_count"):
        assert known_values(parse_selector(name)) == f"{name}{{}} >= -Inf", name
