"""The panels an on-call opens during an incident show the thing that fired, not the last recorded figures.

Round 40, promtool evaluating each panel's own query beside the generated rules:
- the fleet table's "Budget left" and "Burn rate" and "Lowest error budgets left" kept a stopped SLO's last budget
  (green) for the rest of its period, while "SLOs without data" counted it: the table now reads "no data now"
  (a NaN the table maps to text) and its burn rate and lowest-budget line end, in a fleet with and without
  grouped SLOs;
- a latency SLO whose histogram lacks the threshold bucket fires SLODataMissing and opens "SLI events", whose lines
  read no events at all while the service is busy: the panel now plots the requests the SLI cannot count.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.alerts import service_alerts
from compiler.targets import links
from compiler.targets.grafana import fleet
from tests.promtool_helpers import promtool_report, rules_read_by

SPEC = """apiVersion: obsc/v1
service: api
team: web
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.99, by: [tenant], sli: {errors: errors, total: requests}}
  - {name: whole, objective: 99.5, period: 1d, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
UNGROUPED = SPEC.replace("by: [tenant], ", "")


def _fleet_files(tmp_path: Path, spec: str) -> tuple[dict[str, Any], dict[str, str]]:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("fed", "stopped"):
        text = spec.replace("service: api", f"service: {name}").replace("job: api", f"job: {name}")
        (specs / f"{name}.yaml").write_text(text)
    files = {a.path: a.content for a in compile_specs([str(specs)]).bundle.artifacts}
    rules = {name: files[names.prometheus_rules_path(name)] for name in ("fed", "stopped")}
    return json.loads(files[names.GRAFANA_FLEET_PATH]), rules


def _exprs(board: dict[str, Any], panel_id: int) -> dict[str, str]:
    panel = next(p for p in board["panels"] if p["id"] == panel_id)
    return {t["legendFormat"]: t["expr"].replace('"$service"', '".*"') for t in panel["targets"]}


def _rows(expr: str, at: str, services: tuple[str, ...], slos: tuple[str, ...]) -> dict[str, object]:
    samples = [{"labels": f'{{service="{s}", slo="{o}"}}', "value": 1} for s in services for o in slos]
    return {"expr": f"group by (service, slo) ({expr})", "eval_time": at, "exp_samples": samples}


@pytest.mark.parametrize("spec", [SPEC, UNGROUPED], ids=["grouped", "ungrouped"])
def test_the_fleet_reads_no_data_now_for_an_slo_whose_data_stopped(tmp_path: Path, spec: str) -> None:
    """`stopped`'s series end at 3h: at 2h both services' budgets and burn rates are numbers; at 5h30m `stopped`'s
    budget is NaN ("no data now") and its burn rate and lowest-budget line are gone, `fed`'s stay. Before: at
    5h30m `stopped` read its last recorded budgets (-16293% and -228%, as if current; a stopped service that had not
    failed read 100%, green) and kept its lines in "lowest budgets"; at 3h30m, its data 30 minutes gone, "Burning
    over 1x" still counted its two SLOs (4, not 2)."""
    board, rules = _fleet_files(tmp_path, spec)
    table, lowest = _exprs(board, fleet.TABLE_ID), _exprs(board, fleet.LOWEST_BUDGETS_ID)
    burning = next(iter(_exprs(board, fleet.BURNING_ID).values()))
    budget = table[f"{fleet.BUDGET} %"]
    burn = next(expr for legend, expr in table.items() if legend.startswith(fleet.BURN))
    slos = ("availability", "whole")
    series = {
        'http_requests_total{job="fed", code="200", tenant="a"}': "0+60x330",
        'http_requests_total{job="fed", code="500", tenant="a"}': "0+1x330",
        'http_requests_total{job="stopped", code="200", tenant="a"}': "0+60x180 _x150",
        'http_requests_total{job="stopped", code="500", tenant="a"}': "0+1x180 _x150",
    }
    both, fed = ("fed", "stopped"), ("fed",)
    checks = [
        _rows(f"{budget} > -Inf", "2h", both, slos),  # a number: NaN > -Inf is false
        _rows(burn, "2h", both, slos),
        _rows(f"{budget} > -Inf", "5h30m", fed, slos),
        _rows(f"{budget} != {budget}", "5h30m", ("stopped",), slos),  # NaN only: NaN != NaN
        _rows(burn, "5h30m", fed, slos),
        _rows(burn, "3h30m", fed, slos),  # blank 30 minutes in, while its current window still holds data
        _rows(lowest["{{service}} / {{slo}}"], "5h30m", fed, slos),
        # both services burn (1 failure in 61: 16x the 99.99%, 3.3x the 99.5%): `stopped` counted at 2h, not at 3h30m
        {"expr": burning, "eval_time": "2h", "exp_samples": [{"labels": "{}", "value": 4}]},
        {"expr": burning, "eval_time": "3h30m", "exp_samples": [{"labels": "{}", "value": 2}]},
    ]
    read = [str(check["expr"]) for check in checks]
    for name, text in rules.items():  # only the records the panels read
        (tmp_path / f"{name}.rules.yaml").write_text(rules_read_by(text, read))
    report = promtool_report(tmp_path, [f"{name}.rules.yaml" for name in rules], series, checks, "1m")
    assert report == "", report[-4000:]
    mappings = next(p for p in board["panels"] if p["id"] == fleet.TABLE_ID)["fieldConfig"]["defaults"]["mappings"]
    assert {"type": "special", "options": {"match": "nan", "result": {"color": "orange", "text": "no data now"}}} in (
        mappings
    )


LATENCY = """apiVersion: obsc/v1
service: api
team: web
selector: {job: api}
metrics:
  latency: http_request_duration_seconds
slos:
  - {name: fast, objective: 99, by: [route], sli: {latency: latency, threshold: 250ms}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_a_histogram_without_the_threshold_bucket_shows_its_requests_on_the_panel_the_ticket_opens(
    tmp_path: Path,
) -> None:
    """Route /b's histogram has buckets 0.1, 0.5, +Inf (no 0.25): SLODataMissing fires for it at 30m and opens "SLI
    events", which now plots /b's 2 requests/s the SLI counts neither way (before: the panel showed /a's events
    only, nothing of /b, so the ticket's cause was nowhere on the page)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "api.yaml").write_text(LATENCY)
    compilation = compile_specs([str(specs)])
    files = {a.path: a.content for a in compilation.bundle.artifacts}
    service = compilation.fleet.services[0]
    alert = next(a for a in service_alerts(service) if a.data_missing)
    url = links.alert_dashboard_url(compilation.fleet.platform, service, alert)
    board = json.loads(files[names.grafana_dashboard_path("web", "api", names.SERVICE_DASHBOARD)])
    opened = int(parse_qs(urlsplit(url).query)["viewPanel"][0])
    panel = next(p for p in board["panels"] if p["id"] == opened)
    exprs = {
        t["legendFormat"]: t["expr"].replace('"$route"', '".*"').replace("$__rate_interval", "5m")
        for t in panel["targets"]
    }
    unseen = exprs["{{route}} requests/s without the le=0.25 bucket (not counted)"]
    (tmp_path / "api.yaml").write_text(
        rules_read_by(files[names.prometheus_rules_path("api")], list(exprs.values()), lambda r: "alert" in r)
    )
    series = {'up{job="api", instance="api-1"}': "1x60"}
    for route, bounds in (("/a", ("0.1", "0.25", "+Inf")), ("/b", ("0.1", "0.5", "+Inf"))):
        for le in bounds:
            series[f'http_request_duration_seconds_bucket{{job="api", route="{route}", le="{le}"}}'] = "0+120x60"
    firing = 'ALERTS{alertname="SLODataMissing", alertstate="firing", slo="fast"}'
    checks = [
        {"expr": f"count({firing})", "eval_time": "30m", "exp_samples": [{"labels": "{}", "value": 1}]},
        # /a has the bucket: 0 (its events are counted), not nothing
        {
            "expr": unseen,
            "eval_time": "30m",
            "exp_samples": [{"labels": '{route="/a"}', "value": 0}, {"labels": '{route="/b"}', "value": 2}],
        },
        {
            "expr": f"group by (route) ({exprs['{{route}} events/s']})",
            "eval_time": "30m",
            "exp_samples": [{"labels": '{route="/a"}', "value": 1}],
        },
    ]
    report = promtool_report(tmp_path, "api.yaml", series, checks, "1m")
    assert report == "", report[-4000:]


RELAYED = """apiVersion: obsc/v1
service: cart
team: web
selector: {job: cart}
targets: {job: otel-collector}
targets_via: collector
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_a_relayed_service_s_instances_panel_names_the_relay(tmp_path: Path) -> None:
    """Behind a collector, cart dead for 40 minutes: SLOTrafficStopped pages while the Instances panel's `up`
    reads 1 (the collector's). Before, that line was "up" beside a dead service; it is now "relay up", and the
    panel says whose targets they are."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "cart.yaml").write_text(RELAYED)
    files = {a.path: a.content for a in compile_specs([str(specs)]).bundle.artifacts}
    board = json.loads(files[names.grafana_dashboard_path("web", "cart", names.SERVICE_DASHBOARD)])
    panel = next(p for p in board["panels"] if p["title"] == "Instances")
    exprs = {t["legendFormat"]: t["expr"] for t in panel["targets"]}
    assert set(exprs) == {"relay up", "relay scraped"}, exprs
    assert "relay's scrape targets" in panel["description"]
    events = next(p for p in board["panels"] if p["title"] == "SLI events")  # what the page opens
    stopped_10m = next(t["expr"] for t in events["targets"] if t["legendFormat"] == "all events/s over 10m")
    (tmp_path / "cart.yaml").write_text(
        rules_read_by(
            files[names.prometheus_rules_path("cart")],
            [*exprs.values(), stopped_10m],
            lambda r: r.get("alert") == "SLOTrafficStopped",
        )
    )
    steps = 8 * 24 * 12  # eight days of 5m samples, then the service dies: 30 minutes of none
    series = {
        'up{job="otel-collector", instance="c-1"}': f"1x{steps + 12}",
        'http_requests_total{job="cart", code="200"}': f"0+3000x{steps} _x12",
    }
    stopped = 'ALERTS{alertname="SLOTrafficStopped", alertstate="firing"}'
    at = f"{(steps + 6) * 5}m"
    checks = [
        {"expr": f"count({stopped})", "eval_time": at, "exp_samples": [{"labels": "{}", "value": 1}]},
        {"expr": exprs["relay up"], "eval_time": at, "exp_samples": [{"labels": "{}", "value": 1}]},
        # the page's own reading on the panel it opens: 10/s before the stop, none when it pages
        {"expr": stopped_10m, "eval_time": f"{steps * 5}m", "exp_samples": [{"labels": "{}", "value": 10}]},
        {"expr": stopped_10m, "eval_time": at, "exp_samples": []},
    ]
    report = promtool_report(tmp_path, "cart.yaml", series, checks, "5m", input_interval="5m")
    assert report == "", report[-4000:]
