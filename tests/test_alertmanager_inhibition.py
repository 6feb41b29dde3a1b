"""Inhibition on a real Alertmanager 0.25 (amtool cannot test it): the generated alertmanager.yml is
loaded unmodified on loopback, alerts are posted through the API, and each one's state is read back.

Alertmanager decides "inhibited" against the sources its inhibitor has seen at that moment; the
inhibitor learns of new alerts asynchronously. In production the page is active long before a
warning's group flushes (warning group_wait 5m vs a page within an evaluation cycle), so the tests
post the pages first, wait until the inhibitor provably has them (a sentinel posted after them is
suppressed), and only then post what they should silence. The race itself is a test of its own:
a warning read before its page exists is active, and becomes suppressed once the page arrives.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.model.types import Tier
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.alertmanager.routes import TIER_TIMING
from compiler.targets.base import TargetOptions
from tests.conftest import ROOT, require_tool
from tests.e2e import servers


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = require_tool("prometheus-alertmanager")
    root = tmp_path_factory.mktemp("am")
    # Only this target's output: the server test must not depend on the other targets being green.
    fleet, _ = load_fleet([str(ROOT / "examples")], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (root / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (root / "out" / artifact.path).write_text(artifact.content)
    with servers.alertmanager(binary, root / "out" / names.ALERTMANAGER_CONFIG, root) as server:
        yield server.url


def _alert(name: str, severity: str, service: str, team: str, slo: str | None = None, **extra: str) -> dict[str, Any]:
    labels = {"alertname": name, "severity": severity, "service": service, "team": team, **extra}
    if slo:
        labels["slo"] = slo
    return {"labels": labels}


POSTED = {
    # checkout availability: fast burn pages; slow burn and the budget digest of the same SLO are held back
    "page": _alert("SLOErrorBudgetBurnFast", "critical", "checkout", "payments", "availability", burn_window="fast"),
    "ticket-same-slo": _alert(
        "SLOErrorBudgetBurnSlow", "warning", "checkout", "payments", "availability", burn_window="slow"
    ),
    "digest-same-slo": _alert("SLOErrorBudgetLow", "info", "checkout", "payments", "availability"),
    # ... but another SLO of the same service, and the same SLO name on another service, still notify
    "ticket-other-slo": _alert("SLOErrorBudgetBurnSlow", "warning", "checkout", "payments", "latency"),
    "ticket-other-service": _alert("SLOErrorBudgetBurnSlow", "warning", "billing", "payments", "availability"),
    # order-worker is down: its tickets and digests are consequences, and so are its pages of ServiceDown's own
    # notification group (no slo); an SLO's page is another group, which may have rung before the targets went
    # down: muted, its resolve would be lost too (test_a_page_that_rang_before_service_down_still_resolves)
    "down": _alert("ServiceDown", "critical", "order-worker", "fulfilment"),
    "page-while-down": _alert("SLOErrorBudgetBurnFast", "critical", "order-worker", "fulfilment", "processing"),
    "key-page-while-down": _alert("ServiceHighLatencyP99", "critical", "order-worker", "fulfilment"),
    "key-while-down": _alert("ServiceHighErrorRate", "warning", "order-worker", "fulfilment"),
    "slo-ticket-while-down": _alert("SLOErrorBudgetBurnSlow", "warning", "order-worker", "fulfilment", "processing"),
    # search: a warning-tier ServiceDown holds back digests and its own group's tickets, never a page
    "warning-down": _alert("ServiceDown", "warning", "search", "search"),
    "page-beside-warning-down": _alert("SLOErrorBudgetBurnFast", "critical", "search", "search", "latency"),
    "ticket-while-warning-down": _alert("SLOErrorBudgetBurnSlow", "warning", "search", "search", "availability"),
    "key-ticket-while-warning-down": _alert("ServiceCPUSaturation", "warning", "search", "search"),
    "digest-while-warning-down": _alert("SLOErrorBudgetLow", "info", "search", "search", "availability"),
    # a key-metric page holds back the same service's key-metric tickets (no slo label on either)
    "key-page": _alert("ServiceHighLatencyP99", "critical", "ledger", "payments"),
    "key-ticket": _alert("ServiceHighLatencyP99", "warning", "ledger", "payments"),
    "key-other-ticket": _alert("ServiceCPUSaturation", "warning", "ledger", "payments"),
    "slo-ticket-beside-key-page": _alert("SLOErrorBudgetBurnSlow", "warning", "ledger", "payments", "availability"),
    # a key-metric alert that measures an SLO's symptom carries its slo: the SLO's burn alert is the one
    # notification at its tier, but a ticket never silences a page
    "key-page-same-slo": _alert("ServiceHighErrorRate", "critical", "checkout", "payments", "availability"),
    "key-page-other-slo": _alert("ServiceHighLatencyP99", "critical", "checkout", "payments", "freshness"),
    "slo-ticket": _alert("SLOErrorBudgetBurnSlow", "warning", "billing", "payments", "correctness"),
    "key-ticket-same-slo": _alert("ServiceHighErrorRate", "warning", "billing", "payments", "correctness"),
    "key-page-beside-slo-ticket": _alert("ServiceHighErrorRate", "critical", "refunds", "payments", "availability"),
    "slo-ticket-beside-key-page-same-slo": _alert(
        "SLOErrorBudgetBurnSlow", "warning", "refunds", "payments", "availability"
    ),
    # SLOs over the same failures are one incident (`incident`): an SLO kept per route pages for one route, and the
    # ticket of the SLO kept for the whole service, the same outage, is held back as the paging SLO's own would be;
    # an incident of its own (latency) still notifies (found by a hunt, round 29: it rang beside the page)
    "page-of-a-shared-incident": _alert(
        "SLOErrorBudgetBurnFast", "critical", "shop", "payments", "availability", incident="all", route="/pay"
    ),
    "ticket-of-the-same-incident": _alert(
        "SLOErrorBudgetBurnSlow", "warning", "shop", "payments", "all", incident="all"
    ),
    "digest-of-the-same-incident": _alert("SLOErrorBudgetLow", "info", "shop", "payments", "all", incident="all"),
    "ticket-of-another-incident": _alert(
        "SLOErrorBudgetBurnSlow", "warning", "shop", "payments", "latency", incident="latency"
    ),
    # inhibition stays inside a team, and only an alert naming a service silences: another team's alert on a
    # same-named service, or a hand-written page without one (a label missing on both sides reads as equal)
    "other-team-same-service": _alert("SLOErrorBudgetBurnSlow", "warning", "checkout", "search", "availability"),
    "page-without-service": {"labels": {"alertname": "KubeAPIDown", "severity": "critical", "team": "platform"}},
    "ticket-without-service": {"labels": {"alertname": "QueueBacklog", "severity": "warning", "team": "fulfilment"}},
    # ... nor an alert without a `team` (round 30): the cluster's own alerts carry the `service` of the scraped
    # target (the Prometheus Operator's `service="kube-state-metrics"` on every kube-state-metrics alert) and no
    # team, slo or incident, so one critical of them silenced every such warning of every namespace
    "foreign-page-without-team": {
        "labels": {"alertname": "KubeStateMetricsListErrors", "severity": "critical", "service": "kube-state-metrics"}
    },
    "foreign-ticket-without-team": {
        "labels": {
            "alertname": "KubePodCrashLooping",
            "severity": "warning",
            "service": "kube-state-metrics",
            "namespace": "shop",
        }
    },
    "foreign-down-without-team": {
        "labels": {"alertname": "ServiceDown", "severity": "critical", "service": "legacy-cron"}
    },
    "foreign-digest-without-team": {
        "labels": {"alertname": "CronJobLate", "severity": "info", "service": "legacy-cron"}
    },
}
SUPPRESSED = {
    "ticket-same-slo",
    "digest-same-slo",
    "key-page-while-down",
    "key-while-down",
    "slo-ticket-while-down",
    "key-ticket-while-warning-down",
    "digest-while-warning-down",
    "key-ticket",
    "key-other-ticket",
    "key-page-same-slo",
    "key-ticket-same-slo",
    "slo-ticket-beside-key-page-same-slo",  # a page silences the ticket, never the other way round
    "ticket-of-the-same-incident",
    "digest-of-the-same-incident",
}
# Posted after the sources and silenced by the last of them: once it reads suppressed, the inhibitor
# has seen every source (Alertmanager hands alerts to it in the order they were posted).
SENTINEL_SOURCE = _alert("ServiceDown", "critical", "zz-sentinel", "payments")
SENTINEL = _alert("ServiceHighErrorRate", "warning", "zz-sentinel", "payments")


def _key(alert: dict[str, Any]) -> str:
    return json.dumps(alert["labels"], sort_keys=True)


def _states(alertmanager: str) -> dict[str, dict[str, Any]]:
    return {_key(a): a["status"] for a in servers.api_json(alertmanager + "/api/v2/alerts")}


@pytest.fixture(scope="module")
def states(alertmanager: str) -> dict[str, dict[str, Any]]:
    sources = [a for key, a in POSTED.items() if key not in SUPPRESSED]
    servers.api_json(alertmanager + "/api/v2/alerts", [*sources, SENTINEL_SOURCE])
    servers.api_json(alertmanager + "/api/v2/alerts", [SENTINEL])
    servers.wait_until(
        lambda: _states(alertmanager).get(_key(SENTINEL), {}).get("state") == "suppressed",
        10,
        0.05,
        "the inhibitor to see the pages",
    )
    servers.api_json(alertmanager + "/api/v2/alerts", [a for key, a in POSTED.items() if key in SUPPRESSED])
    found = _states(alertmanager)
    return {key: found[_key(a)] for key, a in POSTED.items()}


@pytest.mark.parametrize("key", sorted(POSTED))
def test_inhibition_on_a_real_alertmanager(states: dict[str, dict[str, Any]], key: str) -> None:
    status = states[key]
    if key in SUPPRESSED:
        assert status["state"] == "suppressed" and status["inhibitedBy"], status
    else:
        assert status["state"] == "active" and not status["inhibitedBy"], status


def test_a_warning_read_before_its_page_exists_is_not_silenced(alertmanager: str) -> None:
    """The race the ordering above avoids, shown on purpose: inhibition is decided against the pages the
    inhibitor has at that moment, which is why a warning's group_wait must outlast a page's arrival."""
    ticket = _alert("SLOErrorBudgetBurnSlow", "warning", "race", "payments", "availability", burn_window="slow")
    page = _alert("SLOErrorBudgetBurnFast", "critical", "race", "payments", "availability", burn_window="fast")
    servers.api_json(alertmanager + "/api/v2/alerts", [ticket])
    assert _states(alertmanager)[_key(ticket)]["state"] == "active"
    servers.api_json(alertmanager + "/api/v2/alerts", [page])
    servers.wait_until(
        lambda: _states(alertmanager)[_key(ticket)]["state"] == "suppressed", 10, 0.05, "the page to silence it"
    )


def test_tickets_wait_several_evaluation_cycles_longer_than_pages() -> None:
    """What keeps the race out of production: a warning or info group flushes minutes after a page's would.
    Rule groups evaluate every evaluation_interval (Prometheus' default 1m) and the page is sent on the
    cycle it fires, so two cycles of head start cover the spread between concurrently evaluated groups."""
    cycle = 60
    page = TIER_TIMING[Tier.CRITICAL].group_wait
    for tier in (Tier.WARNING, Tier.INFO):
        assert TIER_TIMING[tier].group_wait >= page + 2 * cycle, tier


def _resolved(alert: dict[str, Any]) -> dict[str, Any]:
    ended = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    return {**alert, "endsAt": ended.isoformat()}


def test_a_page_that_rang_before_service_down_still_resolves(tmp_path: Path) -> None:
    """Alertmanager 0.25 mutes an inhibited alert's resolve too: an SLO's page that rang before the service's
    targets went down, then was silenced by ServiceDown, resolved unheard, and its PagerDuty incident stayed open
    for good. ServiceDown silences no SLO's page; since round 40 both are one notification group (pages group per
    service): the page's resolve is told in that group's next notification, and the group resolves with ServiceDown."""
    binary = require_tool("prometheus-alertmanager")
    fleet, _ = load_fleet([str(ROOT / "examples")], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    page = _alert("SLOErrorBudgetBurnFast", "critical", "checkout", "payments", "availability", burn_window="fast")
    down = _alert("ServiceDown", "critical", "checkout", "payments")
    with servers.webhook() as hook:
        generated = tmp_path / "out" / names.ALERTMANAGER_CONFIG
        config = servers.alertmanager_test_config(generated, lambda route: "1s", hook.url, send_resolved=True)
        with servers.alertmanager(binary, config, tmp_path) as server:

            def heard(status: str, alertname: str, group: str | None = None) -> bool:
                """An alert of `status` told (whatever the notification's own status, or the group's `group`)."""
                return any(
                    a["status"] == status and a["labels"]["alertname"] == alertname and group in (None, body["status"])
                    for _, body in list(hook.received)
                    for a in body["alerts"]
                )

            servers.api_json(server.url + "/api/v2/alerts", [page])
            servers.wait_until(lambda: heard("firing", names.SLO_BURN_FAST), 15, what="the page")
            servers.api_json(server.url + "/api/v2/alerts", [page, down])
            servers.wait_until(lambda: heard("firing", "ServiceDown"), 15, what="ServiceDown's page")
            servers.api_json(
                server.url + "/api/v2/alerts", [_resolved(page), down]
            )  # the burn ends, the targets are still down
            servers.wait_until(lambda: heard("resolved", names.SLO_BURN_FAST), 15, what="the page's resolve")
            servers.api_json(server.url + "/api/v2/alerts", [_resolved(page), _resolved(down)])
            servers.wait_until(lambda: heard("resolved", "ServiceDown", "resolved"), 15, what="the group's resolve")
    assert len({body["groupKey"] for _, body in hook.received}) == 1, "the page and ServiceDown paged apart"
