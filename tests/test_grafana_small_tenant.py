"""A `by: [tenant]` service's Error ratio panel pools every tenant, as the error-rate alerts do: a tenant with
1/1000 of the traffic failing fully reads there as 0.05%, green under the 1% line, while its SLO burns at 1000x.
Replayed with promtool on the compiled rules and the panels' own queries; the panel now says that it pools the
tenants and where each one is shown (before round 42 it said only "Share of requests that fail")."""

from __future__ import annotations

import json
from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.panel_ids import panel_ids
from tests.promtool_helpers import promtool_report, rules_checked_by

SPEC = """apiVersion: obsc/v1
service: api
team: web
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, by: [tenant], sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_a_small_tenant_failing_fully_barely_moves_the_pooled_error_ratio(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "api.yaml").write_text(SPEC)
    compilation = compile_specs([str(tmp_path / "specs")])
    files = {a.path: a.content for a in compilation.bundle.artifacts}
    board = json.loads(files[names.grafana_dashboard_path("web", "api", names.SERVICE_DASHBOARD)])
    panels = {p["id"]: p for p in board["panels"]}
    pooled = panels[11]
    assert pooled["title"] == "Error ratio"
    assert "Pooled over every tenant," in pooled["description"], pooled["description"]
    table = panels[panel_ids(compilation.fleet.services[0]).slo("availability", 4)]
    burn = next(t["expr"] for t in table["targets"] if t["legendFormat"].startswith("burn rate"))
    ratio = pooled["targets"][0]["expr"].replace("$__rate_interval", "5m")
    burn = burn.replace('"$tenant"', '".*"')
    series = {}
    for tenant, per_minute in (("a", 1000), ("b", 1000), ("tiny", 1)):
        code = "500" if tenant == "tiny" else "200"
        series[f'http_requests_total{{job="api", tenant="{tenant}", code="{code}"}}'] = f"0+{per_minute}x70"
    checks = [  # at 1h: 1 failure in 2001 requests pooled; the tiny tenant's 1h ratio is 1, 1000x its 0.1% budget
        {"expr": f"round(100000 * {ratio})", "eval_time": "60m", "exp_samples": [{"labels": "{}", "value": 50}]},
        {
            "expr": f"round({burn} > 1)",
            "eval_time": "60m",
            "exp_samples": [{"labels": '{service="api", slo="availability", tenant="tiny"}', "value": 1000}],
        },
    ]
    (tmp_path / "api.rules.yaml").write_text(
        rules_checked_by(files[names.prometheus_rules_path("api")], [str(c["expr"]) for c in checks])
    )
    report = promtool_report(tmp_path, "api.rules.yaml", series, checks, "1m")
    assert report == "", report[-4000:]
