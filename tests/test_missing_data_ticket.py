"""One fault, one ticket: a vanished exporter (SLODataMissing and the threshold and saturation alerts' no-series
twins) and a failed CronJob (its freshness SLO's stale ticket and an alert on the Job's failures).

Round 47's live run (e2e47): redis_exporter's series gone with its target up fired SLODataMissing (slo=up) and the
threshold alerts' data="missing" twins, two tickets grouped apart (tickets group per service and SLO, the twins
carry no SLO). A service with two SLOs over one renamed metric opened a ticket per SLO. Every data="missing"
ticket of a service now shares one notification group. Checked on the emitted rows' labels (routing_cases, which
the generated amtool replay pins to the rules) walked through the emitted alertmanager.yml (route_walk, itself
checked against a real Alertmanager 0.25 in tests/test_route_walk.py), and replayed on a real Alertmanager 0.25
(the notification groups a recording webhook hears).

The same live run found a failed CronJob opening SLOFreshnessStale and the spec's `kube_job_status_failed`
alert as two tickets: an alert on a Job's failures beside a freshness SLO now carries the SLO's `slo`
(model/incidents.py), one ticket group with the stale ticket, held back by the SLO's page.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.model.types import Fleet
from compiler.output.bundle import assemble
from compiler.targets import TargetOptions, alertmanager
from compiler.targets.alertmanager.groupings import ExpectedGroupings
from compiler.targets.alertmanager.routes import teams_in_use
from compiler.targets.alertmanager.routing_tests import routing_cases
from compiler.toolcheck.route_walk import walk
from tests.conftest import require_tool
from tests.e2e import servers

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
runbook_url: https://wiki.example.net/runbooks/{path}
defaults:
  routing:
    info: {email: {to: digest@example.net}}
teams:
  edge:
    routing:
      critical: {webhook: {url: "https://oncall.example.net/hooks/edge"}}
      warning: {email: {to: edge@example.net}}
alertmanager:
  default_receiver: edge-fallback
  global: {smtp_smarthost: "smtp.example.net:587", smtp_from: alerts@example.net}
receivers:
  edge-fallback: {email: {to: sre@example.net}}
  cache-tickets: {email: {to: cache@example.net}}
"""
# A Redis seen through its exporter: redis_exporter without Redis (or with a relabelling that drops its series)
# keeps its target up and writes none of these.
REDIS = """\
apiVersion: obsc/v1
service: sessions-redis
team: edge
selector: {job: redis-exporter, namespace: sessions}
metrics:
  clients: {selector: redis_connected_clients, type: gauge, aggregation: max}
  mem_used: {selector: redis_memory_used_bytes, type: gauge, unit: bytes, aggregation: max}
  redis_up: {selector: redis_up, type: gauge, aggregation: min}
slos:
  - {name: up, objective: 99.9, sli: {good_when: "redis_up == 1"}}
threshold_alerts:
  - {name: RedisClientsHigh, metric: clients, above: 5000, for: 10m}
  - {name: RedisMemoryHigh, metric: mem_used, above: 3GiB, for: 10m}
"""
# Two SLOs over one histogram and counter: a renamed metric blinds both. Routed apart from its team (its own
# ticket receiver), so the service's own branch is walked too.
CATALOG = """\
apiVersion: obsc/v1
service: catalog
team: edge
selector: {job: catalog, namespace: shop}
routing:
  warning: cache-tickets
metrics:
  requests: http_requests_total{handler!="/metrics"}
  errors: http_requests_total{handler!="/metrics", code=~"5.."}
  latency: http_request_duration_seconds{handler!="/metrics"}
  cache_hits: {selector: catalog_cache_hit_ratio, type: gauge, aggregation: min}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 250ms}}
threshold_alerts:
  - {name: CatalogCacheCold, metric: cache_hits, below: 0.5, for: 10m}
"""
# A CronJob seen through kube-state-metrics, with the alert on its failed pods an outsider writes beside its
# freshness SLO (obsc warns of the metric, and compiles it).
CRON = """\
apiVersion: obsc/v1
service: invoice-cron
team: edge
selector: {namespace: billing}
targets: false
metrics:
  last_success:
    {selector: 'kube_cronjob_status_last_successful_time{cronjob="invoice-run"}', type: gauge, unit: dateTimeAsIso}
  failed: {selector: 'kube_job_status_failed{job_name=~"invoice-run-.*"}', type: gauge, aggregation: max}
slos:
  - {name: freshness, objective: 99, sli: {last_success: last_success, max_age: 26h}}
threshold_alerts:
  - {name: InvoiceJobFailed, metric: failed, above: 0, for: 1m, tier: warning}
"""
SPECS = (("platform", PLATFORM), ("sessions-redis", REDIS), ("catalog", CATALOG), ("invoice-cron", CRON))


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Fleet, dict[str, Any]]:
    root: Path = tmp_path_factory.mktemp("missing-ticket")
    for name, text in SPECS:
        (root / f"{name}.yaml").write_text(text)
    fleet, _ = load_fleet([str(root)], CompileOptions(), {})
    bundle = assemble(alertmanager.fleet_artifacts(fleet, TargetOptions()), "obsc compile")
    artifact = bundle.get(names.ALERTMANAGER_CONFIG)
    assert artifact is not None
    return fleet, yaml.safe_load(artifact.content)


