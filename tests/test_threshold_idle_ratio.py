"""Threshold alerts over an expression that divides or takes a quantile (a fleet nobody here wrote, round 41).

0/0 is NaN: a cache hit ratio with no requests, a drain time with nothing queued or processed, a p99 over no
observations. The signal left NaN out (round 25), so an idle expression had no series and its missing-data twin
ticketed every idle night from its 10th minute (promtool: HitRatioLow, P99High and DrainSlow, each `{data="missing"}`,
firing from 10m to the end of an idle hour). Now a group whose every value is NaN is one NaN series: no line reads
it and the twin sees it there; a real drop, a slow p99, a stuck queue (x/0 = +Inf) and a gone exporter still fire.
x/0 of a capacity where 0 means "no limit" (Redis maxmemory 0) is +Inf, over every `above:` line: a located warning
says so and how to guard it. Inputs written here by hand, 1m steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.model.ratio_values import unguarded_gauge_divisors
from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: cache
team: core
selector: {job: cache}
metrics:
  hit:
    expr: 'sum(rate(hits_total{$selector}[$window])) / sum(rate(lookups_total{$selector}[$window]))'
    type: gauge
    unit: percentunit
  p99:
    expr: 'histogram_quantile(0.99, sum by (le) (rate(lookup_seconds_bucket{$selector}[$window])))'
    type: gauge
    unit: s
  drain: {expr: 'sum(queue_depth{$selector}) / sum(rate(queue_done_total{$selector}[$window]))', type: gauge}
threshold_alerts:
  - {name: HitRatioLow, metric: hit, below: 80%, for: 10m}
  - {name: P99High, metric: p99, above: 500ms, for: 10m}
  - {name: DrainSlow, metric: drain, above: 600, for: 10m}
"""
ALERTS = ("HitRatioLow", "P99High", "DrainSlow")


def _series(hits: str, lookups: str, fast: str, slow: str, depth: str, done: str) -> dict[str, str]:
    return {
        'up{job="cache"}': "1x40",
        'hits_total{job="cache"}': hits,
        'lookups_total{job="cache"}': lookups,
        'lookup_seconds_bucket{job="cache",le="0.1"}': fast,
        'lookup_seconds_bucket{job="cache",le="1"}': slow,
        'lookup_seconds_bucket{job="cache",le="+Inf"}': slow,
        'queue_depth{job="cache"}': depth,
        'queue_done_total{job="cache"}': done,
    }


def _count(at: str, count: int, missing: bool) -> dict[str, object]:
    names = "|".join(ALERTS)
    data = 'data="missing"' if missing else 'data!="missing"'
    expr = f'count(ALERTS{{alertname=~"{names}",alertstate="firing",{data}}}) or vector(0)'
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": count}]}


def test_an_idle_cache_is_no_value_not_missing_data(tmp_path: Path) -> None:
    # every counter flat, nothing queued: each expression is 0/0; the three twins ticketed from 10m before
    rules = _rules(tmp_path, "cache", SPEC)
    series = _series("500x40", "500x40", "500x40", "500x40", "0x40", "500x40")
    assert _promtool(tmp_path, rules, "cache", series, [_count("30m", 0, True), _count("30m", 0, False)]) == ""


def test_a_real_drop_a_slow_p99_and_a_stuck_queue_still_fire(tmp_path: Path) -> None:
    # half the lookups hit, every lookup slower than 100ms, 1000 queued and none processed (+Inf)
    rules = _rules(tmp_path, "cache", SPEC)
    series = _series("0+50x40", "0+100x40", "0x40", "0+100x40", "1000x40", "500x40")
    assert _promtool(tmp_path, rules, "cache", series, [_count("30m", 3, False), _count("30m", 0, True)]) == ""


def test_a_gone_exporter_still_fires_the_missing_data_alerts(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "cache", SPEC)
    assert _promtool(tmp_path, rules, "cache", {'up{job="cache"}': "1x40"}, [_count("30m", 3, True)]) == ""


SUMMED = """apiVersion: obsc/v1
service: cache
team: core
selector: {job: cache}
metrics:
  miss: {expr: 'rate(misses_total{$selector}[$window]) / rate(lookups_total{$selector}[$window])', type: gauge}
threshold_alerts:
  - {name: MissesHigh, metric: miss, above: 0.5, for: 10m, by: [pool]}
"""


