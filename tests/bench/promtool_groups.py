"""Where promtool's time goes in one service's generated tests: per test group, as validation runs them.

obsc's validation runs each test group focused (compiler/toolcheck/promtool_focus.py): one group, the rules its
assertions read, ~120 of them in one promtool process. This focuses one service's test files the same way and
runs promtool on each focused group, `copies` copies of it in one call, `runs` times in turn (GOGC=400
GOMAXPROCS=1, as validation), and prints per group: the case families it hosts (read from its name), the rules
it loads, its input series, its evaluation steps and promtool's CPU-s for one copy, min and median; then the same
group with its tests emptied (the rule file loaded, nothing fed or checked) and with no rule file either (the
group's setup: its test TSDB, query engine and file), so that setup, rule loading and evaluation are told apart;
and every test file run whole, as promtool runs it without obsc (one process each, its start included).

Each figure is one copy's share of a call, less a process start's share (an empty test file's CPU-s divided by
`copies`): one group a process put ~0.02 CPU-s of process start into every group (0.6 of a rich service's 30
groups), which round 41 read as the groups' setup.

    python -m tests.bench.promtool_groups                  # one rich bench service (tests/bench/fleet.py)
    python -m tests.bench.promtool_groups examples order-worker --runs 9
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.model.units import parse_duration
from compiler.targets.prometheus.promtool.cases import LANE
from compiler.toolcheck.promtool import rule_files_of
from compiler.toolcheck.promtool_focus import focus_family
from tests.bench.fleet import write_fleet

_ENV = {"GOGC": "400", "GOMAXPROCS": "1"}
# (family, what its cases' titles say): the first that matches a part of a group's name (hosted cases' titles are
# joined by "; ") names that part; a part none matches continues the part before it (a title holding "; ").
FAMILIES = (
    ("twins", re.compile(r"missing-data twins")),
    ("crash loop", re.compile(r"crash loop\)")),
    ("holds", re.compile(r"^holds: ")),
    ("hand-over", re.compile(r"hands over")),
    ("raw counters", re.compile(r"raw counters")),
    ("silent groups", re.compile(r"silent while others report")),
    ("young SLOs", re.compile(r"first seen \d+[mh] ago")),
    ("missing data", re.compile(r"SLODataMissing|data missing|missing-data")),
    ("stopped traffic", re.compile(r"SLOTrafficStopped|traffic stopped")),
    ("failures unseen", re.compile(r"SLOFailuresCounterUnseen|failures counter")),
    ("time slices", re.compile(r"slice")),
    ("threshold families", re.compile(r"\bthe family\b|\bfamil(?:y|ies) ")),
    ("grouped SLOs", re.compile(r"^[a-z_-]+ per [a-z_]+: ")),
    ("burn pairs", re.compile(r"\d[mhdw]/\d+[mhdw]|min_bad_events|budget|healthy traffic")),
    ("key metrics", re.compile(r"^Service[A-Za-z0-9]+|^[a-z_]+ \(|^traffic: ")),  # servicedown49's drop case
)


def families_of(name: str) -> list[str]:
    """The case families a test group hosts, from its name (each hosted case's title, joined by '; ')."""
    found: list[str] = []
    for part in name.split("; "):
        family = next((f for f, pattern in FAMILIES if pattern.search(part)), found[-1] if found else "other")
        if family not in found:
            found.append(family)
    return found


def _cpu(argv: Sequence[str], cwd: str) -> float:
    """promtool's CPU-s (user + system, from wait4); raises when it fails."""
    done = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **_ENV}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = done.stdout.read() if done.stdout else b""
    _, status, usage = os.wait4(done.pid, 0)
    if status != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{out.decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def _steps(doc: dict[str, object]) -> int:
    """Evaluation steps of a one-group test file: promtool evaluates every rule from 0 to the last check."""
    interval = parse_duration(str(doc.get("evaluation_interval", "1m")))
    (group,) = doc["tests"]  # type: ignore[misc]
    times = [
        parse_duration(c["eval_time"]) for key in ("alert_rule_test", "promql_expr_test") for c in group.get(key, [])
    ]
    return max(times, default=0) // interval + 1


def _rules(path: str) -> int:
    doc = yaml.safe_load(Path(path).read_text()) or {}
    return sum(len(g.get("rules") or []) for g in doc.get("groups") or [])


def _subset(path: str) -> str:
    """The rules a focused group loads, without their annotations (a group's quiet rules load bare, so two groups
    loading the same rules may read two files), and as the rule groups they sit in."""
    doc = yaml.safe_load(Path(path).read_text()) or {}
    shown = [
        [g.get("name"), g.get("interval"), [{k: v for k, v in r.items() if k != "annotations"} for r in g["rules"]]]
        for g in doc.get("groups") or []
        if g.get("rules")
    ]
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:12]


