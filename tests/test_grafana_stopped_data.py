"""An SLO (or one group of it) whose SLI's series stop reads as missing on the dashboards, not as its last figures.

The budget left and the 1d/3d burn ratios read weeks of recorded history, so before round 39 a tenant of a
`by: [tenant]` SLO whose series stopped (SLODataMissing's silent-group branch firing for it) kept "budget left"
at its last value and its 6h/1d/3d burn lines at their last values (0x, green, for a tenant that never
failed) until the windows emptied; only the 1h line ended. And the fleet's "SLOs without data" counted only
SLOs with no budget recorded over their whole period, so an SLO whose data stopped today was not counted for
the rest of its period. promtool evaluates here the generated rules with each panel's own queries.
"""

from __future__ import annotations

import json
from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.panel_ids import panel_ids
from compiler.model.types import Service
from compiler.targets.grafana import fleet
from tests.promtool_helpers import promtool_report, rules_checked_by

SPEC = """apiVersion: obsc/v1
service: api
team: web
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.99, by: [tenant], sli: {errors: errors, total: requests}}
  - {name: whole, objective: 99.5, period: 1d, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
TENANTS = ("acme", "globex", "initech")
STOP = 240  # minute acme's series end (the whole SLO reads every tenant: it keeps data)
END = 330


def _counter(per_minute: int, stop: int | None) -> str:
    """A sample a minute rising `per_minute`, none from `stop` on."""
    if stop is None:
        return f"0+{per_minute}x{END}"
    return f"0+{per_minute}x{stop - 1} _x{END - stop + 1}"


def _series() -> dict[str, str]:
    out = {'up{job="api", instance="api-1"}': f"1x{END}"}
    for tenant in TENANTS:
        stop = STOP if tenant == "acme" else None
        base = f'job="api", instance="api-1", tenant="{tenant}"'
        out[f'http_requests_total{{{base}, code="200"}}'] = _counter(600, stop)
        out[f'http_requests_total{{{base}, code="500"}}'] = _counter(1, stop)  # ~0.17%: burning the 0.01% budget
    return out


def _compiled(tmp_path: Path) -> tuple[dict[str, str], Service]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "api.yaml").write_text(SPEC)
    compilation = compile_specs([str(specs)])
    files = {a.path: a.content for a in compilation.bundle.artifacts}
    (tmp_path / "api.rules.yaml").write_text(files[names.prometheus_rules_path("api")])
    return files, compilation.fleet.services[0]


def _cut_to(path: Path, checks: list[dict[str, object]]) -> None:
    """The rule file at `path` cut to the records and alerts the panels' queries in `checks` read: promtool
    evaluates every rule loaded at every step (the service's other ~90 rules were ~2/3 of each replay's cost)."""
    path.write_text(rules_checked_by(path.read_text(), [str(check["expr"]) for check in checks]))


def _tenants_check(expr: str, minute: int, tenants: tuple[str, ...]) -> dict[str, object]:
    samples = [{"labels": f'{{tenant="{t}"}}', "value": 1} for t in tenants]
    return {"expr": f"group by (tenant) ({expr})", "eval_time": f"{minute}m", "exp_samples": samples}


def test_a_silent_tenant_s_budget_and_burn_end_with_its_series(tmp_path: Path) -> None:
    """Each per-tenant query of the SLO's row (SLI, budget left, burn rate per window, time to exhaustion, the
    per-tenant table) shows acme while it reports (3h55m) and not 30 minutes after its series stopped (4h30m),
    while globex and initech, which still report, stay. Before: acme's budget left, its SLI over 30d and its
    6h burn line were all still there at 4h30m. The budget panel keeps acme's last budget as a line of its own
    ("no data now"): SLOErrorBudgetExhausted, which opens it, still fires for acme on that recorded budget. The
    per-tenant table keeps acme's row with "no data now" (NaN) for its budget: before round 42 the row went, so a
    table said to hold one row per tenant showed no trace of the silent one."""
    files, service = _compiled(tmp_path)
    board = json.loads(files[names.grafana_dashboard_path("web", "api", names.SERVICE_DASHBOARD)])
    block = panel_ids(service).slo("availability")
    checks, seen = [], []
    for panel in board["panels"]:
        if not block <= panel["id"] < block + 9:
            continue
        for target in panel.get("targets", []):
            if "$tenant" not in target["expr"] or " offset " in target["expr"]:
                continue  # the objective line (one for every tenant), the events a day ago (acme had some)
            # the failures-by-code panel reads the raw counters over Grafana's rate interval (5m, as the SLI's)
            expr = target["expr"].replace('"$tenant"', '".*"').replace("$__rate_interval", "5m")
            seen.append(f"{panel['title']}: {target['legendFormat']}")
            if target["legendFormat"] == "budget left %":  # the per-tenant table keeps acme's row: "no data now"
                checks.append(_tenants_check(expr, STOP + 30, TENANTS))
                checks.append(_tenants_check(f"({expr}) != ({expr})", STOP - 5, ()))  # NaN: the text's stand-in
                checks.append(_tenants_check(f"({expr}) != ({expr})", STOP + 30, ("acme",)))
                continue
            if target["legendFormat"].endswith("no data now"):  # the last budget, which the budget alerts compare
                checks.append(_tenants_check(expr, STOP - 5, ()))
                checks.append(_tenants_check(expr, STOP + 30, ("acme",)))
                continue
            checks.append(_tenants_check(expr, STOP - 5, TENANTS))
            # the 30m reading SLODataMissing's silent-group branch compares ends when its window empties (round 40)
            after = STOP + 40 if "over 30m" in target["legendFormat"] else STOP + 30
            checks.append(_tenants_check(expr, after, ("globex", "initech")))
    assert len(seen) >= 11, seen  # SLI x2, budget x2, burn x4, exhaustion, table x2
    exhausted = 'ALERTS{alertname="SLOErrorBudgetExhausted", alertstate="firing", slo="availability"}'
    checks.append(_tenants_check(exhausted, STOP + 30, TENANTS))  # acme's too: its budget panel still shows it
    _cut_to(tmp_path / "api.rules.yaml", checks)
    history = tuple({"tenant": tenant} for tenant in TENANTS)  # each tenant's budget a month old: spent in 4h
    report = promtool_report(tmp_path, "api.rules.yaml", _series(), checks, "1m", recorded_for_a_month=history)
    assert report == "", report[-4000:]


def test_the_fleet_table_says_which_share_of_a_grouped_slo_s_groups_is_silent(tmp_path: Path) -> None:
    """The fleet row of a `by: [tenant]` SLO shows its worst tenant that still reports; once acme stops, its
    "Groups without data %" reads 33.3 (1 of 3 tenants), 0 while every tenant reports, nothing for the ungrouped
    SLO. Before round 42 the row showed no trace of a silent tenant (the column did not exist)."""
    files, _ = _compiled(tmp_path)
    board = json.loads(files[names.GRAFANA_FLEET_PATH])
    table = next(p for p in board["panels"] if p["id"] == fleet.TABLE_ID)
    expr = next(t["expr"] for t in table["targets"] if t["legendFormat"] == fleet.SILENT_GROUPS)
    share = "round(1000 * ({}))".format(expr.replace('"$service"', '".*"'))
    row = '{service="api", slo="availability", dashboard="api dashboard"}'
    checks = [
        {"expr": share, "eval_time": f"{STOP - 5}m", "exp_samples": [{"labels": row, "value": 0}]},
        {"expr": share, "eval_time": f"{STOP + 30}m", "exp_samples": [{"labels": row, "value": 33333}]},
    ]
    _cut_to(tmp_path / "api.rules.yaml", checks)
    report = promtool_report(tmp_path, "api.rules.yaml", _series(), checks, "1m")
    assert report == "", report[-4000:]


def test_the_fleet_counts_an_slo_whose_data_stopped_today(tmp_path: Path) -> None:
    """ "SLOs without data" counts an SLO that had data earlier in its period and has no series now (before:
    only one with no budget recorded at all, so 0 here at 5h30m, the budget of 3h of data still recorded)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("fed", "stopped"):
        spec = SPEC.replace("service: api", f"service: {name}").replace("job: api", f"job: {name}")
        (specs / f"{name}.yaml").write_text(spec)
    files = {a.path: a.content for a in compile_specs([str(specs)]).bundle.artifacts}
    board = json.loads(files[names.GRAFANA_FLEET_PATH])
    expr = next(p for p in board["panels"] if p["id"] == fleet.WITHOUT_DATA_ID)["targets"][0]["expr"]
    rules = []
    for name in ("fed", "stopped"):
        (tmp_path / f"{name}.rules.yaml").write_text(files[names.prometheus_rules_path(name)])
        rules.append(f"{name}.rules.yaml")
    series = {
        'http_requests_total{job="fed", code="200", tenant="a"}': "0+60x330",
        'http_requests_total{job="stopped", code="200", tenant="a"}': "0+60x180 _x150",
    }
    checks = [
        {"expr": expr.replace('"$service"', '".*"'), "eval_time": t, "exp_samples": [{"labels": "{}", "value": n}]}
        for t, n in (("2h", 0), ("5h30m", 2))  # both SLOs of `stopped` (its tenant SLO and its whole one)
    ]
    for name in rules:
        _cut_to(tmp_path / name, checks)
    report = promtool_report(tmp_path, rules, series, checks, "1m")
    assert report == "", report[-4000:]


