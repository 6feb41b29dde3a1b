"""The fleet table opens with the SLO that burns fastest against its own page line on top. Sorted by budget
left (before round 45), a service paging now with its budget still full (a fresh outage) sat at the foot of a
table taller than the screen, below every SLO with less budget that burned nothing: on a 30-SLO fleet it was the
30th row of a panel that shows about 12. The rows here are the table's columns as the compiled sort orders them,
as Grafana does on opening the dashboard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.targets.grafana.fleet import PAGE_SHARE

SLOS = 30
SPEC = """apiVersion: obsc/v1
service: svc{i}
team: core
selector: {{job: svc{i}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
routing:
  critical: {{webhook: {{url: "http://relay:8080/page"}}}}
  warning: {{webhook: {{url: "http://relay:8080/ticket"}}}}
"""


def _first_rows(table: dict[str, Any], rows: list[dict[str, float | str]]) -> list[str]:
    """The services in the order the table's saved sort shows them (Grafana keeps the first sort field)."""
    (sort,) = table["options"]["sortBy"]
    ordered = sorted(rows, key=lambda row: float(row[sort["displayName"]]), reverse=bool(sort["desc"]))
    return [str(row["service"]) for row in ordered]


def test_the_slo_that_pages_now_is_the_first_row_whatever_budget_it_has_left(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    for i in range(SLOS):
        (specs / f"svc{i}.yaml").write_text(SPEC.format(i=i))
    files = {a.path: a.content for a in compile_specs([str(specs)]).bundle.artifacts}
    board = json.loads(files[names.GRAFANA_FLEET_PATH])
    table = next(p for p in board["panels"] if p["type"] == "table" and p["title"] == "Every SLO")
    # svc0 burns at 20x (139% of its 14.4x page line) a full budget; the others spent some budget and burn nothing
    rows: list[dict[str, float | str]] = [
        {"service": "svc0", "Budget left %": 99.5, "Burn rate (1h) ×": 20.0, PAGE_SHARE: 100 * 20 / 14.4}
    ]
    rows += [
        {"service": f"svc{i}", "Budget left %": 30.0 + i, "Burn rate (1h) ×": 0.0, PAGE_SHARE: 0.0}
        for i in range(1, SLOS)
    ]
    assert _first_rows(table, rows)[0] == "svc0", table["options"]["sortBy"]
    # against its own page line, not by burn rate alone: svc1 burns faster under a higher line (a catalog's 50x)
    # and pages not (a hand mutant of round 45 sorting by burn rate passed every test)
    rows[1] = {"service": "svc1", "Budget left %": 31.0, "Burn rate (1h) ×": 25.0, PAGE_SHARE: 50.0}
    assert _first_rows(table, rows)[:2] == ["svc0", "svc1"], table["options"]["sortBy"]
    assert "fastest burning first" in table["description"]