def _timeline(doc: dict[str, object]) -> str:
    """A focused group's evaluation steps: its file's evaluation interval and how many steps promtool runs."""
    return f"{doc.get('evaluation_interval', '1m')} x{_steps(doc)}"


_EMPTY = "rule_files: []\ntests: []\n"  # a process start: promtool reads an empty test file and exits


def _variants(path: str, doc: dict[str, Any]) -> tuple[str, str]:
    """The focused group at `path` with its tests emptied (its rule file loaded, nothing fed or checked), and with
    no rule file either (what a group costs before its rules: the test TSDB, the engine, the file)."""
    loaded, bare = path + ".loaded", path + ".bare"
    emptied = [{"name": "x", "input_series": []}]
    Path(loaded).write_text(yaml.safe_dump({**doc, "tests": emptied}))
    Path(bare).write_text(yaml.safe_dump({**doc, "rule_files": [], "tests": emptied}))
    return loaded, bare


def measure(out: str, service: str, runs: int, promtool: str = "promtool", copies: int = 10) -> list[dict[str, object]]:
    """One row per focused group of `service`'s test files under `out`, then one per test file run whole."""
    tests = sorted(os.path.relpath(p, out) for p in glob.glob(f"{out}/prometheus/tests/{service}.*test.yaml"))
    loads = rule_files_of(out, tests[0]) or []
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="obsc-groups-") as focus_dir:
        empty = os.path.join(focus_dir, "empty.test.yaml")
        Path(empty).write_text(_EMPTY)
        start = min(_cpu([promtool, "test", "rules", empty], focus_dir) for _ in range(max(3, runs)))

        def one_copy(path: str) -> float:
            return (_cpu([promtool, "test", "rules", *[path] * copies], focus_dir) - start) / copies

        focused = focus_family(out, tests, loads, focus_dir, "f") or []
        for item in focused:
            path = os.path.join(focus_dir, item.path)
            doc = yaml.safe_load(Path(path).read_text())
            (group,) = doc["tests"]
            loaded, bare = _variants(path, doc)
            rule_file = os.path.join(os.path.dirname(path), doc["rule_files"][0])
            full, load, setup = [], [], []
            for _ in range(runs):  # in turn, so that the machine's drift falls on all alike
                full.append(one_copy(path))
                load.append(one_copy(loaded))
                setup.append(one_copy(bare))
            rows.append(
                {
                    "file": item.source.rsplit("/", 1)[1],
                    "group": item.group + 1,
                    # cases side by side in lanes: their series carry the lane label (promtool/lanes.py)
                    "families": families_of(str(group["name"]))
                    + (["lanes"] if any(LANE in str(s["series"]) for s in group.get("input_series") or []) else []),
                    "rules": _rules(rule_file),
                    "subset": _subset(rule_file),
                    "timeline": _timeline(doc),
                    "series": len(group.get("input_series") or []),
                    "steps": _steps(doc),
                    "min": min(full),
                    "median": statistics.median(full),
                    "loaded_min": min(load),
                    "setup_min": min(setup),
                }
            )
    for test in tests:
        whole = [_cpu([promtool, "test", "rules", test], out) for _ in range(runs)]
        rows.append({"file": test.rsplit("/", 1)[1], "group": 0, "min": min(whole), "median": statistics.median(whole)})
    return rows


