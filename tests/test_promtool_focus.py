"""Focused promtool runs (toolcheck/promtool_focus.py): which rules a test group gets, that the focused files
say exactly what the originals say, which files run whole, and that promtool agrees with the whole-file run.

The rule files here are written by hand, unlike any generated one: recording chains across groups, a name
recorded twice, alerts that read ALERTS, a selector with no fixed name, a template that queries, a rule no
test reads. The mutation sweep (test_prometheus_mutations.py) runs every mutant focused this way.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.api import Compilation
from compiler.errors import ToolError
from compiler.toolcheck import _run, promtool, promtool_focus
from compiler.toolcheck.promql_reads import may_produce, metric_names, producing
from compiler.toolcheck.record import Record
from tests.test_promtool_toolcheck import edit, have_promtool, written  # noqa: F401 (fixture)

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the examples' files are read many times over


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_LOADER)


RULES = {
    "groups": [
        {
            "name": "raw",
            "interval": "1m",
            "rules": [
                {"record": "job:errors:rate5m", "expr": "sum(rate(errors_total[5m]))"},  # 0
                {"record": "job:requests:rate5m", "expr": "sum(rate(requests_total[5m]))"},  # 1
                {"record": "job:cpu", "expr": "sum(cpu_seconds)"},  # 2: read by no test
                {"record": "job:ratio", "expr": "job:errors:rate5m / job:requests:rate5m"},  # 3
            ],
        },
        {
            "name": "alerts",
            "rules": [
                {"alert": "HighErrors", "expr": "job:ratio > 0.1", "for": "2m", "labels": {"severity": "page"}},  # 0
                {"alert": "Quiet", "expr": "absent(job:requests:rate5m)"},  # 1
                {"alert": "Storm", "expr": 'count(ALERTS{alertstate="firing"}) > 3'},  # 2
                {"record": "job:ratio", "expr": "vector(0)", "labels": {"copy": "second"}},  # 3: same name again
            ],
        },
    ]
}


def _test_file(groups: list[dict[str, Any]]) -> dict[str, Any]:
    return {"rule_files": ["../rules/r.yaml"], "evaluation_interval": "1m", "tests": groups}


# Every raw name these tests' rules read has data, so that each rule can produce a sample: what a group
# whose data cannot feed a rule gets is tested apart (`test_a_rule_the_group_data_cannot_feed_is_left_out`).
_RAW = ("requests_total", "errors_total", "cpu_seconds", "in_a", "x", "y")


def _group(alerts: tuple[str, ...] = (), exprs: tuple[str, ...] = (), inputs: tuple[str, ...] = _RAW) -> dict[str, Any]:
    series = [{"series": name, "values": "0+1x10"} for name in inputs]
    group: dict[str, Any] = {"interval": "1m", "input_series": series}
    if alerts:
        group["alert_rule_test"] = [{"eval_time": "5m", "alertname": a, "exp_alerts": []} for a in alerts]
    if exprs:
        group["promql_expr_test"] = [{"expr": e, "eval_time": "5m", "exp_samples": []} for e in exprs]
    return group


def _tree(root: Path, rules: dict[str, Any], tests: dict[str, dict[str, Any]], raw: str | None = None) -> None:
    (root / "rules").mkdir(parents=True, exist_ok=True)
    (root / "tests").mkdir(exist_ok=True)
    (root / "rules/r.yaml").write_text(raw if raw is not None else yaml.safe_dump(rules, sort_keys=False))
    for name, data in tests.items():
        (root / "tests" / name).write_text(yaml.safe_dump(data, sort_keys=False))


def _focus(root: Path, names: list[str]) -> list[promtool_focus.Focused] | None:
    return promtool_focus.focus_family(str(root), [f"tests/{n}" for n in names], ["rules/r.yaml"], str(root / "f"), "p")


def _kept(root: Path, focused: promtool_focus.Focused) -> list[tuple[str, int]]:
    """(group name, index in the original group) of every rule the focused group loads."""
    test = yaml.safe_load((root / "f" / focused.path).read_text())
    (rule_file,) = test["rule_files"]
    loaded = yaml.safe_load((root / "f" / Path(focused.path).parent / rule_file).read_text())
    out = []
    for group, original in zip(loaded["groups"], RULES["groups"], strict=True):
        assert {k: v for k, v in group.items() if k != "rules"} == {k: v for k, v in original.items() if k != "rules"}
        out += [(group["name"], original["rules"].index(rule)) for rule in group["rules"]]
    return out


# ---------------------------------------------------------------- what an expression reads


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up", {"up"}),
        ('sum by (a) (rate(x{job="j"}[5m])) / on (a) group_left y', {"x", "y"}),
        ("max_over_time(z[1h:5m] offset 1d) > bool 3", {"z"}),
        ('{__name__="x"}', {"x"}),
        ("topk(scalar(k), v)", {"k", "v"}),
        ('label_replace(q, "a", "$1", "b", "(.*)")', {"q"}),
        ("vector(1) + time()", set()),
        ('ALERTS{alertname="X"}', {'ALERTS{alertname="X"}'}),  # only rules named X write it
        ('ALERTS{alertname=~"X"}', {"ALERTS"}),
        ('ALERTS{alertstate="firing"}', {"ALERTS"}),
        ('{__name__=~"job:.*"}', None),  # any name the regex matches
        ('{job="a"}', None),  # no name at all
        ('{__name__="x", __name__="y"}', None),
        ("sum(rate(x[5m]", None),  # the parser refuses it: promtool reports it, the focus keeps everything
    ],
)
def test_metric_names_never_answer_too_few(expr: str, names: set[str] | None) -> None:
    assert metric_names(expr) == (None if names is None else frozenset(names))


# ---------------------------------------------------------------- what a group gets


def test_a_group_gets_what_its_assertions_read_through_every_producer_and_unread_rules_go_everywhere(
    tmp_path: Path,
) -> None:
    tests = {
        "a.yaml": _test_file([_group(alerts=("HighErrors",)), _group(alerts=("Quiet",)), _group(exprs=("job:ratio",))]),
        "b.yaml": _test_file([_group(alerts=("Storm",))]),
    }
    _tree(tmp_path, RULES, tests)
    focused = _focus(tmp_path, ["a.yaml", "b.yaml"])
    assert focused is not None
    kept = {(f.source, f.group): sorted(_kept(tmp_path, f)) for f in focused}
    cpu = ("raw", 2)  # no test reads job:cpu: every group evaluates it, as the whole file would
    ratio = [("raw", 0), ("raw", 1), ("raw", 3), ("alerts", 3)]  # both rules record job:ratio
    assert kept[("tests/a.yaml", 0)] == sorted([*ratio, ("alerts", 0), cpu])
    assert kept[("tests/a.yaml", 1)] == sorted([("raw", 1), ("alerts", 1), cpu])
    assert kept[("tests/a.yaml", 2)] == sorted([*ratio, cpu])
    # Storm reads ALERTS: every alerting rule, and what each of them reads
    assert kept[("tests/b.yaml", 0)] == sorted([*ratio, ("alerts", 0), ("alerts", 1), ("alerts", 2), cpu])
    assert [f.label for f in focused] == ["test 1 of 3", "test 2 of 3", "test 3 of 3", "test 1 of 1"]
    assert [promtool_focus.source_of(f.path) for f in focused] == [
        ("tests/a.yaml", 1),
        ("tests/a.yaml", 2),
        ("tests/a.yaml", 3),
        ("tests/b.yaml", 1),
    ]


def test_an_alert_reading_its_own_alerts_series_keeps_no_other_alert(tmp_path: Path) -> None:
    """Round 31's burn pairs read their own `ALERTS{alertname="X"}` (the night-pages hold): read as any ALERTS,
    each of their groups loaded every alerting rule of the service (a rich service's groups 864 rules instead
    of 515). Only rules named X write that series; a plain `ALERTS` read still keeps them all (Storm above)."""
    rules = {
        "groups": [
            {
                "name": "alerts",
                "rules": [
                    {"alert": "Held", "expr": 'x > 1 and on () (y > 1 or ALERTS{alertname="Held"})'},
                    {"alert": "Other", "expr": "in_a > 1"},
                ],
            }
        ]
    }
    _tree(tmp_path, rules, {"a.yaml": _test_file([_group(alerts=("Held",)), _group(alerts=("Other",))])})
    focused = _focus(tmp_path, ["a.yaml"])
    assert focused is not None
    assert [_kept_names(tmp_path, f) for f in focused] == [["Held"], ["Other"]]


FED = {
    "groups": [
        {
            "name": "raw",
            "rules": [
                {"record": "job:errors:rate5m", "expr": "sum(rate(errors_total[5m]))"},
                {"record": "job:requests:rate5m", "expr": "sum(rate(requests_total[5m]))"},
                {"record": "job:ratio", "expr": "job:errors:rate5m / job:requests:rate5m"},
                {"record": "job:floor", "expr": "vector(0)"},
            ],
        },
        {
            "name": "alerts",
            "rules": [
                {"alert": "HighErrors", "expr": "job:ratio > 0.1"},
                {"alert": "Quiet", "expr": "absent(job:requests:rate5m)"},  # read by no group: goes everywhere
            ],
        },
    ]
}


def _kept_names(root: Path, focused: promtool_focus.Focused) -> list[str]:
    test = yaml.safe_load((root / "f" / focused.path).read_text())
    loaded = yaml.safe_load((root / "f" / Path(focused.path).parent / test["rule_files"][0]).read_text())
    return [r.get("record") or r["alert"] for g in loaded["groups"] for r in g["rules"]]


def test_a_rule_the_group_data_cannot_feed_is_left_out(tmp_path: Path) -> None:
    """A group fed the recorded rates: the raw-counter rules that record them read names nothing in the group
    writes, so they are empty at every step there (as in the whole file) and are left out. `vector(0)` and
    `absent()` produce a sample from no data and stay. An asserted alert its data cannot feed goes too (round
    34: it stayed, ~33 rules a rich service): promtool finds an alert with no rule of its name quiet, as it
    finds the rule (`test_an_asserted_alert_that_cannot_fire_is_judged_alike_without_its_rule`)."""
    recorded = ("job:errors:rate5m", "job:requests:rate5m")
    groups = [_group(alerts=("HighErrors",), inputs=recorded), _group(alerts=("HighErrors",), inputs=())]
    _tree(tmp_path, FED, {"a.yaml": _test_file(groups)})
    focused = _focus(tmp_path, ["a.yaml"])
    assert focused is not None
    assert _kept_names(tmp_path, focused[0]) == ["job:ratio", "job:floor", "HighErrors", "Quiet"]
    assert _kept_names(tmp_path, focused[1]) == ["job:floor", "Quiet"]
    groups[1]["input_series"] = [{"series": '{__name__="errors_total"}', "values": "0+1x10"}]  # not plain: unsure
    _tree(tmp_path, FED, {"a.yaml": _test_file(groups)})
    focused = _focus(tmp_path, ["a.yaml"])
    assert focused is not None
    assert _kept_names(tmp_path, focused[1]) == [
        "job:errors:rate5m",
        "job:requests:rate5m",
        "job:ratio",
        "job:floor",
        "HighErrors",
        "Quiet",
    ]


@pytest.mark.parametrize("fires", [False, True], ids=["expected-quiet", "expected-firing"])
def test_an_asserted_alert_that_cannot_fire_is_judged_alike_without_its_rule(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    fires: bool,
) -> None:
    """HighErrors reads job:ratio, which nothing this group feeds can record: the focused group no longer
    loads it, and promtool's verdict is the whole file's, whether the test expects it quiet or (wrongly)
    firing."""
    group = _group(alerts=("HighErrors",), inputs=("cpu_seconds",))
    if fires:
        group["alert_rule_test"][0]["exp_alerts"] = [{"exp_labels": {}}]
    _tree(tmp_path, FED, {"a.yaml": _test_file([group])})
    whole, focused = _promtool_whole_and_focused(have_promtool, tmp_path)
    assert "HighErrors" not in _kept_names(tmp_path, _focus(tmp_path, ["a.yaml"])[0])  # type: ignore[index]
    assert (whole == ["SUCCESS"]) is not fires and focused == [whole]


def _fed_names(root: Path, focused: promtool_focus.Focused) -> list[str]:
    test = yaml.safe_load((root / "f" / focused.path).read_text())
    return [s["series"] for s in test["tests"][0]["input_series"]]


def test_input_series_nothing_kept_reads_are_left_out(have_promtool: str, tmp_path: Path) -> None:  # noqa: F811
    """A group asserting HighErrors fed its recorded rates, and (as a generator feeds a whole state) series that
    no rule it keeps reads: those are left out of its focused file (promtool parsed and stored each). A series an
    expression check reads stays; so does every `ALERTS` series where a kept rule reads `ALERTS` of any name,
    and only its own alert's where one reads `ALERTS{alertname="X"}`. The verdicts are the whole file's."""
    rules = {
        "groups": [
            {
                "name": "g",
                "rules": [
                    {"record": "job:ratio", "expr": "job:errors:rate5m / job:requests:rate5m"},
                    {"alert": "HighErrors", "expr": 'job:ratio > 0.1 unless ALERTS{alertname="Mute"}'},
                    {"alert": "Storm", "expr": 'count(ALERTS{alertstate="firing"}) > 3'},
                ],
            }
        ]
    }
    fed = ("job:errors:rate5m", "job:requests:rate5m", "cpu_seconds", "mem_bytes")
    alerts = ('ALERTS{alertname="Mute",alertstate="firing"}', 'ALERTS{alertname="Other",alertstate="firing"}')
    one = _group(alerts=("HighErrors",), inputs=fed + alerts)
    two = _group(alerts=("HighErrors",), exprs=("cpu_seconds",), inputs=fed + alerts)
    two["promql_expr_test"][0]["exp_samples"] = [{"labels": "cpu_seconds", "value": 5}]
    storm = _group(alerts=("Storm",), inputs=fed + alerts)
    for group in (one, two, storm):
        group["input_series"][0]["values"] = "0+0x10"  # no errors: HighErrors stays quiet
    _tree(tmp_path, rules, {"a.yaml": _test_file([one, two, storm])})
    focused = _focus(tmp_path, ["a.yaml"])
    assert focused is not None
    assert _fed_names(tmp_path, focused[0]) == [*fed[:2], alerts[0]]
    assert _fed_names(tmp_path, focused[1]) == [*fed[:3], alerts[0]]
    assert _fed_names(tmp_path, focused[2]) == [*fed[:2], *alerts]  # Storm reads every ALERTS: HighErrors too
    whole, said = _promtool_whole_and_focused(have_promtool, tmp_path)
    assert whole == ["SUCCESS"] and said == [whole] * 3


def test_a_group_with_a_series_not_plain_keeps_every_input(tmp_path: Path) -> None:
    """An input series item without `series` (promtool refuses it) or with a `__name__` selector: nothing of the
    group is left out, and reading it raises nothing (a guard: it passes on 9dc04fb5 too)."""
    group = _group(alerts=("HighErrors",), inputs=("job:errors:rate5m", "cpu_seconds"))
    group["input_series"].append({"values": "0+1x10"})
    _tree(tmp_path, FED, {"a.yaml": _test_file([group])})
    focused = _focus(tmp_path, ["a.yaml"])
    assert focused is not None and len(_fed_names_or_none(tmp_path, focused[0])) == 3


def _fed_names_or_none(root: Path, focused: promtool_focus.Focused) -> list[str | None]:
    test = yaml.safe_load((root / "f" / focused.path).read_text())
    return [s.get("series") for s in test["tests"][0]["input_series"]]


@pytest.mark.parametrize(
    ("expr", "present", "produces"),
    [
        ("sum(rate(x[5m])) / sum(rate(y[5m]))", {"x"}, False),  # a vector side with no data matches nothing
        ("sum(rate(x[5m])) / sum(rate(y[5m]))", {"x", "y"}, True),
        ("x > 1", set(), False),
        ("x * 2 + time()", set(), False),  # a scalar side never decides
        ("scalar(x) * 2", set(), True),  # a scalar: NaN is a sample
        ("absent(x)", set(), True),
        ("absent_over_time(x[5m])", set(), True),
        ("x or vector(0)", set(), True),
        ("x or y", {"y"}, True),
        ("x unless y", {"y"}, False),
        ("x unless y", {"x"}, True),
        ("x and y", {"x"}, False),
        ("count(x) > 0 or on() y", {"y"}, True),
        ("hour()", set(), True),  # reads time() without an argument
        ("hour(x)", set(), True),  # not listed as empty-in, empty-out: unsure
        ("histogram_quantile(0.99, sum by (le) (rate(b[5m])))", set(), False),
        ('label_replace(x, "a", "$1", "b", "(.*)")', set(), False),
        ("max_over_time((x > 0)[1h:5m])", set(), False),
        ('label_replace(x, "a", "$1", "b", "a)|(b")', set(), False),  # Go compiles it as ^(?:a)|(b)$
        ("topk(3, x)", set(), False),
        ('count_values("v", x)', set(), False),
        ('label_join(x, "d", ",", "a", "b")', set(), False),
        # what fails to evaluate with no series at all (a failed test in the whole file): never left out
        ("topk(scalar(k), x)", {"k"}, True),  # k in two series: scalar(k) is NaN, which topk refuses
        ("bottomk(NaN, x)", set(), True),
        ("topk(1e20, x)", set(), True),  # overflows int64
        ('count_values("a-b", x)', set(), True),  # not a label name
        ('label_replace(x, "a-b", "", "", "")', set(), True),
        ('label_replace(x, "a", "", "b", "(")', set(), True),  # a regex Go refuses
        ('label_replace(x, "a", "", "b", "(?=c)")', set(), True),  # one Python's re takes
        ('label_replace(x, "a", "", "b", "\\\\d")', set(), True),  # an escape: Go's unquoted text is not known
        ('label_join(x, "d", ",", "a-b")', set(), True),
        ('sum(x) or label_replace(y, "a-b", "", "", "")', set(), True),  # any part
        ("x[5m]", set(), True),  # a range vector: "rule result is not a vector or scalar"
        ("rate(x[5m])[10m:1m]", set(), True),
        ('{job="a"}', set(), True),  # no name: may read anything
        ("sum(rate(x[5m]", set(), True),  # the parser refuses it
        ("1", set(), True),
    ],
)
def test_an_expression_is_empty_only_when_it_surely_is(expr: str, present: set[str], produces: bool) -> None:
    assert may_produce(producing(expr), frozenset(present)) is produces


def _promtool_whole_and_focused(promtool_path: str, root: Path) -> tuple[list[str], list[list[str]]]:
    """What `promtool test rules` says of tests/a.yaml whole and of each focused group: its failure lines,
    without the lines that name the files (they differ)."""

    def said(args: list[str], cwd: Path) -> list[str]:
        done = subprocess.run([promtool_path, "test", "rules", *args], cwd=cwd, capture_output=True, text=True)
        lines = [line.strip() for line in (done.stdout + done.stderr).splitlines()]
        return [line for line in lines if line and not line.startswith("Unit Testing:")]

    focused = _focus(root, ["a.yaml"])
    assert focused is not None
    return said(["tests/a.yaml"], root), [said([f.path], root / "f") for f in focused]


@pytest.mark.parametrize(
    ("expr", "error"),
    [
        ("x[5m]", "rule result is not a vector or scalar"),
        ("rate(x[5m])[10m:1m]", "rule result is not a vector or scalar"),
        ('label_replace(x, "a-b", "", "", "")', "invalid destination label name in label_replace(): a-b"),
        ('label_replace(x, "a", "", "b", "(")', "invalid regular expression in label_replace(): ("),
        ('label_join(x, "d", ",", "a-b")', "invalid source label name in label_join(): a-b"),
        ('count_values("", x)', 'invalid label name ""'),
        ("topk(scalar(k), x)", "Scalar value NaN overflows int64"),
        ("bottomk(1e20, x)", "Scalar value 1e+20 overflows int64"),
    ],
)
def test_a_rule_that_fails_without_data_fails_the_focused_group_too(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    expr: str,
    error: str,
) -> None:
    """Found in review: these fail at every step with no series of x at all; the focused group had left them
    out as "cannot be fed" (its data has no x) and passed where the whole file fails."""
    rules = {"groups": [{"name": "g", "rules": [{"record": "r", "expr": expr}, {"record": "y2", "expr": "y"}]}]}
    group = _group(exprs=("y2",), inputs=("y",))
    group["input_series"] += [{"series": f'k{{i="{i}"}}', "values": "1+0x10"} for i in (1, 2)]
    group["promql_expr_test"][0]["exp_samples"] = [{"labels": "y2", "value": 5}]
    _tree(tmp_path, rules, {"a.yaml": _test_file([group])})
    whole, focused = _promtool_whole_and_focused(have_promtool, tmp_path)
    assert whole == ["FAILED:", f"rule: r, time: 0s, err: {error}"]
    assert focused == [whole]


@pytest.mark.parametrize(
    ("series", "values"),
    [('y{i="1"}\n  x{i="1"}', "0+1x10"), ('y{i="1"}', '0+1x10\n  x{i="1"} 0+1x10')],
    ids=["in-series", "in-values"],
)
def test_a_newline_in_an_input_series_keeps_every_rule(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    series: str,
    values: str,
) -> None:
    """Found in review: promtool writes each input series as a line `series values` of a load command, so a
    newline in either starts another series (x here) that the name reader did not see."""
    rules = {"groups": [{"name": "g", "rules": [{"record": "r", "expr": "sum(x)"}]}]}
    group = _group(exprs=("r",), inputs=())
    group["input_series"] = [{"series": series, "values": values}]
    group["promql_expr_test"][0]["exp_samples"] = [{"labels": "r", "value": 5}]
    _tree(tmp_path, rules, {"a.yaml": _test_file([group])})
    whole, focused = _promtool_whole_and_focused(have_promtool, tmp_path)
    assert whole == ["SUCCESS"] and focused == [whole]


@pytest.mark.parametrize("key", ["input_series", "alert_rule_test"])
def test_a_merge_key_runs_the_file_whole(have_promtool: str, tmp_path: Path, key: str) -> None:  # noqa: F811
    """Found in review: Go's YAML merges a `<<` key's mapping into the group (its input series, its alert
    tests), which the event reader took for an unknown key: the group looked fed by nothing."""
    rules = {"groups": [{"name": "g", "rules": [{"record": "r", "expr": "sum(x)"}, {"alert": "A", "expr": "r > 1"}]}]}
    group = _group(alerts=("A",), inputs=("x",))
    group["alert_rule_test"][0]["exp_alerts"] = [{"exp_labels": {}}]
    _tree(tmp_path, rules, {"a.yaml": _test_file([{"<<": {key: group.pop(key)}, **group}])})
    test = tmp_path / "tests/a.yaml"
    test.write_text(test.read_text().replace("'<<':", "<<:"))  # a plain `<<`: the merge key
    whole = subprocess.run([have_promtool, "test", "rules", "tests/a.yaml"], cwd=tmp_path, capture_output=True)
    assert whole.returncode == 0, whole.stdout.decode() + whole.stderr.decode()
    assert _focus(tmp_path, ["a.yaml"]) is None


@pytest.mark.parametrize(
    "change",
    [
        {"expr": '{__name__=~"job:.*"} > 0'},  # reads names only a regex knows
        {"expr": "job:ratio > 0.1", "annotations": {"summary": '{{ with query "up" }}{{ . }}{{ end }}'}},
    ],
    ids=["name-regex", "template-query"],
)
def test_a_rule_that_may_read_anything_keeps_every_rule(tmp_path: Path, change: dict[str, str]) -> None:
    rules = yaml.safe_load(yaml.safe_dump(RULES))
    rules["groups"][1]["rules"][0].update(change)
    _tree(tmp_path, rules, {"a.yaml": _test_file([_group(alerts=("HighErrors",))])})
    focused = _focus(tmp_path, ["a.yaml"])
    assert focused is not None
    test = yaml.safe_load((tmp_path / "f" / focused[0].path).read_text())
    loaded = yaml.safe_load((tmp_path / "f" / Path(focused[0].path).parent / test["rule_files"][0]).read_text())
    assert loaded == rules


@pytest.mark.parametrize(
    ("where", "old", "new"),
    [
        ("rules", "- record: job:cpu", "- &a record: job:cpu"),  # an anchor
        ("rules", "expr: sum(cpu_seconds)", "expr: !!str sum(cpu_seconds)"),  # an explicit tag
        ("rules", "- name: alerts\n", "- name: alerts\n  name: twice\n"),  # a key given twice
        ("rules", "groups:", "--- {}\n---\ngroups:"),  # a second document
        ("rules", "- alert: Quiet\n", "- alert: Quiet\n    record: both\n"),  # a rule of both kinds
        ("tests", "rule_files:\n- ../rules/r.yaml", "rule_files:\n- ../rules/other.yaml"),  # not what was named
        ("tests", "tests:", "tests: !!seq"),
    ],
)
def test_a_file_the_reader_is_unsure_of_runs_whole(tmp_path: Path, where: str, old: str, new: str) -> None:
    _tree(tmp_path, RULES, {"a.yaml": _test_file([_group(alerts=("HighErrors",))])})
    path = tmp_path / ("rules/r.yaml" if where == "rules" else "tests/a.yaml")
    text = path.read_text()
    assert old in text, text
    path.write_text(text.replace(old, new, 1))
    assert _focus(tmp_path, ["a.yaml"]) is None


def test_a_missing_rule_file_runs_whole(tmp_path: Path) -> None:
    _tree(tmp_path, RULES, {"a.yaml": _test_file([_group(alerts=("HighErrors",))])})
    (tmp_path / "rules/r.yaml").unlink()
    assert _focus(tmp_path, ["a.yaml"]) is None


# ---------------------------------------------------------------- the focused files say what the originals say


def test_generated_files_focus_to_exactly_their_own_groups_and_rules(tmp_path: Path) -> None:
    """Every test file of the examples: each focused file loads as the original with only that group and its
    rule files, some of its input series left out (in their order), and each focused rule file as the original
    with some rules left out, in their order."""
    compilation = written(tmp_path, everything=True)
    tests = sorted(p for p in compilation.bundle.paths if p.endswith(".test.yaml"))
    families: dict[str, list[str]] = {}
    for test in tests:
        families.setdefault(promtool.rule_files_of(str(tmp_path), test)[0], []).append(test)  # type: ignore[index]
    seen = 0
    originals: dict[str, Any] = {}  # each original test file read once, not once per group (most of the CPU)
    for rule_file, family in sorted(families.items()):
        focused = promtool_focus.focus_family(str(tmp_path), family, [rule_file], str(tmp_path / "f"), rule_file[-20:])
        assert focused is not None, family
        original_rules = _load(tmp_path / rule_file)
        for f in focused:
            if f.source not in originals:
                originals[f.source] = _load(tmp_path / f.source)
            original = originals[f.source]
            got = _load(tmp_path / "f" / f.path)
            group = original["tests"][f.group]
            fed = got["tests"][0].get("input_series", [])
            assert [s for s in group.get("input_series", []) if s in fed] == fed
            assert {**got, "rule_files": None, "tests": [{**got["tests"][0], "input_series": None}]} == {
                **original,
                "tests": [{**group, "input_series": None}],
                "rule_files": None,
            }
            (loads,) = got["rule_files"]
            subset = _load(tmp_path / "f" / Path(f.path).parent / loads)
            assert [g["name"] for g in subset["groups"]] == [g["name"] for g in original_rules["groups"]]
            expected = [(c["alertname"], a.get("exp_labels", {})) for c in group.get("alert_rule_test", [])
                        for a in c.get("exp_alerts", [])]  # fmt: skip
            for mine, theirs in zip(subset["groups"], original_rules["groups"], strict=True):
                assert {**mine, "rules": None} == {**theirs, "rules": None}
                # a rule no expected alert of the group matches may come without its annotations (focus_quiet.py)
                shown = [_as_loaded(r, expected) for r in theirs["rules"]]
                assert [r for r in shown if r in mine["rules"]] == mine["rules"]
            seen += 1
    assert seen >= 2 * len(tests)


def _as_loaded(rule: dict[str, Any], expected: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """A rule as a focused group expecting `expected` loads it: an alert rule without templated labels that no
    expected alert matches (its name and every label) without its annotations."""
    labels = rule.get("labels", {})
    if "alert" not in rule or any("{{" in str(v) for v in labels.values()):
        return rule
    if any(name == rule["alert"] and all(exp.get(k) == v for k, v in labels.items()) for name, exp in expected):
        return rule
    return {k: v for k, v in rule.items() if k != "annotations"}


# ---------------------------------------------------------------- promtool agrees


def test_promtool_passes_the_focused_examples_and_fails_a_weakened_alert_in_its_group(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    compilation = written(tmp_path, few=True)
    focused_run, whole_run = Record(), Record(whole_rule_files=True)
    promtool.validate(compilation.bundle, str(tmp_path), focused_run)
    promtool.validate(compilation.bundle, str(tmp_path), whole_run)
    edit(
        tmp_path / "prometheus/rules/order-worker.yaml",
        'rate5m{service="order-worker"}[5m]) > 0.05',
        'rate5m{service="order-worker"}[5m]) > 0.07',
    )
    # each failing run with its passing run's record: only the files that read the edited rule file run again
    # (the other examples' bytes passed and cannot fail now; they were 60% of these runs)
    focused = r"order-worker\.test\.yaml \(test \d+ of \d+\): alertname: ServiceHighErrorRate"
    with pytest.raises(ToolError, match=focused):
        promtool.validate(compilation.bundle, str(tmp_path), Record(known=frozenset(focused_run.passed)))
    whole_known = Record(whole_rule_files=True, known=frozenset(whole_run.passed))
    with pytest.raises(ToolError, match=r"order-worker\.test\.yaml: alertname: ServiceHighErrorRate"):
        promtool.validate(compilation.bundle, str(tmp_path), whole_known)


def test_a_focus_that_left_out_what_an_alert_reads_would_fail_its_test(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The focused run is no rubber stamp: with every recording rule left out of the focused rule files, the
    alerts that must fire cannot, and the examples fail."""
    compilation = written(tmp_path)
    real = promtool_focus._RuleFile.subset

    def alerts_only(self: promtool_focus._RuleFile, keep: set[tuple[int, int]], bare: Any = ()) -> list[Any]:
        return real(self, {(r.group, r.index) for r in self.rules if r.alert and (r.group, r.index) in keep}, bare)

    monkeypatch.setattr(promtool_focus._RuleFile, "subset", alerts_only)
    with pytest.raises(ToolError, match=r"order-worker\.test\.yaml \(test \d+ of \d+\)"):
        promtool.validate(compilation.bundle, str(tmp_path))


