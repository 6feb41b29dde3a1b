"""The p99 latency and error-rate alerts say when the series they read have none (round 21's known limit).

A histogram renamed by a deploy, dropped by a relabelling, or never written left ServiceHighLatencyP99 quiet
for good where no SLO read the same histogram; the same for ServiceHighErrorRate and the requests counter. They
now have a missing-data twin as CPU, memory and disk do: data="missing", held max(for, 10m), at the kind's most
urgent tier but a ticket where that pages (a restarted idle service has no labelled series either), only while the
service's targets report. It asks for the raw series by existence: an idle service
(counters standing still, the p99 record empty) stays quiet. Beside an SLO over the same series, whose
SLODataMissing says it already, there is none. Inputs written by hand, 1m steps (promtool)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.errors import InputError
from tests.conftest import require_tool
from tests.test_sli_semantics import ROUTING, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: api
team: core
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  latency: http_request_duration_seconds
alerts:
  latency_p99: {critical: 1s}
  error_rate: {critical: 5%}
"""
SLOS = """slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 250ms}}
"""
SEL = 'job="api",instance="i1"'
UP = {f"up{{{SEL}}}": "1x60"}
HISTOGRAM = "http_request_duration_seconds"


def _histogram(name: str, values: str) -> dict[str, str]:
    """A histogram's `0.25`, `1` and `+Inf` buckets and its `_count`, all at `values` (every request fast)."""
    out = {f'{name}_bucket{{{SEL},le="{le}"}}': values for le in ("0.25", "1", "+Inf")}
    out[f"{name}_count{{{SEL}}}"] = values
    return out


def _requests(name: str, values: str) -> dict[str, str]:
    return {f'{name}{{{SEL},code="200"}}': values}


def _missing(alert: str, at: str, count: int, severity: str = "warning") -> dict[str, object]:
    labels = f'alertname="{alert}",alertstate="firing",data="missing",severity="{severity}"'
    return {"expr": f"count(ALERTS{{{labels}}}) or vector(0)", "eval_time": at, "exp_samples": [{"value": count}]}


def _firing(at: str, count: int, labels: str = 'alertstate="firing"') -> dict[str, object]:
    return {"expr": f"count(ALERTS{{{labels}}}) or vector(0)", "eval_time": at, "exp_samples": [{"value": count}]}


def _twins(rules: Path) -> list[tuple[str, str]]:
    groups = yaml.safe_load(rules.read_text())["groups"]
    found = [r for g in groups for r in g["rules"] if "alert" in r and r["labels"].get("data") == "missing"]
    found = [r for r in found if r["alert"] != names.SLO_DATA_MISSING]  # an SLO's own, labelled alike
    return sorted((r["alert"], r["labels"]["severity"]) for r in found)


def test_a_renamed_histogram_fires_the_latency_twin_at_the_ticket_tier(tmp_path: Path) -> None:
    # a deploy renamed the histogram: the spec's name has no series, the p99 alert reads nothing
    rules = _rules(tmp_path, "api", SPEC)
    series = {
        **UP,
        **_histogram("http_server_duration_seconds", "0+60x60"),
        **_requests("http_requests_total", "0+60x60"),
    }
    checks = [_missing("ServiceHighLatencyP99", at, n) for at, n in (("9m", 0), ("11m", 1))]
    checks.append(_missing("ServiceHighErrorRate", "30m", 0))  # its counter is there
    assert _promtool(tmp_path, rules, "api", series, checks) == ""


def test_a_renamed_requests_counter_fires_the_error_rate_twin(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "api", SPEC)
    series = {**UP, **_histogram(HISTOGRAM, "0+60x60"), **_requests("http_server_requests_total", "0+60x60")}
    checks = [_missing("ServiceHighErrorRate", at, n) for at, n in (("9m", 0), ("11m", 1))]
    checks.append(_missing("ServiceHighLatencyP99", "30m", 0))
    assert _promtool(tmp_path, rules, "api", series, checks) == ""


