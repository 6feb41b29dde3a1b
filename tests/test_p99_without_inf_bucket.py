"""A p99 page over a histogram whose `+Inf` bucket is missing (found by round 28's on-call hunt).

A bucket list kept by a metric relabelling (`le=~"0.1|0.25|1"`, to save series) or a hand-written exporter has no
`le="+Inf"` series, and histogram_quantile is NaN for every quantile without it: the p99 record had no value and
ServiceHighLatencyP99 never fired, every request at 5s for an hour. A service without a latency SLO had nothing
else to say so. The alert's records now read the `_count` as the `+Inf` bucket where there is none (it is that
bucket by definition); a histogram with `+Inf` and no `_count` (some bridges) still pages as before. promtool,
1m steps.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: cart
team: core
selector: {job: cart}
metrics:
  latency: {selector: http_server_duration_seconds, buckets: [0.1, 0.25, 1, 2.5]}
alerts: {latency_p99: {critical: 2s, warning: false}}
"""
SEL = 'job="cart",instance="c1"'
FINITE = ("0.1", "0.25", "1", "2.5")


def _histogram(slow_from: int, minutes: int, inf: bool = False, count: bool = True) -> dict[str, str]:
    """10 requests/s, every one under 100ms until `slow_from`, then every one at 5s (past every finite bucket)."""
    fast = f"0+600x{slow_from}"
    finite = f"{fast} {600 * slow_from}x{minutes - slow_from}"
    series = {'up{job="cart",instance="c1"}': f"1x{minutes}"}
    series.update({f'http_server_duration_seconds_bucket{{{SEL},le="{le}"}}': finite for le in FINITE})
    if inf:
        series[f'http_server_duration_seconds_bucket{{{SEL},le="+Inf"}}'] = f"0+600x{minutes}"
    if count:
        series[f"http_server_duration_seconds_count{{{SEL}}}"] = f"0+600x{minutes}"
    return series


def test_every_request_slow_pages_without_an_inf_bucket(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "cart", SPEC)
    checks = [_firing("ServiceHighLatencyP99", "29m", 0)]
    checks += [_firing("ServiceHighLatencyP99", f"{m}m", 1) for m in (40, 50, 60, 90)]
    assert _promtool(tmp_path, rules, "cart", _histogram(30, 90), checks) == ""


def test_fast_requests_without_an_inf_bucket_page_nothing(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "cart", SPEC)
    p99 = 'service:latency_seconds:p99_rate5m{service="cart"}'
    checks = [_firing("ServiceHighLatencyP99", f"{m}m", 0) for m in (10, 45, 90)]
    # a value, not the NaN the record dropped: the page can see the latency
    checks.append({"expr": f"count({p99})", "eval_time": "45m", "exp_samples": [{"labels": "{}", "value": 1}]})
    assert _promtool(tmp_path, rules, "cart", _histogram(90, 90), checks) == ""


def test_an_inf_bucket_without_a_count_still_pages(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "cart", SPEC)
    checks = [_firing("ServiceHighLatencyP99", "29m", 0), _firing("ServiceHighLatencyP99", "45m", 1)]
    assert _promtool(tmp_path, rules, "cart", _histogram(30, 90, inf=True, count=False), checks) == ""
