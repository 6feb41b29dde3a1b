"""A gauge named in seconds (`*_seconds`) without a declared unit: its duration line (`above: 1h30m`) is read in
seconds, so its threshold panel and its own panel plot seconds. Before round 42 both were `short`: the alert said
1h30m and the panel's axis and line read "5.40 K"."""

from __future__ import annotations

import json
from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs

SPEC = """apiVersion: obsc/v1
service: ledger
team: data
selector: {job: ledger}
targets: false
metrics:
  duration: {selector: ledger_run_duration_seconds, type: gauge, aggregation: max}
  backlog: {selector: ledger_backlog_rows, type: gauge, aggregation: max}
  started: {selector: ledger_run_start_timestamp_seconds, type: gauge, aggregation: max}
  booted: {selector: node_boot_time_seconds, type: gauge, aggregation: max}
  waited: {selector: ledger_wait_milliseconds, type: gauge, aggregation: max}
  legacy: {selector: ledger_legacy_wait_seconds, type: gauge, aggregation: max, unit: ms}
threshold_alerts:
  - {name: LedgerRunSlow, metric: duration, above: 1h30m, for: 0s, tier: warning}
  - {name: LedgerBacklogHigh, metric: backlog, above: 1000, for: 5m, tier: warning}
  - {name: LedgerLegacyWaitHigh, metric: legacy, above: 500ms, for: 5m, tier: warning}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_a_gauge_named_in_seconds_is_plotted_in_seconds(tmp_path: Path) -> None:
    (tmp_path / "ledger.yaml").write_text(SPEC)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    board = json.loads(files[names.grafana_dashboard_path("data", "ledger", names.SERVICE_DASHBOARD)])
    units = {}
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            kind = "threshold" if "service:" in target["expr"] else "own"
            units[(kind, target["legendFormat"])] = panel["fieldConfig"]["defaults"]["unit"]
    assert units[("threshold", "duration")] == "s"
    assert units[("own", "duration")] == "s"
    assert units[("threshold", "backlog")] == units[("own", "backlog")] == "short"  # a name without a unit: as it was
    assert units[("own", "started")] != "s"  # a point in time, not a duration of decades
    # round 43's review: a *_time_seconds date too, a name that only ends in "seconds", a declared unit kept
    assert units[("own", "booted")] != "s"
    assert units[("own", "waited")] == "short"
    assert units[("own", "legacy")] == units[("threshold", "legacy")] == "ms"
    steps = [
        s["value"]
        for p in board["panels"]
        if p.get("title") == "duration" and "service:" in p["targets"][0]["expr"]
        for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]
    ]
    assert steps == [None, 5400.0]  # the line, in the seconds the axis now reads
    legacy = [
        s["value"]
        for p in board["panels"]
        if p.get("title") == "legacy" and "service:" in p["targets"][0]["expr"]
        for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]
    ]
    assert legacy == [None, 500.0]  # the declared unit's 500ms, not 0.5 read by the name's seconds