def test_an_idle_or_busy_service_stays_quiet(tmp_path: Path) -> None:
    # idle: every counter standing still, so the p99 is NaN and the record has no series; not missing data
    rules = _rules(tmp_path, "api", SPEC)
    idle = {**UP, **_histogram(HISTOGRAM, "7x60"), **_requests("http_requests_total", "7x60")}
    assert _promtool(tmp_path, rules, "api", idle, [_firing("40m", 0)]) == ""
    busy = {**UP, **_histogram(HISTOGRAM, "0+60x60"), **_requests("http_requests_total", "0+60x60")}
    assert _promtool(tmp_path, rules, "api", busy, [_firing("40m", 0)]) == ""


def test_targets_down_page_once_not_twice(tmp_path: Path) -> None:
    # every target down: its series go with it, and ServiceDown is the page; the twins wait for `up`
    rules = _rules(tmp_path, "api", SPEC)
    series = {f"up{{{SEL}}}": "0x60"}
    checks = [_firing("40m", 1), _firing("40m", 1, 'alertname="ServiceDown",alertstate="firing"')]
    assert _promtool(tmp_path, rules, "api", series, checks) == ""


def test_no_twin_beside_an_slo_over_the_same_series(tmp_path: Path) -> None:
    # the SLOs read the same histogram and counter: their SLODataMissing is the one ticket, no second alert
    rules = _rules(tmp_path, "api", SPEC + SLOS)
    assert _twins(rules) == []
    series = {**UP, **_requests("http_requests_total", "0+60x60")}  # the histogram gone
    checks = [_firing("40m", 1, 'alertstate="firing",data="missing"')]
    checks.append(_firing("40m", 1, f'alertname="{names.SLO_DATA_MISSING}",alertstate="firing",slo="latency"'))
    assert _promtool(tmp_path, rules, "api", series, checks) == ""


def test_an_slo_over_other_series_keeps_the_twin(tmp_path: Path) -> None:
    other = SLOS.replace("latency: latency, threshold", "latency: grpc, threshold").replace(
        "errors: errors, total: requests", "errors: grpc_failed, total: grpc_calls"
    )
    extra = "  grpc: grpc_server_handling_seconds\n  grpc_calls: grpc_server_handled_total\n"
    extra += '  grpc_failed: grpc_server_handled_total{grpc_code="Internal"}\n'
    spec = SPEC.replace("alerts:\n", "").replace("  latency_p99: {critical: 1s}\n  error_rate: {critical: 5%}\n", "")
    spec += extra + "alerts:\n  latency_p99: {critical: 1s}\n  error_rate: {critical: 5%}\n" + other
    rules = _rules(tmp_path, "api", spec)
    assert _twins(rules) == [("ServiceHighErrorRate", "warning"), ("ServiceHighLatencyP99", "warning")]


def test_missing_ignore_drops_the_twin(tmp_path: Path) -> None:
    spec = SPEC.replace("{critical: 1s}", "{critical: 1s, missing: ignore}")
    rules = _rules(tmp_path, "api", spec)
    assert _twins(rules) == [("ServiceHighErrorRate", "warning")]


def test_missing_on_free_promql_requests_is_refused(tmp_path: Path) -> None:
    # an expression has no series of its own to ask for: no twin, so `missing:` would change nothing
    rate = "{expr: 'sum(rate(http_requests_total{$selector}[$window]))'}"
    spec = SPEC.replace("requests: http_requests_total", f"requests: {rate}")
    spec = spec.replace(
        'errors: http_requests_total{code=~"5.."}', "errors: {expr: 'sum(rate(http_errors_total{$selector}[$window]))'}"
    )
    spec = spec.replace("{critical: 5%}", "{critical: 5%, missing: ignore}")
    (tmp_path / "api.yaml").write_text(spec + ROUTING)
    with pytest.raises(InputError, match=r"alerts\.error_rate\.missing: error_rate: metrics\.requests is free PromQL"):
        compile_specs([str(tmp_path)])


def _generated(tmp_path: Path, spec: str) -> dict[str, str]:
    (tmp_path / "api.yaml").write_text(spec + ROUTING)
    return {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}


