"""`obsc diff` on a renamed service or team (round 44, a fleet's day two): one row when the rules are equal up to
the name, never when they differ in more. Goldens of whole cases: tests/diff/service-renamed*, team-renamed,
service-moved-team, receiver-renamed (tests/test_diff.py)."""

from __future__ import annotations

import json
from pathlib import Path

from compiler import changes
from tests.test_diff import CASES, _summary

PATH = "prometheus/rules/{}.yaml"


def _rules(service: str, hold: str = "5m", team: str = "core") -> str:
    return (
        "groups:\n- name: g\n  rules:\n"
        f'  - record: up:sum\n    expr: sum(up{{service="{service}"}})\n    labels: {{service: {service}}}\n'
        f'  - alert: Down\n    expr: up:sum{{service="{service}"}} == 0\n    for: {hold}\n'
        f"    labels: {{service: {service}, team: {team}, severity: critical}}\n"
        f"    annotations: {{runbook_url: runbooks/{service}/Down.md}}\n"
    )


def _rows(*files: tuple[str, str | None, str | None]) -> list[tuple[str, str, str]]:
    return [(c.kind, c.action, c.name) for c in changes.summarise(files).changes]


def test_a_service_renamed_is_one_row_only_when_its_rules_are_equal_up_to_the_name() -> None:
    """Found by the round 44 lifecycle hunt: a renamed service read as 37 rows, some rules changed and the rest
    removed and added. Rules equal but for the name are one row; a hold changed with the name (a near miss)
    stays removed and added, and two services renamed alike cannot be told apart, so they stay too."""
    gone, came = (PATH.format("a"), _rules("a"), None), (PATH.format("c"), None, _rules("c"))
    assert _rows(gone, came) == [("rename", "renamed", "service a → c")]
    row = changes.summarise([gone, came]).changes[0]
    assert (
        "runbooks move: runbooks/a/ → runbooks/c/ (links to the old pages break; a page edited by hand stays: see"
        in (" ".join(row.details))
    )
    assert 'silences matching {service="a"} stop matching: re-create them for {service="c"}' in row.details
    near = (PATH.format("c"), None, _rules("c", hold="10m"))
    assert ("rename", "renamed", "service a → c") not in _rows(gone, near)
    assert {action for kind, action, _ in _rows(gone, near) if kind == "alert"} == {"removed", "added"}
    twins = [(PATH.format(s), _rules(s), None) for s in "ab"] + [(PATH.format(s), None, _rules(s)) for s in "cd"]
    assert not [row for row in _rows(*twins) if row[0] == "rename"]


def test_only_an_exact_matcher_of_the_name_is_set_aside() -> None:
    """A selector that reads other series under the new name (`=~` over a pattern, another label) is a change."""
    old = _rules("a")
    for edited in ('up:sum{service=~"c|x"}', 'up:sum{job="c"}'):
        new = _rules("c").replace('up:sum{service="c"}', edited)
        rows = _rows((PATH.format("a"), old, None), (PATH.format("c"), None, new))
        assert not [row for row in rows if row[0] == "rename"], edited


def test_the_near_miss_case_keeps_every_row(tmp_path: Path) -> None:
    """The whole-spec near miss: a rename with one threshold changed is the old report, row for row (46 rows)."""
    summary = _summary(tmp_path, CASES["service-renamed-and-threshold"])
    data = json.loads(summary.to_json())
    assert not [c for c in data["changes"] if c["kind"] == "rename"]
    alerts = [c for c in data["changes"] if c["kind"] == "alert"]
    assert len(alerts) == 24 and {c["action"] for c in alerts} == {"removed", "added", "changed"}


def test_a_link_moved_beyond_the_name_is_said_on_the_rename_row() -> None:
    """What the rules do not decide is compared once the names are mapped: a runbook link pointed elsewhere in the
    same change as the rename is on the row, not hidden in it (a route's or receiver's settings likewise: goldens)."""
    moved = _rules("c").replace("runbook_url: runbooks/c/Down.md", "runbook_url: https://evil.example/c/Down.md")
    (row,) = changes.summarise([(PATH.format("a"), _rules("a"), None), (PATH.format("c"), None, moved)]).changes
    assert "Down: annotations.runbook_url: runbooks/a/Down.md → https://evil.example/c/Down.md" in row.details