def test_revalidate_all_runs_each_test_file_whole(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    compilation = written(tmp_path)
    caplog.set_level(logging.INFO, logger="obsc")
    assert _tested(monkeypatch, compilation, tmp_path, Record(whole_rule_files=True)) == WHOLE
    assert "promtool: 5 test file(s) ran whole (--revalidate-all)" in caplog.messages


def test_the_focused_files_run_under_promtool_as_written(have_promtool: str, tmp_path: Path) -> None:  # noqa: F811
    """The hand-written fleet: HighErrors fires on its data, in its focused group as in the whole file."""
    group = {
        "interval": "1m",
        "input_series": [
            {"series": "errors_total", "values": "0+5x20"},
            {"series": "requests_total", "values": "0+10x20"},
        ],
        "alert_rule_test": [
            {
                "eval_time": "15m",
                "alertname": "HighErrors",
                "exp_alerts": [{"exp_labels": {"severity": "page"}}],
            },
            {"eval_time": "15m", "alertname": "Quiet", "exp_alerts": []},
        ],
    }
    rules = yaml.safe_load(yaml.safe_dump(RULES))
    rules["groups"][1]["rules"].pop(3)  # a second job:ratio would clash with the first in one evaluation
    _tree(tmp_path, rules, {"a.yaml": _test_file([group, _group(alerts=("Storm",))])})
    whole = subprocess.run([have_promtool, "test", "rules", "tests/a.yaml"], cwd=tmp_path, capture_output=True)
    assert whole.returncode == 0, whole.stdout.decode() + whole.stderr.decode()
    focused = _focus(tmp_path, ["a.yaml"])
    assert focused is not None and len(focused) == 2
    done = subprocess.run(
        [have_promtool, "test", "rules", *(f.path for f in focused)], cwd=tmp_path / "f", capture_output=True
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


def test_an_expression_nested_past_pythons_stack_reads_anything() -> None:
    nested = "(" * 60 + "x" + ")" * 60  # within model/promql_tree's gate (64)
    assert metric_names(nested) == frozenset({"x"})
    metric_names.cache_clear()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(150)  # the walk runs out of stack: unknown reads, never a crash or too few names
    try:
        assert metric_names(nested) is None
    finally:
        sys.setrecursionlimit(limit)
        metric_names.cache_clear()
    assert metric_names("(" * 200 + "x" + ")" * 200) is None  # past the gate (round 43): not parsed, unknown reads


def test_no_room_for_the_focused_files_runs_the_tests_whole(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    compilation = written(tmp_path)

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(promtool_focus, "_write", full)
    caplog.set_level(logging.INFO, logger="obsc")
    assert _tested(monkeypatch, compilation, tmp_path, Record()) == WHOLE
    said = "promtool: prometheus/tests/order-worker.test.yaml ran whole (it or a rule file it loads could not be taken"
    assert any(m.startswith(said) for m in caplog.messages)


WHOLE = [f"prometheus/tests/order-worker{part}.test.yaml" for part in (".holds", ".long", ".scrapes", "", ".twins")]


def _tested(monkeypatch: pytest.MonkeyPatch, compilation: Compilation, out: Path, record: Record) -> list[str]:
    """The files `promtool test rules` was given while validating `out`."""
    argv: list[tuple[str, ...]] = []
    real = _run.run

    def spy(args: list[str], **kwargs: object) -> _run.Result:
        argv.append(tuple(args[1:]))
        return real(args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_run, "run", spy)
    promtool.validate(compilation.bundle, str(out), record)
    return sorted(f for a in argv if a[:2] == ("test", "rules") for f in a[2:])


def test_a_rule_no_group_reads_comes_with_what_it_reads(tmp_path: Path) -> None:
    """Found by the differential test: an unread rule was kept without the rules it reads, so it evaluated
    other inputs than in the whole file (there, two copies of what it read clashed)."""
    rules = {
        "groups": [
            {
                "name": "g",
                "rules": [
                    {"record": "rec_y", "expr": "in_a * 2"},
                    {"record": "rec_x", "expr": "in_a + rec_y"},  # read by no test group
                    {"alert": "A", "expr": "in_a > 1"},
                    {"alert": "B", "expr": "rec_y > 1"},  # another group reads rec_y: it is not "unread"
                ],
            }
        ]
    }
    _tree(tmp_path, rules, {"a.yaml": _test_file([_group(alerts=("A",)), _group(alerts=("B",))])})
    focused = _focus(tmp_path, ["a.yaml"])
    assert focused is not None
    test = yaml.safe_load((tmp_path / "f" / focused[0].path).read_text())  # A's group
    loaded = yaml.safe_load((tmp_path / "f" / Path(focused[0].path).parent / test["rule_files"][0]).read_text())
    assert [r.get("record") or r["alert"] for r in loaded["groups"][0]["rules"]] == ["rec_y", "rec_x", "A"]


def test_a_chain_across_two_rule_files_is_kept_in_both(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    recorded = {
        "groups": [{"name": "rec", "rules": [{"record": "job:x", "expr": "sum(x)"}, {"record": "z", "expr": "y"}]}]
    }
    alerts = {
        "groups": [{"name": "alerts", "rules": [{"alert": "X", "expr": "job:x > 1"}, {"alert": "Y", "expr": "y"}]}]
    }
    (tmp_path / "rules/a.yaml").write_text(yaml.safe_dump(recorded, sort_keys=False))
    (tmp_path / "rules/b.yaml").write_text(yaml.safe_dump(alerts, sort_keys=False))
    test = {
        **_test_file([_group(alerts=("X",)), _group(alerts=("Y",))]),
        "rule_files": ["../rules/a.yaml", "../rules/b.yaml"],
    }
    (tmp_path / "tests/t.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    focused = promtool_focus.focus_family(
        str(tmp_path), ["tests/t.yaml"], ["rules/a.yaml", "rules/b.yaml"], str(tmp_path / "f"), "p"
    )
    assert focused is not None
    kept = []
    for f in focused:
        loads = yaml.safe_load((tmp_path / "f" / f.path).read_text())["rule_files"]
        assert [Path(p).name.split("-", 2)[2] for p in loads] == ["a.yaml", "b.yaml"]  # both files, in their order
        files = [yaml.safe_load((tmp_path / "f" / Path(f.path).parent / p).read_text()) for p in loads]
        kept.append([r.get("record") or r["alert"] for data in files for g in data["groups"] for r in g["rules"]])
    # z is read by no group: it and what it reads (y, an input) go everywhere
    assert kept == [["job:x", "z", "X"], ["z", "Y"]]
