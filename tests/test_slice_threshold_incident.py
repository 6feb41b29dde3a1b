"""A threshold alert over a time-slice SLO's gauge, on the bad side of its condition, is that SLO's incident.

A Kafka consumer kept `good_when: lag < 50000` and a critical `lag above 500000` by topic: a stuck consumer paged
the SLO (6h14 in the round 34 replay) and, 35 minutes later, the threshold alert as a second page in a
notification group of its own (no `slo`). Like an alert over an SLO's own errors series (docs/threshold-alerts.md)
it now carries the SLO's `slo`, so both ring in one notification group on a real Alertmanager 0.25; an early
warning short of the SLO's line, or on the good side of it, stays apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs, load_fleet
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.base import TargetOptions
from tests.conftest import require_tool
from tests.e2e import servers

SPEC = """\
apiVersion: obsc/v1
service: pg-replica-7
team: dba
selector: {job: pg-replica}
targets: false
metrics:
  repl_lag: {selector: pg_replication_lag_seconds, type: gauge, aggregation: max}
  replicas_ok: {selector: pg_replica_streaming, type: gauge, aggregation: min}
slos:
  - {name: fresh-reads, objective: 99.5, sli: {good_when: "repl_lag < 30"}}
  - {name: streaming, objective: 99, sli: {good_when: "replicas_ok == 1"}}
threshold_alerts:
  - {name: ReplicationLagCritical, metric: repl_lag, above: 300, tier: critical, by: [replica]}
  - {name: ReplicationLagEarly, metric: repl_lag, above: 10, tier: warning}
  - {name: ReplicaNotStreaming, metric: replicas_ok, below: 1, tier: warning}
  - {name: ReplicaOverCounted, metric: replicas_ok, above: 1, tier: info}
  - {name: ReplicaSeen, metric: replicas_ok, above: 0.5, tier: info}
routing:
  critical: {webhook: {url: "https://pager.example.net/dba"}}
  warning: {webhook: {url: "https://queue.example.net/dba"}}
  info: {webhook: {url: "https://digest.example.net/dba"}}
"""


def _specs(tmp_path: Path, spec: str = SPEC) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "pg-replica-7.yaml").write_text(spec)
    return specs


def _slo_labels(tmp_path: Path, spec: str = SPEC) -> dict[str, set[str | None]]:
    bundle = compile_specs([str(_specs(tmp_path, spec))], CompileOptions()).bundle
    rules = yaml.safe_load(next(a.content for a in bundle.artifacts if a.path == "prometheus/rules/pg-replica-7.yaml"))
    found: dict[str, set[str | None]] = {}
    for rule in (r for g in rules["groups"] for r in g["rules"] if "alert" in r):
        found.setdefault(rule["alert"], set()).add(rule["labels"].get("slo"))
    return found


@pytest.mark.parametrize(
    ("alert", "slo"),
    [
        ("ReplicationLagCritical", "fresh-reads"),  # 300s of lag is a bad slice of `lag < 30`
        ("ReplicaNotStreaming", "streaming"),  # below 1 is not `== 1`
        ("ReplicationLagEarly", None),  # 10s is short of the SLO's 30s: an early warning of its own
        ("ReplicaOverCounted", "streaming"),  # above 1 is not `== 1` either
        ("ReplicaSeen", None),  # above 0.5 holds at 1 too: not the SLO's failure
    ],
)
def test_the_alert_carries_the_slo_whose_bad_slices_it_fires_on(tmp_path: Path, alert: str, slo: str | None) -> None:
    assert _slo_labels(tmp_path)[alert] == {slo}  # the alert and its missing-data twin alike


# The lines on the SLO's own line and the other comparisons (round 35 review: a mutant read `above` at the line
# as apart, one dropped `<=` or `>=`, one joined an alert on the good side: each survived the cases above).
EDGES = (
    SPEC.replace(
        '  - {name: streaming, objective: 99, sli: {good_when: "replicas_ok == 1"}}\n',
        '  - {name: streaming, objective: 99, sli: {good_when: "replicas_ok >= 1"}}\n'
        '  - {name: depth, objective: 99, sli: {good_when: "queue_depth <= 100"}}\n',
    )
    .replace(
        "  replicas_ok: {selector: pg_replica_streaming, type: gauge, aggregation: min}\n",
        "  replicas_ok: {selector: pg_replica_streaming, type: gauge, aggregation: min}\n"
        "  queue_depth: {selector: pg_queue_depth, type: gauge, aggregation: max}\n",
    )
    .replace(
        "routing:\n",
        "  - {name: QueueOverLine, metric: queue_depth, above: 100, tier: warning}\n"
        "  - {name: QueueUnderLine, metric: queue_depth, below: 100, tier: info}\n"
        "  - {name: LagAtLine, metric: repl_lag, above: 30, tier: warning}\n"
        "routing:\n",
    )
)


@pytest.mark.parametrize(
    ("alert", "slo"),
    [
        ("QueueOverLine", "depth"),  # above 100 is not `<= 100`
        ("QueueUnderLine", None),  # below 100 is good
        ("LagAtLine", "fresh-reads"),  # above 30 is not `< 30`
        ("ReplicaNotStreaming", "streaming"),  # below 1 is not `>= 1`
        ("ReplicaOverCounted", None),  # above 1 holds `>= 1`: not the SLO's failure
    ],
)
def test_an_alert_at_the_slos_line_or_either_side_of_it(tmp_path: Path, alert: str, slo: str | None) -> None:
    assert EDGES != SPEC and _slo_labels(tmp_path, EDGES)[alert] == {slo}


def test_a_stuck_replica_is_one_notification_group(tmp_path: Path) -> None:
    """The SLO's page and the lag page, labelled as the rules label them, on the generated Alertmanager config."""
    binary = require_tool("prometheus-alertmanager")
    (tmp_path / "rules").mkdir()
    labels = _slo_labels(tmp_path / "rules")
    fleet, _ = load_fleet([str(_specs(tmp_path))], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    base = {"service": "pg-replica-7", "team": "dba", "severity": "critical"}
    slo_page = {**base, "alertname": "SLOErrorBudgetBurnFast", "slo": "fresh-reads", "burn_window": "fast"}
    lag_page = {**base, "alertname": "ReplicationLagCritical", "replica": "r2"}
    (slo,) = labels["ReplicationLagCritical"]
    if slo is not None:
        lag_page["slo"] = slo
    with servers.alertmanager(binary, tmp_path / "out" / names.ALERTMANAGER_CONFIG, tmp_path) as server:
        servers.api_json(server.url + "/api/v2/alerts", [{"labels": slo_page}, {"labels": lag_page}])

        def grouped() -> list[dict[str, Any]] | None:
            found: list[dict[str, Any]] = servers.api_json(server.url + "/api/v2/alerts/groups")
            return found if sum(len(g["alerts"]) for g in found) == 2 else None

        groups = servers.wait_until(grouped, 10, 0.05, "both alerts in groups")
    assert [sorted(a["labels"]["alertname"] for a in g["alerts"]) for g in groups] == [
        ["ReplicationLagCritical", "SLOErrorBudgetBurnFast"]
    ]
