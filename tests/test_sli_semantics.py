"""What the generated rules do on inputs written here by hand from first principles, not by obsc's own test
generator (which shares the model's assumptions): found by hunts on specs unlike examples/. Each case runs
the compiled rule file through `promtool test rules` with inputs a real scrape would produce."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.errors import InputError
from tests.promtool_helpers import promtool_report, rules_checked_by

ROUTING = """routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


def _rules(tmp_path: Path, service: str, spec: str) -> Path:
    (tmp_path / f"{service}.yaml").write_text(spec + ROUTING)
    bundle = compile_specs([str(tmp_path)]).bundle
    path = names.prometheus_rules_path(service)
    rules = tmp_path / "rules.yaml"
    rules.write_text(next(a.content for a in bundle.artifacts if a.path == path))
    return rules


def _promtool(
    tmp_path: Path,
    rules: Path,
    service: str,
    series: dict[str, str],
    exprs: list[dict[str, object]],
    history: tuple[dict[str, str], ...] = (),
) -> str:
    """promtool's report on `exprs` (expression tests) over `series` (selector → values at 1m steps); '' if
    they pass. `history`: promtool_helpers.promtool_report's recorded_for_a_month."""
    # the alerts the checks name and the records they read: promtool evaluates every rule at every step up
    # to the last check, and the rest (often most of the file) only cost time
    checked = rules_checked_by(rules.read_text(), [str(e["expr"]) for e in exprs])
    (tmp_path / "checked.yaml").write_text(checked)
    kept = {g["name"] for g in yaml.safe_load(checked)["groups"]}
    order = [g for g in (f"obsc-{service}-slo", f"obsc-{service}-key", f"obsc-{service}-coarse") if g in kept]
    return promtool_report(
        tmp_path, "checked.yaml", series, exprs, group_eval_order=order, recorded_for_a_month=history
    )


def _firing(alert: str, at: str, count: int) -> dict[str, object]:
    expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing"}}) or vector(0)'
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": count}]}


def _value(expr: str, at: str, labels: str, value: float) -> dict[str, object]:
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": labels, "value": value}]}


GOOD_TOTAL = """apiVersion: obsc/v1
service: gt
team: core
selector: {job: gt}
metrics: {requests: http_requests_total, good: 'http_requests_total{code=~"2.."}'}
slos: [{name: availability, objective: 99, sli: {good: good, total: requests}}]
"""


def test_a_good_total_sli_reads_an_outage_without_good_series_as_all_bad(tmp_path: Path) -> None:
    # A fresh pod failing every request never creates its code="200" series: no good events, not no data.
    rules = _rules(tmp_path, "gt", GOOD_TOTAL)
    series = {'http_requests_total{job="gt",code="500"}': "0+60x180", 'up{job="gt"}': "1x180"}
    ratio = 'slo:sli_error:ratio_rate5m{service="gt",slo="availability",window="5m"}'
    report = _promtool(
        tmp_path, rules, "gt", series, [_value(ratio, "30m", ratio, 1), _firing(names.SLO_BURN_FAST, "30m", 2)]
    )
    assert report == ""
    # ...while a healthy service with both series reads 0 and pages nobody.
    healthy = {'http_requests_total{job="gt",code="200"}': "0+60x180", 'up{job="gt"}': "1x180"}
    checks = [_value(ratio, "30m", ratio, 0), _firing(names.SLO_BURN_FAST, "30m", 0)]
    assert _promtool(tmp_path, rules, "gt", healthy, checks) == ""


MS_HISTOGRAM = """apiVersion: obsc/v1
service: rpc
team: core
selector: {job: rpc}
metrics:
  latency: {selector: rpc_duration_milliseconds, type: histogram, unit: ms}
slos: [{name: latency, objective: 99, sli: {latency: latency, threshold: 1s}}]
alerts: {traffic_anomaly: false, latency_p99: {critical: 2s}}
"""


def _buckets(le_counts: dict[str, str]) -> dict[str, str]:
    out = {f'rpc_duration_milliseconds_bucket{{job="rpc",le="{le}"}}': v for le, v in le_counts.items()}
    return {**out, 'rpc_duration_milliseconds_count{job="rpc"}': le_counts["+Inf"], 'up{job="rpc"}': "1x180"}


