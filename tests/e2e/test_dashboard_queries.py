"""Every panel query of every dashboard obsc writes for examples/ (per service, fleet overview, and the
platform's Jsonnet standard dashboards), run against a real Prometheus 2.42 the way Grafana would run it.

The server holds two days of synthetic history for every series the examples' metrics select (label
values found by the same matcher solver the generated promtool tests use) and evaluates the generated
rules. Grafana's variables are substituted as Grafana does: `$__rate_interval` = max(4 × scrape
interval, step + scrape interval), `$__interval` = the step, template variables by their first value.
Each query must succeed, read only metrics the server has, and return data. The report
(panel → query → series) is written beside the test's files and printed on failure.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.model.promql import parse_selector
from compiler.model.silent_groups import COUNTED_KINDS
from compiler.model.types import AlertKind, Fleet, MetricType
from compiler.output import writer
from compiler.targets.prometheus.promtool.series import satisfy
from tests.conftest import ROOT, require_tool
from tests.e2e import servers

STEP = 60
SCRAPE = 60
HOURS = 48
BUCKETS = ("0.05", "0.1", "0.25", "0.3", "0.5", "1", "2.5", "5", "+Inf")
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^{}]*)\}")
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


@dataclass
class Query:
    dashboard: str
    panel: str
    expr: str
    series: int = -1
    error: str = ""


# cAdvisor's and kube-state-metrics' per-pod series, and the kubelet's per-claim volume series (joined to the
# claims of those pods on namespace: no claim label on either side, so one claim a namespace)
_POD_SERIES = ("container_", "kube_pod_", "kubelet_volume_stats_")
_BARE_POD_SERIES = re.compile(r"\b((?:container_|kube_pod_|kubelet_volume_stats_)\w+)\b(?![{(\w])")  # no matchers


def _selectors(fleet: Fleet) -> set[str]:
    """Every series selector the fleet's metrics read, as text (`name{a="b"}`)."""
    found: set[str] = set()
    for service in fleet.services:
        for metric in service.metrics:
            if metric.selector is not None:
                suffixes = ("_bucket", "_count", "_sum") if metric.type == MetricType.HISTOGRAM else ("",)
                found.update(metric.selector.render(metric.selector.metric + s) for s in suffixes)
            for text in (metric.expr or "", *(slo.sli.raw_errors or "" for slo in service.slos)):
                found.update(m.group(0) for m in _SELECTOR.finditer(text))
                found.update(m.group(1) for m in _BARE_POD_SERIES.finditer(text))
            for slo in service.slos:
                found.update(m.group(0) for m in _SELECTOR.finditer(slo.sli.raw_total or ""))
        up = parse_selector("up").with_matchers(service.selector)
        found.add(up.render())
    return found


def _history(fleet: Fleet, end: int) -> str:
    wanted: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}  # series → rank (a bucket's place)
    selectors = [parse_selector(text) for text in sorted(_selectors(fleet))]
    # The platform joins container series to the service's pods on (namespace, pod) of `up`: every `up` and
    # container series is one pod's, and a container series is written once in each namespace an `up` has.
    namespaces = sorted({(satisfy(s.matchers) or {}).get("namespace", "") for s in selectors if s.metric == "up"})
    for selector in selectors:
        labels = satisfy(selector.matchers)
        if labels is None:
            continue
        if selector.metric == "up" or selector.metric.startswith(_POD_SERIES):
            labels = {"pod": "pod-0", **labels}
        if selector.metric.startswith(_POD_SERIES) and "namespace" not in labels:
            for namespace in namespaces:
                in_namespace = {**labels, "namespace": namespace} if namespace else labels
                wanted[(selector.metric, tuple(sorted(in_namespace.items())))] = len(BUCKETS)
            continue
        if selector.metric.endswith("_bucket"):
            for rank, le in enumerate(BUCKETS, start=1):
                wanted[(selector.metric, tuple(sorted({**labels, "le": le}.items())))] = rank
        else:
            wanted[(selector.metric, tuple(sorted(labels.items())))] = len(BUCKETS)
    for service in fleet.services:  # recorded request rates, a week and more back: see _recorded_history
        if {a.kind for a in service.key_alerts} & {AlertKind.TRAFFIC_ANOMALY, AlertKind.TRAFFIC_MILESTONE}:
            wanted[(names.SERVICE_REQUESTS_RATE, (("service", service.name),))] = 0
    for service in fleet.services:  # an event SLI's events a day ago: recorded 5m rates (see _recorded_history)
        for slo in service.slos:
            if slo.sli.kind in COUNTED_KINDS:
                events = (("service", service.name), ("slo", slo.name), ("window", "5m"))
                wanted[(names.SLI_TOTAL_COARSE, events)] = 0
    lines: list[str] = []
    for service in fleet.services:  # the disk's time to full reads the recorded utilisation's 6h trend
        if AlertKind.DISK_FULL in {a.kind for a in service.key_alerts}:
            lines.extend(_recorded_disk(service.name, end))
    for (name, labels), rank in sorted(wanted.items()):
        if rank == 0:
            lines.extend(_recorded_history(name, labels, end))
            continue
        rendered = "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"
        counter = name.endswith(("_total", "_count", "_sum", "_bucket"))
        for step, ts in enumerate(range(end - HOURS * 3600, end + 1, STEP)):
            value = 10.0 * rank * step if counter else _gauge(name, step)
            lines.append(f"{name}{rendered} {value} {ts}")
    return "\n".join(lines) + "\n# EOF\n"


