"""The alerts about an SLI's events stopping open a panel of those events, with the group they fire for selected.

SLODataMissing, SLOTrafficStopped and SLOFailuresCounterUnseen opened the SLO's burn-rate panel, which plots error
ratios: for a tenant whose series stopped (SLODataMissing's silent-group branch) only its lines ended there, and
nothing plotted the events per tenant the alert compares. They now open "SLI events": events and failures a second
per group, and the same time a day ago. promtool replays eight days and more: while the ticket fires for acme, the
panel with the link's tenant selected shows acme's events a day ago and none now.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.alerts import service_alerts
from compiler.model.silent_groups import COUNTED_KINDS
from compiler.model.types import Fleet
from compiler.targets import links
from tests.promtool_helpers import promtool_report, rules_read_by

PLATFORM = """apiVersion: obsc/v1
kind: Platform
grafana_url: https://grafana.example.com
teams:
  web:
    routing:
      critical: {webhook: {url: "https://pager.example.com/web"}}
      warning: {webhook: {url: "https://tickets.example.com/web"}}
      info: {webhook: {url: "https://digest.example.com/web"}}
"""
API = """apiVersion: obsc/v1
service: api
team: web
selector: {job: api}
metrics:
  requests: http_requests_total
  failures: api_failures_total{reason="db"}
  latency: http_request_duration_seconds
  temp: {selector: disk_temperature_celsius, type: gauge, aggregation: max, unit: celsius}
slos:
  - {name: tenants, objective: 99.9, by: [tenant], sli: {errors: failures, total: requests}}
  - {name: daily, objective: 99.5, period: 1d, sli: {latency: latency, threshold: 250ms}}
  - {name: cool, objective: 95, period: 7d, sli: {good_when: temp < 70}}
"""
EDGE = """apiVersion: obsc/v1
service: edge
team: web
selector: {job: ingress}
targets: false
metrics:
  requests: nginx_ingress_requests_total{ingress="edge"}
  errors: nginx_ingress_requests_total{ingress="edge",status=~"5.."}
slos:
  - {name: availability, objective: 99.99, sli: {errors: errors, total: requests}}
