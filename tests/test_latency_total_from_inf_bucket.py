"""A latency SLI counts its requests by the `+Inf` bucket, not the `_count` (round 29's known limit).

The SLI's total was `_count` and its slow requests `_count` less the threshold bucket. OpenMetrics makes `_count`
optional (a histogram without `_sum` has none, and the `+Inf` bucket is every request by definition): such a
histogram had no total, every request at 5s paged nobody (only SLODataMissing ticketed). An exporter whose
`_count` lags its buckets undercounted its slow requests without a word. The `+Inf` bucket is now the total of
each series, its `_count` only where it has no `+Inf` bucket (a relabelling that keeps some buckets). promtool.
"""

from __future__ import annotations

from pathlib import Path

from compiler import conventions as names
from tests.test_sli_semantics import _firing, _promtool, _rules, _value

SPEC = """apiVersion: obsc/v1
service: rpc
team: core
selector: {job: rpc}
metrics:
  latency: {selector: rpc_duration_seconds, type: histogram}
slos: [{name: latency, objective: 99, sli: {latency: latency, threshold: 1s}}]
alerts: {traffic_anomaly: false, latency_p99: false}
"""
RATIO = 'slo:sli_error:ratio_rate5m{service="rpc",slo="latency",window="5m"}'


def _series(good_per_min: int, every_per_min: int, count_per_min: int | None) -> dict[str, str]:
    """One instance: `every_per_min` requests a minute in `+Inf`, `good_per_min` of them within 1s, and a
    `_count` growing by `count_per_min` (None: no `_count`, as OpenMetrics allows)."""
    sel = 'job="rpc",instance="r1"'
    series = {
        f'rpc_duration_seconds_bucket{{{sel},le="0.5"}}': f"0+{good_per_min}x180",
        f'rpc_duration_seconds_bucket{{{sel},le="1"}}': f"0+{good_per_min}x180",
        f'rpc_duration_seconds_bucket{{{sel},le="+Inf"}}': f"0+{every_per_min}x180",
        'up{job="rpc",instance="r1"}': "1x180",
    }
    if count_per_min is not None:
        series[f"rpc_duration_seconds_count{{{sel}}}"] = f"0+{count_per_min}x180"
    return series


def test_a_histogram_without_count_pages_when_every_request_is_slow(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "rpc", SPEC)
    checks = [
        _value(RATIO, "30m", RATIO, 1),
        _firing(names.SLO_BURN_FAST, "30m", 2),
        _firing(names.SLO_DATA_MISSING, "30m", 0),
    ]
    assert _promtool(tmp_path, rules, "rpc", _series(0, 600, None), checks) == ""


def test_a_count_lagging_the_buckets_does_not_hide_slow_requests(tmp_path: Path) -> None:
    # 600 requests a minute, 540 within 1s: 10% slow; the `_count` says 552, which read 12 slow of 552 (2.2%)
    rules = _rules(tmp_path, "rpc", SPEC)
    checks = [_value(f"abs({RATIO} - 0.1) < bool 1e-9", "30m", RATIO.replace(RATIO.split("{")[0], ""), 1)]
    assert _promtool(tmp_path, rules, "rpc", _series(540, 600, 552), checks) == ""


def test_a_histogram_without_an_inf_bucket_still_reads_its_count(tmp_path: Path) -> None:
    # a relabelling that keeps some buckets drops `+Inf`: the `_count` is every request then, as before
    rules = _rules(tmp_path, "rpc", SPEC)
    series = {k: v for k, v in _series(540, 600, 600).items() if 'le="+Inf"' not in k}
    checks = [_value(f"abs({RATIO} - 0.1) < bool 1e-9", "30m", RATIO.replace(RATIO.split("{")[0], ""), 1)]
    assert _promtool(tmp_path, rules, "rpc", series, checks) == ""