def _groups(fleet: Fleet, config: dict[str, Any], service: str) -> dict[tuple[Any, ...], list[str]]:
    """The notification groups the service's tickets of missing data fall in: (route, group labels) -> alerts."""
    found: dict[tuple[Any, ...], list[str]] = {}
    for row in routing_cases(fleet):
        labels = {k: str(v) for k, v in row["labels"].items()}
        missing = labels.get("alertname") == names.SLO_DATA_MISSING or labels.get(names.LABEL_DATA) == "missing"
        ticket = labels.get(names.LABEL_SEVERITY) == "warning" and "alertname" in labels  # not a leaf's own row
        if row["service"] != service or not missing or not ticket:
            continue
        (landing,) = walk(config["route"], labels)
        key = (landing.path, landing.receiver, landing.group_labels(labels))
        found.setdefault(key, []).append(labels["alertname"] + (f"/{labels['slo']}" if "slo" in labels else ""))
    return found


def test_a_vanished_exporter_is_one_ticket(compiled: tuple[Fleet, dict[str, Any]]) -> None:
    """SLODataMissing of slo=up and both threshold twins: one group (two before: per service and SLO)."""
    groups = _groups(*compiled, "sessions-redis")
    assert list(groups.values()) == [["SLODataMissing/up", "RedisClientsHigh", "RedisMemoryHigh"]], groups
    ((_, receiver, _),) = groups
    assert receiver == "team-edge-warning"


def test_two_slos_over_one_renamed_metric_are_one_ticket(compiled: tuple[Fleet, dict[str, Any]]) -> None:
    """A service routed apart: its own branch's leaf groups its SLOs' SLODataMissing and the threshold's twin
    together (three groups before), at its own ticket receiver."""
    groups = _groups(*compiled, "catalog")
    assert sorted(sorted(v) for v in groups.values()) == [
        ["CatalogCacheCold", "SLODataMissing/availability", "SLODataMissing/latency"]
    ], groups
    ((_, receiver, _),) = groups
    assert receiver == "cache-tickets"


def test_other_tickets_keep_their_groups(compiled: tuple[Fleet, dict[str, Any]]) -> None:
    """Only missing data moved: a slow burn still groups per SLO, apart from the missing-data group, and the
    threshold alert itself (its value over the line) stays in the service's no-SLO ticket group."""
    fleet, config = compiled
    rows = [r for r in routing_cases(fleet) if r["service"] == "catalog" and r["labels"].get("severity") == "warning"]

    def group(alert: str, slo: str | None, data: str | None) -> tuple[Any, ...]:
        row = next(
            r
            for r in rows
            if r["alert"] == alert and r["labels"].get("slo") == slo and r["labels"].get(names.LABEL_DATA) == data
        )
        labels = {k: str(v) for k, v in row["labels"].items()}
        (landing,) = walk(config["route"], labels)
        return landing.path, landing.group_labels(labels)

    slow_availability = group(names.SLO_BURN_SLOW, "availability", None)
    slow_latency = group(names.SLO_BURN_SLOW, "latency", None)
    missing = group(names.SLO_DATA_MISSING, "availability", "missing")
    over_line = group("CatalogCacheCold", None, None)
    assert len({slow_availability, slow_latency, missing, over_line}) == 4


def _landing(fleet: Fleet, config: dict[str, Any], service: str, alert: str, data: str | None = None) -> Any:
    row = next(
        r
        for r in routing_cases(fleet)
        if r["service"] == service and r["alert"] == alert and r["labels"].get(names.LABEL_DATA) == data
    )
    labels = {k: str(v) for k, v in row["labels"].items()}
    (landing,) = walk(config["route"], labels)
    return labels, (landing.path, landing.receiver, landing.group_labels(labels))