def _gauge(name: str, step: int) -> float:
    """A gauge's value at `step`: a filesystem fills (its free bytes fall against a fixed size), so the disk's
    time-to-full panel, which has a value only while the disk fills, has one; any other gauge wobbles."""
    if name.endswith(("_size_bytes", "_capacity_bytes")):
        return 200.0
    if name.endswith(("_avail_bytes", "_available_bytes")):
        return 150.0 - step / 100
    return 1.0 if name == "up" else 0.5 + (step % 7) / 100


def _recorded_disk(service: str, end: int) -> list[str]:
    """The recorded disk utilisation of the history, as the rules would have recorded it from `_gauge`'s filling
    filesystem (a server a minute old holds seconds of it, too few for a 6h trend)."""
    start = end - HOURS * 3600
    steps = range((end - 60 - start) // STEP)
    used = [1 - _gauge("_avail_bytes", step) / _gauge("_size_bytes", step) for step in steps]
    return [f'{names.SERVICE_DISK}{{service="{service}"}} {value} {start + i * STEP}' for i, value in enumerate(used)]


def _recorded_history(name: str, labels: tuple[tuple[str, str], ...], end: int) -> list[str]:
    """Eight days of a rate the rules record: the request rate panel compares the last hour with the same hour a
    week ago and with the 7-day record (recorded 5m rates), and "SLI events" with a day ago, which two days of raw
    history and a server a minute old do not hold."""
    rendered = "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"
    return [
        f"{name}{rendered} {1.0 + (step % 7) / 10} {ts}"
        for step, ts in enumerate(range(end - 8 * 86400, end - 60, STEP))
    ]


@pytest.fixture(scope="module")
def prometheus_with_examples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    work = tmp_path_factory.mktemp("dashboards")
    out = work / "generated"
    compilation = compile_specs([str(ROOT / "examples")], CompileOptions())
    writer.write(writer.plan(compilation.bundle, str(out)))
    history = _history(compilation.fleet, int(time.time()))
    with prometheus_on_history(promtool, prometheus_bin, out, history, work) as url:
        yield url, out


@contextmanager
def prometheus_on_history(promtool: str, prometheus_bin: str, out: Path, history: str, work: Path) -> Iterator[str]:
    """A real Prometheus (its URL) over `history` (OpenMetrics, backfilled into blocks) with the rules written in
    `out`, once every rule group has been evaluated."""
    (work / "history.om").write_text(history)
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=72h", "history.om", "tsdb"],
        check=True,
        capture_output=True,
        cwd=work,
    )
    # The slow groups (interval 5m) start at a random offset within their interval: evaluated every 2s
    # here, so their recorded series exist within seconds (the queries, not the schedule, are under test).
    rules_dir = work / "rules"
    rules_dir.mkdir()
    for rule_file in sorted((out / names.PROMETHEUS_DIR / "rules").glob("*.yaml")):
        data = yaml.safe_load(rule_file.read_text())
        for group in data["groups"]:
            if "interval" in group:
                group["interval"] = "2s"
        (rules_dir / rule_file.name).write_text(yaml.safe_dump(data))
    config = work / "prometheus.yml"
    rules = str(rules_dir / "*.yaml")
    config.write_text(yaml.safe_dump({"global": {"evaluation_interval": "1s"}, "rule_files": [rules]}))
    with servers.prometheus(prometheus_bin, config, work / "tsdb", work) as prom:
        # Recording rules run from the start only: wait until every group has been evaluated.
        def evaluated() -> bool:
            groups = servers.get_json(prom.url + "/api/v1/rules")["data"]["groups"]
            return bool(groups) and all(g["lastEvaluation"] != "0001-01-01T00:00:00Z" for g in groups)

        servers.wait_until(evaluated, 60, what="every rule group evaluated")
        time.sleep(3)
        yield prom.url


