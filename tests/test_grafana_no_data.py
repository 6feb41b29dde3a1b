"""Missing data reads as missing on the service dashboard, never as "all good".

The "Budget exhausted in" stat of an SLO row divides the budget left by the current burn rate. An SLO that
burns nothing and one with no burn rate at all (no events in the window, or no SLI series: SLODataMissing)
both gave the query no value, and the panel showed its no-value text, "not burning", for both. An SLO whose
budget is spent and that burns nothing now read "not burning" in green beside its SLOErrorBudgetExhausted
(round 38): it reads "spent" (0), as a spent budget that still burns does. An SLO that
stops burning keeps its series (same labels: a grouped burn rate's `window` is dropped), and the stat reads
the value now (an instant query), not the last one of its time range. promtool
evaluates the panel's own query here on recorded series of each case, and the panel's mapping and no-value
text say what Grafana shows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.burnrate import current_window
from compiler.model.panel_ids import panel_ids
from tests.promtool_helpers import promtool_report

SPEC = """apiVersion: obsc/v1
service: quiet
team: core
selector: {job: quiet}
metrics:
  requests: q_requests_total
  errors: q_requests_total{code=~"5.."}
slos:
  - {name: burning, objective: 99, period: 7d, sli: {errors: errors, total: requests}}
  - {name: idle, objective: 99.5, period: 90d, sli: {errors: errors, total: requests}}
  - {name: missing, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: regions, objective: 99, by: [region], sli: {errors: errors, total: requests}}
  - {name: spent, objective: 99, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
# per SLO and group: error ratio over the current window (None: no ratio at all), budget left, and the value
# the panel's query must return for it with the labels it keeps (None: no value)
BURNING = 0.5 * 7 * 86400 / (0.02 / 0.01)  # budget left × period / burn rate
GROUP_BURNING = 0.5 * 30 * 86400 / (0.02 / 0.01)
CASES: dict[str, list[tuple[dict[str, str], float | None, float, float | None, str]]] = {
    "burning": [({}, 0.02, 0.5, BURNING, "")],
    "idle": [({}, 0.0, 0.9, -1, "")],
    "missing": [({}, None, 0.8, None, "")],
    "regions": [
        ({"region": "eu"}, 0.02, 0.5, GROUP_BURNING, ',region="eu"'),
        ({"region": "us"}, 0.0, 1.0, -1, ',region="us"'),
        ({"region": "ap"}, None, 0.7, None, ""),
        ({"region": "sa"}, 0.0, -0.2, 0, ',region="sa"'),  # spent, nothing burns now: not "not burning"
        ({"region": "af"}, 0.02, -0.1, 0, ',region="af"'),  # spent and burning
    ],
    "spent": [({}, 0.0, -0.5, 0, "")],  # SLOErrorBudgetExhausted fires; the stat read "not burning" in green
}


def _shown(panel: dict[str, Any], values: list[float]) -> list[str]:
    """What a stat panel shows for the values its query returns: mapped text, the number, or its no-value text."""
    defaults = panel["fieldConfig"]["defaults"]
    if not values:
        return [defaults["noValue"]]
    texts = {key: result["text"] for m in defaults.get("mappings", []) for key, result in m["options"].items()}
    return [texts.get(f"{v:g}", f"{v:g}") for v in values]


def test_a_slo_without_a_burn_rate_shows_no_data_not_not_burning(tmp_path: Path) -> None:
    (tmp_path / "quiet.yaml").write_text(SPEC)
    compilation = compile_specs([str(tmp_path)])
    service = compilation.fleet.services[0]
    content = compilation.bundle.get(names.grafana_dashboard_path("core", "quiet", names.SERVICE_DASHBOARD))
    assert content is not None
    panels = {p["id"]: p for p in json.loads(content.content)["panels"]}
    series: dict[str, float] = {}
    checks = []
    shown: dict[str, list[str]] = {}
    instant: dict[str, bool] = {}
    for slo in service.slos:
        window = current_window(slo)
        assert window is not None and window.long == "1h"
        meta = f'service="quiet",slo="{slo.name}"'
        series[f"{names.SLO_ERROR_BUDGET}{{{meta}}}"] = float(slo.error_budget)
        series[f"{names.SLO_PERIOD_SECONDS}{{{meta}}}"] = float(slo.period_seconds)
        for group, ratio, left, _, _ in CASES[slo.name]:
            labels = meta + "".join(f',{k}="{v}"' for k, v in group.items())
            series[f"{names.SLO_BUDGET_REMAINING}{{{labels}}}"] = left
            series[f'{names.SLI_TOTAL_COARSE}{{{labels},window="5m"}}'] = 1.0  # its SLI has series: figures shown
            if ratio is not None:
                series[f'{names.sli_error_ratio(window.long)}{{{labels},window="{window.long}"}}'] = ratio
        panel = panels[panel_ids(service).slo(slo.name, 3)]
        assert panel["title"] == "Budget exhausted in"
        instant[slo.name] = panel["targets"][0]["instant"]
        expected = [(f"{{{meta}{kept}}}", v) for _, _, _, v, kept in CASES[slo.name] if v is not None]
        expr = panel["targets"][0]["expr"].replace('=~"$region"', '=~".*"')  # the variable's All
        checks.append(
            {"expr": expr, "eval_time": "5m", "exp_samples": [{"labels": k, "value": v} for k, v in expected]}
        )
        shown[slo.name] = sorted(_shown(panel, [v for _, v in expected]))
    assert shown == {  # what the panel shows for those values: only a zero burn rate is "not burning" ...
        "burning": [f"{BURNING:g}"],
        "idle": ["not burning"],
        "missing": ["no data"],
        "regions": [f"{GROUP_BURNING:g}", "not burning", "spent", "spent"],
        "spent": ["spent"],
    }
    # the value now: over a range, the stat's lastNotNull showed a vanished series' last value as current
    assert all(instant.values()), instant
    report = promtool_report(tmp_path, (), {s: f"{v}x10" for s, v in series.items()}, checks, "1m")
    assert report == "", report  # ... and its query returns them


FLEET = """apiVersion: obsc/v1
service: NAME
team: core
selector: {job: NAME}
metrics:
  requests: NAME_requests_total
  errors: NAME_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99, sli: {errors: errors, total: requests}}
  - {name: regions, objective: 99, by: [region], sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_the_fleet_counts_slos_without_data_apart(tmp_path: Path) -> None:
    """The fleet's "SLOs reporting" counts recorded objectives, which every SLO has, data or not: a fleet whose
    SLOs had never counted an event read "4 reporting", and nothing else said so. "SLOs without data" counts
    the SLOs with no budget left recorded (no event over the whole period), grouped ones once."""
    from compiler.targets.grafana import fleet

    for name in ("fed", "silent"):
        (tmp_path / f"{name}.yaml").write_text(FLEET.replace("NAME", name))
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    board = json.loads(files[names.GRAFANA_FLEET_PATH])
    titles = {p["id"]: p["title"] for p in board["panels"]}
    exprs = {
        p["id"]: p["targets"][0]["expr"].replace('"$service"', '".*"') for p in board["panels"] if p["type"] == "stat"
    }
    assert titles[fleet.WITHOUT_DATA_ID] == "SLOs without data"
    rules = []
    for name in ("fed", "silent"):
        (tmp_path / f"{name}.rules.yaml").write_text(files[names.prometheus_rules_path(name)])
        rules.append(f"{name}.rules.yaml")
    fed = {  # `fed` serves two regions without failures; `silent` has no series at all
        f'fed_requests_total{{job="fed",code="200",region="{region}"}}': "0+60x40" for region in ("eu", "us")
    }
    checks = [
        {"expr": exprs[fleet.SLOS_ID], "eval_time": "30m", "exp_samples": [{"labels": "{}", "value": 4}]},
        {"expr": exprs[fleet.WITHOUT_DATA_ID], "eval_time": "30m", "exp_samples": [{"labels": "{}", "value": 2}]},
        {"expr": exprs[fleet.EXHAUSTED_ID], "eval_time": "30m", "exp_samples": [{"labels": "{}", "value": 0}]},
    ]
    report = promtool_report(tmp_path, rules, fed, checks, "1m")
    assert report == "", report[-6000:]
