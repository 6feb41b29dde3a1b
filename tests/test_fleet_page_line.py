"""The fleet table's page-line column and the raw burn column's colours (round 36; on a real Prometheus in
tests/e2e/test_fleet_page_line.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.targets.grafana.fleet import PAGE_SHARE, TABLE_ID
from tests.platform_text import sink_platform
from tests.test_grafana_support import dashboards, panel

SPEC = """\
apiVersion: obsc/v1
service: {name}
team: t
selector: {{job: {name}}}
metrics: {{requests: http_requests_total, errors: 'http_requests_total{{code="500"}}'}}
slos:
  - {{name: avail, objective: 99.9, period: {period}{alerts}, sli: {{errors: errors, total: requests}}}}
"""
# a platform catalog where a ticket's pair reads the same 1h as the page's: (30d, 1h) is not all paging
SAME_WINDOW = """\
defaults:
  slo_alerts:
    windows:
      30d:
        - {tier: critical, name: fast, long: 1h, short: 5m, factor: 14.4, for: 2m}
        - {tier: warning, name: early, long: 1h, short: 10m, factor: 3, for: 5m}
"""


def _table(tmp_path: Path, services: dict[str, tuple[str, str]], platform: str = "") -> dict[str, Any]:
    for name, (period, alerts) in services.items():
        (tmp_path / f"{name}.yaml").write_text(SPEC.format(name=name, period=period, alerts=alerts))
    (tmp_path / "platform.yaml").write_text(sink_platform(before=platform))
    board = dashboards(compile_specs([str(tmp_path)], CompileOptions()))[names.GRAFANA_FLEET_PATH]
    return panel(board, TABLE_ID)


def _steps(table: dict[str, Any], prefix: str) -> list[tuple[str, float | None]]:
    override = next(
        o for o in table["fieldConfig"]["overrides"] if o["matcher"]["options"]["names"][0].startswith(prefix)
    )
    steps = next(p["value"]["steps"] for p in override["properties"] if p["id"] == "thresholds")
    return [(s["color"], s["value"]) for s in steps]


def test_each_period_divides_by_its_own_page_factor_and_the_raw_burn_turns_no_row_red(tmp_path: Path) -> None:
    table = _table(tmp_path, {"slow": ("90d", ""), "weekly": ("7d", "")})
    share = next(t["expr"] for t in table["targets"] if t["legendFormat"] == PAGE_SHARE)
    assert 'slo:period:seconds{service=~"$service"} == 7776000) / 43.2' in share
    assert 'slo:period:seconds{service=~"$service"} == 604800) / 3.36' in share
    assert _steps(table, PAGE_SHARE) == [("green", None), ("red", 100.0)]
    assert _steps(table, "Burn rate") == [("green", None), ("orange", 1.0)]  # was red from 3.36, the 90d SLO too
    assert "43.2× over 1h for 90d, 3.36× over 1h for 7d" in table["description"]


def test_one_page_factor_for_the_whole_fleet_keeps_the_raw_burn_red_at_it(tmp_path: Path) -> None:
    table = _table(tmp_path, {"a": ("30d", ""), "b": ("30d", "")})
    assert _steps(table, "Burn rate") == [("green", None), ("orange", 1.0), ("red", 14.4)]


def test_a_window_shared_by_a_page_and_a_ticket_only_slo_names_the_paging_ones(tmp_path: Path) -> None:
    table = _table(tmp_path, {"a": ("30d", ""), "b": ("30d", ", alerts: {critical: false}")}, SAME_WINDOW)
    share = next(t["expr"] for t in table["targets"] if t["legendFormat"] == PAGE_SHARE)
    assert 'window="1h",service="a",slo="avail"}' in share and 'service="b"' not in share


def test_a_fleet_that_never_pages_has_no_page_line_column(tmp_path: Path) -> None:
    table = _table(tmp_path, {"a": ("30d", ", alerts: {critical: false}")})
    assert PAGE_SHARE not in [t["legendFormat"] for t in table["targets"]]
    assert _steps(table, "Burn rate") == [("green", None), ("orange", 1.0)]
