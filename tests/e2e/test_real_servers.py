"""End to end on the real servers: obsc's generated rules and routes, loaded unmodified by
Prometheus 2.42 and Alertmanager 0.25 on loopback, with backfilled history.

One run serves every scenario: a fast SLO burn pages the spec's critical receiver; the same
incident's warning is inhibited, not delivered; a second team's incident reaches that team only;
healthy and idle services stay quiet; every rule group is healthy.
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from compiler.model.alerts import AlertDef
from tests.e2e import history, servers, stack

FLEET = Path(__file__).parent / "fleet"
HOUR = 3600
TRAFFIC = {
    "checkout": history.Traffic("checkout", 10, 0.0002, incident_share=0.5, incident_seconds=70 * 60),
    "ledger": history.Traffic("ledger", 4, 0.0002, incident_share=0.3, incident_seconds=70 * 60),
    "inventory": history.Traffic("inventory", 20, 0.0001),
    "quiet": history.Traffic("quiet", 0, 0),
}
# What the incidents fire, per service; every one of them has a `for:` to restore. Only the SLO pages:
# the error-rate alert measures the availability SLO's symptom, so it is a warning (model.symptoms).
FIRING = {
    "checkout": {"SLOErrorBudgetBurnFast", "ServiceHighErrorRate"},
    "ledger": {"SLOErrorBudgetBurnFast", "ServiceHighErrorRate"},
}
PAGES = {service: {"SLOErrorBudgetBurnFast"} for service in FIRING}
# Seconds of group_wait for warning and info notifications in the test's Alertmanager: longer than the time
# until Prometheus has discovered Alertmanager (5-7 s, more under load), or an alert already older than
# group_wait is flushed on arrival, before the page from another rule group can inhibit it.
WARNING_WAIT = 20


@dataclass
class Run:
    prometheus: str
    alertmanager: str
    hook: servers.Webhook
    receivers: dict[str, dict[str, str]]  # service → tier → receiver name


def _expected_to_fire(alert: AlertDef) -> bool:
    return alert.name in FIRING.get(alert.service, set()) and alert.tier.value in ("critical", "warning")


def _backfill(promtool: str, fleet: Any, tsdb: Path, work: Path) -> None:
    end = int(time.time())
    start = end - 2 * 24 * HOUR
    lines = history.fleet_history(fleet, TRAFFIC, _expected_to_fire, start, end)
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(lines)))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=72h", str(source), str(tsdb)],
        check=True,
        capture_output=True,
    )


# Test-scaled group_wait per tier, in the production order: a ticket or digest waits several evaluation
# cycles (1s here) longer than a page, as 5m/30m do against 30s and a 30s-1m cycle in the generated
# config. With 1s everywhere a warning could flush before its page, evaluated in another rule group,
# had reached Alertmanager: the test then failed about once in seven runs on a loaded machine.
GROUP_WAIT = {"critical": 1, "warning": WARNING_WAIT, "info": WARNING_WAIT}


def _group_wait(route: dict[str, Any]) -> str:
    """Pages at once; tickets and digests later than the spread between rule groups (as production)."""
    tier = next((m.split('"')[1] for m in route.get("matchers", []) if m.startswith('severity="')), "critical")
    return f"{GROUP_WAIT.get(tier, 1)}s"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with stack.compiled_stack(tmp_path_factory.mktemp("e2e"), FLEET, _backfill, _group_wait) as up:
        receivers = {s.name: {r.tier.value: r.receiver for r in s.routes} for s in up.fleet.services}
        yield Run(up.prometheus_url, up.alertmanager_url, up.hook, receivers)


def _pages(run: Run, service: str) -> set[str]:
    receiver = run.receivers[service]["critical"]
    return {
        a["labels"]["alertname"]
        for body in run.hook.by_receiver().get(receiver, [])
        for a in body["alerts"]
        if a["labels"].get("service") == service
    }


def test_a_fast_burn_pages_the_specs_critical_receiver(run: Run) -> None:
    servers.wait_until(lambda: _pages(run, "checkout") >= PAGES["checkout"], 60, what="checkout's pages")
    pages = [a for body in run.hook.by_receiver()[run.receivers["checkout"]["critical"]] for a in body["alerts"]]
    burn = next(a for a in pages if a["labels"]["alertname"] == "SLOErrorBudgetBurnFast")
    assert burn["labels"]["severity"] == "critical" and burn["labels"]["slo"] == "availability"
    assert burn["annotations"]["runbook_url"].endswith("/runbooks/checkout/SLOErrorBudgetBurnFast-availability.md")


def test_the_same_incidents_warning_is_inhibited_not_delivered(run: Run) -> None:
    servers.wait_until(lambda: _pages(run, "checkout") >= PAGES["checkout"], 60, what="checkout's pages")

    def warning_state() -> str:
        for alert in servers.get_json(run.alertmanager + "/api/v2/alerts"):
            labels = alert["labels"]
            if (labels.get("service"), labels.get("severity"), labels["alertname"]) == (
                "checkout",
                "warning",
                "ServiceHighErrorRate",
            ):
                return str(alert["status"]["state"])
        return ""

    assert servers.wait_until(lambda: warning_state() == "suppressed", 30, what="the warning in Alertmanager")
    time.sleep(GROUP_WAIT["warning"] + 3)  # the warning's group has flushed by now: a leak would have arrived
    warnings = run.hook.by_receiver().get(run.receivers["checkout"]["warning"], [])
    delivered = [a for body in warnings for a in body["alerts"] if a["labels"].get("service") == "checkout"]
    assert delivered == []


def test_a_second_teams_incident_reaches_that_team_only(run: Run) -> None:
    servers.wait_until(lambda: _pages(run, "ledger") >= PAGES["ledger"], 60, what="ledger's pages")
    assert run.receivers["ledger"]["critical"] != run.receivers["checkout"]["critical"]
    for receiver, bodies in run.hook.by_receiver().items():
        teams = {a["labels"]["team"] for body in bodies for a in body["alerts"]}
        if receiver == run.receivers["ledger"]["critical"]:
            assert teams == {"finance"}
        else:
            assert "finance" not in teams, receiver


def test_healthy_and_idle_services_stay_quiet(run: Run) -> None:
    servers.wait_until(lambda: _pages(run, "checkout") >= PAGES["checkout"], 60, what="rules to be evaluated")
    time.sleep(2)
    alerts = servers.get_json(run.prometheus + "/api/v1/alerts")["data"]["alerts"]
    noisy = [a["labels"] for a in alerts if a["labels"]["service"] in ("inventory", "quiet")]
    assert noisy == []
    assert not any(
        a["labels"].get("service") in ("inventory", "quiet") for body in run.hook.received for a in body[1]["alerts"]
    )


def test_every_rule_group_is_healthy(run: Run) -> None:
    servers.wait_until(lambda: _pages(run, "checkout"), 60, what="rules to be evaluated")
    groups = servers.get_json(run.prometheus + "/api/v1/rules")["data"]["groups"]
    assert len(groups) == 3 * len(TRAFFIC)
    evaluated = [g for g in groups if g["lastEvaluation"] != "0001-01-01T00:00:00Z"]
    assert evaluated, "no group evaluated yet"
    for group in evaluated:
        for rule in group["rules"]:
            assert rule["health"] in ("ok", "unknown"), (group["name"], rule["name"], rule.get("lastError"))
    with urllib.request.urlopen(run.prometheus + "/metrics", timeout=5) as response:
        metrics = response.read().decode()
    failures = [
        line
        for line in metrics.splitlines()
        if line.startswith("prometheus_rule_evaluation_failures_total") and not line.endswith(" 0")
    ]
    assert failures == []
