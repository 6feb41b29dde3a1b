"""A threshold bucket missing one scrape in six (a remote-write shard delivering it late, no staleness marker) is
still data in the latency SLI's records, not only in SLODataMissing: the series is not unbucketed, and the fine and
coarse request rates count it (round 46 let one missed sample through; hand mutants of round 46 reading one missed
sample as gone in the unbucketed record, or in the coarse tier's inline read, passed every test, the generated
cases asserting SLODataMissing alone). Inputs by hand, 1m steps, `_` for the missed sample (promtool)."""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: pay
team: core
selector: {job: pay}
metrics:
  latency: http_request_duration_seconds
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 300ms}}
"""
SEL = 'job="pay",instance="p1"'
LATE = "0 60 120 180 240 _ 360 420 480 540 600 _ 720 780 840 900 960 1020 1080 1140 1200"  # one a second, all fast


def _value(expr: str, at: str, value: float) -> dict[str, object]:
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": value}]}


def test_a_bucket_missing_one_scrape_in_six_is_counted_in_every_record(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "pay", SPEC)
    series = {
        f"up{{{SEL}}}": "1x20",
        f"http_request_duration_seconds_count{{{SEL}}}": "0+60x20",
        f'http_request_duration_seconds_bucket{{{SEL},le="+Inf"}}': "0+60x20",
        f'http_request_duration_seconds_bucket{{{SEL},le="0.3"}}': LATE,
    }
    own = '{service="pay",slo="latency"}'
    checks = []
    for at in ("6m", "12m", "13m"):  # a sample missed at 5m and 11m: each 5m window holds one missed scrape
        checks += [
            _value(f"count(slo:sli_unbucketed:series{own}) or vector(0)", at, 0),
            _value(f"sum(slo:sli_total:rate5m{own})", at, 1),
            _value(f"sum(slo:sli_errors:rate5m{own})", at, 0),
            _value(f"sum(slo:sli_total:coarse_rate5m{own})", at, 1),
        ]
    assert _promtool(tmp_path, rules, "pay", series, checks) == ""


def test_a_bucket_gone_without_a_marker_leaves_the_records_at_its_second_missed_scrape(tmp_path: Path) -> None:
    """Its last sample (9m) stays visible to an instant selector for 5m, which read every request as slow (round
    46). One missed scrape (10m) is still data; at the second (11m) the series is unbucketed and no SLI record
    counts it, neither as good nor as bad (a hand mutant keeping round 45's instant reading in the unbucketed
    record alone passed every test)."""
    rules = _rules(tmp_path, "pay", SPEC)
    series = {
        f"up{{{SEL}}}": "1x20",
        f"http_request_duration_seconds_count{{{SEL}}}": "0+60x20",
        f'http_request_duration_seconds_bucket{{{SEL},le="+Inf"}}': "0+60x20",
        f'http_request_duration_seconds_bucket{{{SEL},le="0.3"}}': "0+60x9",
    }
    own = '{service="pay",slo="latency"}'
    records = ("slo:sli_total:rate5m", "slo:sli_errors:rate5m", "slo:sli_total:coarse_rate5m")
    checks = [
        _value(f"count(slo:sli_unbucketed:series{own}) or vector(0)", "10m", 0),
        _value(f"sum(slo:sli_total:rate5m{own})", "10m", 1),
        _value(f"count(slo:sli_unbucketed:series{own}) or vector(0)", "11m", 1),
        *(_value(f"count({record}{own}) or vector(0)", at, 0) for record in records for at in ("11m", "14m")),
    ]
    assert _promtool(tmp_path, rules, "pay", series, checks) == ""