def test_the_fleet_does_not_count_an_idle_error_ratio_slo(tmp_path: Path) -> None:
    """An error-ratio SLI (`raw: {error_ratio}`) has no series while idle (0/0 is not recorded), so its service
    dashboard leaves its lines as they are; "SLOs without data" counted it after 15 idle minutes (round 40's
    review: 1 at 1h for a service with no request since 30m, an orange stat every quiet night)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    errors, total = 'http_requests_total{job="api",code=~"5.."}', 'http_requests_total{job="api"}'
    ratio = f"sum(rate({errors}[$window])) / sum(rate({total}[$window]))"
    spec = (
        SPEC.split("slos:")[0]
        + f"slos:\n  - {{name: raw, objective: 99.5, sli: {{raw: {{error_ratio: '{ratio}'}}}}}}\n"
    )
    (specs / "api.yaml").write_text(spec + "routing:" + SPEC.split("routing:")[1])
    files = {a.path: a.content for a in compile_specs([str(specs)]).bundle.artifacts}
    board = json.loads(files[names.GRAFANA_FLEET_PATH])
    expr = next(p for p in board["panels"] if p["id"] == fleet.WITHOUT_DATA_ID)["targets"][0]["expr"]
    (tmp_path / "api.rules.yaml").write_text(files[names.prometheus_rules_path("api")])
    series = {  # idle from 30m on: 0/0, no ratio
        'http_requests_total{job="api", code="200"}': "0+60x30 1800x60",
        'http_requests_total{job="api", code="500"}': "0x90",
    }
    checks = [
        {"expr": expr.replace('"$service"', '".*"'), "eval_time": t, "exp_samples": [{"labels": "{}", "value": 0}]}
        for t in ("20m", "1h")
    ]
    # and its service dashboard keeps its budget line (`_while_reporting` leaves an error ratio as it is)
    board = json.loads(files[names.grafana_dashboard_path("web", "api", names.SERVICE_DASHBOARD)])
    budget = next(p for p in board["panels"] if p.get("title", "").startswith("Error budget left"))
    assert len(budget["targets"]) == 1  # and no 'no data now' line beside it: the line itself goes on
    line = f"count({budget['targets'][0]['expr']})"
    checks.append({"expr": line, "eval_time": "1h", "exp_samples": [{"labels": "{}", "value": 1}]})
    _cut_to(tmp_path / "api.rules.yaml", checks)
    report = promtool_report(tmp_path, "api.rules.yaml", series, checks, "1m")
    assert report == "", report[-4000:]
