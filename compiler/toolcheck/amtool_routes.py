"""Replay the routing-test table through `amtool config routes test`, fast enough for 1,000 services.

amtool 0.25 compares exactly and in order, wants one `label=value` per argument (a comma-joined
argument silently mis-routes) and warns about --alertmanager.url on stderr on every call, so only
stdout and the exit code are read.

Two reductions keep a large fleet affordable (each amtool call re-reads the whole config: ~60 ms
for 1,000 services against ~12 ms for a small file):
- Rows are grouped by *routing key*: the class of their labels the tree cannot tell apart
  (route_classes: the same outcome for every matcher; a label only equalities read is one of their
  values or none of them) plus the expected receivers. Alertmanager routing reads nothing else, so one
  representative per key is replayed and a failure is reported for every row that shares it. Before
  round 49 the key held the value of every label a matcher named, so each service that only
  `service!=""` reads was a key of its own (1,000 bench services: 4,101 keys, 181 now).
- Each representative is replayed against a *slice* of the config: the same file with the route
  branches removed that cannot match its labels because an equality matcher disagrees. Alertmanager
  never enters such a branch, so the answer is the same; a sample of rows is also replayed against
  the whole file, and any disagreement is reported as a bug in this reduction. Receivers no
  remaining route names are dropped from the slice too (they only need to exist to be routed to).
  When the sample would be every representative (a small fleet), only the whole file is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compiler.errors import ToolError
from compiler.toolcheck import _run
from compiler.toolcheck.route_classes import EQUALITY, Classes, classes, route_matchers, walk

CROSS_CHECKS = 8  # representatives also replayed against the whole file
# Each call is a short Go process (~12 ms) reading a small slice. With one thread and the collector held off
# until 4x the live heap it used ~25% less CPU (60 calls of a 2.5 KB slice each way, in turn, 3 rounds, busy
# 2-CPU machine: min 0.60 vs 0.88 CPU-s) at ~20 MB peak; GOGC=off or 800 saved no more. The user's values win.
GO_DEFAULTS = {"GOGC": "400", "GOMAXPROCS": "1"}


@dataclass(frozen=True)
class Case:
    service: str
    alert: str
    labels: tuple[tuple[str, str], ...]
    receivers: tuple[str, ...]
    group: str = ""  # its grouping's name under the table's `groupings:` (grouping_check)

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


def load_cases(text: str) -> list[Case]:
    return [
        Case(
            service=str(row["service"]),
            alert=str(row["alert"]),
            labels=tuple(sorted((str(k), str(v)) for k, v in row["labels"].items())),
            receivers=tuple(str(r) for r in row["receivers"]),
            group=str(row.get("group") or ""),
        )
        for row in _rows(text)
    ]


def _rows(text: str) -> list[Any]:
    """The table's rows: one JSON object per `- ` line as written by obsc, else read as YAML."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if "cases:" in lines:  # the groupings above (grouping_check reads them)
        lines = lines[lines.index("cases:") :]
    if lines and lines[0] == "cases:" and all(line.startswith("- {") for line in lines[1:]):
        try:
            return [json.loads(line[2:]) for line in lines[1:]]  # 20x faster than YAML for big fleets
        except ValueError:
            pass
    cases: list[Any] = _load_yaml(text).get("cases") or []
    return cases


