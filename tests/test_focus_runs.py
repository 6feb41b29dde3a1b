"""focus_runs.with_annotations, by its contract alone (no promtool): a failing group that printed a bare alert is
replaced by its second run's findings, and a verdict is never dropped when that run reports nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compiler.toolcheck import focus_runs
from compiler.toolcheck.promtool_focus import Focused

FIRST = Focused("f/a.yaml", "tests/a.yaml", 0, "a")
SECOND = Focused("f/b.yaml", "tests/a.yaml", 1, "b")
SHOWN = {FIRST.path: "tests/a.yaml group 0", SECOND.path: "tests/a.yaml group 1"}
FINDINGS = [
    f"{SHOWN[FIRST.path]}: alertname: High, time: 5m,",
    f'{SHOWN[FIRST.path]}:   got: [Labels:{{severity="ticket"}} {focus_runs.BARE}]',
    f"{SHOWN[SECOND.path]}: expr: up, time: 1m,",
]


def _again(groups: Sequence[Focused]) -> list[Focused]:
    return [Focused(f.path.replace("f/", "f-annotated/"), f.source, f.group, f.label) for f in groups]


def _run(said: list[str]) -> focus_runs.Run:
    def run(files: list[str], shown: Mapping[str, str]) -> list[str]:
        return [f"{shown[path]}: {line}" for path in files for line in said]

    return run


def test_a_group_that_printed_a_bare_alert_shows_its_second_runs_findings() -> None:
    found = focus_runs.with_annotations(FINDINGS, [FIRST, SECOND], SHOWN, _again, _run(["got: summary=3"]))
    assert found == [f"{SHOWN[FIRST.path]}: got: summary=3", FINDINGS[2]]


def test_a_second_run_that_reports_nothing_leaves_the_first_runs_findings() -> None:
    """A hand mutant of round 46 that replaced them by nothing (dropping the failing group's verdict) passed every
    test: the second run only ever reported something there."""
    assert focus_runs.with_annotations(FINDINGS, [FIRST, SECOND], SHOWN, _again, _run([])) == FINDINGS
