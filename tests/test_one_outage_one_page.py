"""One outage seen by several pages is one page per service and team, and it resolves when the outage ends.

Round 40's hunt, on a real Alertmanager 0.25 (amtool cannot test grouping over time): a ride-dispatch API whose
requests time out fires its availability SLO's page (and the per-cluster one over the same failures), its latency
SLO's page and the p99 page; measured at the ingress, ServiceDown pages beside them. Grouped per service and SLO
they were three notification groups, three PagerDuty incidents for one outage (before: the availability incident's
page, the latency SLO's 1s later, ServiceDown's in a group of its own). Pages now group per service: the first
page rings, the rest are updates of it, and its group resolves when the last page does. Another team's database,
down at the same time (the dispatch outage's cause), pages its own team in a group of its own, never held back.
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.alertmanager.routing_tests import routing_cases
from compiler.targets.base import TargetOptions
from tests.conftest import require_tool
from tests.e2e import servers

PLATFORM = "apiVersion: obsc/v1\nkind: Platform\nteams:\n" + "".join(
    f"  {team}:\n    routing:\n      critical: {{webhook: {{url: 'https://pager.example/{team}'}}}}\n"
    f"      warning: {{webhook: {{url: 'https://tickets.example/{team}'}}}}\n"
    f"      info: {{webhook: {{url: 'https://digest.example/{team}'}}}}\n"
    for team in ("rides", "storage")
)
SPECS = {
    # gRPC, two clusters: an SLO for the service and one per cluster over the same failures, a latency SLO
    "dispatch": """\
apiVersion: obsc/v1
service: dispatch
team: rides
selector: {job: dispatch}
metrics:
  requests: grpc_server_handled_total
  errors: grpc_server_handled_total{grpc_code=~"Unavailable|Internal|DeadlineExceeded"}
  latency: grpc_server_handling_seconds
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: per-cluster, objective: 99.5, by: [cluster], sli: {errors: errors, total: requests}}
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}
alerts:
  error_rate: {critical: 20%, warning: 2%}
  latency_p99: {critical: 3s}
""",
    # a gateway kept per tenant
    "tenant-gw": """\
apiVersion: obsc/v1
service: tenant-gw
team: rides
selector: {job: tenant-gw}
metrics: {requests: gateway_requests_total, errors: 'gateway_requests_total{outcome="error"}'}
slos:
  - {name: tenants, objective: 99.5, by: [tenant], sli: {errors: errors, total: requests}}
""",
    # the database dispatch depends on, another team's
    "pg-main": """\
apiVersion: obsc/v1
service: pg-main
team: storage
selector: {job: postgres}
metrics:
  requests: {selector: pg_stat_database_xact_commit, type: counter}
  errors: {selector: pg_stat_database_xact_rollback, type: counter}
slos:
  - {name: commits, objective: 99, sli: {errors: errors, total: requests}}
""",
}
# the labels a `by:` SLO's alerts take from their series (the routing rows leave them out)
GROUPS = {"per-cluster": [{"cluster": "eu"}, {"cluster": "us"}], "tenants": [{"tenant": "acme"}, {"tenant": "globex"}]}


KEY_PAGES = {"ServiceHighErrorRate", "ServiceHighLatencyP99"}


def _compiled(tmp_path: Path) -> tuple[Path, list[dict[str, str]], list[dict[str, str]]]:
    """alertmanager.yml, and every page and ticket obsc emits for the fleet (each group of a `by:` SLO's)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for name, text in SPECS.items():
        (specs / f"{name}.yaml").write_text(text)
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    alerts = [
        {**row["labels"], **group} for row in routing_cases(fleet) if row["service"] in SPECS for group in _groups(row)
    ]
    pages = [a for a in alerts if a[names.LABEL_SEVERITY] == "critical"]
    tickets = [a for a in alerts if a[names.LABEL_SEVERITY] == "warning" and a["alertname"] != "SLODataMissing"]
    return tmp_path / "out" / names.ALERTMANAGER_CONFIG, pages, tickets


def _groups(row: dict[str, Any]) -> list[dict[str, str]]:
    """The group labels an SLO's alerts of a `by:` SLO carry (one alert per group); none for a key alert."""
    if not row["alert"].startswith("SLO"):
        return [{}]
    return GROUPS.get(row["labels"].get(names.LABEL_SLO, ""), [{}])


def _wait(route: dict[str, Any]) -> str:
    """A page's group waits 1s, a ticket's 3s: the page is known first, as in production (30s against 5m)."""
    return "1s" if 'severity="critical"' in route.get("matchers", []) else "3s"


def _post(url: str, alerts: list[dict[str, str]], ended: bool = False) -> None:
    now = datetime.datetime.now(datetime.UTC)
    ends = now - datetime.timedelta(seconds=1) if ended else now + datetime.timedelta(minutes=5)
    servers.api_json(url + "/api/v2/alerts", [{"labels": a, "endsAt": ends.isoformat()} for a in alerts])


def test_one_outage_is_one_page_per_service_and_team_and_every_page_resolves(tmp_path: Path) -> None:
    binary = require_tool("prometheus-alertmanager")
    generated, pages, tickets = _compiled(tmp_path)
    first = next(p for p in pages if p["service"] == "dispatch" and p.get("slo") == "availability")
    assert {p["alertname"] for p in pages if p["service"] == "dispatch"} == {
        names.SLO_BURN_FAST,
        "ServiceHighLatencyP99",
        names.KEY_ALERT_NAMES["service_down"],
    }
    with servers.webhook() as hook:
        config = servers.alertmanager_test_config(generated, _wait, hook.url, send_resolved=True)
        with servers.alertmanager(binary, config, tmp_path) as server:
            _post(server.url, [first])  # the first page rings alone, the rest follow (a cycle or a `for` later)
            servers.wait_until(lambda: hook.received, 15, what="the first page")
            _post(server.url, [*pages, *tickets])
            time.sleep(5)  # over a ticket's group_wait: a second page or a leaked ticket would be in by then
            listed = servers.api_json(server.url + "/api/v2/alerts")
            states = {json_key(a["labels"]): a["status"]["state"] for a in listed}
            firing = list(hook.received)
            _post(server.url, [*pages, *tickets], ended=True)
            servers.wait_until(lambda: _open_groups(hook.received) == set(), 15, what="every page's resolve")
    # no page is held back but a key alert's of an SLO's symptom, by that SLO's burn page (in its own group)
    held = {json_key(p) for p in pages if states[json_key(p)] != "active"}
    assert held == {json_key(p) for p in pages if p["alertname"] in KEY_PAGES and p.get(names.LABEL_SLO)}, held
    groups: dict[tuple[str, str], set[str]] = {}
    for path, body in firing:
        for alert in body["alerts"]:
            groups.setdefault((path.strip("/"), alert["labels"]["service"]), set()).add(body["groupKey"])
    # no ticket while the pages are open; one group (one PagerDuty dedup key) per service
    assert [path for path, _ in firing if "critical" not in path] == []
    assert {where: len(keys) for where, keys in groups.items()} == {
        ("team-rides-critical", "dispatch"): 1,
        ("team-rides-critical", "tenant-gw"): 1,
        ("team-storage-critical", "pg-main"): 1,
    }


def json_key(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if v)


def _open_groups(received: list[tuple[str, dict[str, Any]]]) -> set[str]:
    """The groups whose last notification says firing."""
    last: dict[str, str] = {}
    for _, body in list(received):
        last[body["groupKey"]] = body["status"]
    return {key for key, status in last.items() if status == "firing"}