def run_routing_tests(amtool: str, config_path: Path, cases: Sequence[Case], workers: int | None = None) -> Report:
    config = _load_yaml(config_path.read_text(encoding="utf-8"))
    seen_alike = classes(config)
    groups: dict[tuple[Any, ...], list[Case]] = {}
    for case in cases:
        groups.setdefault(routing_key(case, seen_alike), []).append(case)
    representatives = [rows[0] for rows in groups.values()]
    workers = workers or max(1, min(32, os.cpu_count() or 1))
    sample = _spread(len(representatives), CROSS_CHECKS)
    if len(sample) == len(representatives):
        # Every representative is replayed against the whole file anyway: its slice would decide nothing and
        # only double the calls (a small fleet's 8 routes took 16).
        jobs = [(case, config_path) for case in representatives]
        results = _replay(amtool, jobs, workers)
        return Report(cases=len(cases), calls=len(jobs), misroutes=_misroutes(groups, results))
    with tempfile.TemporaryDirectory(prefix="obsc-amtool-") as scratch:
        slices = [write_slice(config, dict(case.labels), Path(scratch)) for case in representatives]
        jobs = [(case, path) for case, path in zip(representatives, slices, strict=True)]
        jobs += [(representatives[i], config_path) for i in sample]
        results = _replay(amtool, jobs, workers)
    for k, i in enumerate(sample):
        if results[len(representatives) + k] != results[i]:
            raise ToolError(
                f"internal error: amtool routes {representatives[i].name} differently in the whole "
                f"alertmanager.yml ({results[len(representatives) + k][1]}) than in its slice ({results[i][1]}); "
                "please report this bug"
            )
    misroutes = _misroutes(groups, results[: len(representatives)])
    return Report(cases=len(cases), calls=len(jobs), misroutes=misroutes)


def _replay(amtool: str, jobs: Sequence[tuple[Case, Path]], workers: int) -> list[tuple[bool, str]]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: route_once(amtool, job[1], job[0]), jobs))


def _misroutes(
    groups: Mapping[tuple[Any, ...], Sequence[Case]], verdicts: Sequence[tuple[bool, str]]
) -> tuple[Misroute, ...]:
    """Every row of a group whose representative was mis-routed."""
    return tuple(
        Misroute(case, got)
        for rows, (ok, got) in zip(groups.values(), verdicts, strict=True)
        if not ok
        for case in rows
    )


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
    result = _run.run(argv, defaults=GO_DEFAULTS)
    lines = result.stdout.strip().splitlines()
    got = lines[0].strip() if lines else ""
    return result.returncode == 0 and got == ",".join(case.receivers), got


def routing_key(case: Case, seen_alike: Classes | None) -> tuple[Any, ...]:
    """What the route tree can see of the row (all its labels when the tree could not be read)."""
    if seen_alike is None:
        return (case.labels, case.receivers)
    return (seen_alike.key(dict(case.labels)), case.receivers)


def routing_label_names(config: Mapping[str, Any]) -> frozenset[str] | None:
    """Label names any route matches on; None if some matcher cannot be read (then nothing is merged)."""
    found: set[str] = set()
    for route in walk(config.get("route") or {}):
        matchers = route_matchers(route)
        if matchers is None:
            return None
        found.update(m.name for m in matchers)
    return frozenset(found)


def prune(route: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """The route with every child branch removed that an equality matcher rules out for `labels`."""
    out = dict(route)
    if "routes" in route:
        out["routes"] = [prune(child, labels) for child in route["routes"] or () if not _ruled_out(child, labels)]
    return out


def write_slice(config: Mapping[str, Any], labels: Mapping[str, str], scratch: Path) -> Path:
    """Write the pruned config (JSON is YAML) once per distinct content; return its path."""
    sliced = {k: v for k, v in config.items() if k != "templates"}  # routing never reads templates
    sliced["route"] = prune(config.get("route") or {}, labels)
    # Receivers only need to exist for the routes that remain (a fleet of inline receivers has thousands).
    kept = {str(route["receiver"]) for route in walk(sliced["route"]) if route.get("receiver")}
    sliced["receivers"] = [r for r in config.get("receivers") or () if str(r.get("name")) in kept]
    text = json.dumps(sliced, sort_keys=True)
    path = scratch / (hashlib.sha256(text.encode()).hexdigest()[:20] + ".yml")
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return path


def _ruled_out(route: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """An equality of the route fails for `labels` (read as Alertmanager reads it; an unsure route is kept)."""
    for m in route_matchers(route) or ():
        if m.op in EQUALITY and (labels.get(m.name, "") == m.value) != (m.op == "="):
            return True
    return False


def _spread(total: int, count: int) -> list[int]:
    """Up to `count` indexes spread evenly over range(total), first and last included."""
    if total <= count:
        return list(range(total))
    return sorted({round(i * (total - 1) / (count - 1)) for i in range(count)})


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _load_yaml(text: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser is ~10x faster on big files
    loaded: dict[str, Any] = yaml.load(text, Loader=loader) or {}
    return loaded
