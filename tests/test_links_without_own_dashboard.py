"""Where the alerts of a service without obsc's own dashboard (`dashboards:` without `service`) send the on-call.

Found by the round-28 dashboard hunt: every alert of such a service opened the fleet overview filtered to it,
which shows recorded SLOs and nothing else. A Kafka exporter with threshold alerts only and the platform's
golden-signals dashboard (`dashboards: [golden-signals]`) paged with a link to an empty fleet table, beside a
dashboard of its own traffic, errors and saturation. Now an alert that is not an SLO's opens the service's first
standard dashboard; an SLO alert keeps the fleet row of its SLO (its budget and burn rate, which a platform's
dashboard may not show); a service with no dashboard at all keeps the fleet.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from tests.test_grafana_support import all_panels

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
grafana_url: https://grafana.example
defaults:
  routing: {critical: {webhook: {url: "http://127.0.0.1:9/x"}}, warning: {webhook: {url: "http://127.0.0.1:9/x"}},
            info: {webhook: {url: "http://127.0.0.1:9/x"}}}
standard_dashboards:
  signals: lib/signals.jsonnet
  extra: lib/extra.jsonnet
"""
EXPORTER = """\
apiVersion: obsc/v1
service: lag-exporter
team: data
selector: {job: lag-exporter}
metrics:
  lag: {selector: kafka_consumergroup_lag, type: gauge, aggregation: max, unit: short}
threshold_alerts:
  - {name: ConsumerLagHigh, metric: lag, above: 1000, for: 10m, tier: warning}
alerts: {traffic_anomaly: false, traffic_milestone: false}
dashboards: [signals, extra]
"""
API = """\
apiVersion: obsc/v1
service: NAME
team: data
selector: {job: NAME}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]
dashboards: DASHBOARDS
"""


def _compile(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "lib").mkdir()
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    for name in ("signals", "extra"):
        (tmp_path / "lib" / f"{name}.jsonnet").write_text(f"function(service) {{ title: service.name + ' {name}' }}")
    (tmp_path / "lag-exporter.yaml").write_text(EXPORTER)
    (tmp_path / "api.yaml").write_text(API.replace("NAME", "api").replace("DASHBOARDS", "[signals]"))
    (tmp_path / "bare.yaml").write_text(API.replace("NAME", "bare").replace("DASHBOARDS", "[]"))
    compilation = compile_specs([str(tmp_path)], CompileOptions())
    return {a.path: a.content for a in compilation.bundle.artifacts}


def _alert_urls(files: dict[str, str], service: str) -> dict[str, set[str]]:
    rules = yaml.safe_load(files[names.prometheus_rules_path(service)])
    out: dict[str, set[str]] = {}
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                out.setdefault(rule["alert"], set()).add(rule["annotations"]["dashboard_url"])
    return out


def _uids(files: dict[str, str]) -> set[str]:
    boards = [text for path, text in files.items() if path.endswith(".json") and "/dashboards/" in path]
    return {json.loads(text)["uid"] for text in boards}


def test_alerts_of_a_service_with_only_standard_dashboards_open_its_first_one(tmp_path: Path) -> None:
    files = _compile(tmp_path)
    signals = "https://grafana.example/d/" + names.dashboard_uid("lag-exporter", "signals")
    urls = _alert_urls(files, "lag-exporter")
    assert urls["ConsumerLagHigh"] == {signals}, urls
    assert all(found == {signals} for found in urls.values()), urls  # ServiceDown, saturation twins...
    assert names.dashboard_uid("lag-exporter", "signals") in _uids(files)


def test_slo_alerts_keep_the_fleet_row_and_the_rest_open_the_standard_dashboard(tmp_path: Path) -> None:
    files = _compile(tmp_path)
    fleet = f"https://grafana.example/d/{names.FLEET_DASHBOARD_UID}?var-service=api"
    signals = "https://grafana.example/d/" + names.dashboard_uid("api", "signals")
    for alert, found in _alert_urls(files, "api").items():
        expected = fleet if alert.startswith("SLO") else signals
        assert found == {expected}, (alert, found)
    # a service without any dashboard still opens the fleet, the only view of it there is
    bare = f"https://grafana.example/d/{names.FLEET_DASHBOARD_UID}?var-service=bare"
    assert all(found == {bare} for found in _alert_urls(files, "bare").values())


def test_runbooks_name_the_standard_dashboard_as_the_service_dashboard(tmp_path: Path) -> None:
    files = _compile(tmp_path)
    signals = "https://grafana.example/d/" + names.dashboard_uid("api", "signals")
    page = files[names.runbook_path("api", "SLOErrorBudgetBurnFast", "availability")]
    assert f"- Service dashboard: {signals}" in page
    assert re.search(rf"- Dashboard: .*/d/{names.FLEET_DASHBOARD_UID}\?var-service=api", page)
    page = files[names.runbook_path("lag-exporter", "ConsumerLagHigh", None)]
    assert f"- Dashboard: https://grafana.example/d/{names.dashboard_uid('lag-exporter', 'signals')}" in page


def test_the_fleet_row_of_such_a_service_opens_its_standard_dashboard(tmp_path: Path) -> None:
    files = _compile(tmp_path)
    fleet = json.loads(files[names.GRAFANA_FLEET_PATH])
    table = next(p for p in all_panels(fleet) if p["title"] == "Every SLO")
    options = table["fieldConfig"]["defaults"]["mappings"][0]["options"]
    assert options["api dashboard"]["text"] == names.dashboard_uid("api", "signals")
    assert options["bare dashboard"]["text"] == names.FLEET_DASHBOARD_UID
