"""Group verdicts across teams (compiler/toolcheck/group_verdicts.py, group_names.py): a focused test group that
is the same in services of different teams, up to the service's and the team's names, is judged by four promtool
runs (each service token with each team token), where judging it within each team would take more.

Each service here (`_write`) has two alerts and a test group for each: Hot reads the service's and the team's
names (its series, its labels) and is the same in every service up to them; Warm's threshold is the service's
own, so every family is a shape of its own, and no two services of a test share a team.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from compiler.conventions import VALIDATION_RECORD
from compiler.toolcheck import promtool, record, shape_verdicts
from compiler.toolcheck.record import HEADER, Record
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_shape_verdicts import _handed

SERVICES = ("a1", "a2", "a3", "a4", "a5")
FIRES = 'rate(ready_total{job="NAME",team="TEAM"}[5m]) > 0.5'
# What reads the team's name in Hot (series, labels and expectations unchanged): each fails for team `tq` only
# (the team tokens `a0-t` and `zz8-...8` hold no `q`), so sharing its verdict would pass `tq`'s failing group.
TEAM_READ = {
    "regex matcher": (FIRES + ' unless on() count(ready_total{team=~".*q.*"}) > 0', "", ""),
    "label_replace": (f'label_replace({FIRES.split(" > ")[0]}, "team", "x", "team", ".*q.*") > 0.5', "", ""),
    "template": (FIRES, '{{ if match "q" $labels.team }}q{{ else }}x{{ end }}', "x"),
}


def _write(root: Path, name: str, team: str, warm: int, hot: str = FIRES, note: str = "", expected: str = "") -> None:
    """One service's files: Hot over `hot` (NAME, TEAM: its names; `note` its summary) quiet at 0m and firing at
    10m with {job: NAME, team: TEAM} (and the summary `expected`), then Warm over a threshold of `warm`/10."""
    (root / "prometheus" / "rules").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "tests").mkdir(parents=True, exist_ok=True)
    summary = f"        annotations:\n          summary: '{note}'\n" if note else ""
    (root / "prometheus" / "rules" / f"{name}.yaml").write_text(
        "groups:\n  - name: g\n    rules:\n"
        f"      - alert: Hot\n        expr: '{hot.replace('NAME', name).replace('TEAM', team)}'\n{summary}"
        f"      - alert: Warm\n        expr: 'rate(warm_total{{job=\"{name}\"}}[5m]) > {warm / 10}'\n"
        f"        labels:\n          team: {team}\n"
    )
    exp = f"            exp_annotations: {{summary: '{expected}'}}\n" if expected else ""
    (root / "prometheus" / "tests" / f"{name}.test.yaml").write_text(
        f"rule_files:\n  - ../rules/{name}.yaml\nevaluation_interval: 1m\ntests:\n"
        f'  - interval: 1m\n    input_series:\n      - series: \'ready_total{{job="{name}",team="{team}"}}\'\n'
        "        values: 0+60x20\n"
        "    alert_rule_test:\n      - eval_time: 0m\n        alertname: Hot\n"
        "      - eval_time: 10m\n        alertname: Hot\n        exp_alerts:\n"
        f"          - exp_labels: {{job: {name}, team: {team}}}\n"
        f"{exp}"
        f"  - interval: 1m\n    input_series:\n      - series: 'warm_total{{job=\"{name}\"}}'\n"
        f"        values: 0+{6 * warm + 6}x20\n"
        "    alert_rule_test:\n      - eval_time: 0m\n        alertname: Warm\n"
        "      - eval_time: 10m\n        alertname: Warm\n        exp_alerts:\n"
        f"          - exp_labels: {{job: {name}, team: {team}}}\n"
    )


def _fleet(root: Path, teams: dict[str, str], hot: str = FIRES, note: str = "", expected: str = "") -> None:
    for warm, (name, team) in enumerate(teams.items(), start=1):
        _write(root, name, team, warm, hot, note, expected)


def _validate(root: Path, teams: dict[str, str], record: Record | None = None) -> tuple[list[str], list[str]]:
    """promtool's findings, and each test file a `promtool test rules` run was handed."""
    tests = tuple(sorted(f"prometheus/tests/{p.name}" for p in (root / "prometheus" / "tests").iterdir()))
    rules = tuple(sorted(f"prometheus/rules/{p.name}" for p in (root / "prometheus" / "rules").iterdir()))
    layout = promtool.Layout(str(root), rules, tests, {p: p for p in (*rules, *tests)})
    with _handed() as handed:
        findings = promtool.run_promtool(require_tool("promtool", "PROMTOOL"), layout, record, teams)
    return findings, handed


