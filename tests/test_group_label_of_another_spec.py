"""One spec's `by:` changes no other spec's inhibition: an SLO with a fixed `labels: {tenant: acme}` keeps holding
back its own error-rate ticket while it pages, whether or not another spec (any team's) keeps an SLO `by: [tenant]`.

Round 37 (a 40-team fleet): the inhibit rules' group label sets come from every spec's `by:`. A page carrying one of
those labels was read as a group's page, which silenced only tickets of the same value; the SLO's key-metric ticket
(it carries the SLO's `slo`, not its `labels:`) has none, so it rang beside the page once another team added
`by: [tenant]`. A group's page now also holds back its SLO's alerts of no group, as a page of no group does (and
as a shared incident's group page already did). Shown on a real Alertmanager 0.25 (amtool cannot test inhibition).
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
"""
FIXED = (
    """\
apiVersion: obsc/v1
service: billing
team: money
selector: {job: billing}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos: [{name: availability, objective: 99.9, labels: {tenant: acme}, sli: {errors: errors, total: requests}}]
"""
    + ROUTING
)
# another team's multi-tenant service
GROUPED = (
    """\
apiVersion: obsc/v1
service: hosting
team: infra
selector: {job: hosting}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos: [{name: availability, objective: 99.9, by: [tenant], sli: {errors: errors, total: requests}}]
"""
    + ROUTING
)


def _alert(service: str, team: str, name: str, severity: str, **extra: str) -> dict[str, Any]:
    labels = {"alertname": name, "severity": severity, "service": service, "team": team, "slo": "availability"}
    return {"labels": {**labels, **extra}}


PAGE = _alert("billing", "money", names.SLO_BURN_FAST, "critical", tenant="acme", burn_window="fast")
TICKET = _alert("billing", "money", "ServiceHighErrorRate", "warning")  # the SLO's symptom: its slo, not its labels
GROUP_PAGE = _alert("hosting", "infra", names.SLO_BURN_FAST, "critical", tenant="noisy", burn_window="fast")
TARGETS = {
    "fixed-label SLO's key ticket": (TICKET, "suppressed"),
    # the grouped SLO's own: the whole service's key ticket goes with a group's page; another tenant's does not
    "grouped SLO's key ticket": (_alert("hosting", "infra", "ServiceHighErrorRate", "warning"), "suppressed"),
    # another tenant's digest (a digest: a slow burn ticket would hold back the key ticket itself)
    "another tenant's digest": (_alert("hosting", "infra", "SLOErrorBudgetLow", "info", tenant="quiet"), "active"),
    # and never another team's
    "another team's key ticket of no group": (
        _alert("billing-web", "web", "ServiceHighErrorRate", "warning"),
        "active",
    ),
}


# posted after the sources: once it reads as held back, the inhibitor has seen every source
SENTINEL_SOURCE = {"labels": {"alertname": "ServiceDown", "severity": "critical", "service": "zz", "team": "zz"}}
SENTINEL = {"labels": {"alertname": "ServiceCPUSaturation", "severity": "warning", "service": "zz", "team": "zz"}}


def _states(url: str) -> dict[str, str]:
    return {
        json.dumps(a["labels"], sort_keys=True): a["status"]["state"] for a in servers.api_json(url + "/api/v2/alerts")
    }


@pytest.mark.parametrize("with_grouped", [False, True], ids=["alone", "beside-a-grouped-spec"])
def test_a_fixed_label_slos_page_holds_back_its_key_ticket_whatever_other_specs_group_by(
    tmp_path: Path, with_grouped: bool
) -> None:
    binary = require_tool("prometheus-alertmanager")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "billing.yaml").write_text(FIXED)
    if with_grouped:
        (specs / "hosting.yaml").write_text(GROUPED)
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    targets = TARGETS if with_grouped else {k: v for k, v in TARGETS.items() if k.startswith("fixed")}
    sources = [PAGE, GROUP_PAGE] if with_grouped else [PAGE]
    with servers.alertmanager(binary, tmp_path / "out" / names.ALERTMANAGER_CONFIG, tmp_path) as server:
        servers.api_json(server.url + "/api/v2/alerts", [*sources, SENTINEL_SOURCE])
        servers.api_json(server.url + "/api/v2/alerts", [SENTINEL])
        key = json.dumps(SENTINEL["labels"], sort_keys=True)
        servers.wait_until(lambda: _states(server.url).get(key) == "suppressed", 10, 0.05, "the inhibitor")
        servers.api_json(server.url + "/api/v2/alerts", [alert for alert, _ in targets.values()])
        found = _states(server.url)
    got = {name: found[json.dumps(alert["labels"], sort_keys=True)] for name, (alert, _) in targets.items()}
    assert got == {name: state for name, (_, state) in targets.items()}
    assert all(found[json.dumps(s["labels"], sort_keys=True)] == "active" for s in sources)
