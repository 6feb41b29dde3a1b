"""The Request rate (and Error rate) panels take the unit the spec gives the counter, as business panels do.

A queue worker counting jobs (`requests: {selector: jobs_total, unit: ops}`) saw its traffic labelled "req/s"
on its dashboard and on the example golden-signals dashboard: both wrote `reqps` whatever the spec said. A
counter's unit is its rate's (business counters already read it so); without one it stays requests per second.
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
  routing:
    critical: {webhook: {url: "http://relay:8080/page"}}
    warning: {webhook: {url: "http://relay:8080/ticket"}}
    info: {webhook: {url: "http://relay:8080/digest"}}
standard_dashboards:
  golden-signals: lib/golden-signals.jsonnet
"""
WORKER = """apiVersion: obsc/v1
service: worker
team: core
selector: {job: worker}
metrics:
  requests: {selector: jobs_total, unit: ops}
  errors: {selector: 'jobs_total{outcome="failed"}', unit: ops}
dashboards: [service, golden-signals]
"""
FAILURES = """apiVersion: obsc/v1
service: failures
team: core
selector: {job: failures}
metrics:
  errors: {selector: sync_failures_total, unit: cps}
"""
API = """apiVersion: obsc/v1
service: api
team: core
selector: {job: api}
metrics:
  requests: http_requests_total
dashboards: [service, golden-signals]
"""


def test_the_traffic_panels_take_the_counters_unit(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    shutil.copy(ROOT / "examples" / "lib" / "golden-signals.jsonnet", tmp_path / "lib")
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    for name, text in (("worker", WORKER), ("failures", FAILURES), ("api", API)):
        (tmp_path / f"{name}.yaml").write_text(text)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}

    def unit(service: str, dashboard: str, title: str) -> str:
        board = json.loads(files[names.grafana_dashboard_path("core", service, dashboard)])
        [panel] = [p for p in board["panels"] if p.get("title") == title]
        return str(panel["fieldConfig"]["defaults"]["unit"])

    assert unit("worker", names.SERVICE_DASHBOARD, "Request rate") == "ops"
    assert unit("worker", "golden-signals", "Traffic") == "ops"
    assert unit("failures", names.SERVICE_DASHBOARD, "Error rate") == "cps"
    assert unit("api", names.SERVICE_DASHBOARD, "Request rate") == "reqps"  # no unit given: requests per second
    assert unit("api", "golden-signals", "Traffic") == "reqps"