def _ran(handed: list[str], name: str, group: int) -> bool:
    return any(path.endswith(f"/{name}.test.yaml.{group}") for path in handed)


def _own_teams(*teams: str) -> dict[str, str]:
    return dict(zip(SERVICES, teams or tuple(f"t{n}" for n in range(1, 6)), strict=True))


def test_a_group_the_same_across_teams_runs_for_the_four_token_pairs_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Five services of five teams: within each team Hot's group is alone (five runs); across teams, four."""
    teams = _own_teams()
    _fleet(tmp_path, teams)
    caplog.set_level(logging.INFO, logger="obsc")
    findings, handed = _validate(tmp_path, teams)
    assert findings == []
    assert not any(_ran(handed, name, 1) for name in SERVICES), handed  # Hot's group: by its shape
    assert all(_ran(handed, name, 2) for name in SERVICES), handed  # Warm's: each its own
    assert sum(_ran([path], "a0-k", 1) for path in handed) == 2 and len(handed) == len(SERVICES) + 4, handed
    said = "promtool: 5 test group(s) passed by the verdict of their group's shape (1 shape(s), 4 runs)"
    assert said in caplog.messages


def test_without_the_models_teams_each_team_judges_its_own(tmp_path: Path) -> None:
    """No `teams` (a caller that knows none): the team's name is not cut, and five teams of one share nothing."""
    _fleet(tmp_path, _own_teams())
    findings, handed = _validate(tmp_path, {})
    assert findings == [] and all(_ran(handed, name, 1) for name in SERVICES), handed
    assert not any("a0-k" in path for path in handed), handed


def test_teams_of_three_are_judged_apart_when_that_runs_less(tmp_path: Path) -> None:
    """Six services in two teams of three: two runs a team (four) are not more than four across teams, so each
    team's shape is judged on its own, named with the service's tokens only."""
    teams = {f"a{n}": ("t1" if n <= 3 else "t2") for n in range(1, 7)}
    _fleet(tmp_path, teams)
    findings, handed = _validate(tmp_path, teams)
    assert findings == [] and not any(_ran(handed, name, 1) for name in teams), handed
    assert sum(_ran([path], "a0-k", 1) for path in handed) == 2, handed  # one of each team's two token runs


@pytest.mark.parametrize("case", TEAM_READ)
def test_a_group_that_reads_the_teams_name_is_not_judged_across_teams(case: str, tmp_path: Path) -> None:
    """Hot passes for teams t1..t4 and the team tokens, and fails for `tq` because of its team's name: the bounds
    refuse the shape across teams, each team's group (one service each) runs, and `a5`'s failure is reported."""
    teams = _own_teams("t1", "t2", "t3", "t4", "tq")
    _fleet(tmp_path, teams, *TEAM_READ[case])
    findings, handed = _validate(tmp_path, teams)
    assert all(_ran(handed, name, 1) for name in SERVICES) and not _ran(handed, "a0-k", 1), handed
    assert any(line.startswith("prometheus/tests/a5.test.yaml (") for line in findings), findings
    assert not any(line.startswith("prometheus/tests/a1.test.yaml") for line in findings), findings


def test_a_team_named_inside_the_service_name_is_not_cut(tmp_path: Path) -> None:
    """Team `a` stands inside its service's name `a6` (and every other): its places are not all cuts, so `a6`'s
    groups keep the team's name and share no shape with the five others, which share theirs across teams."""
    teams = {**_own_teams(), "a6": "a"}
    _fleet(tmp_path, teams)
    findings, handed = _validate(tmp_path, teams)
    assert findings == [] and _ran(handed, "a6", 1) and not _ran(handed, "a1", 1), handed


