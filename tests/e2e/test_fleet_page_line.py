"""The fleet table's burn columns on a real Prometheus 2.42: a 90d and a 7d SLO, each burning under and over its own
page line (43.2× and 3.36× over 1h), in one fleet.

Before round 36 the table had one burn column, red from the fleet's lowest page factor: a 90d SLO burning 27×, far
from its 43.2× page, read red beside 7d SLOs. The page-line column divides each SLO's burn by its own factor, so
red there (100 and more) is where that SLO's page condition holds: the test checks it against the page alert's
own long-window comparison, evaluated on the same server, and the colours Grafana would give each row.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import history, servers
from tests.e2e.test_dashboard_queries import prometheus_on_history
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: {name}
team: t
selector: {{job: {name}}}
alerts: {{traffic_anomaly: false, traffic_milestone: false, new_error_type: false}}
metrics: {{requests: http_requests_total, errors: 'http_requests_total{{code="500"}}'}}
slos: [{{name: avail, objective: 99.9, period: {period}, sli: {{errors: errors, total: requests}}}}]
"""
# service → (period, burn rate): 27× is under the 90d page (43.2×) and over the 7d one (3.36×)
BURNS = {"q-under": ("90d", 27.0), "q-over": ("90d", 50.0), "w-under": ("7d", 2.0), "w-over": ("7d", 5.0)}
FACTORS = {"90d": 43.2, "7d": 3.36}
HOURS = 3


@pytest.fixture(scope="module")
def fleet_table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any], Path]]:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    work = tmp_path_factory.mktemp("fleet-page-line")
    specs = work / "specs"
    specs.mkdir()
    for name, (period, _) in BURNS.items():
        (specs / f"{name}.yaml").write_text(SPEC.format(name=name, period=period))
    (specs / "platform.yaml").write_text(sink_platform())
    compilation = compile_specs([str(specs)], CompileOptions())
    out = work / "generated"
    writer.write(writer.plan(compilation.bundle, str(out)))
    end = int(time.time())
    lines = []
    for name, (_, burn) in BURNS.items():
        traffic = history.Traffic(job=name, requests_per_second=10.0, error_share=burn * 0.001)
        lines.extend(history.series(traffic, end - HOURS * 3600, end))
    board = json.loads((out / "grafana" / "dashboards" / "fleet" / "fleet.json").read_text())
    table = next(p for p in board["panels"] if p["title"] == "Every SLO")
    with prometheus_on_history(promtool, prometheus_bin, out, history.openmetrics(iter(lines)), work) as url:
        yield url, table, out


def _query(url: str, expr: str) -> dict[str, float]:
    params = urllib.parse.urlencode({"query": expr.replace("$service", ".*"), "time": int(time.time())})
    result = servers.get_json(f"{url}/api/v1/query?{params}")["data"]["result"]
    return {r["metric"][names.LABEL_SERVICE]: float(r["value"][1]) for r in result}


def _column(table: dict[str, Any], title: str) -> tuple[str, list[dict[str, Any]]]:
    """(query, threshold steps) of the column named `title` (after the table's renames)."""
    renames = next(t for t in table["transformations"] if t["id"] == "organize")["options"]["renameByName"]
    refs = [ref.removeprefix("Value #") for ref, name in renames.items() if name.startswith(title)]
    assert refs, f"no column {title!r} among {sorted(renames.values())}"
    shown = renames[f"Value #{refs[0]}"]
    expr = next(t["expr"] for t in table["targets"] if t["refId"] == refs[0])
    override = next(o for o in table["fieldConfig"]["overrides"] if o["matcher"]["options"]["names"] == [shown])
    steps = next(p["value"]["steps"] for p in override["properties"] if p["id"] == "thresholds")
    return expr, steps


def _colour(steps: list[dict[str, Any]], value: float) -> str:
    """The colour Grafana gives a value: the last step whose value it reaches (the first step's is -inf)."""
    return [s["color"] for s in steps if s["value"] is None or value >= s["value"]][-1]


def _pages(url: str, out: Path) -> set[str]:
    """Services whose fast page's long-window comparison holds now (the first line of the alert's expression)."""
    found = set()
    for path in (out / names.PROMETHEUS_DIR / "rules").glob("*.yaml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == names.SLO_BURN_FAST and rule["labels"].get("burn_window") == "fast":
                    found |= set(_query(url, rule["expr"].splitlines()[0]))
    return found


def test_the_page_line_column_reads_each_slo_against_its_own_page(
    fleet_table: tuple[str, dict[str, Any], Path],
) -> None:
    url, table, out = fleet_table
    expr, steps = _column(table, "Burn % of page line")
    shares = _query(url, expr)
    expected = {name: 100 * burn / FACTORS[period] for name, (period, burn) in BURNS.items()}
    assert shares == pytest.approx(expected, rel=0.02)
    red = {name for name, share in shares.items() if _colour(steps, share) == "red"}
    assert red == {"q-over", "w-over"}
    assert red == _pages(url, out), "red where, and only where, the page's long window compares over its line"


def test_the_raw_burn_column_is_not_red_below_an_slos_own_page_line(
    fleet_table: tuple[str, dict[str, Any], Path],
) -> None:
    url, table, _ = fleet_table
    expr, steps = _column(table, "Burn rate")
    burns = _query(url, expr)
    assert burns == pytest.approx({name: burn for name, (_, burn) in BURNS.items()}, rel=0.02)
    colours = {name: _colour(steps, burn) for name, burn in burns.items()}
    assert colours["q-under"] != "red", f"a 90d SLO at 27x (pages at 43.2x) read {colours}"
    assert set(colours.values()) == {"orange"}, "every one of them spends faster than its budget accrues"
