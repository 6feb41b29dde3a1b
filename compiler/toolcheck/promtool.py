"""promtool on the written bundle: `check rules` and `test rules`, the files spread over one process per CPU.

Any WARNING, lint error or FAILED block fails the run (promtool 2.42 only warns when a test's rule_files
matches nothing, and a negative test then passes against no rules at all), and so does a file obsc handed
promtool that it says nothing about. Alert names are cross-checked: every alert in the rules is asserted
firing and quiet by a test, and every name a test asserts exists in the rules it loads. PrometheusRule and
Mimir files are validated through their groups, extracted into a temporary plain layout.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath

from compiler import conventions as names
from compiler import workers
from compiler.errors import ToolError
from compiler.output.bundle import Bundle
from compiler.targets.prometheus import dump, extract_groups, layout_of
from compiler.toolcheck import _run, focus_runs, focus_shapes, promtool_focus, shape_verdicts, yaml_outline
from compiler.toolcheck import group_verdicts as by_group
from compiler.toolcheck.record import TEST, Hasher, Record, tool_identity

PROMTOOL = _run.Tool(name="promtool", env_var="PROMTOOL", debian_package="prometheus")
log = logging.getLogger("obsc")

_RULE_FILES = re.compile(r"^rule_files:\n((?:[ \t]+- .*\n)+)", re.M)
_ANY_RULE_FILES_KEY = re.compile(r"^\s*[\"']?rule_files[\"']?\s*:", re.M)  # one key, no second spelling
_HEADER = re.compile(r"^(?:Checking|Unit Testing:)\s+(\S+)\s*$")
_BAD = ("FAILED", "WARNING", "lint error")
MAX_LINES_PER_FILE = 40
# Four rich services a call (a unit, five test files, is never split): against two, ~2% less CPU (each process
# pays its start and its Go heap's first-touch page faults again) for ~0.5 GB a process, not ~0.35.
FILES_PER_CALL = 20
# Go's collector at its default (GOGC=100) took ~13% of promtool's CPU on a rich service's tests (1.35 ->
# 1.17 CPU-s at 200). Since promtool runs with GOMAXPROCS=1 the collector shares its one thread, and 400 saves
# ~8-11% more (8 test files, 4 runs each in turn with 200, 2026-12-01: min 5.58 vs 6.24 CPU-s, median 6.0 vs
# 6.5) for a peak of ~250 MB per two-service process, not ~100; 800 saved no more and took 1 GB. GOMAXPROCS=1:
# one promtool per CPU runs, so collector helpers only contend with the others (14% less CPU, 8% less wall over
# 40 test files run two at a time, median of 3 pairs, quiet machine). Values in the user's environment win.
GO_DEFAULTS = {"GOGC": "400", "GOMAXPROCS": "1"}
Teams = Mapping[str, str] | None  # each service's team, from the model: for `group_verdicts`


@dataclass(frozen=True)
class Layout:
    """Where promtool runs and which files it reads; `shown` maps a file it reads to the bundle path."""

    workdir: str
    rules: tuple[str, ...]
    tests: tuple[str, ...]
    shown: dict[str, str]


def validate(bundle: Bundle, out_dir: str, record: Record | None = None, teams: Teams = None) -> None:
    """Check and test the written rules; with a `record`, only files whose bytes it has not seen pass."""
    paths = bundle.paths
    rule_paths = [p for p in paths if layout_of(p)]
    test_paths = [p for p in paths if p.startswith(names.PROMETHEUS_TESTS_DIR + "/") and p.endswith(".test.yaml")]
    if not rule_paths:
        return
    promtool = _run.find(PROMTOOL)
    with tempfile.TemporaryDirectory(prefix="obsc-promtool-") as tmp:
        layout = _layout(out_dir, rule_paths, test_paths, tmp)
        findings = run_promtool(promtool, layout, record, teams)
    if findings:
        shown = findings[: MAX_LINES_PER_FILE * 3]
        more = f"\n  ... {len(findings) - len(shown)} more line(s)" if len(findings) > len(shown) else ""
        raise ToolError("promtool rejected the generated rules:\n" + "\n".join(f"  {f}" for f in shown) + more)
    log.info("promtool: %d rule file(s) and %d test file(s) pass", len(rule_paths), len(test_paths))


def run_promtool(promtool: str, layout: Layout, record: Record | None = None, teams: Teams = None) -> list[str]:
    """Every problem found, as `file: message` lines; empty when all is well. Files (and test files with
    the rule files they load) whose exact bytes the record says passed are not run again."""
    record = record if record is not None else Record()
    identity = tool_identity(promtool)
    hasher = record.hasher(layout.workdir, [r for r in layout.rules if layout.shown.get(r, r) != r])  # extracted
    hasher.prefetch([*layout.rules, *layout.tests], _jobs())
    loads = {t: rule_files_of(layout.workdir, t) for t in layout.tests}
    rules = record.pending("promtool-check", ((r, hasher.key(identity, "check", [r])) for r in layout.rules))
    test_keys = {t: None if files is None else hasher.key(identity, "test", [t, *files]) for t, files in loads.items()}
    tests = record.pending(TEST, test_keys.items())
    covered = record.pending("promtool-cover", _cover_units(layout, loads, hasher, identity))
    if any(skipped := (len(layout.rules) - len(rules), len(layout.tests) - len(tests))):
        log.info("promtool: %d rule file(s) and %d test file(s) passed before with these exact bytes", *skipped)
    checks = [_Part(("check", "rules", "--lint-fatal"), ((r,),)) for r in rules]
    # A family: the test files that load exactly the same rule files (a service's two), focused together so
    # that a rule none of them reads is still evaluated by all of their groups.
    families: dict[tuple[str, ...], list[str]] = {}
    for test in tests:
        loaded = loads[test]
        focusable = loaded is not None and not record.whole_rule_files
        families.setdefault(tuple(loaded or ()) if focusable else ("", test), []).append(test)
    focused = [tuple(f) for key, f in families.items() if key[0]]
    # The cross-check is Python work on one core; it runs while the promtool processes do theirs.
    with ThreadPoolExecutor(1) as side, tempfile.TemporaryDirectory(prefix="obsc-focus-") as focus_dir:
        crossed = side.submit(cross_check, layout, set(covered), loads)
        shapes = focus_shapes.FocusShapes(layout.workdir, focused, loads)
        runner = _Runner(promtool, layout, loads, focus_dir, shapes=shapes)
        judged = shape_verdicts.judge(shapes, focused, loads, layout.workdir, focus_dir, runner.run_focused)
        record.judged_by_shape(judged.by_shape)
        left = [f for f in focused if f not in judged.families]  # their groups, judged by shape or focused ahead
        ahead = partial(by_group.focus_ahead, shapes.focus, left, loads, layout.workdir, focus_dir)
        runner.ahead = ahead(runner.run_focused, teams)
        record.judged_by_shape(runner.ahead.by_shape)
        tested = [
            _Part(("test", "rules"), (tuple(f),), focus=key[0] != "")
            for key, f in families.items()
            if tuple(f) not in judged.families
        ]
        findings = [problem for problems in _spread(runner, [checks, tested], layout) for problem in problems]
        shapes.report(runner.focused, runner.whole, whole_asked=record.whole_rule_files)
        return findings + crossed.result()


@dataclass(frozen=True)
class _Part:
    """Files for promtool `command` (in the layout's workdir), in units that one process takes together."""

    command: tuple[str, ...]
    units: tuple[tuple[str, ...], ...]
    focus: bool = False  # test files: each test group runs against the rules it reads (`promtool_focus`)

    @property
    def files(self) -> list[str]:
        return [f for unit in self.units for f in unit]


@dataclass
class _Runner:
    """Runs the parts `_spread` hands out, one thread each: focused test files go through `promtool_focus`
    first; what it counts is for `-v`. `slots`: OBSC_JOBS promtools at once, split focused groups included."""

    promtool: str
    layout: Layout
    loads: dict[str, list[str] | None]
    focus_dir: str
    focused: dict[str, int] = field(default_factory=dict)  # test file → groups run focused (for -v)
    whole: list[str] = field(default_factory=list)  # test files run whole
    ways: int = 1  # promtool processes a part's focused groups are split over (_spread)
    slots: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(_jobs()))
    shapes: focus_shapes.FocusShapes = field(default_factory=lambda: focus_shapes.FocusShapes("", (), {}))
    ahead: by_group.Ahead = field(default_factory=by_group.Ahead)  # families focused and judged ahead

    def __call__(self, part: _Part, name: str) -> list[str]:
        """Run one process's part (and a second for the files of a focused part that must run whole); its
        findings. `name`: unique among the parts, for the focused files written."""
        whole = [] if part.focus else part.files
        focused: list[promtool_focus.Focused] = []
        units = part.units if part.focus else ()
        prefixes = [self.ahead.prefixes.get(family, f"{name}-{n}") for n, family in enumerate(units)]
        for prefix, family in zip(prefixes, units, strict=True):
            got = self.ahead.to_run.get(family)
            if family not in self.ahead.prefixes:
                rule_files = self.loads[family[0]] or []
                got = self.shapes.focus(self.layout.workdir, family, rule_files, self.focus_dir, prefix)
            whole.extend(family) if got is None else focused.extend(got)
        findings: list[str] = []
        # The threads share these: each test file is in one part only, and a dict or list update is atomic.
        for f in focused:
            self.focused[f.source] = self.focused.get(f.source, 0) + 1
        self.whole.extend(whole if part.command[0] == "test" else ())
        if focused:
            shown = {f.path: f"{self.layout.shown.get(f.source, f.source)} ({f.label})" for f in focused}
            runs = focus_runs.chunks(list(shown), self.ways, self.focus_dir)
            run = partial(self._run_shown, part.command)
            done = workers.map_threads(lambda files: run(files, shown), runs, self.ways)  # in the files' order
            families = [(p, u, self.loads[u[0]] or []) for p, u in zip(prefixes, part.units, strict=False)]
            again = partial(focus_runs.refocus, self.layout.workdir, families, self.focus_dir)
            findings += focus_runs.with_annotations([p for ps in done for p in ps], focused, shown, again, run)
        for prefix in (p for name in prefixes for p in (name, name + focus_runs.ANNOTATED)):
            shutil.rmtree(os.path.join(self.focus_dir, prefix), ignore_errors=True)  # ~0.4 MB a rich service
        if whole:
            findings += self._run(part.command, sorted(whole), self.layout)
        return findings

    def run_focused(self, focused: list[promtool_focus.Focused]) -> list[str]:
        """`promtool test rules` on focused files (a shape's verdict, `shape_verdicts`): the findings."""
        shown = {f.path: f"{self.layout.shown.get(f.source, f.source)} ({f.label})" for f in focused}
        return self._run_shown(("test", "rules"), list(shown), shown)

    def _run_shown(self, command: tuple[str, ...], files: list[str], shown: Mapping[str, str]) -> list[str]:
        return self._run(command, files, Layout(self.focus_dir, (), tuple(shown), dict(shown)))

    def _run(self, command: tuple[str, ...], files: list[str], layout: Layout) -> list[str]:
        argv, reading = [self.promtool, *command, *files], _named(files, layout)
        with self.slots:
            result = _run.run(argv, cwd=layout.workdir, merge_output=True, defaults=GO_DEFAULTS, reading=reading)
        return _blocks(result, layout, files)


