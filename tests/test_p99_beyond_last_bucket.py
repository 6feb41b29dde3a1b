"""A p99 page whose slow requests are past the histogram's last finite bucket (round 29's known limit).

histogram_quantile reads a quantile that falls in the `+Inf` bucket as the largest finite bound, so a p99 line at
(or above) a histogram's last bucket was never crossed: every request at 60s, a line of 2.5s over buckets up to
2.5s, and ServiceHighLatencyP99 stayed silent for good (only declared `buckets:` said so, at compile). The alert's
records now read such a quantile as `+Inf`: slower than every bucket is above any line. promtool, 1m steps.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _firing, _promtool, _rules, _value

SPEC = """apiVersion: obsc/v1
service: cart
team: core
selector: {job: cart}
metrics:
  latency: {selector: http_server_duration_seconds}
alerts: {latency_p99: {critical: LINE, warning: false}}
"""
SEL = 'job="cart",instance="c1"'
FINITE = ("0.1", "0.25", "1", "2.5")
P99 = 'service:latency_seconds:p99_rate5m{service="cart"}'


def _histogram(slow_from: int, minutes: int, slow_permille: int = 1000) -> dict[str, str]:
    """10 requests/s, every one under 100ms until `slow_from`, then `slow_permille` of 1000 past every finite
    bucket (the rest still under 100ms)."""
    fast_after = 600 * (1000 - slow_permille) // 1000
    finite = f"0+600x{slow_from} {600 * slow_from}+{fast_after}x{minutes - slow_from}"
    series = {'up{job="cart",instance="c1"}': f"1x{minutes}"}
    series.update({f'http_server_duration_seconds_bucket{{{SEL},le="{le}"}}': finite for le in FINITE})
    series[f'http_server_duration_seconds_bucket{{{SEL},le="+Inf"}}'] = f"0+600x{minutes}"
    series[f"http_server_duration_seconds_count{{{SEL}}}"] = f"0+600x{minutes}"
    return series


def test_a_line_at_the_last_bucket_pages_when_the_tail_is_past_it(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "cart", SPEC.replace("LINE", "2500ms"))
    checks = [_firing("ServiceHighLatencyP99", "29m", 0)]
    checks += [_firing("ServiceHighLatencyP99", f"{m}m", 1) for m in (40, 60, 90)]
    assert _promtool(tmp_path, rules, "cart", _histogram(30, 90), checks) == ""


def test_a_line_above_the_last_bucket_pages_when_the_tail_is_past_it(tmp_path: Path) -> None:
    # 5% of requests slower than the last bucket: their p99 is unknown but past 2.5s, so past no line obsc can
    # rule out (declared `buckets:` refuse such a line at compile)
    rules = _rules(tmp_path, "cart", SPEC.replace("LINE", "10s"))
    checks = [_firing("ServiceHighLatencyP99", "29m", 0), _firing("ServiceHighLatencyP99", "60m", 1)]
    checks.append(_value(f"{P99} == bool +Inf", "60m", '{service="cart"}', 1))
    assert _promtool(tmp_path, rules, "cart", _histogram(30, 90, slow_permille=50), checks) == ""


def test_a_tail_inside_the_buckets_reads_as_before(tmp_path: Path) -> None:
    # 0.5% past the last bucket: the p99's rank (594 of 600 requests a minute) is inside the first bucket (597),
    # interpolated there as before
    rules = _rules(tmp_path, "cart", SPEC.replace("LINE", "2500ms"))
    series = _histogram(30, 90, slow_permille=5)
    checks = [_firing("ServiceHighLatencyP99", f"{m}m", 0) for m in (29, 60, 90)]
    checks.append(_value(f"abs({P99} - 0.1 * 594 / 597) < bool 1e-9", "60m", '{service="cart"}', 1))
    assert _promtool(tmp_path, rules, "cart", series, checks) == ""