def split(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """The focused groups' CPU-s (sums of min) as setup, rule loading and evaluation: a group with no rules nor
    tests, the same with its rule file loaded less that, and the group as generated less that."""
    groups = [r for r in rows if r["group"]]
    setup = sum(float(r["setup_min"]) for r in groups)
    loaded = sum(float(r["loaded_min"]) for r in groups)
    total = sum(float(r["min"]) for r in groups)
    return {"total": total, "setup": setup, "loading": loaded - setup, "evaluation": total - loaded}


def report(rows: list[dict[str, object]]) -> str:
    lines = ["file group  rules series steps  CPU-s min/median  loaded min  setup min  families"]
    for r in rows:
        if r["group"]:
            lines.append(
                f"{r['file']} {r['group']:>2} {r['rules']:>6} {r['series']:>6} {r['steps']:>5}"
                f"  {r['min']:.4f}/{r['median']:.4f}  {r['loaded_min']:.4f}  {r['setup_min']:.4f}"
                f"  {', '.join(r['families'])}"  # type: ignore[arg-type]
            )
    groups = [r for r in rows if r["group"]]
    parts = split(rows)
    lines.append(
        f"focused groups: {len(groups)}, sum of min {parts['total']:.3f} CPU-s, a process start taken out: setup "
        f"{parts['setup']:.3f} (test TSDB, engine, file), rule loading {parts['loading']:.3f}, evaluation "
        f"{parts['evaluation']:.3f}"
    )
    per: dict[str, float] = {}
    for r in groups:
        fams = [f for f in r["families"] if f != "lanes"]  # type: ignore[attr-defined]  (a packing, not cases)
        for f in fams:
            per[f] = per.get(f, 0.0) + (float(r["min"]) - float(r["loaded_min"])) / len(fams)  # type: ignore[arg-type]
    lines.append(
        "evaluation (min - loaded), a shared group split evenly: " + ", ".join(f"{f} {s:.3f}" for f, s in per.items())
    )
    lines.append("focused, per test file (sum of min: setup / rule loading / evaluation): " + _per_file(groups))
    lines.append(_twins(groups))
    lines += [f"whole {r['file']}: {r['min']:.3f}/{r['median']:.3f}" for r in rows if not r["group"]]
    return "\n".join(lines)


def _twins(groups: Sequence[dict[str, Any]]) -> str:
    """The groups that load the same rules on the same timeline as an earlier group, and what they cost: the most
    that running such groups as one (their cases side by side) could save, less what their inputs add to the one
    group's evaluation. Their rules are evaluated once per step either way, so only the duplicates' setup,
    loading and the part of their evaluation that does not depend on the data would go."""
    seen: set[tuple[str, str]] = set()
    twins = []
    for r in groups:
        key = (str(r.get("subset")), str(r.get("timeline")))
        if r.get("subset") is not None and key in seen:
            twins.append(r)
        seen.add(key)
    total = sum(float(r["min"]) for r in twins)
    loaded = sum(float(r["loaded_min"]) for r in twins)
    return (
        f"groups loading the rules an earlier group loads, on its timeline: {len(twins)} of {len(groups)}, "
        f"{total:.3f} CPU-s (setup and rule loading {loaded:.3f}, evaluation {total - loaded:.3f})"
    )


def _per_file(groups: Sequence[dict[str, Any]]) -> str:
    """Each test file's focused groups summed and split as `split` does: which file a change should make cheaper
    (a rich service's main file held ~79% of its focused CPU in round 44)."""
    files = dict.fromkeys(str(r["file"]) for r in groups)
    out = []
    for name in files:
        parts = split([r for r in groups if r["file"] == name])
        count = sum(1 for r in groups if r["file"] == name)
        out.append(
            f"{name} {parts['total']:.3f} in {count} (setup {parts['setup']:.3f} / loading {parts['loading']:.3f}"
            f" / evaluation {parts['evaluation']:.3f})"
        )
    return "; ".join(out)


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("specs", nargs="?", help="specs to compile (default: one rich bench service)")
    parser.add_argument("service", nargs="?", default="svc-0000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=10, help="copies of a group in one promtool call")
    args = parser.parse_args(list(argv) or sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="obsc-groups-") as tmp:
        specs = args.specs or str(write_fleet(Path(tmp), 1, rich=True))
        bundle = compile_specs([specs], CompileOptions()).bundle
        out = os.path.join(tmp, "out")
        for artifact in bundle.artifacts:
            if artifact.path.startswith("prometheus/"):
                target = Path(out, artifact.path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(artifact.content)
        print(report(measure(out, args.service, args.runs, copies=args.copies)))


if __name__ == "__main__":
    main()
