"""Differential test of focused promtool runs on random rule files nobody would generate.

Random recording chains (names recorded twice, rules reading rules of later groups), alerts on any of
them, alerts on `ALERTS`, random input data; every test group asserts that nothing fires and that every
expression it reads is empty. promtool then prints, for each group, everything that did fire and every
sample it computed: the focused run of a group must print exactly what the whole rule file prints for
that group, but for one thing: an evaluation error of a rule the group does not read (this test found
one: two copies of a recorded name, one reading the other, clash on a group whose data feeds them and
whose assertions read neither; promtool then stops that group). 25 examples in `make test`, 300 with
OBSC_TEST_FULL=1. That is what only the whole-file run
(`--revalidate-all`) sees, and such a group is not compared. Needs
promtool (fails under CI=true without it).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from compiler.toolcheck import focus_runs, promtool_focus
from tests.conftest import FULL, require_tool

# libyaml's parser where built, for the focused files obsc wrote (read as data; the inputs stay PyYAML's text)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
INPUTS = ("in_a", "in_b")
RECORDED = ("rec_x", "rec_y", "rec_z")
NAMES = INPUTS + RECORDED
_SHAPES = (
    "sum({0})",
    "{0} * 2",
    "{0} + ignoring(copy) {1}",
    "max_over_time({0}[10m])",
    "absent({0})",
    "{0} > 1",
    "rate({0}[5m]) * 60",
    # what can produce a sample from no data (a focused group leaves out the rules that cannot) and what cannot
    "vector(1)",
    "{0} or vector(0)",
    "count({0}) > 0 or on() vector(0)",
    "absent_over_time({0}[5m])",
    "scalar({0}) * 2",
    "time() - {0}",
    "{0} unless {1}",
    "{0} and on() {1}",
    'label_replace({0}, "to", "$1", "i", "(.*)")',
    # fails to evaluate unless {0} is exactly one series (k is NaN otherwise), with or without {1}
    "topk(scalar({0}), {1})",
)


@st.composite
def rule_files(draw: st.DrawFn) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 5))):
        shape = draw(st.sampled_from(_SHAPES))
        expr = shape.format(draw(st.sampled_from(NAMES)), draw(st.sampled_from(NAMES)))
        # a name recorded twice gets its own label, so the two never clash in one evaluation
        rules.append({"record": draw(st.sampled_from(RECORDED)), "expr": expr, "labels": {"copy": str(n)}})
    for n in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 4)) == 0:
            expr = 'count(ALERTS{alertstate="firing"}) > 0'
        else:
            expr = f"{draw(st.sampled_from(NAMES))} > {draw(st.sampled_from(['0', '1', '5']))}"
        rule = {"alert": f"Alert{n}", "expr": expr, "for": draw(st.sampled_from(["0m", "2m"]))}
        rules.append(rule | {"labels": {"severity": "page"}, "annotations": {"summary": "{{ $value }}"}})
    order = draw(st.permutations(range(len(rules))))
    cut = draw(st.integers(0, len(rules)))
    shuffled = [rules[i] for i in order]
    return {"groups": [{"name": "first", "rules": shuffled[:cut]}, {"name": "second", "rules": shuffled[cut:]}]}


@st.composite
def suite_groups(draw: st.DrawFn, alerts: list[str]) -> list[dict[str, Any]]:
    groups = []
    for n in range(draw(st.integers(1, 3))):
        series = [
            {"series": f'{name}{{i="{i}"}}', "values": f"{draw(st.integers(0, 3))}+{draw(st.integers(0, 2))}x20"}
            for name in draw(st.sets(st.sampled_from(INPUTS)))
            for i in range(draw(st.integers(1, 2)))
        ]
        group: dict[str, Any] = {"name": f"group{n}", "interval": "1m", "input_series": series}
        asserted = draw(st.sets(st.sampled_from(alerts))) if alerts else set()
        if asserted:
            group["alert_rule_test"] = [
                {"eval_time": t, "alertname": a, "exp_alerts": []} for a in sorted(asserted) for t in ("5m", "15m")
            ]
        read = draw(st.sets(st.sampled_from(NAMES), max_size=2))
        if read or not asserted:
            group["promql_expr_test"] = [{"expr": name, "eval_time": "15m", "exp_samples": []} for name in sorted(read)]
            group["promql_expr_test"] = group["promql_expr_test"] or [
                {"expr": "vector(1)", "eval_time": "1m", "exp_samples": []}
            ]
        groups.append(group)
    return groups


_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=300 if FULL else 25, deadline=None, suppress_health_check=_QUIET)
@given(data=st.data())
def test_a_focused_group_prints_what_the_whole_file_prints_for_it(tmp_path_factory: Any, data: st.DataObject) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    rules = data.draw(rule_files())
    alerts = sorted({r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r})
    groups = data.draw(suite_groups(alerts))
    root = tmp_path_factory.mktemp("focus")
    (root / "rules").mkdir()
    (root / "tests").mkdir()
    (root / "rules/r.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    head = {"rule_files": ["../rules/r.yaml"], "evaluation_interval": "1m", "group_eval_order": ["first", "second"]}
    (root / "tests/t.yaml").write_text(yaml.safe_dump({**head, "tests": groups}, sort_keys=False))
    for n, group in enumerate(groups):  # the whole rule file, one group at a time (groups run independently)
        (root / f"tests/whole{n}.yaml").write_text(yaml.safe_dump({**head, "tests": [group]}, sort_keys=False))
    focused = promtool_focus.focus_family(str(root), ["tests/t.yaml"], ["rules/r.yaml"], str(root / "f"), "p")
    assert focused is not None and len(focused) == len(groups)
    loads = [_rule_names(root / "f" / Path(f.path).parent, f.path, root / "f") for f in focused]
    for n, (f, kept) in enumerate(zip(focused, loads, strict=True)):
        whole = _said(promtool, root, f"tests/whole{n}.yaml")
        foreign = [m.group(1) for m in map(_EVAL_ERROR.match, whole) if m and m.group(1) not in kept]
        # A rule left out of the group is evaluated in another group, or it fails here only on data the group
        # feeds it: one that fails anyway (`topk(scalar(x), y)` with no x) is never left out of every group.
        excused = _fed(rules, groups[n]).union(*loads)
        assert set(foreign) <= excused, (yaml.safe_dump(rules), yaml.safe_dump(groups[n]))
        if foreign:  # promtool stops a group at an evaluation error: the rest of the two runs do not compare
            event("a rule the group does not read fails to evaluate on its data")
            continue
        said = _focused_said(promtool, root, f)
        assert said == whole, (yaml.safe_dump(rules), yaml.safe_dump(groups[n]))


def _focused_said(promtool: str, root: Path, focused: promtool_focus.Focused) -> list[str]:
    """What obsc reports for one focused group, as `_said` has it: a failing group that shows an alert without
    annotations (a quiet rule's, loaded bare) run again with them kept (`focus_runs.with_annotations`)."""
    shown = {focused.path: "group"}
    family = [("p", ["tests/t.yaml"], ["rules/r.yaml"])]

    def again(groups: Any) -> list[promtool_focus.Focused]:
        return focus_runs.refocus(str(root), family, str(root / "f"), groups)

    def run(files: list[str], names: Any) -> list[str]:
        (path,) = files
        return [f"{names[path]}: {line}" for line in _said(promtool, root / "f", path)]

    first = run([focused.path], shown)
    if first and not any(focus_runs.BARE in line for line in first):
        event("a failing focused group printed no alert without annotations: not run again")
    elif first:
        event("a failing focused group printed an alert without annotations: run again with them")
    return [line.removeprefix("group: ") for line in focus_runs.with_annotations(first, [focused], shown, again, run)]


_EVAL_ERROR = re.compile(r"^\s*rule: (\S+), time: .*, err: ")


def _said(promtool: str, cwd: Path, test: str) -> list[str]:
    """What promtool reports for one test file, line by line (empty: it passed)."""
    done = subprocess.run([promtool, "test", "rules", test], cwd=cwd, capture_output=True, text=True)
    lines = [
        line.rstrip()
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and not line.startswith("Unit Testing:") and line.strip() not in ("FAILED:", "SUCCESS")
    ]
    assert (done.returncode == 0) == (not lines), done.stdout + done.stderr
    # An evaluation error names one of the clashing series, which one as Go's map order has it: keep who and when.
    return [m.group(0) if (m := _EVAL_ERROR.match(line)) else line for line in lines]


def _fed(rules: dict[str, Any], group: dict[str, Any]) -> set[str]:
    """The rules (by name) that read, in turn, a name the group's input series write: what may fail only
    on the group's data. Independent of `producing`: any name read counts."""
    present = {s["series"].split("{", 1)[0] for s in group["input_series"]}
    fed: set[str] = set()
    while True:
        more = [r for g in rules["groups"] for r in g["rules"] if present & set(re.findall(r"[a-zA-Z_]+", r["expr"]))]
        grown = present | {r.get("record") or "ALERTS" for r in more}
        fed |= {r.get("record") or r["alert"] for r in more}
        if grown == present:
            return fed
        present = grown


def _rule_names(base: Path, test: str, cwd: Path) -> set[str]:
    """The record and alert names of the rules a focused test file loads."""
    loaded = yaml.load((cwd / test).read_text(), Loader=_LOADER)["rule_files"]
    names: set[str] = set()
    for rule_file in loaded:
        for group in yaml.load((base / rule_file).read_text(), Loader=_LOADER)["groups"]:
            names.update(str(r.get("record") or r.get("alert")) for r in group["rules"])
    return names
