"""One incident, one page, on the real servers (Prometheus 2.42 and Alertmanager 0.25 on loopback).

- storefront: a total outage (every request fails) of a service with an availability SLO and the default
  key-metric alerts sends exactly one critical notification, and it is the SLO's burn-rate page: the
  error-rate alert measures the same symptom, so it is a warning labelled with the SLO (model.symptoms).
- nightly-report: a batch job nothing scrapes (`targets: false`, no `up` series) never raises ServiceDown,
  while vanished, with scrape targets declared and no `up` series, does (the control that shows the
  absence of `up` is what ServiceDown reacts to).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.model.alerts import service_alerts
from compiler.model.types import Fleet, Tier
from tests.e2e import history, servers, stack

FLEET = Path(__file__).parent / "one_page"
HOUR = 3600
OUTAGE = history.Traffic("storefront", 10, 0.0002, incident_share=1.0, incident_seconds=7 * HOUR)
# Seconds of group_wait in the test's Alertmanager. Longer than the ~5-7 s (more under load) until Prometheus
# has discovered Alertmanager, as production's 30s is: a group whose first alert is already older than
# group_wait is flushed at once, before the rest of the alerts (sent rule by rule, group by group) arrive.
# Tickets wait longer than pages (production: 5m against 30s), so the page is there to inhibit them.
PAGE_WAIT = 20
TICKET_WAIT = 30
OBSERVE = TICKET_WAIT - PAGE_WAIT + 10  # after the page: a second page, or a leaked ticket, would be in by then
SERVICE_DOWN = names.KEY_ALERT_NAMES["service_down"]


@dataclass
class Run:
    prometheus: str
    hook: servers.Webhook
    fleet: Fleet


def _backfill(promtool: str, fleet: Fleet, tsdb: Path, work: Path) -> None:
    """Two days of storefront traffic ending in a 7h total outage; the batch job's pushed metrics, no `up`;
    nothing at all for vanished."""
    end = int(time.time())
    start = end - 2 * 24 * HOUR
    lines = list(history.series(OUTAGE, start, end))
    for ts in range(start, end + 1, history.STEP):
        lines.append(f'report_last_success_timestamp_seconds{{job="nightly-report"}} {start} {ts}')
        lines.append(f'report_rows_written_total{{job="nightly-report"}} 1000 {ts}')
    storefront = next(s for s in fleet.services if s.name == "storefront")
    for alert in service_alerts(storefront):
        # Every alert the outage makes true fires at once, as on a server that has run through the outage:
        # whatever would page beside the SLO gets its chance to.
        if alert.window is not None or alert.name == "ServiceHighErrorRate":
            lines.extend(history.for_state({"alertname": alert.name, **alert.labels()}, end - HOUR, end))
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(lines)))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=72h", str(source), str(tsdb)],
        check=True,
        capture_output=True,
    )


def _group_wait(route: dict[str, Any]) -> str:
    """Any change of a group is notified within a second (group_interval 1s) so that a second page cannot
    hide; tickets wait for the page that inhibits them."""
    wait = PAGE_WAIT if 'severity="critical"' in route.get("matchers", []) else TICKET_WAIT
    return f"{wait}s"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with stack.compiled_stack(tmp_path_factory.mktemp("one-page"), FLEET, _backfill, _group_wait) as up:
        yield Run(up.prometheus_url, up.hook, up.fleet)


def _critical_notifications(run: Run, service: str) -> list[dict[str, Any]]:
    receiver = next(s for s in run.fleet.services if s.name == service).route(Tier.CRITICAL)
    assert receiver is not None
    return [
        body
        for body in run.hook.by_receiver().get(receiver.receiver, [])
        if any(a["labels"].get("service") == service for a in body["alerts"])
    ]


def _alerts(run: Run) -> list[dict[str, str]]:
    return [a["labels"] for a in servers.get_json(run.prometheus + "/api/v1/alerts")["data"]["alerts"]]


def test_a_total_outage_sends_exactly_one_page_and_it_is_the_slos(run: Run) -> None:
    servers.wait_until(lambda: _critical_notifications(run, "storefront"), 60 + PAGE_WAIT, what="storefront's page")
    time.sleep(OBSERVE)  # a second page (another alert, another group) would arrive within a second or two
    notifications = _critical_notifications(run, "storefront")
    assert len(notifications) == 1, [[a["labels"] for a in n["alerts"]] for n in notifications]
    paged = {(a["labels"]["alertname"], a["labels"].get("slo")) for a in notifications[0]["alerts"]}
    assert paged == {(names.SLO_BURN_FAST, "availability")}
    # The error-rate alert does see the outage: it fires, as a ticket labelled with the SLO, and is inhibited.
    firing = [a for a in _alerts(run) if a["service"] == "storefront" and a["alertname"] == "ServiceHighErrorRate"]
    assert firing and all(a["severity"] == "warning" and a["slo"] == "availability" for a in firing)
    assert not any(
        a["labels"]["service"] == "storefront" and a["labels"].get("slo") and a["labels"]["severity"] != "critical"
        for _, body in run.hook.received
        for a in body["alerts"]
    ), "a ticket of the paged incident was delivered"


def test_a_batch_job_without_up_never_raises_service_down(run: Run) -> None:
    rules = [
        rule
        for group in servers.get_json(run.prometheus + "/api/v1/rules")["data"]["groups"]
        for rule in group["rules"]
        if rule.get("labels", {}).get("service") == "nightly-report"
    ]
    assert not any(r["name"] == SERVICE_DOWN for r in rules)
    # The control: a service whose scrape targets are declared but have no `up` series is seen as down.
    servers.wait_until(
        lambda: any(a["service"] == "vanished" and a["alertname"] == SERVICE_DOWN for a in _alerts(run)),
        30,
        what="vanished's ServiceDown",
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert not any(a["service"] == "nightly-report" for a in _alerts(run))
        time.sleep(0.5)
    assert not any(a["labels"]["service"] == "nightly-report" for _, body in run.hook.received for a in body["alerts"])
