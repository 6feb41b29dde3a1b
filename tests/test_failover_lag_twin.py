"""A critical threshold alert split `by: [instance]`: one instance that stops writing the signal while still
scraped (a MySQL replica promoted at a failover loses its replication lag series) is a blind spot, a ticket,
not a page. Before round 35 the missing-data twin's instance branch had the alert's tier: the switchover paged
(critical, data="missing") and stayed up for the day the branch looks back (promtool replay below: firing from
2h15m to the end). The whole signal gone still pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_helpers import run_obsc
from tests.promtool_helpers import promtool_report

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  storage:
    routing:
      critical: {webhook: {url: "http://relay.example:8080/page"}}
      warning: {webhook: {url: "http://relay.example:8080/ticket"}}
receivers: {sink: {webhook: {url: "http://relay.example:8080/sink"}}}
alertmanager: {default_receiver: sink}
"""
SPEC = """\
apiVersion: obsc/v1
service: orders-db
team: storage
selector: {job: mysql}
metrics:
  lag: {selector: mysql_slave_status_seconds_behind_master, type: gauge, aggregation: max, unit: s}
threshold_alerts:
  - {name: ReplicationLagHigh, metric: lag, above: 30s, for: 5m, tier: critical, by: [instance]}
"""
ALERT = 'ALERTS{alertname="ReplicationLagHigh", alertstate="firing"}'
MINUTES = 240


def _rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "orders-db.yaml").write_text(SPEC)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out))  # validated: the routing rows too
    assert result.code == 0, result.err
    return out


def _series(lag_of: dict[str, str]) -> dict[str, str]:
    series = {}
    for instance, lag in lag_of.items():
        series[f'up{{job="mysql", instance="{instance}"}}'] = f"1x{MINUTES}"
        series[f'mysql_slave_status_seconds_behind_master{{job="mysql", instance="{instance}"}}'] = lag
    return series


def _firing(minute: int, *alerts: tuple[str, str]) -> dict[str, object]:
    samples = [
        {
            "labels": "ALERTS{"
            + f'alertname="ReplicationLagHigh", alertstate="firing", data="missing", {where}service="orders-db", '
            + f'severity="{severity}", team="storage"}}',
            "value": 1,
        }
        for severity, where in alerts
    ]
    return {"expr": ALERT, "eval_time": f"{minute}m", "exp_samples": samples}


def test_a_promoted_replica_losing_its_lag_series_is_a_ticket_not_a_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _rules(tmp_path, capsys)
    (tmp_path / "rules.yaml").write_text((out / "prometheus/rules/orders-db.yaml").read_text())
    # db-1 the primary (no lag series), db-2 and db-3 replicas; at 2h db-2 is promoted and db-1 follows it
    lags = {"db-1": f"_x120 0.4x{MINUTES - 120}", "db-2": f"0.4x120 stale _x{MINUTES - 121}", "db-3": f"0.4x{MINUTES}"}
    ticket = ("warning", 'instance="db-2", ')
    checks = [_firing(m) for m in (60, 125, 130)] + [_firing(m, ticket) for m in (140, 180, MINUTES - 1)]
    assert promtool_report(tmp_path, "rules.yaml", _series(lags), checks, evaluation_interval="1m") == ""
    rows = (out / "alertmanager/routing-tests.yaml").read_text()
    assert '"severity": "warning", "team": "storage"}, "receivers": ["team-storage-warning"]' in rows


def test_every_instance_losing_it_still_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _rules(tmp_path, capsys)
    (tmp_path / "rules.yaml").write_text((out / "prometheus/rules/orders-db.yaml").read_text())
    gone = f"0.4x120 stale _x{MINUTES - 121}"
    checks = [_firing(m) for m in (60, 125)] + [_firing(m, ("critical", "")) for m in (140, 200)]
    assert (
        promtool_report(
            tmp_path, "rules.yaml", _series(dict.fromkeys(("db-2", "db-3"), gone)), checks, evaluation_interval="1m"
        )
        == ""
    )


def _twins(tmp_path: Path, capsys: pytest.CaptureFixture[str], platform: str, spec: str) -> list[dict[str, Any]]:
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    (specs / "platform.yaml").write_text(platform)
    (specs / "orders-db.yaml").write_text(spec)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    assert result.code == 0, result.err
    groups = yaml.safe_load((out / "prometheus/rules/orders-db.yaml").read_text())["groups"]
    return [r for g in groups for r in g["rules"] if r.get("labels", {}).get("data") == "missing"]


def _has_instance_branch(rule: dict[str, Any]) -> bool:
    return "unless on (instance)" in rule["expr"]


def test_the_page_twin_no_longer_describes_the_instance_branch_it_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page, ticket = _twins(tmp_path, capsys, PLATFORM, SPEC)
    assert page["labels"]["severity"] == "critical" and not _has_instance_branch(page)
    assert "labelled with an instance" not in page["annotations"]["description"]
    assert ticket["labels"]["severity"] == "warning" and _has_instance_branch(ticket)


def test_a_warning_alerts_twin_keeps_its_instance_branch_in_one_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (twin,) = _twins(tmp_path, capsys, PLATFORM, SPEC.replace("tier: critical", "tier: warning"))
    assert twin["labels"]["severity"] == "warning" and _has_instance_branch(twin)