def test_a_millisecond_histogram_is_read_in_its_own_unit(tmp_path: Path) -> None:
    # 1s is the bucket le="1000" of a `unit: ms` histogram (read as le="1" it was the 1 ms bucket, and every
    # request of a healthy service failed the SLO); quantiles are recorded in seconds for the p99 alert.
    rules = _rules(tmp_path, "rpc", MS_HISTOGRAM)
    ratio = 'slo:sli_error:ratio_rate5m{service="rpc",slo="latency",window="5m"}'
    p99 = f'{names.SERVICE_LATENCY_P99}{{service="rpc"}}'
    fast = {
        "10": "0x180",
        "50": "0+60x180",
        "1000": "0+60x180",
        "5000": "0+60x180",
        "+Inf": "0+60x180",
    }  # every request in ~20 ms
    checks = [
        _value(ratio, "30m", ratio, 0),
        _firing(names.SLO_BURN_FAST, "30m", 0),
        _firing("ServiceHighLatencyP99", "30m", 0),
    ]
    assert _promtool(tmp_path, rules, "rpc", _buckets(fast), checks) == ""
    near = _value(f"abs({p99} - 0.0496) < bool 1e-9", "30m", '{service="rpc"}', 1)  # 49.6 ms, in seconds
    assert _promtool(tmp_path, rules, "rpc", _buckets(fast), [near]) == ""
    slow = {"10": "0x180", "50": "0x180", "1000": "0x180", "5000": "0x180", "+Inf": "0+60x180"}  # all over 5 s
    checks = [
        _value(ratio, "30m", ratio, 1),
        _firing(names.SLO_BURN_FAST, "30m", 2),
        _firing("ServiceHighLatencyP99", "30m", 1),
    ]
    assert _promtool(tmp_path, rules, "rpc", _buckets(slow), checks) == ""


def test_a_histogram_in_another_unit_cannot_be_a_latency(tmp_path: Path) -> None:
    spec = MS_HISTOGRAM.replace("unit: ms", "unit: bytes")
    (tmp_path / "rpc.yaml").write_text(spec + ROUTING)
    with pytest.raises(InputError) as caught:
        compile_specs([str(tmp_path)])
    shown = sorted(str(d).replace(str(tmp_path) + "/", "") for d in caught.value.diagnostics)
    assert [line.split(" ", 2)[:2] for line in shown] == [
        ["rpc.yaml:6:12", "$.metrics.latency:"],
        ["rpc.yaml:7:54", "$.slos[0].sli.latency:"],
    ]
    assert all("declares unit 'bytes'" in line and "ms, µs, ns (none means seconds)" in line for line in shown)


RAW_INCREASE = """apiVersion: obsc/v1
service: rw
team: core
selector: {job: rw}
targets: false
slos:
  - name: availability
    objective: 99.9
    sli:
      raw:
        errors: 'sum(increase(jobs_total{$selector,result="failed"}[$window]))'
        total: 'sum(increase(jobs_total{$selector}[$window]))'
"""


