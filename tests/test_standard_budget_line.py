"""A standard dashboard can draw an SLO's low-budget line: the Jsonnet argument carries `budget_left`.

The argument gave every SLO's objective, budget and burn windows but not the line below which SLOErrorBudgetLow
reports a low budget, so the example golden-signals dashboard hard-wired 25%: with a platform's 10% its budget
stats were orange from 10% to 25% while obsc's own dashboard and the alerts called the SLO fine. The argument
now holds it (null when the SLO reports no low budget) and the example draws it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import ROOT

PLATFORM = """apiVersion: obsc/v1
kind: Platform
defaults:
  slo_alerts: {budget_left: 10%}
  routing:
    critical: {webhook: {url: "http://relay:8080/page"}}
    warning: {webhook: {url: "http://relay:8080/ticket"}}
    info: {webhook: {url: "http://relay:8080/digest"}}
standard_dashboards:
  golden-signals: lib/golden-signals.jsonnet
"""
SERVICE = """apiVersion: obsc/v1
service: api
team: core
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: reported, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: quiet, objective: 99, alerts: {info: false}, sli: {errors: errors, total: requests}}
dashboards: [service, golden-signals]
"""


def test_the_standard_budget_stats_draw_each_slos_low_budget_line(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    shutil.copy(ROOT / "examples" / "lib" / "golden-signals.jsonnet", tmp_path / "lib")
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "api.yaml").write_text(SERVICE)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    board = json.loads(files[names.grafana_dashboard_path("core", "api", "golden-signals")])
    steps = {
        p["title"]: [(s["value"], s["color"]) for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]]
        for p in board["panels"]
        if p["title"].endswith("budget left")
    }
    assert steps == {
        "reported budget left": [(None, "red"), (0, "orange"), (0.1, "green")],
        "quiet budget left": [(None, "red"), (0, "orange")],
    }
