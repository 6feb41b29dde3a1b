"""The fleet table's "Budget left" column turns green where the SLOs' low-budget alerts stop, not at a fixed 25%.

A platform that reports a low budget below 10% (`slo_alerts: {budget_left: 10%}`) saw every SLO between 10% and
25% orange in the fleet table while its own dashboard (green from 10%) and the alerts called it fine; one with a
40% line saw an SLO at 30% green in the table while SLOErrorBudgetLow was up. The column has one colour scale,
so it is green from the highest line any SLO alerts at; 25% when none alerts on a low budget.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs

PLATFORM = """apiVersion: obsc/v1
kind: Platform
defaults:
  slo_alerts: {budget_left: 10%}
  routing:
    critical: {webhook: {url: "http://relay:8080/page"}}
    warning: {webhook: {url: "http://relay:8080/ticket"}}
    info: {webhook: {url: "http://relay:8080/digest"}}
"""
SERVICE = """apiVersion: obsc/v1
service: NAME
team: core
selector: {job: NAME}
metrics:
  requests: NAME_requests_total
  errors: NAME_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, ALERTS sli: {errors: errors, total: requests}}
"""


def _budget_steps(tmp_path: Path, alerts: dict[str, str]) -> list[tuple[float | None, str]]:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    for name, slo_alerts in alerts.items():
        (tmp_path / f"{name}.yaml").write_text(SERVICE.replace("NAME", name).replace("ALERTS", slo_alerts))
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    board = json.loads(files[names.GRAFANA_FLEET_PATH])
    [table] = [p for p in board["panels"] if p["type"] == "table"]
    [override] = [o for o in table["fieldConfig"]["overrides"] if o["matcher"]["options"]["names"] == ["Budget left %"]]
    [colors] = [p["value"] for p in override["properties"] if p["id"] == "thresholds"]
    return [(step["value"], step["color"]) for step in colors["steps"]]


@pytest.mark.parametrize(
    ("alerts", "green"),
    [
        ({"api": ""}, 10.0),  # the platform's line
        ({"api": "", "web": "alerts: {budget_left: 40%},"}, 40.0),  # the highest of two
        ({"api": "alerts: {info: false},"}, 25.0),  # no SLO reports a low budget
    ],
)
def test_the_fleet_budget_column_is_green_where_the_low_budget_alerts_stop(
    tmp_path: Path, alerts: dict[str, str], green: float
) -> None:
    assert _budget_steps(tmp_path, alerts) == [(None, "red"), (0.0, "orange"), (green, "green")]
