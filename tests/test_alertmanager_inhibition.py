"""Inhibition on a real Alertmanager 0.25 (amtool cannot test it): the generated alertmanager.yml is
loaded unmodified on loopback, alerts are posted through the API, and each one's state is read back."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.base import TargetOptions
from tests.conftest import ROOT, require_tool
from tests.e2e import servers


def _request(url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read()
        return json.loads(text) if text else None


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = require_tool("prometheus-alertmanager")
    root = tmp_path_factory.mktemp("am")
    # Only this target's output: the server test must not depend on the other targets being green.
    fleet, _ = load_fleet([str(ROOT / "examples")], CompileOptions(), {})
    config = next(
        a for a in alertmanager_target.fleet_artifacts(fleet, TargetOptions()) if a.path == names.ALERTMANAGER_CONFIG
    )
    (root / "out" / names.ALERTMANAGER_DIR).mkdir(parents=True)
    (root / "out" / config.path).write_text(config.content)
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
    # order-worker is down: its other alerts are consequences, whatever their tier
    "down": _alert("ServiceDown", "critical", "order-worker", "fulfilment"),
    "page-while-down": _alert("SLOErrorBudgetBurnFast", "critical", "order-worker", "fulfilment", "processing"),
    "key-while-down": _alert("ServiceHighErrorRate", "warning", "order-worker", "fulfilment"),
    # search: a warning-tier ServiceDown holds back tickets but never a page
    "warning-down": _alert("ServiceDown", "warning", "search", "search"),
    "page-beside-warning-down": _alert("SLOErrorBudgetBurnFast", "critical", "search", "search", "latency"),
    "ticket-while-warning-down": _alert("SLOErrorBudgetBurnSlow", "warning", "search", "search", "availability"),
    # a key-metric page holds back the same service's key-metric tickets (no slo label on either)
    "key-page": _alert("ServiceHighLatencyP99", "critical", "ledger", "payments"),
    "key-ticket": _alert("ServiceHighLatencyP99", "warning", "ledger", "payments"),
    "key-other-ticket": _alert("ServiceCPUSaturation", "warning", "ledger", "payments"),
    "slo-ticket-beside-key-page": _alert("SLOErrorBudgetBurnSlow", "warning", "ledger", "payments", "availability"),
}
SUPPRESSED = {
    "ticket-same-slo",
    "digest-same-slo",
    "page-while-down",
    "key-while-down",
    "ticket-while-warning-down",
    "key-ticket",
    "key-other-ticket",
}


@pytest.fixture(scope="module")
def states(alertmanager: str) -> dict[str, dict[str, Any]]:
    _request(alertmanager + "/api/v2/alerts", list(POSTED.values()))
    by_labels = {json.dumps(a["labels"], sort_keys=True): key for key, a in POSTED.items()}
    deadline = time.monotonic() + 10
    while True:
        found = {
            by_labels.get(json.dumps(a["labels"], sort_keys=True)): a["status"]
            for a in _request(alertmanager + "/api/v2/alerts")
        }
        if set(POSTED) <= set(found) or time.monotonic() > deadline:
            return {k: v for k, v in found.items() if k is not None}
        time.sleep(0.1)


@pytest.mark.parametrize("key", sorted(POSTED))
def test_inhibition_on_a_real_alertmanager(states: dict[str, dict[str, Any]], key: str) -> None:
    status = states[key]
    if key in SUPPRESSED:
        assert status["state"] == "suppressed" and status["inhibitedBy"], status
    else:
        assert status["state"] == "active" and not status["inhibitedBy"], status