def test_a_raw_sli_counting_with_increase_keeps_min_bad_events_in_events(tmp_path: Path) -> None:
    # Found by a hunt: increase() gives events per window, and the min_bad_events guard multiplies the recorded
    # value by the window's seconds, so one failed job of a job every 10 minutes read as 3,600 and paged.
    # increase() is rate() times the window exactly: obsc reads it as rate().
    rules = _rules(tmp_path, "rw", RAW_INCREASE)
    assert (
        "increase(" not in rules.read_text() and 'rate(jobs_total{job="rw",result="failed"}[1h])' in rules.read_text()
    )
    jobs = {
        'jobs_total{job="rw",result="ok"}': " ".join(str(i // 10) for i in range(180)),
        'jobs_total{job="rw",result="failed"}': "0x30 " + " ".join("1" for _ in range(149)),
    }
    errors = 'slo:sli_errors:rate1h{service="rw",slo="availability",window="1h"}'
    one = _value(f"{errors} * 3600", "70m", '{service="rw",slo="availability",window="1h"}', 1)
    # (the 1d and 3d tickets' guard still extrapolates the first hour of history over the day: a known gap,
    # README "Known limits")
    assert _promtool(tmp_path, rules, "rw", jobs, [_firing(names.SLO_BURN_FAST, "70m", 0)]) == ""
    assert _promtool(tmp_path, rules, "rw", jobs, [one]) == ""  # one failed job in the hour, not 3,600


PERCENT = """apiVersion: obsc/v1
service: worker
team: core
selector: {job: worker}
metrics:
  cpu: {selector: process_cpu_percent, type: gauge, unit: percent}
  used: {selector: disk_used_percent, type: gauge, unit: percent}
threshold_alerts:
  - {name: DiskUsed, metric: used, above: 92.5%, for: 5m}
"""


def test_gauges_in_percent_are_read_as_shares_and_not_added_up(tmp_path: Path) -> None:
    # Found by hunts: `unit: percent` CPU (0-100) was compared with the 0-1 line 0.8, so 45% CPU fired
    # "4500%"; two disks at 50% each were summed to 100% and fired DiskUsed.
    rules = _rules(tmp_path, "worker", PERCENT)
    healthy = {
        'process_cpu_percent{job="worker",instance="a"}': "45x60",
        'disk_used_percent{job="worker",instance="a"}': "50x60",
        'disk_used_percent{job="worker",instance="b"}': "50x60",
        'up{job="worker"}': "1x60",
    }
    checks = [_firing("ServiceCPUSaturation", "40m", 0), _firing("DiskUsed", "40m", 0)]
    assert _promtool(tmp_path, rules, "worker", healthy, checks) == ""
    busy = {**healthy, 'process_cpu_percent{job="worker",instance="a"}': "95x60"}
    assert _promtool(tmp_path, rules, "worker", busy, [_firing("ServiceCPUSaturation", "40m", 1)]) == ""


GROUPED = """apiVersion: obsc/v1
service: fern
team: core
selector: {job: fern}
metrics: {requests: fern_requests_total, outcome: OUTCOME_total}
slos: [{name: per-route, objective: 99.9, by: [route], sli: {KIND: outcome, total: requests}}]
"""


def _grouped(tmp_path: Path, kind: str) -> Path:
    outcome = "fern_successes" if kind == "good" else "fern_failures"
    return _rules(tmp_path, "fern", GROUPED.replace("KIND", kind).replace("OUTCOME", outcome))


def _fern(routes: dict[str, str], outcome: dict[str, str]) -> dict[str, str]:
    """Requests per route (labels → values) and the good or bad counter's series (selector → values)."""
    series = {f'fern_requests_total{{job="fern",instance="f1",route="{r}"}}': v for r, v in routes.items()}
    return {**series, **outcome, 'up{job="fern",instance="f1"}': "1x180"}


def test_a_grouped_good_counter_without_the_group_label_pages_no_group_and_says_its_data_is_missing(
    tmp_path: Path,
) -> None:
    # Found by a hunt: sum by (route) of a good counter without `route` is one series route="", which matches no
    # route's total; every route fell back to "no good series: all bad" and a healthy service paged per route.
    rules = _grouped(tmp_path, "good")
    unlabelled = {'fern_successes_total{job="fern",instance="f1"}': "0+600x180"}
    healthy = _fern({"/a": "0+300x180", "/b": "0+300x180"}, unlabelled)
    checks = [_firing(names.SLO_BURN_FAST, "60m", 0), _firing(names.SLO_DATA_MISSING, "60m", 1)]
    assert _promtool(tmp_path, rules, "fern", healthy, checks) == ""
    # Labelled right, the same traffic has data and pages nobody...
    labelled = {f'fern_successes_total{{job="fern",instance="f1",route="{r}"}}': "0+300x180" for r in ("/a", "/b")}
    fine = _fern({"/a": "0+300x180", "/b": "0+300x180"}, labelled)
    checks = [_firing(names.SLO_BURN_FAST, "60m", 0), _firing(names.SLO_DATA_MISSING, "60m", 0)]
    assert _promtool(tmp_path, rules, "fern", fine, checks) == ""
    # ...and a new route failing every request (no good series of its own yet) still reads all bad and pages:
    # both page pairs, for /c alone.
    fresh = _fern({"/a": "0+300x180", "/c": "0+60x180"}, {next(iter(labelled)): "0+300x180"})
    ratio = 'slo:sli_error:ratio_rate5m{service="fern",slo="per-route",window="5m",route="/c"}'
    checks = [
        _value(ratio, "30m", ratio, 1),
        _firing(names.SLO_BURN_FAST, "30m", 2),
        _value(f'count(ALERTS{{alertname="{names.SLO_BURN_FAST}",route="/c",alertstate="firing"}})', "30m", "{}", 2),
        _firing(names.SLO_DATA_MISSING, "30m", 0),
    ]
    assert _promtool(tmp_path, rules, "fern", fresh, checks) == ""


def test_a_grouped_errors_counter_without_the_group_label_says_its_data_is_missing(tmp_path: Path) -> None:
    # Found by a hunt: the failures of /a counted for no route, every route read 0 errors and nothing said so.
    rules = _grouped(tmp_path, "errors")
    failing = _fern(
        {"/a": "0+12x180", "/b": "0+588x180"}, {'fern_failures_total{job="fern",instance="f1"}': "0x30 0+12x150"}
    )
    assert _promtool(tmp_path, rules, "fern", failing, [_firing(names.SLO_DATA_MISSING, "60m", 1)]) == ""
    labelled = {'fern_failures_total{job="fern",instance="f1",route="/a"}': "0x30 0+12x150"}
    paged = _fern({"/a": "0+12x180", "/b": "0+588x180"}, labelled)
    checks = [
        _value(f'count(ALERTS{{alertname="{names.SLO_BURN_FAST}",route="/a",alertstate="firing"}})', "60m", "{}", 2),
        _firing(names.SLO_DATA_MISSING, "60m", 0),
    ]
    assert _promtool(tmp_path, rules, "fern", paged, checks) == ""
