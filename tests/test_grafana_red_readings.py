"""The service dashboard's "Error ratio" panel reads what ServiceHighErrorRate compares.

Client libraries create a labelled series (`code="500"`) on its first event, so a healthy service often has no
errors series at all. The alert's recorded ratio reads that as 0 failures (`errors or 0 * requests`) and no
traffic as no ratio (`requests > 0`); the panel divided the two rates as they were, so a healthy service's
panel showed no data at all, and an idle one NaN (0/0). promtool evaluates the panel's query (Grafana's
`$__rate_interval` as the alert's 5m) beside the alert's recorded ratio on the same series.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.types import AlertKind
from tests.conftest import ROOT
from tests.promtool_helpers import promtool_report

SPEC = """apiVersion: obsc/v1
service: NAME
team: core
selector: {job: NAME}
metrics:
  requests: NAME_requests_total
  errors: NAME_requests_total{code=~"5.."}
alerts:
  error_rate: {warning: 2%}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
# service → its series (1m steps) and the error ratio both must read at 30m (None: no value at all)
CASES: dict[str, tuple[dict[str, str], float | None]] = {
    "healthy": ({'healthy_requests_total{job="healthy",code="200"}': "0+60x40"}, 0.0),
    "failing": (
        {
            'failing_requests_total{job="failing",code="200"}': "0+45x40",
            'failing_requests_total{job="failing",code="500"}': "0+15x40",
        },
        0.25,
    ),
    "idle": (  # its failures of yesterday: a series that stays, 0/0 over the window
        {'idle_requests_total{job="idle",code="200"}': "100x40", 'idle_requests_total{job="idle",code="500"}': "3x40"},
        None,
    ),
}


def test_the_error_ratio_panel_reads_what_the_error_rate_alert_compares(tmp_path: Path) -> None:
    for name in CASES:
        (tmp_path / f"{name}.yaml").write_text(SPEC.replace("NAME", name))
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    rules: list[str] = []
    series: dict[str, str] = {}
    checks: list[dict[str, object]] = []
    for name, (inputs, expected) in CASES.items():
        (tmp_path / f"{name}.rules.yaml").write_text(files[names.prometheus_rules_path(name)])
        rules.append(f"{name}.rules.yaml")
        series.update(inputs)
        board = json.loads(files[names.grafana_dashboard_path("core", name, names.SERVICE_DASHBOARD)])
        panel = next(p for p in board["panels"] if p["id"] == names.KEY_PANEL_IDS[AlertKind.ERROR_RATE])
        assert panel["title"] == "Error ratio"
        panel_expr = panel["targets"][0]["expr"].replace("$__rate_interval", "5m")
        alert_expr = f'{names.SERVICE_ERROR_RATIO}{{service="{name}"}}'
        recorded = f'{{__name__="{names.SERVICE_ERROR_RATIO}",service="{name}"}}'
        for expr, labels in ((panel_expr, "{}"), (alert_expr, recorded)):
            samples = [] if expected is None else [{"labels": labels, "value": expected}]
            checks.append({"expr": expr, "eval_time": "30m", "exp_samples": samples})
    report = promtool_report(tmp_path, rules, series, checks, "1m")
    assert report == "", report[-6000:]


def test_the_example_standard_dashboard_plots_the_same_error_ratio() -> None:
    """examples/lib/golden-signals.jsonnet divided `errors.rate` by `requests.rate` itself; it now plots the
    argument's `error_ratio`, the service dashboard's query."""
    files = {a.path: a.content for a in compile_specs([str(ROOT / "examples")]).bundle.artifacts}
    shown = {}
    for dashboard, title in ((names.SERVICE_DASHBOARD, "Error ratio"), ("golden-signals", "Errors")):
        board = json.loads(files[names.grafana_dashboard_path("payments", "checkout", dashboard)])
        shown[dashboard] = [t["expr"] for p in board["panels"] if p.get("title") == title for t in p["targets"]]
    assert shown["golden-signals"] == shown[names.SERVICE_DASHBOARD], shown
    assert " or 0 * " in shown["golden-signals"][0]


