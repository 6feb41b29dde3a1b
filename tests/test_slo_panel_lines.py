"""An SLO row's SLI panel draws each window once.

It plots the SLI over the SLO's current window and over its period: for a 1d SLO whose fastest alert window is
its 1d period (or a grouped one), the two were the same query result under the same legend, "SLI over 1d" twice.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.panel_ids import panel_ids
from compiler.targets.grafana.service import SLI_OFFSET

SPEC = """apiVersion: obsc/v1
service: daily
team: core
selector: {job: daily}
metrics:
  requests: daily_requests_total
  errors: daily_requests_total{code=~"5.."}
slos:
  - {name: day, objective: 90, period: 1d, alerts: {critical: false}, sli: {errors: errors, total: requests}}
  - name: routes
    objective: 90
    period: 1d
    by: [route]
    alerts: {critical: false}
    sli: {errors: errors, total: requests}
  - {name: month, objective: 99.9, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


def test_the_sli_panel_draws_each_window_once(tmp_path: Path) -> None:
    (tmp_path / "daily.yaml").write_text(SPEC)
    compilation = compile_specs([str(tmp_path)])
    content = compilation.bundle.get(names.grafana_dashboard_path("core", "daily", names.SERVICE_DASHBOARD))
    assert content is not None
    panels = {p["id"]: p for p in json.loads(content.content)["panels"]}
    legends = {}
    service = compilation.fleet.services[0]
    for slo in service.slos:
        panel = panels[panel_ids(service).slo(slo.name, SLI_OFFSET)]
        assert panel["title"] == "SLI vs objective"
        legends[slo.name] = Counter(t["legendFormat"] for t in panel["targets"])
    assert {name: [k for k, n in found.items() if n > 1] for name, found in legends.items()} == {
        "day": [],
        "routes": [],
        "month": [],
    }, legends
    assert set(legends["month"]) == {"SLI over 1h", "SLI over 30d", "objective"}