"""
DAY, HOUR = 1440, 60
GONE, END = 8 * DAY + 14 * HOUR, 8 * DAY + 15 * HOUR + 30


def _compile(tmp_path: Path) -> tuple[dict[str, str], Fleet]:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name, text in (("platform", PLATFORM), ("api", API), ("edge", EDGE)):
        (specs / f"{name}.yaml").write_text(text)
    compilation = compile_specs([str(specs)])
    return {a.path: a.content for a in compilation.bundle.artifacts}, compilation.fleet


def _opened(files: dict[str, str], service: str, url: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    board = json.loads(files[names.grafana_dashboard_path("web", service, names.SERVICE_DASHBOARD)])
    query = parse_qs(urlsplit(url).query)
    panel = next(p for p in board["panels"] if p["id"] == int(query["viewPanel"][0]))
    return panel, query


def test_each_alert_about_stopped_events_opens_the_events_of_its_slo(tmp_path: Path) -> None:
    """Every SLODataMissing, SLOTrafficStopped and SLOFailuresCounterUnseen of an event SLI opens a panel whose
    queries read that SLO's recorded event rates; a time-slice SLO's SLODataMissing opens its gauge."""
    files, fleet = _compile(tmp_path)
    opened: dict[tuple[str, str, str], str] = {}
    for service in fleet.services:
        for alert in service_alerts(service):
            if alert.slo is None or not (alert.data_missing or alert.stopped or alert.failures_unseen):
                continue
            panel, _ = _opened(files, service.name, links.alert_dashboard_url(fleet.platform, service, alert))
            exprs = [t["expr"] for t in panel["targets"]]
            own = f'service="{service.name}",slo="{alert.slo.name}"'
            if alert.slo.sli.kind in COUNTED_KINDS:
                assert f"{names.SLI_TOTAL_COARSE}{{{own}" in exprs[0], (alert.name, exprs)
            opened[(service.name, alert.name, alert.slo.name)] = str(panel["title"])
    assert opened == {
        ("api", "SLODataMissing", "tenants"): "SLI events",
        ("api", "SLOFailuresCounterUnseen", "tenants"): "SLI events",
        ("api", "SLODataMissing", "daily"): "SLI events",
        ("api", "SLODataMissing", "cool"): "temp against its line",
        ("edge", "SLODataMissing", "availability"): "SLI events",
        ("edge", "SLOTrafficStopped", "availability"): "SLI events",
    }


def _tenants_missing(rule: Mapping[str, object]) -> bool:
    labels = rule.get("labels")
    return rule.get("alert") == "SLODataMissing" and isinstance(labels, dict) and labels.get("slo") == "tenants"


def _counter(per_minute: int, stop: int | None) -> str:
    if stop is None:
        return f"0+{per_minute}x{END}"
    return f"0+{per_minute}x{stop - 1} _x{END - stop + 1}"


def test_a_silent_tenant_s_ticket_opens_its_events_gone_beside_yesterday_s(tmp_path: Path) -> None:
    files, fleet = _compile(tmp_path)
    api = fleet.services[0]
    alert = next(a for a in service_alerts(api) if a.data_missing and a.slo is not None and a.slo.name == "tenants")
    url = links.alert_dashboard_url(fleet.platform, api, alert)
    rule = yaml.safe_load(files[names.prometheus_rules_path("api")])
    template = next(
        r["annotations"][names.ANNOTATION_DASHBOARD]
        for g in rule["groups"]
        for r in g["rules"]
        if r.get("alert") == "SLODataMissing" and r["labels"]["slo"] == "tenants"
    )
    assert template.startswith(url)  # the rule's link is the one checked here, with the tenant's variable added
    assert "&var-tenant={{ . | urlquery }}" in template
    panel, _ = _opened(files, "api", url)
    exprs = {t["legendFormat"]: t["expr"].replace("$tenant", "acme") for t in panel["targets"]}
    firing = 'ALERTS{alertname="SLODataMissing", alertstate="firing", slo="tenants"}'
    (tmp_path / "api.yaml").write_text(
        rules_read_by(
            files[names.prometheus_rules_path("api")],
            list(exprs.values()),
            _tenants_missing,
        )
    )
    series = {'up{job="api", instance="api-1"}': f"1x{END}"}
    for tenant in ("acme", "globex"):
        labels = f'job="api", instance="api-1", tenant="{tenant}"'
        series[f'http_requests_total{{{labels}, code="200"}}'] = _counter(60, GONE if tenant == "acme" else None)
    now = GONE + 60
    checks = [
        {
            "expr": f"count by (tenant) ({firing})",
            "eval_time": f"{now}m",
            "exp_samples": [{"labels": '{tenant="acme"}', "value": 1}],
        },
        {"expr": exprs["{{tenant}} events/s"], "eval_time": f"{now}m", "exp_samples": []},
        {
            "expr": f"group by (tenant) ({exprs['{{tenant}} events/s a day ago']})",
            "eval_time": f"{now}m",
            "exp_samples": [{"labels": '{tenant="acme"}', "value": 1}],
        },
        # round 40: the 30m reading the ticket compares, beside a week ago (both baselines): acme's ends with the
        # ticket, not 5 minutes after the stop as the 5m lines do (at +20m the ticket is quiet, acme's 30m on)
        {"expr": f"count by (tenant) ({firing})", "eval_time": f"{GONE + 20}m", "exp_samples": []},
        {"expr": exprs["{{tenant}} events/s"], "eval_time": f"{GONE + 20}m", "exp_samples": []},
        {
            "expr": exprs["{{tenant}} events/s over 30m"],
            "eval_time": f"{GONE + 20}m",
            "exp_samples": [{"labels": '{tenant="acme"}', "value": 1}],
        },
        {"expr": exprs["{{tenant}} events/s over 30m"], "eval_time": f"{now}m", "exp_samples": []},
        {
            "expr": f"group by (tenant) ({exprs['{{tenant}} events/s a week ago']} >= 0.01)",
            "eval_time": f"{now}m",
            "exp_samples": [{"labels": '{tenant="acme"}', "value": 1}],
        },
    ]
    busy = [step["value"] for step in panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1:]]
    assert busy == [0.01], busy  # the busy rate both baselines need, dashed on the panel
    report = promtool_report(tmp_path, "api.yaml", series, checks, "5m")
    assert report == "", report[-4000:]


def test_only_an_slo_that_counts_events_has_an_events_panel() -> None:
    """Round 39's review: a time slice, a freshness or an error-ratio SLI counts no events (its recorded total is a
    constant 1 while it has data), so an events panel would plot 1 event/s; cdn-edge's latency SLO has one, its
    time-slice SLO and every SLO of invoice-run (freshness, error ratio) none."""
    specs = Path(__file__).parent / "golden" / "slo-kinds" / "specs"
    files = {a.path: a.content for a in compile_specs([str(specs)]).bundle.artifacts}
    counts = {}
    for team, service in (("edge", "cdn-edge"), ("billing", "invoice-run")):
        board = json.loads(files[names.grafana_dashboard_path(team, service, names.SERVICE_DASHBOARD)])
        counts[service] = sum(p.get("title") == "SLI events" for p in board["panels"])
    assert counts == {"cdn-edge": 1, "invoice-run": 0}, counts


def test_the_events_panel_says_only_the_alerts_the_slo_has(tmp_path: Path) -> None:
    """Round 39's review: 'while the service's targets are up' only where obsc reads targets, and
    SLOFailuresCounterUnseen only where the SLO has it (not with `info: false`)."""
    spec = (
        "apiVersion: obsc/v1\nservice: api\nteam: web\nselector: {job: api}\nTARGETS"
        "metrics: {requests: http_requests_total, errors: http_request_failures_total}\n"
        "slos:\n  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}ALERTS}\n"
        "routing:\n  critical: {webhook: {url: 'http://relay:8080/page'}}\n"
        "  warning: {webhook: {url: 'http://relay:8080/ticket'}}\n"
    )
    said = {}
    for case, targets, alerts in (("default", "", ""), ("neither", "targets: false\n", ", alerts: {info: false}")):
        (tmp_path / case).mkdir()
        (tmp_path / case / "api.yaml").write_text(spec.replace("TARGETS", targets).replace("ALERTS", alerts))
        files = {a.path: a.content for a in compile_specs([str(tmp_path / case)]).bundle.artifacts}
        board = json.loads(files[names.grafana_dashboard_path("web", "api", names.SERVICE_DASHBOARD)])
        panel = next(p for p in board["panels"] if p.get("title") == "SLI events")
        said[case] = panel["description"]
        reads = {t["legendFormat"]: t["expr"] for t in panel["targets"]}
        assert names.SLI_ERRORS_COARSE in reads["failed/s"] and names.SLI_TOTAL_COARSE in reads["events/s"], reads
    for phrase in ("while the service's targets are up", "SLOFailuresCounterUnseen"):
        assert phrase in said["default"] and phrase not in said["neither"], (phrase, said)
