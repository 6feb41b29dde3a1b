"""The fleet overview's burn rate against data: every burning SLO shows, whatever windows its catalog records.

The fleet once read `slo:sli_error:ratio_rate1h` for every SLO; an SLO under a platform catalog without a 1h
window (here 2h/10m and 3d/6h) records none, so a paging SLO had no burn in the table and was not counted.
Now each SLO records `slo:sli_error:ratio_current` over its own fastest alert window, and the fleet's panels
(plain and grouped) read that; promtool evaluates the panels' own queries over hand-written outages.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.targets.grafana import fleet
from tests.conftest import require_tool
from tests.promtool_helpers import rules_read_by

PLATFORM = """apiVersion: obsc/v1
kind: Platform
defaults:
  period: 30d
  slo_alerts:
    windows:
      30d:
        - {tier: critical, name: quick, long: 2h, short: 10m, budget_share: 4%, for: 2m}
        - {tier: warning, name: drift, long: 3d, short: 6h, budget_share: 10%, for: 5m}
alertmanager:
  default_receiver: sink
receivers:
  sink: {webhook: {url: "https://hooks.example/am"}}
"""


def _service(name: str, slo: str, extra: str = "") -> str:
    return f"""apiVersion: obsc/v1
service: {name}
team: money
selector: {{job: {name}}}
metrics: {{requests: http_requests_total, errors: 'http_requests_total{{code=~"5.."}}'}}
slos:
  - {{name: avail, objective: 99.9, sli: {{errors: errors, total: requests}}{slo}}}
{extra}"""


SERVICES = {
    "billing-api": _service("billing-api", ""),  # the platform's 30d catalog: no 1h window recorded
    "ticket-only": _service("ticket-only", ", period: 28d, alerts: {critical: false}"),  # built-in 28d, tickets
    "short-period": _service("short-period", ", period: 3d"),
}
# Each SLO's fastest alert window: what its own dashboard calls the current burn.
CURRENT = {"billing-api": "2h", "ticket-only": "1d", "short-period": "1h"}
GROUPED = _service("routes", ", by: [route]")  # a grouped SLO switches the fleet to group_panels' queries


def _series(service: str, routes: tuple[str, ...] = ("",)) -> dict[str, str]:
    """Healthy for an hour, then every request fails (the hunter's s2 series)."""
    out = {f'up{{job="{service}",instance="a"}}': "1+0x180"}
    for route in routes:
        extra = f',route="{route}"' if route else ""
        out[f'http_requests_total{{job="{service}",code="200"{extra}}}'] = "0+60x60 3600+0x120"
        out[f'http_requests_total{{job="{service}",code="500"{extra}}}'] = "0+0x60 0+60x120"
    return out


def _panel_query(dashboard: dict[str, object], panel_id: int, ref: str) -> str:
    panels = dashboard["panels"]
    assert isinstance(panels, list)
    panel = next(p for p in panels if p["id"] == panel_id)
    expr = next(t["expr"] for t in panel["targets"] if t["refId"] == ref)
    assert isinstance(expr, str)
    return expr.replace(f"${{{names.GRAFANA_DATASOURCE_VARIABLE}}}", "x").replace('"$service"', '".*"')


@pytest.mark.parametrize("grouped", [False, True], ids=["plain", "grouped"])
def test_every_burning_slo_shows_in_the_fleet_whatever_its_windows(tmp_path: Path, grouped: bool) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    services = {**SERVICES, **({"routes": GROUPED} if grouped else {})}
    for name, text in services.items():
        (specs / f"{name}.yaml").write_text(text)
    bundle = compile_specs([str(specs)]).bundle
    content = {a.path: a.content for a in bundle.artifacts}
    dashboard = json.loads(content[names.GRAFANA_FLEET_PATH])
    burn = _panel_query(dashboard, fleet.TABLE_ID, "C")
    burning = _panel_query(dashboard, fleet.BURNING_ID, "A")
    assert "ratio_rate1h" not in burn + burning
    rule_files = []
    for name in services:
        # only the records the checks below read, directly or not: no alert is checked, and the alerts and the
        # other records only cost time
        kept = rules_read_by(content[names.prometheus_rules_path(name)], [burn, burning, names.SLO_CURRENT_ERROR_RATIO])
        (tmp_path / f"{name}.rules.yaml").write_text(kept)
        rule_files.append(f"{name}.rules.yaml")

    series: dict[str, str] = {}
    for name in SERVICES:
        series.update(_series(name))
    current = dict(CURRENT)
    if grouped:
        series.update(_series("routes", ("/a", "/b")))
        current["routes"] = "2h"
    every = len(current)

    def one(expr: str, labels: str, value: float) -> dict[str, object]:
        return {"expr": expr, "eval_time": "170m", "exp_samples": [{"labels": labels, "value": value}]}

    checks = [
        one(f"count({burn} > 1)", "{}", every),  # a row with a burn above 1x for every SLO
        one(burning, "{}", every),  # the "Burning over 1x" stat counts them all
        *(
            # each SLO's series copies the ratio over its own fastest window (grouped: one per group)
            one(f'count by (window) ({names.SLO_CURRENT_ERROR_RATIO}{{service="{name}"}})', f'{{window="{w}"}}', n)
            for name, w in current.items()
            for n in [2 if name == "routes" else 1]
        ),
    ]
    test = {
        "rule_files": rule_files,
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series.items()],
                "promql_expr_test": checks,
            }
        ],
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    done = subprocess.run(
        [require_tool("promtool"), "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
