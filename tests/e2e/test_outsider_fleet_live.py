"""Round 48's outsider fleet (tests/golden/meshed-and-queued: Linkerd-meshed cart, a MySQL primary through
mysqld_exporter, Celery workers; teams web and data) on the real servers, Prometheus 2.42 and Alertmanager 0.25.

- An outage of cart (every inbound response a failure for the last hour): one notification to web's pager, the
  SLO's burn page, with the platform's runbook and Grafana links; nobody else is paged.
- Samples of the SLIs arriving over 4 minutes late (remote-write lag; 250-310 s at the start), `up` on time: no
  page, and the missing-data ticket says samples may be late (before round 48 it named only a renamed or dropped
  metric).

History is backfilled (8h at 1m scrapes, ending before the servers start: samples past the start would make
Prometheus drop its rules' results) with `for:` state, so what would fire on a server that had run through it
fires at once.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.model.alerts import service_alerts
from compiler.model.types import Fleet
from tests.e2e import history, servers, stack

SPECS = Path(__file__).parents[1] / "golden" / "meshed-and-queued" / "specs"
HOURS = 8
LAG = 250  # seconds, SLI series only: past 5m less a 1m scrape, so a 5m rate holds one sample at most
CART = {"job": "linkerd-proxy", "namespace": "shop", "deployment": "cart", "pod": "cart-1", "instance": "10.0.0.5:4191"}
DB = {"job": "mysqld-exporter", "instance": "orders-db-0"}
CELERY = {"job": "celery-exporter", "instance": "celery-exporter:9808"}
LINKERD_BUCKETS = ["5", "10", "30", "50", "100", "500", "1000", "5000", "+Inf"]
Series = tuple[str, dict[str, str], bool, Callable[[int], float], bool]  # name, labels, counter, rate/value, an SLI's


def _fleet_series(failing_since: int) -> list[Series]:
    def failing(ts: int) -> float:
        return 1.0 if ts > failing_since else 0.0003

    inbound = {**CART, "direction": "inbound", "grpc_status": ""}
    out: list[Series] = [
        ("response_total", {**inbound, "classification": "success"}, True, lambda ts: 40 * (1 - failing(ts)), True),
        ("response_total", {**inbound, "classification": "failure"}, True, lambda ts: 40 * failing(ts), True),
        ("response_latency_ms_count", inbound, True, lambda ts: 40.0, True),
    ]
    for le in LINKERD_BUCKETS:  # every response within 30 ms
        fast = 40.0 if le == "+Inf" or float(le) >= 30 else 0.0
        out.append(("response_latency_ms_bucket", {**inbound, "le": le}, True, lambda ts, v=fast: v, True))
    out += [
        ("up", CART, False, lambda ts: 1.0, False),
        ("up", DB, False, lambda ts: 1.0, False),
        ("mysql_up", DB, False, lambda ts: 1.0, False),
        ("mysql_global_status_threads_connected", DB, False, lambda ts: 40.0, False),
        ("mysql_global_variables_max_connections", DB, False, lambda ts: 151.0, False),
        ("mysql_global_status_slow_queries", DB, True, lambda ts: 0.01, False),
        ("up", CELERY, False, lambda ts: 1.0, False),
        ("celery_queue_length", {**CELERY, "queue_name": "thumbnails"}, False, lambda ts: 12.0, False),
    ]
    task = {**CELERY, "queue_name": "thumbnails", "name": "tasks.thumbnail"}
    out += [
        ("celery_task_received_total", task, True, lambda ts: 5.0, True),
        ("celery_task_failed_total", task, True, lambda ts: 0.005, True),
    ]
    return out


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _backfiller(failing_for: int, sli_lag: int) -> Callable[[str, Fleet, Path, Path], None]:
    def backfill(promtool: str, fleet: Fleet, tsdb: Path, work: Path) -> None:
        end = int(time.time())
        start = end - HOURS * 3600
        lines: list[str] = []
        for name, labels, counter, value, sli in _fleet_series(end - failing_for if failing_for else end + 1):
            total = 0.0
            for ts in range(start, end - (sli_lag if sli else 0) + 1, history.STEP):
                total += value(ts) * history.STEP
                lines.append(f"{name}{_labels(labels)} {total if counter else value(ts):.3f} {ts}")
        for service in fleet.services:
            for alert in service_alerts(service):
                lines.extend(history.for_state({"alertname": alert.name, **alert.labels()}, start, end))
        source = work / "history.om"
        source.write_text(history.openmetrics(iter(lines)))
        command = [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)]
        subprocess.run(command, check=True, capture_output=True)

    return backfill


def _wait(route: dict[str, Any]) -> str:
    return "15s" if 'severity="critical"' in route.get("matchers", []) else "20s"


@pytest.fixture
def outage(tmp_path: Path) -> Iterator[stack.Stack]:
    with stack.compiled_stack(tmp_path, SPECS, _backfiller(failing_for=3600, sli_lag=0), _wait) as run:
        yield run


@pytest.fixture
def lagging(tmp_path: Path) -> Iterator[stack.Stack]:
    with stack.compiled_stack(tmp_path, SPECS, _backfiller(failing_for=0, sli_lag=LAG), _wait) as run:
        yield run


def _alerts(run: stack.Stack, receiver: str) -> list[dict[str, Any]]:
    return [alert for body in run.hook.by_receiver().get(receiver, []) for alert in body["alerts"]]


def test_an_outage_of_cart_pages_web_once_with_working_links(outage: stack.Stack) -> None:
    servers.wait_until(lambda: outage.hook.by_receiver().get("team-web-critical"), 60, what="web's page")
    time.sleep(8)  # a second page, or a ticket the page should hold back, would be in by now (group_wait 15s/20s)
    received = outage.hook.by_receiver()
    assert len(received["team-web-critical"]) == 1, received["team-web-critical"]
    pages = {receiver for receiver in received if receiver.endswith("-critical")}
    assert pages == {"team-web-critical"}
    paged = _alerts(outage, "team-web-critical")
    assert {(a["labels"]["alertname"], a["labels"]["service"]) for a in paged} == {(names.SLO_BURN_FAST, "cart")}
    for alert in paged:
        runbook = alert["annotations"]["runbook_url"]
        assert runbook.startswith("https://wiki.example.com/runbooks/") and runbook.endswith(".md")
        assert alert["annotations"]["dashboard_url"].startswith("https://grafana.example.com/d/")
    assert not received.get("team-web-warning"), "the page holds cart's tickets back"


def test_late_samples_ticket_missing_data_saying_they_may_be_late(lagging: stack.Stack) -> None:
    def cart_ticket() -> list[dict[str, Any]]:
        return [a for a in _alerts(lagging, "team-web-warning") if a["labels"].get("service") == "cart"]

    tickets = servers.wait_until(cart_ticket, 60, what="cart's missing-data ticket")
    assert {a["labels"]["alertname"] for a in tickets} == {names.SLO_DATA_MISSING}
    for alert in tickets:
        assert "too late for a 5m rate to hold two" in alert["annotations"]["description"], alert["annotations"]
    assert not [receiver for receiver in lagging.hook.by_receiver() if receiver.endswith("-critical")]
