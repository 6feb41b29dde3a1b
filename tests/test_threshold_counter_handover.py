"""A firing threshold alert on a counter whose series go hands over to its missing-data twin without a gap
(round 27). The alert compares the counter's recorded rate, and a rate fades over its window once its counters
go (range selectors skip stale markers and extrapolate from fewer samples): 2/s over a 1/s line, held 15m, read
below the line a few minutes after the exporter went, and the page resolved at 48m while its twin, counting
from the record's end, paged only at 60m: nothing up in between, after a "resolved" for a problem that may
still be there. The record now ends with its counters (model/fading_rates.py, as the CPU record does), and so
does a gauge-typed expression whose every window is a rate's. Inputs written here by hand, 1m steps; `stale`
where the exporter goes."""

from __future__ import annotations

from pathlib import Path

from compiler.model.fading_rates import rates_only
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: jobs
team: core
selector: {job: jobs}
metrics:
  retries: {selector: job_retries_total, type: counter}
  dropped: {expr: 'sum(rate(jobs_dropped_total{$selector}[$window]))', type: counter}
  requeued: {expr: 'sum(rate(jobs_requeued_total{$selector}[$window]))', type: gauge}
threshold_alerts:
  - {name: RetriesHigh, metric: retries, above: 1, for: 15m, tier: critical}
  - {name: DroppedHigh, metric: dropped, above: 1, for: 15m, tier: critical}
  - {name: RetriesHighOnOne, metric: retries, above: 1, for: 15m, by: [instance], tier: warning}
  - {name: RequeuedHigh, metric: requeued, above: 1, for: 15m, tier: critical}
"""


def test_a_counter_page_whose_exporter_goes_stays_one_page(tmp_path: Path) -> None:
    # 2/s from the start, over the 1/s line; the exporter goes at 40m
    rules = _rules(tmp_path, "jobs", SPEC)
    series = {'job_retries_total{job="jobs",instance="i1"}': "0+120x40 stale"}
    checks = [_firing("RetriesHigh", f"{m}m", 1) for m in range(20, 110)]
    assert _promtool(tmp_path, rules, "jobs", series, checks) == ""


def test_a_free_promql_counter_page_whose_exporter_goes_stays_one_page(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "jobs", SPEC)
    series = {'jobs_dropped_total{job="jobs",instance="i1"}': "0+120x40 stale"}
    checks = [_firing("DroppedHigh", f"{m}m", 1) for m in range(20, 110)]
    assert _promtool(tmp_path, rules, "jobs", series, checks) == ""


def test_one_instances_counter_page_whose_series_go_stays_one_page(tmp_path: Path) -> None:
    # split by instance: i1 at 2/s loses its counter at 40m while still scraped (an exporter failing on it), i2
    # reports a healthy 0.5/s; i1's page hands over to its vanished-instance twin
    rules = _rules(tmp_path, "jobs", SPEC)
    series = {
        'up{job="jobs",instance="i1"}': "1x110",
        'up{job="jobs",instance="i2"}': "1x110",
        'job_retries_total{job="jobs",instance="i1"}': "0+120x40 stale",
        'job_retries_total{job="jobs",instance="i2"}': "0+30x110",
    }
    checks = [_firing("RetriesHighOnOne", f"{m}m", 1) for m in range(20, 110)]
    assert _promtool(tmp_path, rules, "jobs", series, checks) == ""


def test_a_gauge_that_rates_a_counter_stays_one_page_too(tmp_path: Path) -> None:
    # free PromQL declared a gauge whose every window is a rate's fades the same way
    rules = _rules(tmp_path, "jobs", SPEC)
    series = {'jobs_requeued_total{job="jobs",instance="i1"}': "0+120x40 stale"}
    checks = [_firing("RequeuedHigh", f"{m}m", 1) for m in range(20, 110)]
    assert _promtool(tmp_path, rules, "jobs", series, checks) == ""


def test_only_rates_are_guarded() -> None:
    # a window that bridges a sparse series means to outlive its samples: no guard there
    assert rates_only("sum(rate(a[5m])) / sum(increase(b[1h]))")
    assert not rates_only("sum(rate(a[5m])) / sum(max_over_time(b[1h]))")
    assert not rates_only("sum(max_over_time(last_batch_success[1h]))")