def _named(files: list[str], layout: Layout) -> str:
    """The output files a promtool run reads, as a timeout names them: in a shared repository an output too large to
    check in time is one spec's doing, and the name says whose. A focused group is shown as `file (group)`."""
    shown = sorted({layout.shown.get(f, f).split(" (", 1)[0] for f in files})
    return ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "")


def rule_files_of(workdir: str, test: str) -> list[str] | None:
    """The rule files a test file loads (relative to the tree), read the way the generator writes them;
    None when that cannot be pinned down (another shape, a glob): such a test is always run."""
    try:
        text = Path(workdir, test).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found = _RULE_FILES.search(text)
    if found is None or _rule_files_keys(text) != 1:
        return None
    out = []
    for line in found.group(1).splitlines():
        name = line.strip()[2:].strip().strip("'\"")
        if not name or any(c in name for c in "*?[{\\") or name.startswith("/"):
            return None
        out.append(os.path.normpath(os.path.join(os.path.dirname(test), name)))
    return out


def _rule_files_keys(text: str) -> int:
    """How many lines of `text` spell a `rule_files` key (as `_ANY_RULE_FILES_KEY.findall` counts), trying the
    pattern only on lines holding the word: a full scan of a fleet's test files took over a second."""
    count, searched_to, at = 0, 0, text.find("rule_files")
    while at >= 0:
        line_start = text.rfind("\n", 0, at) + 1
        if line_start >= searched_to:  # findall resumes after its last match; matches never overlap
            found = _ANY_RULE_FILES_KEY.match(text, line_start)
            if found:
                count, searched_to = count + 1, found.end()
        at = text.find("rule_files", max(at + 1, searched_to))
    return count


