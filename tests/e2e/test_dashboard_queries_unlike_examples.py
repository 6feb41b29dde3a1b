"""Every panel query of a fleet unlike examples/ (tests/e2e/dashboard_fleet: odd label names, `by:` groups, probe
and lag time slices, a histogram in ms, 7d periods, a service without SLOs, examples/lib's standard dashboard) on
a real Prometheus 2.42, with each dashboard variable as All (`.*`), as two values (`(a|b)`, regex-escaped as
Grafana writes them) and as one.

As test_dashboard_queries does for examples/, the server holds two days of synthetic series for every selector
the fleet reads, each in two groups of every group label the fleet names (the SLOs' and threshold alerts' `by:`
and the labels expressions keep), and evaluates the generated rules. An expression whose labels its text does
not tell (kafka-sink's records per instance) has Grafana's auto legend, read here as Grafana reads it: the labels
its lines differ by (round 45: every line carried the metric's name alone). Each query must parse, leave no variable
unfilled and return data; every label its legend names must be on every series it returns, and the series of
a graph or stat must not share one legend (a grouped SLO's budget stat named no group before round 35); with one value
chosen, no series of another group may come back (an expression kept per a label with a variable is filtered
by it since round 33).
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.model.promql import parse_selector
from compiler.model.silent_groups import COUNTED_KINDS
from compiler.model.types import AlertKind, Fleet
from compiler.output import writer
from compiler.targets.grafana.fleet_services import KEY_SERVICES_ID
from compiler.targets.grafana.groups import kept_groups
from compiler.targets.grafana.queries import AUTO_LEGEND
from compiler.targets.prometheus.promtool.series import satisfy
from tests.conftest import ROOT, require_tool
from tests.e2e import servers
from tests.e2e.test_dashboard_queries import (
    BUCKETS,
    HOURS,
    STEP,
    _recorded_history,
    _selectors,
    _substitute,
    grouped_only,
    prometheus_on_history,
    stopped_only,
)

SPECS = Path(__file__).parent / "dashboard_fleet"
MS_BUCKETS = ("50", "100", "250", "300", "500", "800", "1000", "2000", "2500", "+Inf")
VARIANTS = ("a.1", "b-2")  # a dot: the escaped value must match it, and only it


def _group_labels(fleet: Fleet) -> list[str]:
    found = [label for s in fleet.services for slo in s.slos for label in slo.by]
    found += [label for s in fleet.services for a in s.threshold_alerts for label in a.by]
    found += [label for s in fleet.services for m in s.metrics for label in kept_groups(m)]
    return sorted(set(found))


def _value(name: str, labels: str, step: int, ts: int) -> float:
    if name.endswith(("_total", "_count", "_sum", "_bucket")):
        return 10.0 * step * (1 if re.search(r"5xx|rejected|failed", labels) else 9)
    if name.endswith(("_timestamp_seconds", "_expiry")):
        return float(ts - 3600 + (30 * 86400 if name.endswith("_expiry") else 0))
    if name in ("up", "probe_success"):
        return 1.0
    if name.endswith("_ms"):
        return 200.0 + (step % 7) * 20
    return 2000.0 + (step % 7) * 100 if "lag" in name else 0.5 + (step % 7) / 100


def _history(fleet: Fleet, end: int) -> str:
    groups = _group_labels(fleet)
    in_ms = {m.selector.metric for s in fleet.services for m in s.metrics if m.selector is not None and m.unit == "ms"}
    series: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}  # (name, labels) → a bucket's rank or 1
    for text in sorted(_selectors(fleet)):
        selector = parse_selector(text)
        labels = satisfy(selector.matchers)
        assert labels is not None, text
        for i, variant in enumerate(VARIANTS):
            both = {**{g: f"{g}-{variant}" for g in groups}, "instance": f"i{i}", **labels}
            if not selector.metric.endswith("_bucket"):
                series[(selector.metric, tuple(sorted(both.items())))] = 1
                continue
            bounds = MS_BUCKETS if selector.metric.removesuffix("_bucket") in in_ms else (*BUCKETS, "0.8", "2")
            ordered = sorted(bounds, key=lambda b: float("inf") if b == "+Inf" else float(b))
            for rank, le in enumerate(ordered, start=1):
                series[(selector.metric, tuple(sorted({**both, "le": le}.items())))] = rank
    lines: list[str] = []
    for (name, labels), rank in sorted(series.items()):
        text = "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"
        for step, ts in enumerate(range(end - HOURS * 3600, end + 1, STEP)):
            lines.append(f"{name}{text} {_value(name, text, step, ts) * rank} {ts}")
    for service in fleet.services:  # the traffic panels compare with a week ago: see _recorded_history
        if {a.kind for a in service.key_alerts} & {AlertKind.TRAFFIC_ANOMALY, AlertKind.TRAFFIC_MILESTONE}:
            requests = service.metric("requests")
            kept = kept_groups(requests) if requests is not None else ()
            for variant in VARIANTS if kept else VARIANTS[:1]:  # a rate kept per label is recorded per group
                labels = tuple(sorted({"service": service.name, **{k: f"{k}-{variant}" for k in kept}}.items()))
                lines.extend(_recorded_history(names.SERVICE_REQUESTS_RATE, labels, end))
    for service in fleet.services:  # "SLI events" compares with a day ago: recorded 5m rates per group
        for slo in service.slos:
            if slo.sli.kind not in COUNTED_KINDS:
                continue
            for variant in VARIANTS if slo.by else VARIANTS[:1]:
                own = {"service": service.name, "slo": slo.name, "window": "5m"}
                labels = tuple(sorted({**own, **{k: f"{k}-{variant}" for k in slo.by}}.items()))
                lines.extend(_recorded_history(names.SLI_TOTAL_COARSE, labels, end))
    return "\n".join(lines) + "\n# EOF\n"


@pytest.fixture(scope="module")
def prometheus_with_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    work = tmp_path_factory.mktemp("dashboards-unlike")
    out = work / "generated"
    specs = work / "specs"
    shutil.copytree(SPECS, specs)
    (specs / "lib").mkdir()
    shutil.copy(ROOT / "examples" / "lib" / "golden-signals.jsonnet", specs / "lib")
    compilation = compile_specs([str(specs)], CompileOptions())
    writer.write(writer.plan(compilation.bundle, str(out)))
    history = _history(compilation.fleet, int(time.time()))
    with prometheus_on_history(promtool, prometheus_bin, out, history, work) as url:
        yield url, out


def _variable_values(url: str, board: dict[str, Any]) -> dict[str, list[str]]:
    out = {}
    for variable in (board.get("templating") or {}).get("list", []):
        query = variable.get("query")
        text = query.get("query", "") if isinstance(query, dict) else str(query or "")
        found = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", text.strip())
        if variable.get("type") == "query" and found:
            params = urllib.parse.urlencode({"match[]": found.group(1)})
            data = servers.get_json(f"{url}/api/v1/series?{params}")["data"]
            out[variable["name"]] = sorted({s[found.group(2)] for s in data if found.group(2) in s})
    return out


def _grafana_regex(value: str) -> str:
    """A value as Grafana writes it into a Prometheus regex: specials escaped, the backslash doubled for PromQL."""
    return re.sub(r"([\\^$.|?*+()\[\]{}-])", r"\\\\\1", value)


def _legend(legend: str, labels: dict[str, str], every: list[dict[str, str]] | None = None) -> str:
    """A line's name as Grafana shows it; under the auto legend (`__auto`) the labels on which the lines of the
    query (`every`) differ."""
    if legend == AUTO_LEGEND:
        common = {k: v for k, v in labels.items() if all(other.get(k) == v for other in every or [labels])}
        return str({k: v for k, v in labels.items() if k not in common})
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), legend) or str(labels)


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels") or [])


def test_every_panel_query_returns_the_groups_its_variables_select(prometheus_with_fleet: tuple[str, Path]) -> None:
    url, out = prometheus_with_fleet
    problems: list[str] = []
    queries = 0
    for path in sorted((out / "grafana" / "dashboards").rglob("*.json")):
        board = json.loads(path.read_text())
        values = _variable_values(url, board)
        problems += [f"{path.name}: variable {name} has no values" for name, found in values.items() if not found]
        modes = {
            "all": {name: ".*" for name in values},
            "two": {name: "(" + "|".join(map(_grafana_regex, found[:2])) + ")" for name, found in values.items()},
            "one": {name: _grafana_regex(found[-1]) for name, found in values.items() if found},
        }
        chosen = {name: found[-1] for name, found in values.items() if found}
        for panel in _panels(board.get("panels") or []):
            for target in panel.get("targets") or []:
                for mode, filled in modes.items():
                    queries += 1
                    expr = _substitute(target["expr"], filled)
                    where = f"{path.name} | {panel['id']} {panel['title']} | {mode} | {expr}"
                    if "$" in expr.replace("$1", ""):
                        problems.append(f"unfilled variable: {where}")
                        continue
                    params = urllib.parse.urlencode({"query": expr, "time": int(time.time())})
                    try:
                        result = servers.get_json(f"{url}/api/v1/query?{params}")["data"]["result"]
                    except urllib.error.HTTPError as exc:
                        problems.append(f"error {exc.read().decode()[:200]}: {where}")
                        continue
                    # with one service chosen only one of the fleet's two tables has its rows
                    may_be_empty = mode == "one" and path.name == "fleet.json" and panel["id"] == KEY_SERVICES_ID
                    may_be_empty = may_be_empty or stopped_only(expr) or grouped_only(expr)  # every SLI here reports
                    if not result and not may_be_empty:
                        problems.append(f"no data: {where}")
                    named = re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat") or "")
                    if panel["type"] in ("timeseries", "stat") and len(result) > 1:  # lines or values alike
                        every = [r["metric"] for r in result]
                        shown = [_legend(target.get("legendFormat") or "", labels, every) for labels in every]
                        if len(set(shown)) < len(shown):
                            problems.append(f"lines with one legend {sorted(shown)}: {where}")
                    for series in result:
                        labels = series["metric"]
                        problems += [f"legend {{{{{n}}}}} not on {labels}: {where}" for n in named if n not in labels]
                        if mode == "one":
                            wrong = {k: labels[k] for k in chosen if k in labels and labels[k] != chosen[k]}
                            problems += [f"unselected group {wrong}: {where}"] if wrong else []
    assert queries > 300
    assert problems == [], "\n".join(problems)


def test_a_standard_dashboard_shows_a_grouped_slos_worst_group_and_filters_by_its_variable(
    prometheus_with_fleet: tuple[str, Path],
) -> None:
    """examples/lib's budget stat of pay-ledger's `by: [tenant_id]` SLO: All shows one value, the least budget
    left of any tenant, named by its tenant; one tenant chosen shows that tenant's (round 35: every tenant's
    value side by side, and no tenant variable to choose one)."""
    url, out = prometheus_with_fleet
    board = json.loads(next((out / "grafana" / "dashboards").rglob("pay-ledger.golden-signals.json")).read_text())
    values = _variable_values(url, board)
    assert len(values.get("tenant_id", [])) == 2, f"no tenant_id variable with both tenants: {sorted(values)}"
    stat = next(p for p in _panels(board["panels"]) if p["title"] == "writes budget left")
    target = stat["targets"][0]

    def query(expr: str) -> list[dict[str, Any]]:
        params = urllib.parse.urlencode({"query": expr, "time": int(time.time())})
        return list(servers.get_json(f"{url}/api/v1/query?{params}")["data"]["result"])

    every = query(f'{names.SLO_BUDGET_REMAINING}{{service="pay-ledger",slo="writes"}}')
    assert len(every) == 2
    shown = query(_substitute(target["expr"], {"tenant_id": ".*"}))
    assert len(shown) == 1 and float(shown[0]["value"][1]) == min(float(s["value"][1]) for s in every)
    assert _legend(target["legendFormat"], shown[0]["metric"]).startswith("tenant_id-")
    for tenant in values["tenant_id"]:
        one = query(_substitute(target["expr"], {"tenant_id": _grafana_regex(tenant)}))
        assert [s["metric"]["tenant_id"] for s in one] == [tenant]
