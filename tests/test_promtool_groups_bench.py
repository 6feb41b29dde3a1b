"""tests/bench/promtool_groups.py names the case families each generated test group hosts (its per-family figures
split a group's CPU among them): every group of the examples and of a rich bench service gets a family."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler.api import compile_specs
from tests.bench.fleet import write_fleet
from tests.bench.promtool_groups import _subset, families_of, report, split
from tests.conftest import ROOT


def _group_names(specs: str) -> list[str]:
    bundle = compile_specs([specs]).bundle
    return [
        str(group["name"])
        for a in bundle.artifacts
        if a.path.startswith("prometheus/tests/")
        for group in yaml.safe_load(a.content)["tests"]
    ]


def test_every_generated_group_has_a_family(tmp_path: Path) -> None:
    names = _group_names(str(ROOT / "examples")) + _group_names(str(write_fleet(tmp_path, 1, rich=True)))
    unnamed = [n[:120] for n in names if "other" in families_of(n)]
    assert not unnamed
    found = {f for n in names for f in families_of(n)}
    assert {"burn pairs", "hand-over", "holds", "missing data", "key metrics", "time slices", "twins"} <= found


def test_a_title_holding_a_semicolon_stays_with_its_family() -> None:
    name = "ServiceNewErrorType: errors seen all along are not new; a type unseen for a day is; latency: 1h/5m x"
    assert families_of(name) == ["key metrics", "burn pairs"]
    assert families_of("holds: SLODataMissing: targets up and no SLI series at all") == ["holds"]
    assert families_of("SLODataMissing: a group busy a day and a week ago, silent while others report") == [
        "silent groups"
    ]
    # (the goldens' titles: the examples have none of these)
    assert families_of("SLOTrafficStopped: rows: late (events a day and a week ago, none now)") == ["stopped traffic"]
    assert families_of("SLOFailuresCounterUnseen: no SLI series nor failures counter at all: no notice") == [
        "failures unseen"
    ]


def _row(group: int, full: float, loaded: float, setup: float) -> dict[str, object]:
    return {
        "file": "svc.test.yaml",
        "group": group,
        "families": ["burn pairs"],
        "rules": 9,
        "series": 4,
        "steps": 2,
        "min": full,
        "median": full,
        "loaded_min": loaded,
        "setup_min": setup,
    }


def test_the_split_tells_a_groups_setup_from_its_rule_loading_and_evaluation() -> None:
    # Round 41 read "loading only" (a process of its own per group: its start, ~0.02 CPU-s, included) as the
    # groups' setup, 0.98 of a rich service's 1.77 CPU-s; in one process, as validation runs ~120 groups, a
    # group's setup is ~0.007 and its evaluation is most of its cost (0.71 of 1.21 measured in round 42).
    rows = [_row(1, 0.050, 0.020, 0.007), _row(2, 0.030, 0.015, 0.007), {"file": "svc.test.yaml", "group": 0}]
    parts = split(rows)
    assert parts == pytest.approx({"total": 0.080, "setup": 0.014, "loading": 0.021, "evaluation": 0.045})
    text = report([*rows[:2], {**rows[2], "min": 1.0, "median": 1.1}])
    assert "setup 0.014 (test TSDB, engine, file), rule loading 0.021, evaluation 0.045" in text


def test_the_report_sums_the_focused_groups_per_test_file() -> None:
    # Which file to make cheaper: round 44 asked for the main, scrapes, holds, long and twins files apart; the
    # report gave per-group rows and the files run whole only (a file's focused sum by hand from ~40 rows).
    holds = {**_row(1, 0.080, 0.018, 0.005), "file": "svc.holds.test.yaml"}
    rows = [_row(1, 0.050, 0.020, 0.007), holds, _row(2, 0.030, 0.015, 0.007)]
    text = report(rows)
    assert (
        "focused, per test file (sum of min: setup / rule loading / evaluation): "
        "svc.test.yaml 0.080 in 2 (setup 0.014 / loading 0.021 / evaluation 0.045); "
        "svc.holds.test.yaml 0.080 in 1 (setup 0.005 / loading 0.013 / evaluation 0.062)"
    ) in text


def test_the_report_counts_groups_that_load_an_earlier_groups_rules_on_its_timeline() -> None:
    # Round 47: 13 of a rich service's 46 focused groups load the rules of an earlier one on its timeline (0.56 of
    # 2.04 CPU-s): the bound on running such groups as one, which the per-group rows did not show.
    one = {**_row(1, 0.050, 0.020, 0.007), "subset": "a", "timeline": "30m x2"}
    same = {**_row(2, 0.040, 0.018, 0.007), "subset": "a", "timeline": "30m x2"}
    longer = {**_row(3, 0.060, 0.020, 0.007), "subset": "a", "timeline": "30m x3"}
    other = {**_row(4, 0.030, 0.015, 0.007), "subset": "b", "timeline": "30m x2"}
    text = report([one, same, longer, other])
    assert (
        "groups loading the rules an earlier group loads, on its timeline: 1 of 4, 0.040 CPU-s "
        "(setup and rule loading 0.018, evaluation 0.022)"
    ) in text


def test_a_subset_is_the_same_whatever_annotations_its_rules_load_with(tmp_path: Path) -> None:
    # A group's quiet alert rules load without annotations (focus_quiet.py): two groups loading the same rules
    # read two files that differ only there, and are the same subset; another expression is another subset.
    rule = {"alert": "A", "expr": "x > 1", "labels": {"severity": "page"}}
    files = []
    for i, rules in enumerate(([{**rule, "annotations": {"summary": "s"}}], [rule], [{**rule, "expr": "x > 2"}])):
        path = tmp_path / f"r{i}.yaml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}))
        files.append(_subset(str(path)))
    assert files[0] == files[1] != files[2]