def _cover_units(
    layout: Layout, loads: dict[str, list[str] | None], hasher: Hasher, identity: str
) -> list[tuple[str, str | None]]:
    """The cross-check of each rule file is keyed by it, the tests that load it and what those tests load."""
    unknown = any(loaded is None for loaded in loads.values())
    loaders: dict[str, list[str]] = {}  # rule file → the tests that load it (one pass: the fleet has thousands)
    for test, loaded in loads.items():
        for rule_file in dict.fromkeys(loaded or ()):
            loaders.setdefault(rule_file, []).append(test)
    units: list[tuple[str, str | None]] = []
    for rule in layout.rules:
        rule_file = os.path.normpath(rule)
        tests = loaders.get(rule_file, [])
        files = [rule_file, *tests, *(f for t in tests for f in loads[t] or [])]
        units.append((rule, None if unknown else hasher.key(identity, "cover", files)))
    return units


def _spread(runner: _Runner, calls: Sequence[Sequence[_Part]], layout: Layout) -> list[list[str]]:
    """Run the parts of every call, `_jobs()` processes at a time (promtool works through its files one after
    another on one core), the units of each call spread over parts balanced by size; the findings of each
    process, in `calls` order. All calls share one queue, so no CPU waits for another command's last process.
    A process gets at most FILES_PER_CALL files, so that OBSC_TOOL_TIMEOUT bounds a few services' work, not a
    whole fleet's (one call per CPU for 1,000 services hit the timeout). With fewer test parts than CPUs (one
    service changed), a part's focused groups are split over the idle CPUs."""
    jobs = _jobs()
    parts = [part for call in calls for part in _bins(call, jobs, layout)]
    runner.ways = max(1, min(jobs, workers.available_cpus()) // max(1, sum(p.command[0] == "test" for p in parts)))
    # Slowest first, so that quick ones fill the end; the results are put back in `parts` order.
    order = sorted(range(len(parts)), key=lambda i: _weight(parts[i], layout), reverse=True)

    def one(index: int) -> list[str]:
        return runner(parts[index], f"p{index}")

    # Threads wait on the child processes (and write focused files, a few ms a service, while they run).
    done = dict(zip(order, workers.map_threads(one, order, jobs), strict=True))
    return [done[i] for i in range(len(parts))]


def _weight(part: _Part, layout: Layout) -> tuple[bool, int]:
    """Tests before checks (a test evaluates every rule at every step), then by bytes."""
    return part.command[0] == "test", sum(os.path.getsize(os.path.join(layout.workdir, f)) for f in part.files)


def _bins(call: Sequence[_Part], jobs: int, layout: Layout) -> list[_Part]:
    """The units of `call` (parts of one command and kind) in at least `jobs` parts of at most
    FILES_PER_CALL files (a unit is never split), balanced by size."""
    units = [(unit, part.command, part.focus) for part in call for unit in part.units]
    if not units:
        return []
    kinds = {(command, focus) for _, command, focus in units}
    if len(kinds) > 1:  # focused and whole test files are binned apart: a part has one of each
        alike = ([q for q in call if (q.command, q.focus) == kind] for kind in sorted(kinds))
        return [p for parts in alike for p in _bins(parts, jobs, layout)]
    command, focus = kinds.pop()
    files = sum(len(unit) for unit, _, _ in units)
    count = max(1, min(len(units), max(jobs, -(-files // FILES_PER_CALL))))
    bins: list[list[tuple[str, ...]]] = [[] for _ in range(count)]
    loads, sizes = [0] * count, [0] * count
    weighed = [(sum(os.path.getsize(os.path.join(layout.workdir, f)) for f in unit), unit) for unit, _, _ in units]
    for size, unit in sorted(weighed, key=lambda w: (-w[0], w[1])):
        open_bins = [i for i in range(count) if sizes[i] + len(unit) <= FILES_PER_CALL] or list(range(count))
        lightest = min(open_bins, key=lambda i: loads[i])
        bins[lightest].append(unit)
        loads[lightest] += size
        sizes[lightest] += len(unit)
    return [_Part(command, tuple(b), focus) for b in bins if b]


def _jobs() -> int:
    """OBSC_JOBS when set, else one promtool more than CPUs: a test file with a week-long timeline makes
    promtool's test TSDB compact and fsync blocks, and the extra process uses the CPU it leaves idle
    (40 files two vs three at a time on 2 CPUs: wall 0.94x for 1.07x the CPU, median of 3 pairs)."""
    text = os.environ.get("OBSC_JOBS", "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else workers.available_cpus() + 1


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


def _blocks(result: _run.Result, layout: Layout, files: Sequence[str] = ()) -> list[str]:
    """The findings of each per-file block of promtool's output that is not a clean SUCCESS, and of each of
    `files` it said nothing about (a silent stand-in for promtool: not a pass, nor recorded as one)."""
    findings: list[str] = []
    current: str | None = None
    lines: list[str] = []

    def close() -> None:
        if current is None:
            return
        text = [line.rstrip() for line in lines if line.strip()]
        clean = not any(bad in line for line in text for bad in _BAD) and any("SUCCESS" in line for line in text)
        if not clean:
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
    seen = {found.group(1) for found in map(_HEADER.match, result.stdout.splitlines()) if found}
    findings += [f"{layout.shown.get(f, f)}: promtool said nothing of it" for f in files if f not in seen]
    if result.returncode != 0 and not findings:  # a failure no block explains
        findings.append(f"promtool exited {result.returncode}: {result.stdout.strip()[:500]}")
    return findings


def _relocate(line: str, layout: Layout) -> str:
    """Drop the repeated file name promtool puts in front of its messages."""
    for path in layout.shown:
        if line.startswith(path + ": "):
            return line[len(path) + 2 :]
    return line


# libyaml's safe loader where PyYAML has it: the cross-check of a cold fleet reads 150 MB of rules and tests,
# 6x faster than the pure-Python loader (same documents: only obsc's own generated files are read here).
# The only parts of the files the cross-check reads (see `yaml_outline.load_file`).
_RULE_SHAPE = {"groups": [{"rules": [{"alert": yaml_outline.SCALARS}]}]}
_TEST_SHAPE = {
    "rule_files": yaml_outline.SCALARS,
    "tests": [{"alert_rule_test": [{"alertname": yaml_outline.SCALARS, "exp_alerts": yaml_outline.TRUTH}]}],
}


def _alert_names(rule_file: str) -> set[str]:
    data = yaml_outline.load_file(rule_file, _RULE_SHAPE) or {}
    return {
        str(r["alert"])
        for g in (data.get("groups") or [])
        for r in (g.get("rules") or [])
        if isinstance(r, dict) and "alert" in r
    }


def cross_check(
    layout: Layout, only: set[str] | None = None, loads: dict[str, list[str] | None] | None = None
) -> list[str]:
    """Every alert of a rule file is asserted firing and quiet by its tests; every tested name exists.
    `only`: just these rule files and the tests that load them (`loads`: what each test loads)."""
    findings: list[str] = []
    wanted = None if only is None else {os.path.normpath(r) for r in only}
    if wanted is not None and not wanted:
        return []
    alerts: dict[str, set[str]] = {}
    rule_files = {os.path.normpath(r) for r in layout.rules}

    def alerts_of(rule_file: str) -> set[str]:
        if rule_file not in alerts:
            known = rule_file in rule_files
            alerts[rule_file] = _alert_names(os.path.join(layout.workdir, rule_file)) if known else set()
        return alerts[rule_file]

    tested: dict[str, tuple[set[str], set[str]]] = {}  # rule file → (names asserted firing, asserted quiet)
    for test in layout.tests:
        loaded = (loads or {}).get(test)
        if wanted is not None and loaded is not None and not wanted.intersection(loaded):
            continue  # a test that loads none of the rule files looked at
        data = yaml_outline.load_file(os.path.join(layout.workdir, test), _TEST_SHAPE) or {}
        targets = [os.path.normpath(os.path.join(os.path.dirname(test), f)) for f in data.get("rule_files") or []]
        known = set().union(*(alerts_of(t) for t in targets)) if targets else set()
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
    for rule_file in sorted(rule_files):
        if wanted is not None and rule_file not in wanted:
            continue
        firing, quiet = tested.get(rule_file, (set(), set()))
        where = layout.shown.get(rule_file, rule_file)
        defined = alerts_of(rule_file)
        for what, asserted in (("firing", firing), ("quiet", quiet)):
            findings += [f"{where}: alert {n} is never asserted {what} by a test" for n in sorted(defined - asserted)]
    return findings
