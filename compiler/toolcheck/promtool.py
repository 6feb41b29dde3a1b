"""promtool on the written bundle: `check rules` and `test rules`, the files spread over one process per CPU.

Any WARNING, lint error or FAILED block fails the run (promtool 2.42 only warns when a test's
rule_files matches nothing, and a negative test then passes against no rules at all). Alert names are
cross-checked: every alert in the rules is asserted firing and asserted quiet by a test, and every name
a test asserts exists in the rules it loads. PrometheusRule and Mimir files are validated through their
groups, extracted into a temporary plain layout.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from compiler import conventions as names
from compiler import workers
from compiler.errors import ToolError
from compiler.output.bundle import Bundle
from compiler.targets.prometheus import dump, extract_groups, layout_of
from compiler.toolcheck import _run
from compiler.toolcheck.promtool_cache import open_cache

PROMTOOL = _run.Tool(name="promtool", env_var="PROMTOOL", debian_package="prometheus")
log = logging.getLogger("obsc")

_HEADER = re.compile(r"^(?:Checking|Unit Testing:)\s+(\S+)\s*$")
_BAD = ("FAILED", "WARNING", "lint error")
MAX_LINES_PER_FILE = 40


@dataclass(frozen=True)
class Layout:
    """Where promtool runs and which files it reads; `shown` maps a file it reads to the bundle path."""

    workdir: str
    rules: tuple[str, ...]
    tests: tuple[str, ...]
    shown: dict[str, str]


def validate(bundle: Bundle, out_dir: str) -> None:
    paths = bundle.paths
    rule_paths = [p for p in paths if layout_of(p)]
    test_paths = [p for p in paths if p.startswith(names.PROMETHEUS_TESTS_DIR + "/") and p.endswith(".test.yaml")]
    if not rule_paths:
        return
    promtool = _run.find(PROMTOOL)
    with tempfile.TemporaryDirectory(prefix="obsc-promtool-") as tmp:
        layout = _layout(out_dir, rule_paths, test_paths, tmp)
        findings = run_promtool(promtool, layout)
    if findings:
        shown = findings[: MAX_LINES_PER_FILE * 3]
        more = f"\n  ... {len(findings) - len(shown)} more line(s)" if len(findings) > len(shown) else ""
        raise ToolError("promtool rejected the generated rules:\n" + "\n".join(f"  {f}" for f in shown) + more)
    log.info("promtool: %d rule file(s) and %d test file(s) pass", len(rule_paths), len(test_paths))


def run_promtool(promtool: str, layout: Layout) -> list[str]:
    """Every problem found, as `file: message` lines; empty when all is well."""
    findings: list[str] = []
    for problems, _ in _spread(promtool, ["check", "rules", "--lint-fatal"], layout.rules, layout):
        findings += problems
    cache = open_cache(promtool)
    keys = {t: cache.key(layout.workdir, t) for t in layout.tests} if cache else {}
    pending = [t for t in layout.tests if not (cache and cache.passed(keys[t]))]
    if len(pending) < len(layout.tests):
        log.info("promtool: %d test file(s) unchanged since they passed", len(layout.tests) - len(pending))
    for problems, passed in _spread(promtool, ["test", "rules"], pending, layout):
        findings += problems
        if cache is not None:
            for path in passed:
                cache.remember(keys[path])
    findings += cross_check(layout)
    return findings


def _spread(
    promtool: str, command: list[str], files: Sequence[str], layout: Layout
) -> list[tuple[list[str], list[str]]]:
    """`promtool COMMAND FILES` with the files split over one process per CPU (promtool works through its
    files one after another on one core), balanced by size; (findings, passed files) of each process."""
    if not files:
        return []
    parts = max(1, min(len(files), _jobs()))
    bins: list[list[str]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for path in sorted(files, key=lambda f: (-os.path.getsize(os.path.join(layout.workdir, f)), f)):
        lightest = loads.index(min(loads))
        bins[lightest].append(path)
        loads[lightest] += os.path.getsize(os.path.join(layout.workdir, path))

    def one(part: list[str]) -> tuple[list[str], list[str]]:
        result = _run.run([promtool, *command, *sorted(part)], cwd=layout.workdir, merge_output=True)
        return _blocks(result, layout)

    # Threads only wait on the child processes, so they cost nothing while promtool works.
    return workers.map_threads(one, [b for b in bins if b], parts)


def _jobs() -> int:
    text = os.environ.get("OBSC_JOBS", "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else workers.available_cpus()


def _layout(out_dir: str, rule_paths: list[str], test_paths: list[str], tmp: str) -> Layout:
    formats = {layout_of(p) for p in rule_paths}
    if formats == {"prometheus"}:
        return Layout(out_dir, tuple(rule_paths), tuple(test_paths), {p: p for p in (*rule_paths, *test_paths)})
    # Operator / Mimir: write each file's groups where the tests' rule_files expect the plain layout.
    shown: dict[str, str] = {}
    plain_rules = []
    for path in rule_paths:
        fmt = layout_of(path)
        assert fmt is not None
        groups = extract_groups(Path(out_dir, path).read_text(encoding="utf-8"), fmt)
        plain = names.prometheus_rules_path(PurePosixPath(path).stem)
        Path(tmp, plain).parent.mkdir(parents=True, exist_ok=True)
        Path(tmp, plain).write_text(dump({"groups": groups}), encoding="utf-8")
        plain_rules.append(plain)
        shown[plain] = f"{path} (groups extracted)"
    for path in test_paths:
        Path(tmp, path).parent.mkdir(parents=True, exist_ok=True)
        Path(tmp, path).write_text(Path(out_dir, path).read_text(encoding="utf-8"), encoding="utf-8")
        shown[path] = path
    return Layout(tmp, tuple(plain_rules), tuple(test_paths), shown)


def _blocks(result: _run.Result, layout: Layout) -> tuple[list[str], list[str]]:
    """Split promtool's output into per-file blocks: (findings of every block that is not a clean SUCCESS,
    the files whose block is)."""
    findings: list[str] = []
    passed: list[str] = []
    current: str | None = None
    lines: list[str] = []

    def close() -> None:
        if current is None:
            return
        text = [line.rstrip() for line in lines if line.strip()]
        clean = not any(bad in line for line in text for bad in _BAD) and any("SUCCESS" in line for line in text)
        if clean:
            passed.append(current)
        else:
            where = layout.shown.get(current, current)
            details = [_relocate(line.strip(), layout) for line in text if line.strip() != "FAILED:"]
            findings.extend(f"{where}: {d}" for d in (details or ["no SUCCESS reported"])[:MAX_LINES_PER_FILE])

    for line in result.stdout.splitlines():
        header = _HEADER.match(line)
        if header:
            close()
            current, lines = header.group(1), []
        elif current is not None:
            lines.append(line)
        elif line.strip():
            findings.append(f"promtool: {line.strip()}")
    close()
    if result.returncode != 0 and not findings:  # a failure no block explains: trust no block
        findings.append(f"promtool exited {result.returncode}: {result.stdout.strip()[:500]}")
        passed.clear()
    return findings, passed


def _relocate(line: str, layout: Layout) -> str:
    """Drop the repeated file name promtool puts in front of its messages."""
    for path in layout.shown:
        if line.startswith(path + ": "):
            return line[len(path) + 2 :]
    return line


def _load(path: str) -> Any:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None  # promtool reports the file itself


def _alert_names(rule_file: str) -> set[str]:
    data = _load(rule_file) or {}
    return {
        str(r["alert"])
        for g in (data.get("groups") or [])
        for r in (g.get("rules") or [])
        if isinstance(r, dict) and "alert" in r
    }


def cross_check(layout: Layout) -> list[str]:
    """Every alert of a rule file is asserted firing and quiet by its tests; every tested name exists."""
    findings: list[str] = []
    rules = {os.path.normpath(r): _alert_names(os.path.join(layout.workdir, r)) for r in layout.rules}
    tested: dict[str, tuple[set[str], set[str]]] = {}  # rule file → (names asserted firing, asserted quiet)
    for test in layout.tests:
        data = _load(os.path.join(layout.workdir, test)) or {}
        targets = [os.path.normpath(os.path.join(os.path.dirname(test), f)) for f in data.get("rule_files") or []]
        known = set().union(*(rules.get(t, set()) for t in targets)) if targets else set()
        for case in data.get("tests") or []:
            for check in case.get("alert_rule_test") or []:
                name = str(check.get("alertname"))
                if name not in known:
                    findings.append(
                        f"{layout.shown.get(test, test)}: asserts alert {name}, which no rule it loads defines"
                    )
                for target in targets:
                    firing, quiet = tested.setdefault(target, (set(), set()))
                    (firing if check.get("exp_alerts") else quiet).add(name)
    for rule_file, alerts in sorted(rules.items()):
        firing, quiet = tested.get(rule_file, (set(), set()))
        where = layout.shown.get(rule_file, rule_file)
        findings.extend(_missing(where, "is never asserted firing by a test", sorted(alerts - firing)))
        findings.extend(_missing(where, "is never asserted quiet by a test", sorted(alerts - quiet)))
    return findings


def _missing(where: str, what: str, alerts: Iterable[str]) -> list[str]:
    return [f"{where}: alert {name} {what}" for name in alerts]
