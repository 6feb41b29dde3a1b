"""A p99 over a histogram whose infinite bucket is not spelled `+Inf` (round 52's audit of trust failure 1).

histogram_quantile reads `le` with Go's ParseFloat, which takes `Inf`, `inf` and `infinity` as `+Inf` does, and
Prometheus 2.42 keeps the label as exposed. The p99 records let the `_count` stand in for a missing infinite bucket
by label set, `le="+Inf"` only: beside an exporter's `le="Inf"` bucket the stand-in was a second infinite bucket,
added to the first, and every quantile read the highest finite bound. A cart answering every request in 50ms had
a p99 of 2.5s and ServiceHighLatencyP99 (2s) paged for as long as it ran. promtool, 1m steps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_p99_without_inf_bucket import FINITE, SEL, SPEC
from tests.test_sli_semantics import _firing, _promtool, _rules, _value

P99 = 'service:latency_seconds:p99_rate5m{service="cart"}'


def _histogram(infinite: str, slow_from: int, minutes: int, instance: str = "c1") -> dict[str, str]:
    """10 requests/s, every one under 100ms until `slow_from`, then every one at 5s, the infinite bucket written
    as `le="<infinite>"`, beside the `_count`."""
    sel = SEL.replace('"c1"', f'"{instance}"')
    finite = f"0+600x{slow_from} {600 * slow_from}x{minutes - slow_from}"
    series = {f'up{{job="cart",instance="{instance}"}}': f"1x{minutes}"}
    series.update({f'http_server_duration_seconds_bucket{{{sel},le="{le}"}}': finite for le in FINITE})
    series[f'http_server_duration_seconds_bucket{{{sel},le="{infinite}"}}'] = f"0+600x{minutes}"
    series[f"http_server_duration_seconds_count{{{sel}}}"] = f"0+600x{minutes}"
    return series


@pytest.mark.parametrize("infinite", ["Inf", "inf", "+inf", "Infinity"])
def test_fast_requests_page_nothing_whatever_the_infinite_bucket_is_called(tmp_path: Path, infinite: str) -> None:
    rules = _rules(tmp_path, "cart", SPEC)
    checks = [_firing("ServiceHighLatencyP99", f"{m}m", 0) for m in (20, 45, 90)]
    checks.append(_value(f"max({P99})", "45m", "{}", 0.099))  # the first bucket's 99%, not 2.5s
    assert _promtool(tmp_path, rules, "cart", _histogram(infinite, 90, 90), checks) == ""


def test_slow_requests_still_page_with_an_inf_bucket(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "cart", SPEC)
    checks = [_firing("ServiceHighLatencyP99", "29m", 0), _firing("ServiceHighLatencyP99", "45m", 1)]
    assert _promtool(tmp_path, rules, "cart", _histogram("Inf", 30, 90), checks) == ""


def test_instances_spelling_it_two_ways_add_up(tmp_path: Path) -> None:
    """One instance writes `+Inf`, the other `Inf` (two client libraries in one service): histogram_quantile
    merges the two infinite buckets into one, and the `_count` adds nothing."""
    rules = _rules(tmp_path, "cart", SPEC)
    series = _histogram("+Inf", 90, 90) | _histogram("Inf", 90, 90, instance="c2")
    checks = [_firing("ServiceHighLatencyP99", f"{m}m", 0) for m in (20, 45, 90)]
    assert _promtool(tmp_path, rules, "cart", series, checks) == ""
