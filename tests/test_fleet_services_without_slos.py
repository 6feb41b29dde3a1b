"""The fleet overview lists the services without SLOs (key alerts only), one row each, beside the SLO table.

Its rows came from recorded SLO series only, so a worker with error-rate alerts, or an exporter with threshold
alerts alone, had no row in the fleet overview, nor a value in its `service` variable. promtool runs the
generated rules of a fleet of three (an SLO service, a key-metrics worker, a threshold-only exporter) on raw
series and evaluates the new table's queries with `$service` as All: the worker's request rate and error ratio,
a row for the exporter (its firing threshold alert counted, then 0 once it resolves), and no row for the
service that has an SLO.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import Compilation
from tests.platform_text import sink_platform
from tests.promtool_helpers import promtool_report, rules_checked_by
from tests.test_grafana_support import compile_dir, dashboards

PLATFORM = sink_platform()
API = """\
apiVersion: obsc/v1
service: api
team: web
selector: {job: api}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]
"""
WORKER = """\
apiVersion: obsc/v1
service: worker
team: jobs
selector: {job: worker}
metrics: {requests: worker_jobs_total, errors: 'worker_jobs_total{result="failed"}'}
alerts: {traffic_anomaly: false, traffic_milestone: false}
"""
EXPORTER = """\
apiVersion: obsc/v1
service: exporter
team: jobs
selector: {job: exporter}
targets: false
metrics: {depth: {selector: export_queue_depth, type: gauge, aggregation: max}}
threshold_alerts: [{name: QueueDeep, metric: depth, above: 100, for: 1m}]
"""


@pytest.fixture(scope="module")
def compilation(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    specs = tmp_path_factory.mktemp("specs")
    for name, text in {"platform": PLATFORM, "api": API, "worker": WORKER, "exporter": EXPORTER}.items():
        (specs / f"{name}.yaml").write_text(text)
    return compile_dir(specs)


def _fleet(compilation: Compilation) -> dict[str, Any]:
    [board] = [b for b in dashboards(compilation).values() if b["uid"] == names.FLEET_DASHBOARD_UID]
    return board


def _table(compilation: Compilation) -> dict[str, Any]:
    found = [p for p in _fleet(compilation)["panels"] if p["title"] == "Services without SLOs"]
    assert found, [p["title"] for p in _fleet(compilation)["panels"]]
    return found[0]


def test_the_service_variable_lists_services_without_slos(compilation: Compilation) -> None:
    [variable] = [v for v in _fleet(compilation)["templating"]["list"] if v["name"] == "service"]
    query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
    assert "service:.+" in query, query


def test_the_table_returns_a_row_per_service_without_an_slo(compilation: Compilation, tmp_path: Path) -> None:
    table = _table(compilation)
    assert table["id"] == 12
    exprs = [t["expr"].replace("$service", ".*") for t in table["targets"]]
    files = {a.path: a.content for a in compilation.bundle.artifacts}
    for service in ("api", "worker", "exporter"):
        rules = files[names.prometheus_rules_path(service)]
        (tmp_path / f"{service}.yaml").write_text(rules_checked_by(rules, [*exprs, "ALERTS"]))
    series = {
        'http_requests_total{job="api",code="200",instance="a"}': "0+60x30",
        'worker_jobs_total{job="worker",result="ok",instance="w"}': "0+54x30",  # 0.9/s
        'worker_jobs_total{job="worker",result="failed",instance="w"}': "0+6x30",  # 0.1/s: 10% of 1/s
        'up{job="worker",instance="w"}': "1x30",
        'export_queue_depth{job="exporter",instance="e"}': "500x15 50x15",  # deep, then not
    }

    def row(service: str, value: float) -> dict[str, object]:
        return {"labels": f'{{service="{service}",dashboard="{service} dashboard"}}', "value": value}

    expected = [
        [row("worker", 1.0)],  # requests per second
        [row("worker", 10.0)],  # error ratio in percent
        [],  # p99: no latency alert anywhere
        [row("worker", 1.0), row("exporter", 1.0)],  # alerts firing: the worker's error rate, the exporter's depth
    ]
    checks = [
        {"expr": expr, "eval_time": "14m", "exp_samples": samples}
        for expr, samples in zip(exprs, expected, strict=True)
    ]
    # once QueueDeep resolves the exporter keeps its row, at 0 (it records its threshold signal); the variable
    # narrows the rows (`exporter|api`: the api has an SLO, so no row)
    narrowed = table["targets"][-1]["expr"].replace("$service", "exporter|api")
    checks.append({"expr": narrowed, "eval_time": "28m", "exp_samples": [row("exporter", 0.0)]})
    report = promtool_report(tmp_path, ["api.yaml", "worker.yaml", "exporter.yaml"], series, checks, "1m")
    assert report == "", report + "\n" + json.dumps(exprs, indent=1)


def test_a_fleet_where_every_service_has_an_slo_keeps_its_overview(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "api.yaml").write_text(API)
    board = _fleet(compile_dir(tmp_path))
    assert [p["id"] for p in board["panels"]] == [1, 4, 2, 3, 10, 11]
