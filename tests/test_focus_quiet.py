"""A focused group loads the alert rules it expects quiet throughout without their annotations (focus_quiet.py),
and its verdict stays the whole file's: an alert of such a rule that fires still fails the check."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.toolcheck import promtool
from compiler.toolcheck.focus_quiet import quiet
from compiler.toolcheck.record import Record
from tests.test_promtool_focus import _focus, _test_file, _tree
from tests.test_promtool_toolcheck import have_promtool  # noqa: F401 (fixture)


def _rules(quiet_expr: str = "y > 100", quiet_severity: str = "ticket") -> dict[str, Any]:
    def alert(name: str, expr: str, severity: str) -> dict[str, Any]:
        return {
            "alert": name,
            "expr": expr,
            "labels": {"severity": severity},
            "annotations": {"summary": "at {{ $value }}"},
        }

    return {
        "groups": [
            {
                "name": "alerts",
                "rules": [
                    alert("High", "x > 0", "page"),  # expected firing: compared with its annotations
                    alert("High", quiet_expr, quiet_severity),  # the same name, other labels: quiet
                    alert("Other", "y > 100", "ticket"),  # another name, asserted quiet
                ],
            }
        ]
    }


_GROUP = {
    "interval": "1m",
    "input_series": [{"series": "x", "values": "0+1x10"}, {"series": "y", "values": "0+1x10"}],
    "alert_rule_test": [
        {
            "eval_time": "5m",
            "alertname": "High",
            "exp_alerts": [{"exp_labels": {"severity": "page"}, "exp_annotations": {"summary": "at 5"}}],
        },
        {"eval_time": "5m", "alertname": "Other", "exp_alerts": []},
    ],
}


def _loaded(root: Path) -> list[dict[str, Any]]:
    (focused,) = _focus(root, ["a.yaml"]) or []
    test = yaml.safe_load((root / "f" / focused.path).read_text())
    (rule_file,) = test["rule_files"]
    rules: list[dict[str, Any]] = yaml.safe_load((root / "f" / Path(focused.path).parent / rule_file).read_text())[
        "groups"
    ][0]["rules"]
    return rules


def test_the_rules_a_group_expects_quiet_load_without_annotations(tmp_path: Path) -> None:
    _tree(tmp_path, _rules(), {"a.yaml": _test_file([_GROUP])})
    assert ["annotations" in r for r in _loaded(tmp_path)] == [True, False, False]


def test_a_rule_with_a_templated_label_keeps_its_annotations(tmp_path: Path) -> None:
    """An expected alert may match the label's expansion: such a rule is loaded whole."""
    _tree(tmp_path, _rules(quiet_severity="{{ if true }}ticket{{ end }}"), {"a.yaml": _test_file([_GROUP])})
    assert ["annotations" in r for r in _loaded(tmp_path)] == [True, True, False]


def test_expectations_not_read_surely_strip_nothing() -> None:
    assert quiet({(0, 0, 0): ("High", {})}, [(0, 0, 0)], None) == frozenset()
    assert quiet({(0, 0, 0): ("High", {"severity": "page"})}, [(0, 0, 0)], [("High", {})]) == {(0, 0, 0)}
    assert quiet({(0, 0, 0): ("High", {"severity": "page"})}, [(0, 0, 0)], [("High", {"severity": "page"})]) == set()


def test_an_expected_alert_matching_some_of_a_rules_labels_leaves_it_quiet() -> None:
    """An alert matches an expectation only with every label equal: one label alike (the team) is not enough to
    keep the other tier's annotations (a hand mutant of round 46 reading any label alike passed every test)."""
    rule = ("High", {"severity": "ticket", "team": "a"})
    expected = [("High", {"severity": "page", "team": "a"})]
    assert quiet({(0, 0, 0): rule}, [(0, 0, 0)], expected) == {(0, 0, 0)}


@pytest.mark.parametrize(
    ("expr", "fails"),
    [("y > 100", False), ("y > 1", True)],  # the quiet rule as written, and broken so that it fires
    ids=["as-written", "fires"],
)
def test_a_quiet_rule_that_fires_fails_the_focused_group_as_the_whole_file(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    expr: str,
    fails: bool,
) -> None:
    _tree(tmp_path, _rules(quiet_expr=expr), {"a.yaml": _test_file([_GROUP])})
    (focused,) = _focus(tmp_path, ["a.yaml"]) or []
    whole = subprocess.run([have_promtool, "test", "rules", "tests/a.yaml"], cwd=tmp_path, capture_output=True)
    mine = subprocess.run([have_promtool, "test", "rules", focused.path], cwd=tmp_path / "f", capture_output=True)
    assert (whole.returncode != 0, mine.returncode != 0) == (fails, fails), mine.stderr.decode()
    if fails:  # the extra alert is reported as it is in the whole file: its labels, no annotations to compare
        assert b'Labels:{alertname="High", severity="ticket"}' in mine.stdout + mine.stderr


def test_a_failing_group_prints_the_quiet_rules_annotations_as_the_whole_file(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A quiet rule's alert that fires is shown with its annotations, as the whole file shows it: the failing
    focused group runs again with every annotation kept (focus_runs.with_annotations)."""
    _tree(tmp_path, _rules(quiet_expr="y > 1"), {"a.yaml": _test_file([_GROUP])})
    test = tmp_path / "tests/a.yaml"  # indented as the generator writes it, or obsc runs it whole
    test.write_text(test.read_text().replace("rule_files:\n- ", "rule_files:\n  - "))
    layout = promtool.Layout(str(tmp_path), ("rules/r.yaml",), ("tests/a.yaml",), {})
    found = promtool.run_promtool(have_promtool, layout, Record())
    whole = subprocess.run([have_promtool, "test", "rules", "tests/a.yaml"], cwd=tmp_path, capture_output=True)
    said = [line.strip() for line in (whole.stdout + whole.stderr).decode().splitlines()]
    said = [line for line in said if line and line != "FAILED:" and not line.startswith("Unit Testing:")]
    mine = "tests/a.yaml (test 1 of 1): "  # the cross-check's findings (alert Other never firing) aside
    assert [line.removeprefix(mine) for line in found if line.startswith(mine)] == said
    assert 'Annotations:{summary="at 5"}' in said
