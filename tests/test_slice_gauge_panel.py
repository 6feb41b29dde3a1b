"""A time-slice SLO's row plots its gauge against the `good_when` line, as a freshness SLO's plots its age.

The row showed the budget and the burn rate (the share of bad slices) but not the gauge itself: a consumer
lag summed over partitions and held to `lag < 5000` showed nowhere next to 5000. The panel must plot what the
recorded bad-slice bit compares, so promtool evaluates the panel's query beside the generated rules: where the
panel reads above the line the bit is 1, where below it is 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.panel_ids import panel_ids
from tests.promtool_helpers import promtool_report, rules_checked_by

SPEC = """apiVersion: obsc/v1
service: ingest
team: stream
selector: {job: ingest}
metrics:
  lag: {selector: 'kafka_consumergroup_lag{group="ingest"}', type: gauge, aggregation: sum, title: Consumer lag}
  replicas: {selector: kube_deployment_status_replicas_available, type: gauge, aggregation: min, unit: short}
slos:
  - {name: caught-up, objective: 99, period: 7d, sli: {good_when: lag < 5000}}
  - {name: ready, objective: 99.5, sli: {good_when: replicas >= 2}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


def _compiled(tmp_path: Path) -> tuple[dict[str, str], Any]:
    (tmp_path / "ingest.yaml").write_text(SPEC)
    compilation = compile_specs([str(tmp_path)])
    files = {a.path: a.content for a in compilation.bundle.artifacts}
    [service] = compilation.fleet.services
    return files, service


def _panel(files: dict[str, str], service: Any, slo: str) -> dict[str, Any]:
    board = json.loads(files[names.grafana_dashboard_path("stream", "ingest", names.SERVICE_DASHBOARD)])
    wanted = panel_ids(service).slo(slo, names.SLO_AGE_OFFSET)
    found = [p for p in board["panels"] if p["id"] == wanted]
    assert found, f"no gauge panel in the row of SLO {slo}: {[p['title'] for p in board['panels']]}"
    return found[0]


@pytest.mark.parametrize(
    ("slo", "line", "base", "above"),
    [("caught-up", 5000.0, "green", "red"), ("ready", 2.0, "red", "green")],
)
def test_the_row_draws_the_gauge_and_its_line(tmp_path: Path, slo: str, line: float, base: str, above: str) -> None:
    files, service = _compiled(tmp_path)
    panel = _panel(files, service, slo)
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps == [{"value": None, "color": base}, {"value": line, "color": above}], steps
    assert panel["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "dashed"
    assert panel["fieldConfig"]["defaults"]["unit"] == "short"


def test_the_panel_reads_what_the_bad_slice_bit_compares(tmp_path: Path) -> None:
    """Two partitions' lag: summed 4000, 6000, 8000, 4000. The panel reads those sums and the bit is 1 exactly
    where the panel is above its line (promtool, the generated rules)."""
    files, service = _compiled(tmp_path)
    [expr] = [t["expr"] for t in _panel(files, service, "caught-up")["targets"]]
    bit = f'{names.SLI_BAD_SLICE}{{service="ingest",slo="caught-up"}}'
    rules = files[names.prometheus_rules_path("ingest")]
    (tmp_path / "rules.yaml").write_text(rules_checked_by(rules, [bit]))
    series = {
        'kafka_consumergroup_lag{job="ingest",group="ingest",partition="0"}': "2000 3000 4000 2000",
        'kafka_consumergroup_lag{job="ingest",group="ingest",partition="1"}': "2000 3000 4000 2000",
    }
    checks: list[dict[str, object]] = []
    for minute, (total, bad) in enumerate([(4000, 0), (6000, 1), (8000, 1), (4000, 0)]):
        checks.append({"expr": expr, "eval_time": f"{minute}m", "exp_samples": [{"labels": "{}", "value": total}]})
        checks.append(
            {"expr": f"max({bit})", "eval_time": f"{minute}m", "exp_samples": [{"labels": "{}", "value": bad}]}
        )
    assert promtool_report(tmp_path, "rules.yaml", series, checks, evaluation_interval="1m") == ""
