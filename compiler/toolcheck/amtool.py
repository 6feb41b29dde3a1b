"""amtool on the written bundle: `check-config`, then the routing-test table, row by row.

The table (alertmanager/routing-tests.yaml) holds every alert's label set and the receiver the spec
promised. amtool 0.25 compares exactly and in order, wants one `label=value` per argument (a
comma-joined argument silently mis-routes) and warns about --alertmanager.url on stderr on every
call, so only stdout and the exit code are read.

Cost: one amtool process per distinct *routing key*. Routing reads only the labels named by the
tree's matchers, so rows that agree on those labels must route alike; one representative row per
key is replayed and a failure is reported for every row sharing it. A 1,000-service fleet needs
~3,000 calls instead of ~20,000; they run in parallel.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from compiler import conventions as names
from compiler.errors import ToolError
from compiler.toolcheck import _run

if TYPE_CHECKING:
    from compiler.api import Compilation

AMTOOL = _run.Tool(name="amtool", env_var="AMTOOL", debian_package="prometheus-alertmanager")
MAX_REPORTED = 20  # mis-routes listed in full; the rest are counted
_LABEL_NAME = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)")


@dataclass(frozen=True)
class Case:
    service: str
    alert: str
    labels: tuple[tuple[str, str], ...]
    receivers: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.service}/{self.alert}"


@dataclass(frozen=True)
class Misroute:
    case: Case
    got: str

    def __str__(self) -> str:
        labels = ", ".join(f"{k}={v}" for k, v in self.case.labels)
        return f"{self.case.name}: expected {','.join(self.case.receivers)}, got {self.got or '(nothing)'} ({labels})"


@dataclass(frozen=True)
class Report:
    cases: int
    calls: int
    misroutes: tuple[Misroute, ...]


def validate(compilation: Compilation, out_dir: str) -> None:
    """Reject the bundle (ToolError) if amtool refuses the config or any alert is mis-routed."""
    if compilation.bundle.get(names.ALERTMANAGER_CONFIG) is None:
        return
    amtool = _run.find(AMTOOL)
    config = Path(out_dir, names.ALERTMANAGER_CONFIG)
    check_config(amtool, config)
    table = Path(out_dir, names.ROUTING_TESTS)
    if table.exists():
        report = run_routing_tests(amtool, config, load_cases(table.read_text(encoding="utf-8")))
        if report.misroutes:
            raise ToolError(misroute_message(report))


def check_config(amtool: str, config: Path) -> None:
    result = _run.run([amtool, "check-config", str(config)])
    if result.returncode != 0:
        detail = (result.stdout + result.stderr).strip()
        raise ToolError(f"amtool check-config rejected {names.ALERTMANAGER_CONFIG}:\n{detail}")


def load_cases(text: str) -> list[Case]:
    data = yaml.safe_load(text) or {}
    return [
        Case(
            service=str(row["service"]),
            alert=str(row["alert"]),
            labels=tuple(sorted((str(k), str(v)) for k, v in row["labels"].items())),
            receivers=tuple(str(r) for r in row["receivers"]),
        )
        for row in data.get("cases") or ()
    ]


def run_routing_tests(amtool: str, config: Path, cases: Sequence[Case], workers: int | None = None) -> Report:
    """Replay one representative per routing key in parallel; every row of a failing key is reported."""
    routed_by = routing_label_names(yaml.safe_load(config.read_text(encoding="utf-8")))
    groups: dict[tuple[Any, ...], list[Case]] = {}
    for case in cases:
        groups.setdefault(routing_key(case, routed_by), []).append(case)
    representatives = [rows[0] for rows in groups.values()]
    workers = workers or max(1, min(32, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda case: route_once(amtool, config, case), representatives))
    misroutes = [
        Misroute(case, got) for rows, (ok, got) in zip(groups.values(), results, strict=True) if not ok for case in rows
    ]
    return Report(cases=len(cases), calls=len(representatives), misroutes=tuple(misroutes))


def route_once(amtool: str, config: Path, case: Case) -> tuple[bool, str]:
    """(matched, receivers amtool resolved) for one label set."""
    argv = [
        amtool,
        "config",
        "routes",
        "test",
        f"--config.file={config}",
        f"--verify.receivers={','.join(case.receivers)}",
        *(f'{k}="{_escape(v)}"' for k, v in case.labels),  # one label per argument
    ]
    result = _run.run(argv)
    lines = result.stdout.strip().splitlines()
    got = lines[0].strip() if lines else ""
    return result.returncode == 0 and got == ",".join(case.receivers), got


def routing_key(case: Case, routed_by: frozenset[str] | None) -> tuple[Any, ...]:
    """The labels the route tree can see (all of them when the tree could not be read)."""
    if routed_by is None:
        return (case.labels, case.receivers)
    seen = tuple((k, v) for k, v in case.labels if k in routed_by)
    return (seen, case.receivers)


def routing_label_names(config: Mapping[str, Any]) -> frozenset[str] | None:
    """Label names any route matches on; None if some matcher cannot be read (then nothing is merged)."""
    found: set[str] = set()
    for route in _walk(config.get("route") or {}):
        for text in route.get("matchers") or ():
            match = _LABEL_NAME.match(str(text))
            if match is None:
                return None
            found.add(match.group(1))
        found.update(route.get("match") or {})  # deprecated forms, should a hand-merged base use them
        found.update(route.get("match_re") or {})
    return frozenset(found)


def _walk(route: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield route
    for child in route.get("routes") or ():
        yield from _walk(child)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def misroute_message(report: Report) -> str:
    shown = [str(m) for m in report.misroutes[:MAX_REPORTED]]
    more = len(report.misroutes) - len(shown)
    lines = [
        f"amtool: {len(report.misroutes)} of {report.cases} alerts are not routed as the specs ask "
        f"({names.ROUTING_TESTS}, `amtool config routes test`):",
        *(f"  {line}" for line in shown),
    ]
    if more:
        lines.append(f"  ... and {more} more")
    return "\n".join(lines)
