"""A raw SLI with `idle_while` (round 40's CloudWatch recipe) reads as idle on the dashboards, as SLODataMissing does.

The exporter writes no sample for a period without requests, so the SLI's total has no series every quiet night;
`idle_while` names the series that tells that idle night from data that stopped, and SLODataMissing stays quiet
while it exists. The dashboards did not read it (round 41's review of round 40): 15 idle minutes on, the fleet's
"SLOs without data" counted the SLO (an orange stat every quiet night), its table row read "no data now" and its
service dashboard ended the budget line, as for a service whose data stopped. Replayed with promtool on the
compiled rules and the panels' own queries: idle from 60m (the healthy-host count still written) reads as data at
150m; the whole family gone (the load balancer's labels changed) still counts as data that stopped.
"""

from __future__ import annotations

import json
from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.targets.grafana import fleet
from tests.platform_text import sink_platform
from tests.promtool_helpers import promtool_report

SPEC = """\
apiVersion: obsc/v1
service: invoices-alb
team: payments
selector: {job: cloudwatch, load_balancer: app/invoices/1}
targets: false
slos:
  - name: availability
    objective: 99.9
    sli:
      raw:
        errors: sum(sum_over_time(aws_applicationelb_httpcode_target_5_xx_count_sum{$selector}[$window] offset 10m))
        total: sum(sum_over_time(aws_applicationelb_request_count_sum{$selector}[$window] offset 10m))
        per: window
        idle_while: aws_applicationelb_healthy_host_count_average{$selector}
"""
LABELS = '{job="cloudwatch", load_balancer="app/invoices/1"}'
AT = "150m"
MISSING = 'count(ALERTS{alertname="SLODataMissing", alertstate="firing"}) or vector(0)'


def _series(healthy: str) -> dict[str, str]:
    return {
        f"aws_applicationelb_request_count_sum{LABELS}": "50x59 _x91",  # requests until 60m, then none
        f"aws_applicationelb_healthy_host_count_average{LABELS}": healthy,
    }


def test_an_idle_while_slo_at_night_is_no_slo_without_data(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    (specs / "invoices-alb.yaml").write_text(SPEC)
    files = {a.path: a.content for a in compile_specs([str(specs)]).bundle.artifacts}
    (tmp_path / "rules.yaml").write_text(files[names.prometheus_rules_path("invoices-alb")])
    board = json.loads(files[names.GRAFANA_FLEET_PATH])
    without = next(p for p in board["panels"] if p["id"] == fleet.WITHOUT_DATA_ID)["targets"][0]["expr"]
    table = next(p for p in board["panels"] if p["id"] == fleet.TABLE_ID)["targets"]
    budget = next(t["expr"] for t in table if t["legendFormat"].startswith(fleet.BUDGET))
    service = json.loads(files[names.grafana_dashboard_path("payments", "invoices-alb", names.SERVICE_DASHBOARD)])
    panel = next(p for p in service["panels"] if p.get("title", "").startswith("Error budget left"))
    line = panel["targets"][0]["expr"]

    def checks(ok: bool) -> list[dict[str, object]]:
        """The table's budget and the service's budget line hold a number (NaN reads "no data now"), and the SLO
        is not counted without data, and SLODataMissing is quiet; or, `ok` False, each the other way round."""
        asked = [(f"count(({e}) == ({e})) or vector(0)", int(ok)) for e in (budget, line)] + [(without, int(not ok))]
        asked.append((MISSING, int(not ok)))  # as SLODataMissing reads it
        return [
            {"expr": e.replace('"$service"', '".*"'), "eval_time": AT, "exp_samples": [{"labels": "{}", "value": v}]}
            for e, v in asked
        ]

    report = promtool_report(tmp_path, "rules.yaml", _series("2x150"), checks(True), "1m")  # idle: data
    report += promtool_report(tmp_path, "rules.yaml", _series("2x59 _x91"), checks(False), "1m")  # family gone
    assert report == "", report[-4000:]
