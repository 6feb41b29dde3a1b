"""What an SLO's budget panels read on SLOs unlike the examples (1d, 7d, 90d periods; a budget barely spent).

"Budget exhausted in" colours the time left as a share of the SLO's period. A full budget spent at 1x lasts
exactly the period, so fixed days (orange under 7 days, red under 1) painted a healthy 1d SLO red and a healthy
7d SLO orange on every dashboard. The colour now depends on the burn rate alone (with a full budget): green up
to 4x, orange up to 28x, red beyond, for every period; 28 days keep their days. Budget left shows two decimals.
"""

from __future__ import annotations

import json

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.panel_ids import panel_ids
from tests.test_fleet_objective_text import grafana_text

DAY = 86400
SPEC = """apiVersion: obsc/v1
service: ledger
team: books
selector: {job: ledger}
metrics: {requests: ledger_ops_total, errors: 'ledger_ops_total{result="fail"}'}
slos:
  - {name: daily, objective: 99, period: 1d, sli: {errors: errors, total: requests}}
  - {name: weekly, objective: 99.5, period: 7d, sli: {errors: errors, total: requests}}
  - {name: four-weeks, objective: 99.9, period: 28d, sli: {errors: errors, total: requests}}
  - {name: quarter, objective: 99.9, period: 90d, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def _colour(steps: list[dict[str, object]], seconds: float) -> str:
    """The colour Grafana gives `seconds`: the last step whose value it reaches (the base step has none)."""
    reached = [s for s in steps if s["value"] is None or seconds >= float(s["value"])]  # type: ignore[arg-type]
    return str(reached[-1]["color"])


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, list[dict[str, object]]]]:
    folder = tmp_path_factory.mktemp("specs")
    (folder / "ledger.yaml").write_text(SPEC)
    compilation = compile_specs([str(folder)])
    content = compilation.bundle.get(names.grafana_dashboard_path("books", "ledger", names.SERVICE_DASHBOARD))
    assert content is not None
    panels = {p["id"]: p for p in json.loads(content.content)["panels"]}
    found = {}
    service = compilation.fleet.services[0]
    for slo in service.slos:
        panel = panels[panel_ids(service).slo(slo.name, 3)]
        assert panel["title"] == "Budget exhausted in"
        found[slo.name] = (slo.period_seconds, panel["fieldConfig"]["defaults"]["thresholds"]["steps"])
    return found


@pytest.mark.parametrize("slo", ["daily", "weekly", "four-weeks", "quarter"])
@pytest.mark.parametrize(("burn", "colour"), [(1, "green"), (4, "green"), (5, "orange"), (28, "orange"), (30, "red")])
def test_the_colour_of_a_full_budget_depends_on_the_burn_rate_not_the_period(
    steps: dict[str, tuple[int, list[dict[str, object]]]], slo: str, burn: int, colour: str
) -> None:
    period, panel_steps = steps[slo]
    assert _colour(panel_steps, period / burn) == colour, (slo, burn, panel_steps)


def test_four_weeks_keep_their_days(steps: dict[str, tuple[int, list[dict[str, object]]]]) -> None:
    assert [s["value"] for s in steps["four-weeks"][1]] == [None, DAY, 7 * DAY]


def test_budget_left_shows_a_few_failures_spent(tmp_path_factory: pytest.TempPathFactory) -> None:
    """99.97% left read "100.0%" (Grafana's own decimals: one from 10% to 100%), an untouched budget."""
    folder = tmp_path_factory.mktemp("budget")
    (folder / "ledger.yaml").write_text(SPEC)
    compilation = compile_specs([str(folder)])
    dashboards = {a.path: json.loads(a.content) for a in compilation.bundle.artifacts if a.path.endswith(".json")}
    service = dashboards[names.grafana_dashboard_path("books", "ledger", names.SERVICE_DASHBOARD)]
    budget = [p for p in service["panels"] if str(p.get("title", "")).startswith("Error budget left")]
    fleet = [
        p for d in dashboards.values() for p in d.get("panels", []) if p.get("title") == "Lowest error budgets left"
    ]
    assert len(budget) == 4 and len(fleet) == 1
    for panel in budget + fleet:
        assert panel["fieldConfig"]["defaults"]["unit"] == "percentunit"
        shown = grafana_text(0.9997 * 100, panel["fieldConfig"]["defaults"].get("decimals"))
        assert shown == "99.97", (panel["title"], shown)