def _run_generated(tmp_path: Path, files: dict[str, str], rules: str | None = None) -> subprocess.CompletedProcess[str]:
    """promtool on the service's main and twins test files (`rules`: the rule file's text in their place)."""
    out = tmp_path / "out"
    for path, text in files.items():
        if path.startswith("prometheus/"):
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            (out / path).write_text(text)
    if rules is not None:
        (out / names.prometheus_rules_path("api")).write_text(rules)
    tests = [str(out / names.promtool_test_path("api", part)) for part in ("", "twins")]
    return subprocess.run([require_tool("promtool"), "test", "rules", *tests], capture_output=True, text=True)


def test_the_generated_cases_pin_each_twin(tmp_path: Path) -> None:
    files = _generated(tmp_path, SPEC)
    main = files[names.promtool_test_path("api", "")]
    assert "raw series there standing still (idle) or counting, stays quiet" in main
    assert (
        "ServiceHighErrorRate (10m hold), ServiceHighLatencyP99 (10m hold)"
        in files[names.promtool_test_path("api", "twins")]
    )
    done = _run_generated(tmp_path, files)
    assert done.returncode == 0, done.stdout + done.stderr
    # a twin without its `up` guard fires for a service nobody scrapes (scaled to zero): the cases say so
    rules = files[names.prometheus_rules_path("api")]
    guard = '\n          and on ()\n          sum(up{job="api"}) > 0\n        for: "10m"'
    assert rules.count(guard) == 2
    unguarded = rules.replace(guard, '\n        for: "10m"')
    failed = _run_generated(tmp_path, files, unguarded)
    assert failed.returncode != 0 and "ServiceHighLatencyP99" in failed.stdout + failed.stderr


def test_a_paging_alerts_twin_tickets(tmp_path: Path) -> None:
    """The alerts page; their twins ticket (routed to the ticket receiver): no series after a restart with no
    request yet is healthy, and "this alert cannot see" is reviewed soon, as SLODataMissing is."""
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir(), (tmp_path / "c").mkdir()
    rules = _rules(tmp_path / "a", "api", SPEC)
    assert _twins(rules) == [("ServiceHighErrorRate", "warning"), ("ServiceHighLatencyP99", "warning")]
    groups = yaml.safe_load(rules.read_text())["groups"]
    pages = {r["alert"] for g in groups for r in g["rules"] if r.get("labels", {}).get("severity") == "critical"}
    assert {"ServiceHighLatencyP99", "ServiceHighErrorRate"} <= pages  # the alerts themselves still page
    rows = _generated(tmp_path / "b", SPEC)["alertmanager/routing-tests.yaml"]
    twin_rows = [line for line in rows.splitlines() if '"data": "missing"' in line and "ServiceHigh" in line]
    assert twin_rows and all('"severity": "warning"' in r and '-warning"]' in r for r in twin_rows), twin_rows
    ticket_only = SPEC.replace("{critical: 1s}", "{warning: 1s}").replace("{critical: 5%}", "{warning: 5%}")
    assert _twins(_rules(tmp_path / "c", "api", ticket_only)) == [
        ("ServiceHighErrorRate", "warning"),
        ("ServiceHighLatencyP99", "warning"),
    ]


def test_the_runbook_says_it(tmp_path: Path) -> None:
    page = _generated(tmp_path, SPEC)["runbooks/api/ServiceHighLatencyP99.md"]
    assert "**Missing data fires too**" in page and "`http_request_duration_seconds_bucket` or `_count`" in page
    assert "at the warning tier" in page
    covered = _generated(tmp_path, SPEC + SLOS)["runbooks/api/ServiceHighLatencyP99.md"]
    assert "Missing data fires too" not in covered  # the latency SLO's SLODataMissing says it


def test_the_twins_file_keeps_raw_series_apart_from_records_they_feed(tmp_path: Path) -> None:
    # a threshold alert on the requests rate reads a record of the counter the error-rate twin's timeline feeds: side
    # by side in one group, that record was both fed and derived (promtool: duplicate sample; drawn fleet seed 3)
    spec = SPEC + "threshold_alerts:\n- {name: TrafficLow, metric: requests, below: 5/m, for: 1m}\n"
    done = _run_generated(tmp_path, _generated(tmp_path, spec))
    assert done.returncode == 0, done.stdout + done.stderr
