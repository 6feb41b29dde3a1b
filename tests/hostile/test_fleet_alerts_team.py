"""The fleet overview counts a service's alerts only when they carry the service's own team (round 51).

Round 50 left it: the overview's "Alerts firing" column of the services without SLOs, and its count of SLOs whose
group fell silent (SLODataMissing with a group's label), read `ALERTS` by `service` alone, so another team's alert
carrying that `service` label (a rule beside obsc's) showed in the row. Each query is evaluated by promtool over
an intruder's alert only (nothing to count) and over the service's own (counted).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from tests.conftest import require_tool
from tests.platform_text import sink_platform

BATCH = """\
apiVersion: obsc/v1
service: batch
team: alpha
selector: {job: batch}
metrics:
  requests: batch_requests_total
  errors: batch_requests_total{code=~"5.."}
"""
STORE = """\
apiVersion: obsc/v1
service: store
team: alpha
selector: {job: store}
metrics:
  requests: store_requests_total
  errors: store_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, by: [tenant], sli: {errors: errors, total: requests}}
"""
FIRING = 'ALERTS{alertname="BatchStuck",alertstate="firing",service="batch",team="%s"}'
SILENT = (
    'ALERTS{alertname="SLODataMissing",alertstate="firing",service="store",slo="availability",tenant="t1",team="%s"}'
)


def _exprs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from _exprs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _exprs(value)


@pytest.fixture(scope="module")
def alerts_reads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    specs = tmp_path_factory.mktemp("specs")
    (specs / "platform.yaml").write_text(sink_platform())
    (specs / "batch.yaml").write_text(BATCH)
    (specs / "store.yaml").write_text(STORE)
    fleet = compile_specs([str(specs)], CompileOptions(jobs=1)).bundle.get("grafana/dashboards/fleet/fleet.json")
    assert fleet is not None
    reads = [e.replace("$service", ".*") for e in _exprs(json.loads(fleet.content)) if "ALERTS" in e]
    firing = [e for e in reads if "count by (service) (ALERTS" in e]
    silent = [e for e in reads if "SLODataMissing" in e]
    assert len(firing) == 1 and len(silent) == 1, reads
    return {"firing": firing[0], "silent": silent[0]}


def _got(tmp_path: Path, expr: str, series: str) -> str:
    """The expression's samples at 5m over `series` (1 throughout) as promtool prints them (`{labels} 1E+00`; ""
    for none): it is told to expect nothing and its report is read back (any other failure: the test's inputs)."""
    test = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": series, "values": "1x10"}],
                "promql_expr_test": [{"expr": expr, "eval_time": "5m", "exp_samples": []}],
            }
        ],
    }
    (tmp_path / "case.test.yaml").write_text(yaml.safe_dump(test))
    run = subprocess.run(
        [require_tool("promtool"), "test", "rules", "case.test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    if run.returncode == 0:
        return ""
    said = run.stdout + run.stderr
    assert "got:" in said, said
    return said.split("got:", 1)[1].strip().splitlines()[0]


@pytest.mark.parametrize(
    "query, series, counted",
    [("firing", FIRING, ""), ("silent", SILENT, "{} 0E+00")],  # a count answers 0 (`or vector(0)`)
)
def test_another_teams_alert_is_not_the_services(
    tmp_path: Path, alerts_reads: dict[str, str], query: str, series: str, counted: str
) -> None:
    assert _got(tmp_path, alerts_reads[query], series % "bravo") == counted


@pytest.mark.parametrize(
    "query, series, counted",
    [("firing", FIRING, '{dashboard="batch dashboard", service="batch"} 1E+00'), ("silent", SILENT, "{} 1E+00")],
)
def test_the_services_own_alert_counts(
    tmp_path: Path, alerts_reads: dict[str, str], query: str, series: str, counted: str
) -> None:
    assert _got(tmp_path, alerts_reads[query], series % "alpha") == counted