def test_an_order_over_a_label_that_holds_both_names_is_out_of_bounds(tmp_path: Path) -> None:
    """`topk` over a label that takes the service's name in one series and the team's in another orders the two
    names against each other: no pair of token runs stands for every pair of names."""
    hot = 'topk(1, rate(ready_total{job="NAME"}[5m]) or rate(ready_total{job="TEAM"}[5m])) > 0.5'
    _write(tmp_path, "svc", "ops", 1, hot)
    files = ["prometheus/rules/svc.yaml", "prometheus/tests/svc.test.yaml"]
    assert shape_verdicts.bounds(str(tmp_path), files, "svc") is None
    assert "holds both names" in (shape_verdicts.bounds(str(tmp_path), files, "svc", "ops") or "")


@pytest.mark.parametrize("record_is", ["stale", "tampered"])
def test_a_changed_byte_in_a_member_of_a_shared_shape_runs_again(record_is: str, tmp_path: Path) -> None:
    """Issue 15's rule for a record after shared verdicts: one byte of `a3`'s test file changed (its series no
    longer rises, so Hot never fires) runs that file again and reports it, with the record as the last run
    left it, or with every line of it made to claim `a3` passed by its shape."""
    teams = _own_teams()
    _fleet(tmp_path, teams)
    first = Record()
    assert _validate(tmp_path, teams, first)[0] == []
    assert first.by_shape == 0  # each family's Warm group ran: no file passed by its shape alone
    rows = [line for line in first.text().splitlines() if not line.startswith("#")]
    if record_is == "tampered":
        rows = [f"{row.split(' ')[0]} promtool-test-shape prometheus/tests/a3.test.yaml" for row in rows]
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / VALIDATION_RECORD).write_text(HEADER + "".join(f"{row}\n" for row in rows))
    kept = record.load(str(tmp_path / "kept"))
    assert len(kept.known) == len(rows)
    test = tmp_path / "prometheus" / "tests" / "a3.test.yaml"
    text = test.read_text()
    assert text.count("values: 0+60x20") == 1
    test.write_text(text.replace("values: 0+60x20", "values: 0+00x20"))
    findings, handed = _validate(tmp_path, teams, kept)
    assert _ran(handed, "a3", 1) and _ran(handed, "a3", 2), handed
    assert not any(_ran(handed, name, g) for name in ("a1", "a2", "a4", "a5") for g in (1, 2)), handed
    assert any(line.startswith("prometheus/tests/a3.test.yaml (") and "Hot" in line for line in findings), findings


def test_a_distinct_fleet_of_one_team_a_service_shares_groups_across_teams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """obsc's own rich distinct services, five in five teams, compiled and validated by the command (the teams
    from the model): most of their focused groups pass by their shapes across teams (the old code, cutting the
    service's name only, judged none: each team holds one service)."""
    specs = write_fleet(tmp_path / "specs", services=5, teams=5, rich=True, distinct=True)
    require_tool("promtool", "PROMTOOL")
    with _handed() as handed:
        result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "-v")
    assert result.code == 0, result.err[-2000:]
    said = [line for line in result.err.splitlines() if "passed by the verdict of their group's shape" in line]
    assert said, result.err[-2000:]
    judged = int(said[0].split("promtool: ", 1)[1].split(" ", 1)[0])
    ran = [path for path in handed if "/svc-" in path]
    assert judged >= 30 * 5 and len(ran) < judged, (said, len(ran))


def test_revalidate_all_judges_no_group_across_teams(tmp_path: Path) -> None:
    """`--revalidate-all` (the nightly job) runs each test file whole against its rule files: no shape, no token."""
    teams = _own_teams()
    _fleet(tmp_path, teams)
    findings, handed = _validate(tmp_path, teams, Record(whole_rule_files=True))
    assert findings == [] and sorted(handed) == [f"prometheus/tests/{name}.test.yaml" for name in SERVICES], handed
