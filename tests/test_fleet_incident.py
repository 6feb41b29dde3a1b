"""The fleet overview during an incident, on a fleet unlike examples/: every summary stat, the table's columns and
"Lowest error budgets left" read through promtool beside the compiled rules (cut to what the queries read).

One service, four SLOs: `availability` busy then idle from 40m (an idle night: the counter flat, no request),
`orders` failing every request throughout (a total outage), `logins` failing every request until its series stop
at 40m (its budget spent, then no data), and `billing` `by: [tenant]` whose tenant acme falls silent at 40m while
globex and initech go idle with the rest. Beside them, a service removed from the specs whose recorded series (an
exhausted budget) end at 40m. At 1h30m the fleet must say: 4 SLOs evaluated (titled
"SLOs reporting" before round 41, which logins was not), 2 without data (logins, and billing
for acme; before round 41: 1, a silent tenant counted nowhere), 1 budget exhausted (orders: logins' last budget is
not its state now, "SLOs without data" counts it; before round 41: 2), 1 burning (orders; the idle one is not).
"""

from __future__ import annotations

import json
from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.targets.grafana import fleet
from tests.promtool_helpers import promtool_report, rules_checked_by

SPEC = """apiVersion: obsc/v1
service: shop
team: web
selector: {job: shop}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  orders: orders_total
  orders_failed: orders_total{result="failed"}
  logins: logins_total
  logins_failed: logins_total{result="failed"}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: orders, objective: 99.9, sli: {errors: orders_failed, total: orders}}
  - {name: logins, objective: 99.9, sli: {errors: logins_failed, total: logins}}
  - {name: billing, objective: 99.9, by: [tenant], sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
END, STOP, AT = 90, 40, "90m"
SHOP = 'job="shop", instance="shop-1"'


def _series() -> dict[str, str]:
    out = {f"up{{{SHOP}}}": f"1x{END}"}
    for tenant in ("globex", "initech"):  # busy until STOP, then idle (flat), never failing
        out[f'http_requests_total{{{SHOP}, tenant="{tenant}", code="200"}}'] = f"0+60x{STOP} {60 * STOP}x{END - STOP}"
    out[f'http_requests_total{{{SHOP}, tenant="acme", code="200"}}'] = f"0+60x{STOP - 1} _x{END - STOP + 1}"
    # acme silent while it was busy at this hour a day and a week ago: SLODataMissing's silent-group branch (its
    # own tests drive it over a week of history; here what the fleet reads of it)
    # the rule's own labels: team too, which the fleet's reads of ALERTS pin since round 51 (fleet_alerts.py)
    silent = f'alertname="{names.SLO_DATA_MISSING}", alertstate="firing", service="shop", team="web", slo="billing"'
    out[f'ALERTS{{{silent}, tenant="acme", severity="warning"}}'] = f"_x{STOP + 10} 1x{END - STOP - 10}"
    # a second silent tenant is still one SLO; an SLO-wide firing (no group label) is not a silent group
    out[f'ALERTS{{{silent}, tenant="hooli", severity="warning"}}'] = f"_x{STOP + 10} 1x{END - STOP - 10}"
    wide = silent.replace('slo="billing"', 'slo="availability"')
    out[f'ALERTS{{{wide}, severity="warning"}}'] = f"_x{STOP + 10} 1x{END - STOP - 10}"
    out[f'orders_total{{{SHOP}, result="failed"}}'] = f"0+30x{END}"  # every order fails
    out[f'logins_total{{{SHOP}, result="failed"}}'] = f"0+30x{STOP - 1} _x{END - STOP + 1}"  # then stop
    gone = 'service="old", slo="availability"'  # the removed service's last recorded figures
    out[f"{names.SLO_OBJECTIVE}{{{gone}}}"] = f"0.999x{STOP - 1}"
    out[f"{names.SLO_BUDGET_REMAINING}{{{gone}}}"] = f"-3x{STOP - 1}"
    return out


def _panels(tmp_path: Path, spec: str = SPEC) -> tuple[dict[int, str], dict[str, str]]:
    """The fleet's panel titles by id, and each query by `<panel id>:<legend>` (for every service)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "shop.yaml").write_text(spec)
    files = {a.path: a.content for a in compile_specs([str(specs)]).bundle.artifacts}
    (tmp_path / "rules.yaml").write_text(files[names.prometheus_rules_path("shop")])
    board = json.loads(files[names.GRAFANA_FLEET_PATH])
    found = {}
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            found[f"{panel['id']}:{target['legendFormat']}"] = target["expr"].replace('"$service"', '".*"')
    return {panel["id"]: panel["title"] for panel in board["panels"]}, found