def test_a_failed_cronjob_is_one_ticket(compiled: tuple[Fleet, dict[str, Any]]) -> None:
    """The failed-pods alert fires at the failure, the stale ticket max_age later: one group (two before), and the
    alert carries the freshness SLO's `slo`, so the SLO's page holds it back as its own ticket."""
    failed, failed_group = _landing(*compiled, "invoice-cron", "InvoiceJobFailed")
    _, stale_group = _landing(*compiled, "invoice-cron", names.SLO_FRESHNESS_STALE)
    assert failed_group == stale_group
    assert failed[names.LABEL_SLO] == "freshness"


def _post_and_hear(tmp_path: Path, alerts: list[dict[str, str]], receiver: str) -> list[set[str]]:
    """The alert names of each notification group `receiver` heard, the alerts posted at once to a real
    Alertmanager 0.25 loaded with the compiled alertmanager.yml (tier timers scaled to seconds)."""
    binary = require_tool("prometheus-alertmanager")
    fleet, _ = load_fleet([str(tmp_path / "specs")], CompileOptions(), {})
    for artifact in alertmanager.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    with servers.webhook() as hook:
        generated = tmp_path / "out" / names.ALERTMANAGER_CONFIG
        config = servers.alertmanager_test_config(generated, lambda route: "2s", hook.url)
        with servers.alertmanager(binary, config, tmp_path) as server:
            servers.api_json(server.url + "/api/v2/alerts", [{"labels": labels} for labels in alerts])
            servers.wait_until(lambda: hook.by_receiver().get(receiver), 20, what="a notification")
            time.sleep(3)  # a second group, if any, flushes within its 2s group_wait too
    groups: dict[str, set[str]] = {}
    for body in hook.by_receiver()[receiver]:
        groups.setdefault(body["groupKey"], set()).update(a["labels"]["alertname"] for a in body["alerts"])
    return list(groups.values())


def _specs(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    for name, text in SPECS:
        (tmp_path / "specs" / f"{name}.yaml").write_text(text)


def test_live_a_vanished_exporter_notifies_once(tmp_path: Path, compiled: tuple[Fleet, dict[str, Any]]) -> None:
    """redis_exporter's series gone with its target up, as round 47's live run fired it: one notification group
    (two before: SLODataMissing's and the twins')."""
    _specs(tmp_path)
    fleet, _ = compiled
    fired = [
        {k: str(v) for k, v in r["labels"].items()}
        for r in routing_cases(fleet)
        if r["service"] == "sessions-redis" and r["labels"].get(names.LABEL_DATA) == "missing"
    ]
    assert sorted(f["alertname"] for f in fired) == ["RedisClientsHigh", "RedisMemoryHigh", names.SLO_DATA_MISSING]
    heard = _post_and_hear(tmp_path, fired, "team-edge-warning")
    assert heard == [{names.SLO_DATA_MISSING, "RedisClientsHigh", "RedisMemoryHigh"}], heard


def test_live_a_failed_cronjob_notifies_once(tmp_path: Path, compiled: tuple[Fleet, dict[str, Any]]) -> None:
    _specs(tmp_path)
    fleet, _ = compiled
    fired = [
        {k: str(v) for k, v in r["labels"].items()}
        for r in routing_cases(fleet)
        if r["service"] == "invoice-cron"
        and r["alert"] in ("InvoiceJobFailed", names.SLO_FRESHNESS_STALE)
        and names.LABEL_DATA not in r["labels"]
    ]
    heard = _post_and_hear(tmp_path, fired, "team-edge-warning")
    assert heard == [{"InvoiceJobFailed", names.SLO_FRESHNESS_STALE}], heard


def test_the_routing_tests_expect_the_group_a_missing_data_ticket_lands_in(
    compiled: tuple[Fleet, dict[str, Any]],
) -> None:
    """The generated amtool rows expect each missing-data ticket grouped by (service, data), as the route groups it
    (a hand mutant of round 48 expecting its old per-SLO group passed every test above)."""
    fleet, config = compiled
    expected = ExpectedGroupings(fleet, frozenset(team for team, _ in teams_in_use(fleet)))
    seen = 0
    for row in routing_cases(fleet):
        labels = {k: str(v) for k, v in row["labels"].items()}
        if labels.get(names.LABEL_DATA) != "missing" or labels.get(names.LABEL_SEVERITY) != "warning":
            continue
        (landing,) = walk(config["route"], labels)
        assert expected.of(labels).group_by == landing.group_by == (names.LABEL_SERVICE, names.LABEL_DATA), labels
        seen += 1
    assert seen >= 4
