"""A freshness SLO's age panel draws max_age in its stale alert's tier colour, as every alert line is drawn.

SLOFreshnessStale opens the "Age of the last success" panel, whose line at max_age was red whatever the alert's
tier: a ticket (`stale_alert: warning`, the default) read as a page beside the orange lines of the other
tickets. Red stays for a page, and where no stale alert exists (the line then marks only the bad slices).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.panel_ids import panel_ids

SPEC = """apiVersion: obsc/v1
service: backup
team: core
selector: {job: backup}
targets: false
metrics:
  last_success: {selector: backup_last_success_timestamp_seconds, type: gauge}
slos:
  - {name: fresh, objective: 99, sli: {last_success: last_success, max_age: 26hSTALE}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


@pytest.mark.parametrize(
    ("stale", "color"),
    [
        ("", "orange"),
        (", stale_alert: warning", "orange"),
        (", stale_alert: critical", "red"),
        (", stale_alert: false", "red"),
    ],
)
def test_the_age_line_has_the_stale_alerts_colour(tmp_path: Path, stale: str, color: str) -> None:
    (tmp_path / "backup.yaml").write_text(SPEC.replace("STALE", stale))
    compilation = compile_specs([str(tmp_path)])
    files = {a.path: a.content for a in compilation.bundle.artifacts}
    board = json.loads(files[names.grafana_dashboard_path("core", "backup", names.SERVICE_DASHBOARD)])
    [service] = compilation.fleet.services
    age_id = panel_ids(service).slo("fresh", names.SLO_AGE_OFFSET)
    [panel] = [p for p in board["panels"] if p["id"] == age_id]
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert {"value": 26 * 3600.0, "color": color} in steps, steps
