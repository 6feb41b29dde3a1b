"""Two SLOs of one service over the same failures (an overall one and one `by: [route]`, or two objectives) are
one incident: their alerts share a notification group, so an outage pages once and its resolve still arrives.
Inhibiting one page with the other would lose the muted page's resolve (Alertmanager 0.25), so they are grouped.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.errors import InputError
from compiler.model.alerts import fired_labels, service_alerts
from compiler.model.types import Fleet
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.alertmanager.routing_tests import routing_cases
from compiler.targets.base import TargetOptions
from tests.conftest import require_tool
from tests.e2e import servers

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  shop:
    routing:
      critical: {webhook: {url: "https://pager.example/shop"}}
      warning: {webhook: {url: "https://tickets.example/shop"}}
"""
# Six SLOs: overall, per route, a looser one (a second name for the errors) and one of the requests without them
# count the same 5xx; latency
# counts slow requests, and `jobs` another counter: incidents of their own.
API = """\
apiVersion: obsc/v1
service: api
team: shop
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  latency: http_request_duration_seconds
  server_errors: http_requests_total{code=~"5.."}
  served: http_requests_total{code!~"5.."}
  jobs: jobs_total
  failed_jobs: jobs_total{result="failed"}
slos:
  - {name: per-route, objective: 99.5, by: [route], sli: {errors: errors, total: requests}}
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: loose, objective: 99, sli: {errors: server_errors, total: requests}}
  - {name: served, objective: 99.5, sli: {good: served, total: requests}}
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 300ms}}
  - {name: jobs, objective: 99, sli: {errors: failed_jobs, total: jobs}}
alerts:
  error_rate: {warning: 1%}
threshold_alerts:
  - {name: ErrorsSurge, metric: errors, above: 10/s, tier: critical}
  - {name: ErrorsRising, metric: errors, above: 1/s, tier: warning}
"""


def _fleet(root: Path) -> Fleet:
    root.mkdir(parents=True, exist_ok=True)
    (root / "platform.yaml").write_text(PLATFORM)
    (root / "api.yaml").write_text(API)
    return load_fleet([str(root)], CompileOptions(), {})[0]


def _incidents(fleet: Fleet) -> dict[tuple[str, str | None], set[str | None]]:
    """(alert name, slo) → the incident labels its rules fire with."""
    (service,) = fleet.services
    found: dict[tuple[str, str | None], set[str | None]] = {}
    for alert in service_alerts(service):
        labels = fired_labels(service, alert)
        found.setdefault((alert.name, labels.get(names.LABEL_SLO)), set()).add(labels.get(names.LABEL_INCIDENT))
    return found


def test_slos_over_the_same_failures_share_the_overall_slos_incident(tmp_path: Path) -> None:
    found = _incidents(_fleet(tmp_path))
    for slo in ("per-route", "availability", "loose", "served"):  # the overall SLO names it, whatever the order
        assert found[(names.SLO_BURN_FAST, slo)] == {"availability"}, slo
        assert found[(names.SLO_BURN_SLOW, slo)] == {"availability"}, slo
        assert found[(names.SLO_DATA_MISSING, slo)] == {"availability"}, slo
    assert found[("ServiceHighErrorRate", "availability")] == {"availability"}  # measures the same errors
    assert found[("ErrorsSurge", "availability")] == {"availability"}  # a page over the SLO's errors: its group
    assert found[("ErrorsRising", "availability")] == {"availability"}  # and a ticket, as the key alerts' are
    for slo in ("latency", "jobs"):  # other failures: no shared incident, grouped by their slo as before
        assert found[(names.SLO_BURN_FAST, slo)] == {None}, slo
    assert found[("ServiceDown", None)] == {None}


def test_a_spec_may_not_set_the_incident_label(tmp_path: Path) -> None:
    """A spec labelling its alerts `incident` would join (or split) the incidents of its own other SLOs."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "api.yaml").write_text(API + "labels: {incident: availability}\n")
    with pytest.raises(InputError) as caught:
        load_fleet([str(tmp_path)], CompileOptions(), {})
    assert any("'incident' is obsc's own" in str(d) for d in caught.value.diagnostics), caught.value.diagnostics


def _post(url: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(
        url + "/api/v2/alerts", data=json.dumps(alerts).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def test_an_outage_over_the_same_failures_pages_once_and_resolves(tmp_path: Path) -> None:
    """On a real Alertmanager 0.25, with the labels the rules fire with: the per-route SLO's page, then the overall
    and the looser SLO's and the spec's own page over the same errors reach the pager as one notification group,
    and its resolve arrives."""
    binary = require_tool("prometheus-alertmanager")
    fleet = _fleet(tmp_path / "specs")
    out = tmp_path / "out"
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (out / artifact.path).write_text(artifact.content)
    rows = {(row["alert"], row["labels"].get(names.LABEL_SLO)): row for row in routing_cases(fleet)}
    pages = [
        {"labels": {**rows[(names.SLO_BURN_FAST, slo)]["labels"], **extra}}
        for slo, extra in (("per-route", {"route": "/cart"}), ("availability", {}), ("loose", {}))
    ]
    pages += [
        {"labels": r["labels"]}
        for r in routing_cases(fleet)
        if r["alert"] == "ErrorsSurge" and "data" not in r["labels"]
    ]
    pager = rows[(names.SLO_BURN_FAST, "availability")]["receivers"][0]
    with servers.webhook() as hook:
        config = servers.alertmanager_test_config(
            out / names.ALERTMANAGER_CONFIG, lambda route: "1s", hook.url, send_resolved=True
        )
        with servers.alertmanager(binary, config, tmp_path) as server:

            def heard(status: str) -> list[dict[str, Any]]:
                return [body for body in hook.by_receiver().get(pager, []) if body["status"] == status]

            def pages_in(status: str) -> int:
                return len(
                    {
                        (a["labels"]["alertname"], a["labels"].get(names.LABEL_SLO))
                        for b in heard(status)
                        for a in b["alerts"]
                    }
                )

            _post(server.url, pages[:1])  # one route fails first: its page rings
            servers.wait_until(lambda: heard("firing"), 15, what="the per-route page")
            _post(server.url, pages)  # then the whole service: the other SLOs burn too
            servers.wait_until(lambda: pages_in("firing") == 4, 15, what="all four pages")
            ended = [{**page, "endsAt": "2000-01-01T00:00:00Z"} for page in pages]
            _post(server.url, ended)
            servers.wait_until(lambda: pages_in("resolved") == 4, 15, what="every page's resolve")
    groups = {body["groupKey"] for body in hook.by_receiver()[pager]}
    assert len(groups) == 1, f"one outage paged as {len(groups)} incidents: {sorted(groups)}"
