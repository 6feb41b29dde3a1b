"""Another team's `by:` changes no group page's inhibition of a service that carries that label fixed.

Round 38's hunt (a hostile contributor in a shared repository): the inhibit rules' group label sets come from every
spec's `by:`, and a burn page was read as a group's page by the labels it carries. A service with a fixed
`labels: {cluster: prod}` and an SLO kept `by: [region]` pages per region; once another team kept an SLO
`by: [cluster]`, that page also read as a page of cluster `prod` and held back every region's tickets (a second
region burning for a cause of its own reached nobody); with another team's `by: [cluster, region]`, the region page
no longer held back its SLO's key-metric ticket (two notifications for one incident). A page's group is now read
from the label sets of its own service's SLOs only. Shown on a real Alertmanager 0.25 (amtool cannot test
inhibition).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.base import TargetOptions
from tests.conftest import require_tool
from tests.e2e import servers

ROUTING = """\
routing:
  critical: {webhook: {url: "https://pager.example.net/x"}}
  warning: {webhook: {url: "https://queue.example.net/x"}}
  info: {webhook: {url: "https://digest.example.net/x"}}
"""
# team bravo's service runs in one cluster, said on every alert, and keeps its SLO per region
FIXED = (
    """\
apiVersion: obsc/v1
service: payments
team: bravo
selector: {job: payments}
labels: {cluster: prod}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos: [{name: availability, objective: 99.9, by: [region], sli: {errors: errors, total: requests}}]
"""
    + ROUTING
)
# team alpha's service, added to the repository later
OTHER = (
    """\
apiVersion: obsc/v1
service: ledger
team: alpha
selector: {job: ledger}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos: [{name: availability, objective: 99.9, by: BY, sli: {errors: errors, total: requests}}]
"""
    + ROUTING
)


def _alert(name: str, severity: str, **extra: str) -> dict[str, Any]:
    labels = {"alertname": name, "severity": severity, "service": "payments", "team": "bravo", "slo": "availability"}
    return {"labels": {**labels, "cluster": "prod", **extra}}


PAGE = _alert(names.SLO_BURN_FAST, "critical", region="eu", burn_window="fast")
TARGETS = {
    "the paging region's ticket": (
        _alert(names.SLO_BURN_SLOW, "warning", region="eu", burn_window="slow"),
        "suppressed",
    ),
    "another region's ticket": (_alert(names.SLO_BURN_SLOW, "warning", region="us", burn_window="slow"), "active"),
    "another region's digest": (_alert("SLOErrorBudgetLow", "info", region="us"), "active"),
    "the SLO's key-metric ticket": (_alert("ServiceHighErrorRate", "warning"), "suppressed"),
}
SENTINEL_SOURCE = {"labels": {"alertname": "ServiceDown", "severity": "critical", "service": "zz", "team": "zz"}}
SENTINEL = {"labels": {"alertname": "ServiceCPUSaturation", "severity": "warning", "service": "zz", "team": "zz"}}


def _states(url: str) -> dict[str, str]:
    return {
        json.dumps(a["labels"], sort_keys=True): a["status"]["state"] for a in servers.api_json(url + "/api/v2/alerts")
    }


@pytest.mark.parametrize("by", [None, "[cluster]", "[cluster, region]", "[cluster, zone]"])
def test_a_region_page_of_a_service_with_a_fixed_cluster_holds_back_the_same_alerts_whatever_others_group_by(
    tmp_path: Path, by: str | None
) -> None:
    binary = require_tool("prometheus-alertmanager")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "payments.yaml").write_text(FIXED)
    if by:
        (specs / "ledger.yaml").write_text(OTHER.replace("BY", by))
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    with servers.alertmanager(binary, tmp_path / "out" / names.ALERTMANAGER_CONFIG, tmp_path) as server:
        servers.api_json(server.url + "/api/v2/alerts", [PAGE, SENTINEL_SOURCE])
        servers.api_json(server.url + "/api/v2/alerts", [SENTINEL])
        key = json.dumps(SENTINEL["labels"], sort_keys=True)
        servers.wait_until(lambda: _states(server.url).get(key) == "suppressed", 10, 0.05, "the inhibitor")
        servers.api_json(server.url + "/api/v2/alerts", [alert for alert, _ in TARGETS.values()])
        found = _states(server.url)
    got = {name: found[json.dumps(alert["labels"], sort_keys=True)] for name, (alert, _) in TARGETS.items()}
    assert got == {name: state for name, (_, state) in TARGETS.items()}
    assert found[json.dumps(PAGE["labels"], sort_keys=True)] == "active"


SHARED_INCIDENT = FIXED.replace(
    "slos: [{name: availability, objective: 99.9, by: [region], sli: {errors: errors, total: requests}}]",
    "slos:\n  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}\n"
    "  - {name: per-region, objective: 99.5, by: [region], sli: {errors: errors, total: requests}}",
)


def _incident(name: str, severity: str, **extra: str) -> dict[str, Any]:
    return _alert(name, severity, slo="per-region", incident="availability", **extra)


INCIDENT_TARGETS = {
    "the paging region's ticket": (
        _incident(names.SLO_BURN_SLOW, "warning", region="eu", burn_window="slow"),
        "suppressed",
    ),
    "another region's ticket": (_incident(names.SLO_BURN_SLOW, "warning", region="us", burn_window="slow"), "active"),
}


@pytest.mark.parametrize("by", [None, "[cluster]"])
def test_a_region_page_of_a_shared_incident_holds_back_its_own_region_whatever_others_group_by(
    tmp_path: Path, by: str | None
) -> None:
    """The same with two SLOs over the same failures (an `incident`): the per-region SLO's page is read as a
    region's by its own service's `by:`, also in the shared incident's rules."""
    binary = require_tool("prometheus-alertmanager")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "payments.yaml").write_text(SHARED_INCIDENT)
    if by:
        (specs / "ledger.yaml").write_text(OTHER.replace("BY", by))
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    page = _incident(names.SLO_BURN_FAST, "critical", region="eu", burn_window="fast")
    with servers.alertmanager(binary, tmp_path / "out" / names.ALERTMANAGER_CONFIG, tmp_path) as server:
        servers.api_json(server.url + "/api/v2/alerts", [page, SENTINEL_SOURCE])
        servers.api_json(server.url + "/api/v2/alerts", [SENTINEL])
        key = json.dumps(SENTINEL["labels"], sort_keys=True)
        servers.wait_until(lambda: _states(server.url).get(key) == "suppressed", 10, 0.05, "the inhibitor")
        servers.api_json(server.url + "/api/v2/alerts", [alert for alert, _ in INCIDENT_TARGETS.values()])
        found = _states(server.url)
    got = {name: found[json.dumps(alert["labels"], sort_keys=True)] for name, (alert, _) in INCIDENT_TARGETS.items()}
    assert got == {name: state for name, (_, state) in INCIDENT_TARGETS.items()}