def test_an_idle_group_beside_a_busy_one_under_sum(tmp_path: Path) -> None:
    # sum keeps NaN out of a group with numbers (pool a: one idle instance beside a missing one) and is NaN
    # only for a group whose every value is (pool b, idle): no twin for b, a's misses still fire
    rules = _rules(tmp_path, "cache", SUMMED)
    series = {
        'up{job="cache"}': "1x40",
        'misses_total{job="cache",pool="a",instance="1"}': "0+90x40",
        'lookups_total{job="cache",pool="a",instance="1"}': "0+100x40",
        'misses_total{job="cache",pool="a",instance="2"}': "7x40",
        'lookups_total{job="cache",pool="a",instance="2"}': "9x40",
        'misses_total{job="cache",pool="b",instance="3"}': "7x40",
        'lookups_total{job="cache",pool="b",instance="3"}': "9x40",
    }
    missing = 'count(ALERTS{alertname="MissesHigh",data="missing"}) or vector(0)'
    checks = [
        _firing("MissesHigh", "30m", 1),
        {"expr": missing, "eval_time": "30m", "exp_samples": [{"labels": "{}", "value": 0}]},
    ]
    assert _promtool(tmp_path, rules, "cache", series, checks) == ""


REDIS = """apiVersion: obsc/v1
service: cache
team: core
selector: {job: cache}
metrics:
  mem: {expr: 'max(redis_memory_used_bytes{$selector}) / DIVISOR', type: gauge, unit: percentunit}
threshold_alerts:
  - {name: RedisMemoryHigh, metric: mem, above: 90%, for: 10m}
"""
MAX = "max(redis_memory_max_bytes{$selector})"
GUARDED = f"({MAX} > 0 or {MAX} * NaN)"


def test_a_capacity_that_may_be_0_is_a_located_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)  # team data
    (specs / "cache.yaml").write_text(REDIS.replace("team: core", "team: data").replace("DIVISOR", MAX))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    where = "cache.yaml:8:49 $.threshold_alerts[0].above: warning: metric 'mem' divides by max(redis_memory_max_bytes"
    assert where in result.err, result.err
    assert "x / 0 is +Inf, over any line" in result.err
    (specs / "cache.yaml").write_text(REDIS.replace("team: core", "team: data").replace("DIVISOR", GUARDED))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0 and "divides by" not in result.err, result.err
    # a size is 0 only with its part 0 too (0/0, no value): not warned, or every used/size ratio would be
    (specs / "cache.yaml").write_text(REDIS.replace("team: core", "team: data").replace("DIVISOR", "max(x_size_bytes)"))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0 and "divides by" not in result.err, result.err


def test_the_guarded_capacity_is_quiet_at_no_limit(tmp_path: Path) -> None:
    # the warning's advice: maxmemory 0 reads NaN (no value), not +Inf (which fired from 10m) nor no series (the
    # twin fired from 10m, before NaN was kept)
    rules = _rules(tmp_path, "cache", REDIS.replace("DIVISOR", GUARDED))
    series = {
        'up{job="cache"}': "1x40",
        'redis_memory_used_bytes{job="cache"}': "1e6x40",
        'redis_memory_max_bytes{job="cache"}': "0x40",
    }
    assert _promtool(tmp_path, rules, "cache", series, [_firing("RedisMemoryHigh", "30m", 0)]) == ""


@pytest.mark.parametrize(
    ("divisor", "warned"),
    [
        (f"({MAX} > 0)", False),
        (f"({MAX} != 0)", False),
        (f"clamp_min({MAX}, 1)", False),
        (f"({MAX} > -1)", True),  # lets 0 through: each of these passed as a guard (round 42)
        (f"({MAX} != 5)", True),
        (f"clamp_min({MAX}, 0)", True),
        (f"clamp({MAX}, 0, 1e12)", True),
        (f"({MAX} > bool 0)", True),
        ("sum(rate(redis_evicted_limit_total[5m]))", False),  # a rate at 0 is idleness (read as a limit, survived)
    ],
)
def test_only_a_guard_that_drops_0_quiets_the_warning(divisor: str, warned: bool) -> None:
    assert bool(unguarded_gauge_divisors(f"max(redis_memory_used_bytes) / {divisor}")) is warned


def test_a_line_below_is_not_warned_of_an_infinite_ratio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """+Inf is over any line, under none: a `below:` alert over the same ratio never fires on it (warning it too
    survived as a hand mutant)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    spec = REDIS.replace("team: core", "team: data").replace("DIVISOR", MAX).replace("above: 90%", "below: 10%")
    (specs / "cache.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0 and "divides by" not in result.err, result.err


MYSQL = REDIS.replace("redis_memory_used_bytes", "mysql_global_status_threads_connected")


@pytest.mark.parametrize(
    ("divisor", "warned"),
    [
        # round 42: warned on every MySQL fleet's connections alert, though MySQL refuses max_connections=0
        ("max(mysql_global_variables_max_connections{$selector})", False),
        ("max(pg_settings_max_connections{$selector})", False),
        ("max(process_max_fds{$selector})", False),
        # 0 is "no limit" here: still warned
        ("max(mysql_global_variables_max_user_connections{$selector})", True),
    ],
)
def test_a_limit_its_server_never_sets_to_0_is_not_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], divisor: str, warned: bool
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "cache.yaml").write_text(MYSQL.replace("team: core", "team: data").replace("DIVISOR", divisor))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert ("a gauge that may be 0" in result.err) is warned, result.err