def _queries(out: Path) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(dashboard path, panel title, expr, dashboard) for every target of every panel, rows included."""
    found = []
    for path in sorted((out / "grafana" / "dashboards").rglob("*.json")):
        dashboard = json.loads(path.read_text())

        def walk(panels: list[dict[str, Any]], board: dict[str, Any] = dashboard, where: Path = path) -> None:
            for panel in panels:
                for target in panel.get("targets") or []:
                    if target.get("expr"):
                        found.append((str(where.relative_to(out)), str(panel.get("title", "")), target["expr"], board))
                walk(panel.get("panels") or [])

        walk(dashboard.get("panels") or [])
    return found


def _first_value(url: str, variable: dict[str, Any]) -> str:
    query = variable.get("query")
    text = query.get("query", "") if isinstance(query, dict) else str(query or "")
    labels = re.fullmatch(r"label_values\((?:(.+),\s*)?(\w+)\)", text.strip())
    if variable.get("type") == "query" and labels:
        match = labels.group(1) or "{__name__=~'.+'}"
        params = urllib.parse.urlencode({"match[]": match})
        data = servers.get_json(f"{url}/api/v1/series?{params}")["data"]
        values = sorted({s[labels.group(2)] for s in data if labels.group(2) in s})
        return values[0] if values else ""
    if variable.get("type") == "custom":
        return str(text.split(",")[0]).strip()
    current = variable.get("current") or {}
    value = current.get("value", "")
    return str(value[0] if isinstance(value, list) and value else value)


def _substitute(expr: str, values: dict[str, str]) -> str:
    rate_interval = f"{max(4 * SCRAPE, STEP + SCRAPE)}s"
    builtins = {"__rate_interval": rate_interval, "__interval": f"{STEP}s", "__range": "3600s", "__range_s": "3600"}

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in builtins:
            return builtins[name]
        return values.get(name, match.group(0))

    return _VARIABLE.sub(one, expr)


def stopped_only(expr: str) -> bool:
    """A query of what the groups whose SLI has no series now still have recorded (queries.budget_unreported):
    empty while every SLI reports, as on these servers."""
    return " unless on(service, slo" in expr and f"last_over_time({names.SLI_TOTAL_COARSE}" in expr


def grouped_only(expr: str) -> bool:
    """The fleet table's "Groups without data %" (round 42): it reads only SLOs kept `by:` a label (`label!=""`),
    so it is empty (blank) while the services the variables select have none."""
    return '!=""}' in expr and f"unless ignoring(window) last_over_time({names.SLI_TOTAL_COARSE}" in expr


def test_every_panel_query_runs_and_returns_data_where_the_metrics_exist(
    prometheus_with_examples: tuple[str, Path],
) -> None:
    url, out = prometheus_with_examples
    existing = set(servers.get_json(url + "/api/v1/label/__name__/values")["data"])
    # a record with series only while a histogram series lacks its SLO's threshold bucket (none does here): the
    # "SLI events" line that reads it shows 0 from the counted events meanwhile, which the empty check below sees
    existing.add(names.SLI_UNBUCKETED)
    variables: dict[int, dict[str, str]] = {}
    results: list[Query] = []
    queries = _queries(out)
    assert len(queries) > 50, "the examples' dashboards should hold many queries"
    for dashboard_path, panel, expr, board in queries:
        key = id(board)
        if key not in variables:
            variables[key] = {v["name"]: _first_value(url, v) for v in (board.get("templating") or {}).get("list", [])}
        query = Query(dashboard_path, panel, _substitute(expr, variables[key]))
        end = int(time.time())
        params = urllib.parse.urlencode({"query": query.expr, "start": end - 3600, "end": end, "step": STEP})
        try:
            body = servers.get_json(f"{url}/api/v1/query_range?{params}")
            query.series = len(body["data"]["result"])
        except urllib.error.HTTPError as exc:  # a 400 carries Prometheus' parse error
            query.error = exc.read().decode()[:300]
        results.append(query)
    report = "\n".join(f"{q.dashboard} | {q.panel} | {q.series} series | {q.expr}{q.error}" for q in results)
    (out.parent / "dashboard-queries.txt").write_text(report + "\n")
    failed = [q for q in results if q.error or "$" in q.expr.replace("$1", "")]
    assert failed == [], report

    def metrics(query: Query) -> set[str]:
        return set(re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", query.expr))

    # The fixture synthesises every series the examples select and the rules record, so every query's
    # metrics exist (a new metric the fixture does not produce shows up here, not as a silent skip) ...
    unknown = [f"{q.dashboard} | {q.panel} | {sorted(metrics(q) - existing)}" for q in results if metrics(q) - existing]
    assert unknown == [], "\n".join(unknown)
    # ... and every query returns data, but the budget of groups whose SLI stopped: every SLI here reports.
    empty = [
        f"{q.dashboard} | {q.panel} | {q.expr}"
        for q in results
        if q.series == 0 and not stopped_only(q.expr) and not grouped_only(q.expr)
    ]
    assert empty == [], "queries that return nothing:\n" + "\n".join(empty)
