"""The panel a page opens links the panels that say what fails (round 48).

A burn-rate or budget alert opens its SLO's burn-rate or budget panel alone; the failures-by-code panel (round 47)
and a latency SLO's bucket heatmap were further down the row with no link to them (round 47's known limit: "no alert
links to it"). Each now has a link on both panels, to this dashboard with `viewPanel=` its id, keeping the time range
and variables (a grouped SLO's route)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from compiler.api import Compilation, compile_specs
from tests.test_grafana_failure_codes import ROUTING
from tests.test_grafana_support import all_panels, service_dashboard

SPECS = {
    "web": """selector: {job: web}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  latency: http_request_duration_seconds
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: per-route, objective: 99, by: [route], sli: {errors: errors, total: requests}}
  - {name: fast, objective: 99, sli: {latency: latency, threshold: 300ms}}
""",
    "own-counter": """selector: {job: own}
metrics:
  requests: app_requests_total
  errors: app_failures_total
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
""",
}
_OPENED = re.compile(r"^/d/(?P<uid>[\w-]+)\?viewPanel=(?P<id>\d+)&\$\{__url_time_range\}&\$\{__all_variables\}$")


def _compiled(tmp_path: Path) -> Compilation:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name, body in SPECS.items():
        (specs / f"{name}.yaml").write_text(f"apiVersion: obsc/v1\nservice: {name}\nteam: shop\n{body}{ROUTING}")
    return compile_specs([str(specs)])


def _boards(tmp_path: Path) -> dict[str, dict[str, Any]]:
    compilation = _compiled(tmp_path)
    return {name: service_dashboard(compilation, name) for name in SPECS}


def _drilldowns(board: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(row title, panel title) -> the titles of the panels its in-dashboard links open, each checked to exist."""
    panels = list(all_panels(board))
    by_id = {p["id"]: p for p in panels}
    out: dict[tuple[str, str], list[str]] = {}
    row = ""
    for p in panels:
        row = p["title"] if p["type"] == "row" else row
        for link in p.get("links", []):
            found = _OPENED.match(link["url"])
            if found is None:
                continue
            assert found["uid"] == board["uid"], link
            opened = by_id[int(found["id"])]
            assert opened["title"].startswith(link["title"]), (link, opened["title"])
            out.setdefault((row.split(":")[0], p["title"]), []).append(opened["type"] + " " + link["title"])
    return out


def test_the_burn_and_budget_panels_link_what_fails(tmp_path: Path) -> None:
    boards = _boards(tmp_path)
    codes, buckets = ["timeseries Failures by code"], ["heatmap Requests per latency bucket"]
    assert _drilldowns(boards["web"]) == {
        ("SLO availability", "Burn rate"): codes,
        ("SLO availability", "Error budget left (30d)"): codes,
        ("SLO per-route", "Burn rate"): codes,
        ("SLO per-route", "Error budget left (30d)"): codes,
        ("SLO fast", "Burn rate"): buckets,
        ("SLO fast", "Error budget left (30d)"): buckets,
    }
    assert _drilldowns(boards["own-counter"]) == {}  # no code label read: no panel, no link


_WHAT_FAILS = re.compile(r"^- (?P<title>.+) \(what fails\): /d/(?P<uid>[\w-]+)\?viewPanel=(?P<id>\d+)$", re.MULTILINE)


def test_the_burn_and_budget_runbooks_list_what_fails(tmp_path: Path) -> None:
    """Each burn or budget page lists the same panels under Diagnosis, each an id of the service's dashboard; the
    other SLO pages (SLODataMissing opens the events panel) and a service without such a panel list none."""
    compilation = _compiled(tmp_path)
    boards = {name: service_dashboard(compilation, name) for name in SPECS}
    listed: dict[str, list[str]] = {}
    for artifact in compilation.bundle.artifacts:
        if not artifact.path.startswith("runbooks/"):
            continue
        for found in _WHAT_FAILS.finditer(artifact.content):
            service = artifact.path.split("/")[1]
            assert found["uid"] == boards[service]["uid"]
            opened = next(p for p in all_panels(boards[service]) if p["id"] == int(found["id"]))
            assert opened["title"].startswith(found["title"])
            listed.setdefault(artifact.path.split("/", 2)[2], []).append(found["title"])
    pages = {"SLOErrorBudgetBurnFast", "SLOErrorBudgetBurnSlow", "SLOErrorBudgetLow", "SLOErrorBudgetExhausted"}
    expected = {f"{page}-{slo}.md": ["Failures by code"] for page in pages for slo in ("availability", "per-route")}
    expected |= {f"{page}-fast.md": ["Requests per latency bucket"] for page in pages}
    assert listed == expected