def _count(expr: str, value: int) -> dict[str, object]:
    return {"expr": expr, "eval_time": AT, "exp_samples": [{"labels": "{}", "value": value}]}


def _slos(expr: str, slos: tuple[str, ...]) -> dict[str, object]:
    """The SLOs `expr` holds a number for (NaN, "no data now", is not one)."""
    samples = [{"labels": f'{{service="shop", slo="{slo}"}}', "value": 1} for slo in slos]
    return {"expr": f"group by (service, slo) (({expr}) == ({expr}))", "eval_time": AT, "exp_samples": samples}


def test_the_fleet_says_what_holds_now_in_an_incident(tmp_path: Path) -> None:
    titles, panels = _panels(tmp_path)
    table = {key.split(":", 1)[1]: expr for key, expr in panels.items() if key.startswith(f"{fleet.TABLE_ID}:")}
    summary = {int(key.split(":")[0]): expr for key, expr in panels.items() if int(key.split(":")[0]) < 10}
    burn = next(expr for legend, expr in table.items() if legend.startswith(fleet.BURN))
    lowest = next(expr for key, expr in panels.items() if key.startswith(f"{fleet.LOWEST_BUDGETS_ID}:"))
    assert "reporting" not in titles[fleet.SLOS_ID]  # it counts logins, which reports nothing
    checks = [
        _count(summary[fleet.SLOS_ID], 4),
        _count(summary[fleet.WITHOUT_DATA_ID], 2),  # logins, and billing for acme (before: 1)
        _count(summary[fleet.EXHAUSTED_ID], 1),  # before: 2, logins' last budget
        _count(summary[fleet.BURNING_ID], 1),
        _slos(table[f"{fleet.BUDGET} %"], ("availability", "orders", "billing")),  # logins: "no data now"
        _slos(burn, ("availability", "orders", "billing")),  # idle 50m: their 1h windows hold traffic (0x)
        _slos(table[fleet.PAGE_SHARE], ("availability", "orders", "billing")),
        _slos(lowest, ("availability", "orders", "billing")),
    ]
    (tmp_path / "rules.yaml").write_text(
        rules_checked_by((tmp_path / "rules.yaml").read_text(), [str(c["expr"]) for c in checks])
    )
    report = promtool_report(tmp_path, "rules.yaml", _series(), checks, "1m")
    assert report == "", report[-4000:]


def test_a_fleet_without_groups_counts_only_the_budgets_of_slos_still_reporting(tmp_path: Path) -> None:
    """The same incident without the grouped SLO: the fleet's queries are the ungrouped ones (a fleet with no
    `by:` anywhere), whose "Budgets exhausted" counted logins' last budget as well as orders' (2), and passed every
    test (the test above reads the grouped queries only)."""
    _, panels = _panels(tmp_path, SPEC.replace("  - {name: billing", "  # - {name: billing"))
    summary = {int(key.split(":")[0]): expr for key, expr in panels.items() if int(key.split(":")[0]) < 10}
    checks = [
        _count(summary[fleet.SLOS_ID], 3),
        _count(summary[fleet.WITHOUT_DATA_ID], 1),  # logins
        _count(summary[fleet.EXHAUSTED_ID], 1),  # orders
    ]
    rules = rules_checked_by((tmp_path / "rules.yaml").read_text(), [str(c["expr"]) for c in checks])
    (tmp_path / "rules.yaml").write_text(rules)
    report = promtool_report(tmp_path, "rules.yaml", _series(), checks, "1m")
    assert report == "", report[-4000:]
