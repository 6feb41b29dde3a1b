"""Incidents on a real Alertmanager 0.25, judged by the docs-only oracle (tests/routing_oracle.py), not by obsc's
routing rows: the awkward fleet (tests/routing_oracle_fleet/) compiled, every alert its rules emit posted as an
outage would fire them, and each notification checked against the receiver and inhibition the docs promise.

1. A four-SLO outage of `api` (availability, by-route and by-tenant over the same failures, latency; ServiceDown
   and the p99 page beside them), of `b` and of `api-v2`, while `lone` and `team-pay` only burn slowly: one page
   group per service, no notification at a receiver the oracle does not name, every ticket muted exactly when some
   firing alert of its own service may mute it (team-pay's tickets delivered beside api-v2's page, of the same team;
   gw's route /a page mutes its route's and the whole service's tickets, not route /b's nor a tenant's).
2. A page handed from the 1h/5m pair to the 6h/30m pair (lone): the same group, one page, and it resolves.
"""

from __future__ import annotations

import datetime
import shutil
import time
from pathlib import Path
from typing import Any

from tests.conftest import require_tool
from tests.e2e import servers
from tests.routing_oracle import compile_fleet, emitted_alerts, expected_receiver, inhibits, read_fleet

FLEET = Path(__file__).parent.parent / "routing_oracle_fleet"
GROUPS = {
    "by-route": [{"route": "/a"}, {"route": "/b"}],
    "by-tenant": [{"tenant": "acme"}, {"tenant": "globex"}],
    "availability@b": [{"receiver": "x", "tier": "y"}],
}
PAGED = {"api", "b", "api-v2"}  # the services whose pages fire; the others (team-pay beside api-v2) burn slowly


def _wait(route: dict[str, Any]) -> str:
    """A page's group waits 1s, a ticket's 3s: the page is known first, as in production (30s against 5m)."""
    return "1s" if 'severity="critical"' in route.get("matchers", []) else "3s"


def _post(url: str, alerts: list[dict[str, str]], ended: bool = False) -> None:
    now = datetime.datetime.now(datetime.UTC)
    ends = now - datetime.timedelta(seconds=1) if ended else now + datetime.timedelta(minutes=5)
    servers.api_json(url + "/api/v2/alerts", [{"labels": a, "endsAt": ends.isoformat()} for a in alerts])


def _with_groups(alert: dict[str, str]) -> list[dict[str, str]]:
    """One alert per group of a `by:` SLO's alerts (a page only for the first group: route /a, tenant acme)."""
    if not alert["alertname"].startswith("SLO"):
        return [alert]
    groups = GROUPS.get(alert.get("slo", ""), GROUPS.get(f"{alert.get('slo')}@{alert['service']}", [{}]))
    out = [{**alert, **group} for group in groups]
    return out[:1] if alert["severity"] == "critical" else out


def _key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if v))


def test_an_outage_pages_each_service_once_at_its_own_team_and_mutes_only_its_own_tickets(tmp_path: Path) -> None:
    binary = require_tool("prometheus-alertmanager")
    specs = shutil.copytree(FLEET, tmp_path / "specs")
    assert compile_fleet(specs, tmp_path / "out").returncode == 0
    platform, services = read_fleet(specs)
    emitted = [g for a in emitted_alerts(tmp_path / "out") for g in _with_groups(a)]
    firing = [a for a in emitted if a["service"] in PAGED or a["severity"] != "critical" or a.get("route") == "/a"]
    lone_pages = [a for a in emitted if a["service"] == "lone" and a["alertname"] == "SLOErrorBudgetBurnFast"]
    fast, medium = sorted(lone_pages, key=lambda a: a["burn_window"])
    with servers.webhook() as hook:
        generated = tmp_path / "out" / "alertmanager" / "alertmanager.yml"
        config = servers.alertmanager_test_config(generated, _wait, hook.url, send_resolved=True)
        with servers.alertmanager(binary, config, tmp_path) as server:
            _post(server.url, firing)
            time.sleep(5)  # over a ticket's group_wait: every group has notified once
            listed = servers.api_json(server.url + "/api/v2/alerts")
            outage = list(hook.received)
            # the handover: lone's 1h/5m page rings, the 6h/30m pair takes over, then it ends too
            _post(server.url, [fast])
            servers.wait_until(lambda: len(hook.received) > len(outage), 10, what="lone's page")
            _post(server.url, [fast], ended=True)
            _post(server.url, [medium])
            time.sleep(2)
            _post(server.url, [medium], ended=True)
            servers.wait_until(lambda: _last_status(hook.received[len(outage) :]) == "resolved", 10, what="resolve")
            handover = hook.received[len(outage) :]
    muted = {_key(a["labels"]) for a in listed if a["status"]["inhibitedBy"]}
    should = {_key(t) for t in firing if any(inhibits(services, s, t) for s in firing)}
    assert muted == should, (sorted(muted - should), sorted(should - muted))
    page_groups: dict[tuple[str, str], set[str]] = {}
    for path, body in outage:
        for alert in body["alerts"]:
            labels = alert["labels"]
            assert path.strip("/") == expected_receiver(platform, services, labels), (path, labels)
            assert _key(labels) not in muted, labels
            if labels["severity"] == "critical":
                page_groups.setdefault((path.strip("/"), labels["service"]), set()).add(body["groupKey"])
    assert {where: len(keys) for where, keys in page_groups.items()} == {
        ("team-pay-critical", "api"): 1,
        ("ops-pager", "b"): 1,
        ("shared-pager", "api-v2"): 1,
        ("team-pay-critical", "gw"): 1,
    }
    tickets = {(path.strip("/"), a["labels"]["service"]) for path, body in outage for a in body["alerts"]}
    assert {("fallback", "lone"), ("fallback", "team-pay")} <= tickets
    lone_receiver = expected_receiver(platform, services, fast)
    pages = [
        body
        for path, body in handover
        if path.strip("/") == lone_receiver and body["alerts"][0]["labels"]["severity"] == "critical"
    ]
    assert len({body["groupKey"] for body in pages}) == 1, pages
    assert [body["status"] for body in pages][-1] == "resolved"


def _last_status(received: list[tuple[str, dict[str, Any]]]) -> str:
    critical = [body for _, body in received if body["alerts"][0]["labels"]["severity"] == "critical"]
    return critical[-1]["status"] if critical else ""
