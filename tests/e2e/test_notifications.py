"""Notifications end to end on the real servers (Prometheus 2.42, Alertmanager 0.25 on loopback).

- A fast burn on a service whose page goes to Slack: the Slack-format sink that the receiver's
  `api_url_file` points at receives a message whose text carries the alert's summary and runbook URL
  (rendered by the generated template file, which alertmanager.yml lists relative to itself).
- An alert that carries only `team=<team>` (no service obsc compiled, no severity) reaches that
  team's receiver, and one with a severity reaches the team's receiver for that tier; another team's
  receivers hear nothing of it.

The generated alertmanager.yml is used as written except for group timings, scaled to seconds in a
copy beside it (so its relative `templates:` entry still resolves).
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.model.alerts import service_alerts
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import history, servers

HOUR = 3600
RUNBOOKS = "https://runbooks.example"

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
runbook_url: https://runbooks.example/{{path}}
grafana_url: https://grafana.example
teams:
  payments:
    routing:
      critical: {{slack: {{channel: "#payments-oncall", api_url_file: {slack_url_file}}}}}
      warning: {{webhook: {{url: "{hook}/payments-tickets"}}}}
      info: {{webhook: {{url: "{hook}/payments-digest"}}}}
  stock:
    routing:
      critical: {{webhook: {{url: "{hook}/stock-page"}}}}
      warning: {{webhook: {{url: "{hook}/stock-tickets"}}}}
secrets: {{team_root: "{secrets}/{{team}}/", shared_root: "{secrets}-platform/"}}
"""

# A service unlike the examples: a payment API of team payments on a 7-day period, no latency metric.
CHECKOUT = """\
apiVersion: obsc/v1
service: checkout
team: payments
selector: {job: checkout}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.5, period: 7d, sli: {errors: errors, total: requests}}
alerts: {error_rate: false, traffic_anomaly: false}
"""


@dataclass
class Run:
    alertmanager: str
    hook: servers.Webhook


def _backfill(promtool: str, fleet: Any, tsdb: Path, work: Path) -> None:
    end = int(time.time())
    start = end - 2 * 24 * HOUR
    traffic = history.Traffic("checkout", 10, 0.0002, incident_share=0.5, incident_seconds=70 * 60)
    lines = list(history.series(traffic, start, end))
    for alert in service_alerts(fleet.services[0]):
        if alert.window is not None and alert.window.name == "fast":  # restore its `for:` as a restart would
            lines.extend(history.for_state({"alertname": alert.name, **alert.labels()}, end - HOUR, end))
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(lines)))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=72h", str(source), str(tsdb)],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    alertmanager_bin = require_tool("prometheus-alertmanager")
    work = tmp_path_factory.mktemp("notify")
    with servers.webhook() as hook:
        slack_url_file = work / "secrets" / "payments" / "slack-url"  # a team's own folder, as secret roots want
        slack_url_file.parent.mkdir(parents=True)
        slack_url_file.write_text(f"{hook.url}/slack\n")
        specs = work / "specs"
        specs.mkdir()
        (specs / "platform.yaml").write_text(
            PLATFORM.format(slack_url_file=slack_url_file, hook=hook.url, secrets=work / "secrets")
        )
        (specs / "checkout.yaml").write_text(CHECKOUT)
        out = work / "generated"
        compilation = compile_specs([str(specs)], CompileOptions())
        writer.write(writer.plan(compilation.bundle, str(out)))
        _backfill(promtool, compilation.fleet, work / "tsdb", work)
        am_config = servers.alertmanager_test_config(out / names.ALERTMANAGER_CONFIG, lambda route: "1s")
        with servers.alertmanager(alertmanager_bin, am_config, work) as am:
            prom_config = servers.prometheus_test_config(work, out / names.PROMETHEUS_RULES_DIR, am.url)
            with servers.prometheus(
                prometheus_bin, prom_config, work / "tsdb", work, extra=["--rules.alert.for-grace-period=1s"]
            ):
                yield Run(am.url, hook)


def _slack_messages(run: Run) -> list[dict[str, Any]]:
    return [attachment for body in run.hook.by_receiver().get("slack", []) for attachment in body["attachments"]]


def test_the_slack_sink_gets_the_summary_and_the_runbook_link(run: Run) -> None:
    def page() -> dict[str, Any] | None:
        return next((m for m in _slack_messages(run) if "SLOErrorBudgetBurnFast" in m["title"]), None)

    message = servers.wait_until(page, 60, what="the page in the Slack sink")
    body = next(b for b in run.hook.by_receiver()["slack"] if message in b["attachments"])
    assert body["channel"] == "#payments-oncall"
    runbook = f"{RUNBOOKS}/runbooks/checkout/SLOErrorBudgetBurnFast-availability.md"
    assert f"<{runbook}|Runbook>" in message["text"]
    summary = _fired_summary(run)
    assert summary and summary in message["text"]
    assert message["title"].startswith("[FIRING:") and "CRITICAL checkout / SLO availability" in message["title"]
    assert "| severity: critical | service: checkout | SLO: availability" in message["text"]
    assert message["title_link"].startswith("https://grafana.example/")
    assert message["color"] == "danger"


def _fired_summary(run: Run) -> str:
    for alert in servers.get_json(run.alertmanager + "/api/v2/alerts"):
        if alert["labels"].get("alertname") == "SLOErrorBudgetBurnFast":
            return str(alert["annotations"]["summary"])
    return ""


def _post(run: Run, labels: dict[str, str]) -> None:
    request = urllib.request.Request(
        run.alertmanager + "/api/v2/alerts",
        data=json.dumps([{"labels": labels, "annotations": {"summary": "posted by hand"}}]).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def _received(run: Run, receiver_path: str, labels: dict[str, str]) -> bool:
    return any(
        a["labels"] == labels for body in run.hook.by_receiver().get(receiver_path, []) for a in body.get("alerts", [])
    )


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        ({"team": "stock"}, "stock-tickets"),  # only the team: its warning receiver, nobody is woken
        ({"team": "stock", "severity": "critical", "alertname": "WarehouseScannerOffline"}, "stock-page"),
        ({"team": "payments", "severity": "warning", "service": "not-in-any-spec"}, "payments-tickets"),
    ],
)
def test_an_alert_with_only_a_team_reaches_that_team(run: Run, labels: dict[str, str], receiver: str) -> None:
    _post(run, labels)
    servers.wait_until(lambda: _received(run, receiver, labels), 30, what=f"{labels} at {receiver}")
    time.sleep(1.5)  # a second delivery elsewhere would have flushed by now (group_wait 1s)
    elsewhere = {path for path in run.hook.by_receiver() if path != receiver and _received(run, path, labels)}
    assert elsewhere == set()