ANOMALY = """apiVersion: obsc/v1
service: shop
team: core
selector: {job: shop}
metrics:
  requests: shop_requests_total
alerts:
  traffic_anomaly: {warning: 50%}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_the_unusual_traffic_alert_opens_a_panel_of_the_two_rates_it_compares(tmp_path: Path) -> None:
    """ServiceUnusualTraffic compares the last hour's mean request rate with the same hour's a week ago, and its
    link opens the Request rate panel, which plotted the rate now alone: a drop to a third read as a quiet hour.
    The panel plots both means; promtool checks they are the alert's: their quotient is the value it fires with."""
    (tmp_path / "shop.yaml").write_text(ANOMALY)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    board = json.loads(files[names.grafana_dashboard_path("core", "shop", names.SERVICE_DASHBOARD)])
    panel = next(p for p in board["panels"] if p["id"] == names.KEY_PANEL_IDS[AlertKind.TRAFFIC_ANOMALY])
    assert panel["title"] == "Request rate"
    plotted = {t["legendFormat"]: t["expr"] for t in panel["targets"]}
    assert {"requests/s", "last hour's mean", "same hour a week ago"} <= set(plotted), plotted
    rules = yaml.safe_load(files[names.prometheus_rules_path("shop")])
    [alert] = [r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "ServiceUnusualTraffic"]
    week = 7 * 24 * 60  # minutes: 30/s for a week and an hour, then a third of that for the last hour
    series = {f'{names.SERVICE_REQUESTS_RATE}{{service="shop"}}': f"30x{week + 60} 10x60"}
    now, then = plotted["last hour's mean"], plotted["same hour a week ago"]
    checks = [
        {"expr": now, "eval_time": f"{week + 121}m", "exp_samples": [{"labels": '{service="shop"}', "value": 10}]},
        {"expr": then, "eval_time": f"{week + 121}m", "exp_samples": [{"labels": '{service="shop"}', "value": 30}]},
        {
            "expr": alert["expr"],
            "eval_time": f"{week + 121}m",
            "exp_samples": [{"labels": '{service="shop"}', "value": 1 / 3}],
        },
    ]
    report = promtool_report(tmp_path, (), series, checks, "1m")
    assert report == "", report[-6000:]


def test_the_milestone_alert_opens_a_panel_with_the_record_it_compares(tmp_path: Path) -> None:
    """ServiceTrafficMilestone fires when the last hour's highest 5m rate tops the 7 days before it; the panel its
    link opens draws that record, which a day's view of the rate does not show."""
    (tmp_path / "shop.yaml").write_text(ANOMALY.replace("{warning: 50%}", "false"))
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    board = json.loads(files[names.grafana_dashboard_path("core", "shop", names.SERVICE_DASHBOARD)])
    panel = next(p for p in board["panels"] if p["id"] == names.KEY_PANEL_IDS[AlertKind.TRAFFIC_MILESTONE])
    plotted = {t["legendFormat"]: t["expr"] for t in panel["targets"]}
    assert set(plotted) == {"requests/s", "7-day record"}, plotted
    rules = yaml.safe_load(files[names.prometheus_rules_path("shop")])
    [alert] = [r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "ServiceTrafficMilestone"]
    # 10/s for a week and an hour, then 30/s: in 10-minute steps (a week of minutes is more samples than promtool
    # lets one query load)
    week = 7 * 24 * 6
    series = {f'{names.SERVICE_REQUESTS_RATE}{{service="shop"}}': f"10x{week + 6} 30x6"}
    at = f"{(week + 12) * 10}m"
    checks = [
        {
            "expr": plotted["7-day record"],
            "eval_time": at,
            "exp_samples": [{"labels": '{service="shop"}', "value": 10}],
        },
        {"expr": alert["expr"], "eval_time": at, "exp_samples": [{"labels": '{service="shop"}', "value": 30}]},
    ]
    report = promtool_report(tmp_path, (), series, checks, "10m", input_interval="10m")
    assert report == "", report[-6000:]


LATENCY = """apiVersion: obsc/v1
service: slow
team: core
selector: {job: slow}
metrics:
  requests: slow_requests_total
  latency: slow_duration_seconds
alerts:
  latency_p99: {warning: 800ms}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_the_latency_panel_reads_the_p99_the_latency_alert_compares_without_an_inf_bucket(tmp_path: Path) -> None:
    """Found by a hunt (round 31): the p99 alert reads `_count` as the `+Inf` bucket where a histogram has none (a
    relabelling kept `le=~"0.1|0.25|1"`), but the Latency panel its link opens summed the plain buckets, which
    histogram_quantile reads as NaN: the page fired on every request taking 5s and opened a panel with no line.
    promtool evaluates the panel's p99 (`$__rate_interval` as the alert's 5m) beside the alert's recorded p99."""
    (tmp_path / "slow.yaml").write_text(LATENCY)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    (tmp_path / "slow.rules.yaml").write_text(files[names.prometheus_rules_path("slow")])
    board = json.loads(files[names.grafana_dashboard_path("core", "slow", names.SERVICE_DASHBOARD)])
    panel = next(p for p in board["panels"] if p["id"] == names.KEY_PANEL_IDS[AlertKind.LATENCY_P99])
    assert panel["title"] == "Latency"
    p99 = next(t["expr"] for t in panel["targets"] if t["legendFormat"] == "p99").replace("$__rate_interval", "5m")
    series = {f'slow_duration_seconds_bucket{{job="slow",le="{le}"}}': "0x40" for le in ("0.1", "0.25", "1")}
    series['slow_duration_seconds_count{job="slow"}'] = "0+60x40"  # every request above the last bucket
    recorded = '{__name__="service:latency_seconds:p99_rate5m",service="slow"}'
    checks = [
        {"expr": p99, "eval_time": "30m", "exp_samples": [{"labels": "{}", "value": 1}]},
        {
            "expr": 'service:latency_seconds:p99_rate5m{service="slow"}',
            "eval_time": "30m",
            "exp_samples": [{"labels": recorded, "value": 1}],
        },
    ]
    report = promtool_report(tmp_path, ["slow.rules.yaml"], series, checks, "1m")
    assert report == "", report[-6000:]
