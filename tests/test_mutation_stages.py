"""The mutation sweeps' stages (`test_prometheus_mutations.kills`) give the verdict a run of every group gives,
in whatever order the killer hints (`tests/mutation_hints.py`) put a mutant's groups.

The stages only decide how many of a mutant's focused groups run before the next look: a stage schedule that
skipped a group, or stopped before the last, would let a mutant that only its last group kills pass as killed
or, worse, one that no group kills pass unseen. No promtool here: the verdicts are drawn.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests import mutation_hints as hints
from tests import test_prometheus_mutations as sweep


def test_a_mutant_is_killed_exactly_when_one_of_its_groups_fails_and_each_group_runs_at_most_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draw = random.Random(40)
    runs = [[Path(f"m{n:04d}/focus/f/t.{g}") for g in range(draw.randint(1, 45))] for n in range(300)]
    fails: dict[Path, bool] = {}
    for paths in runs:  # a survivor, a mutant only the last group kills, or any other draw
        kind = draw.random()
        for g, path in enumerate(paths):
            fails[path] = (g == len(paths) - 1) if kind < 0.2 else False if kind < 0.3 else draw.random() < 0.1
    ran: list[Path] = []

    def failing_files(promtool: str, files: list[Path]) -> list[bool]:
        ran.extend(files)
        return [fails[f] for f in files]

    monkeypatch.setattr(sweep, "failing_files", failing_files)
    dead = sweep.kills("promtool", runs)
    assert dead == [any(fails[p] for p in paths) for paths in runs]
    assert len(ran) == len(set(ran))
    done = set(ran)
    for paths in runs:
        tried = [p for p in paths if p in done]
        assert tried == paths[: len(tried)]  # in trial order, none skipped
        first_failing = next((i for i, p in enumerate(paths) if fails[p]), len(paths) - 1)
        assert len(tried) > first_failing  # a survivor ran every group it has


def _tests_of(*groups: tuple[str, str]) -> dict[str, object]:
    """A parsed test file of groups (name, last eval_time), as `trial_order` reads one."""
    return {
        "t.test.yaml": {
            "evaluation_interval": "1m",
            "tests": [
                {"name": name, "alert_rule_test": [{"eval_time": last, "alertname": "A", "exp_alerts": []}]}
                for name, last in groups
            ],
        }
    }


def test_the_group_that_killed_a_mutant_last_time_is_tried_first_and_a_stale_hint_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hints only reorder a mutant's groups (its verdict is any group's failure, above): the recorded killer
    first, whatever its length; a hint naming a group the file no longer has leaves the usual order."""
    parsed = _tests_of(("short", "10m"), ("long", "3h"), ("middle", "1h"))
    mutant = sweep.Mutant("svc", 3, "A", "comparison 1 (> 1) flipped", "x < 1")
    order = sweep.trial_order(mutant, parsed)
    groups = [("tests/t.test.yaml", g) for g in range(3)]
    assert sorted(groups, key=lambda sg: order(*sg)) == [groups[0], groups[2], groups[1]]
    hints = {sweep.mutant_key(mutant): order.label("tests/t.test.yaml", 1)}
    monkeypatch.setattr(sweep, "killer_hints", lambda: hints)
    assert sorted(groups, key=lambda sg: order(*sg)) == [groups[1], groups[0], groups[2]]
    hints[sweep.mutant_key(mutant)] = "t.test.yaml#000000000000"
    assert sorted(groups, key=lambda sg: order(*sg)) == [groups[0], groups[2], groups[1]]


def test_refreshing_the_hints_records_each_killers_first_failing_group_and_forgets_survivors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(hints, "HINTS", tmp_path / "hints.json")
    monkeypatch.setattr(hints, "UPDATE", True)
    (tmp_path / "hints.json").write_text('{"gone": "t#1", "kept": "t#2", "other": "t#3"}')
    runs = [[tmp_path / f"m{n}.{g}" for g in range(3)] for n in range(2)]
    for n, name in enumerate(("killed", "gone")):
        for g, path in enumerate(runs[n]):
            monkeypatch.setitem(hints.TRIED, path, (name, f"t#{n}{g}"))
    verdicts = {runs[0][0]: False, runs[0][1]: True, runs[0][2]: True, **dict.fromkeys(runs[1], False)}
    hints.record_runs(runs, verdicts)
    assert json.loads((tmp_path / "hints.json").read_text()) == {"killed": "t#01", "kept": "t#2", "other": "t#3"}


SOURCE, SERVICE = "tests/golden/cloud-exporter/specs", "invoices-alb"


def test_a_group_tried_first_alone_is_the_file_it_is_when_focused_with_every_other(tmp_path: Path) -> None:
    """Where a hint can reach a verdict: the group it names is focused alone (`_Focused`: the first, then the rest),
    the others together. Its focused file and the rules it loads must be those it gets among every group, or a
    stale or tampered hint could pick a file that fails (or passes) where validation's would not. Every group of
    one service put first in turn (a mutant of the cloud-exporter golden, no promtool)."""
    files = sweep.compiled(SOURCE)[SERVICE]
    parsed = {name: sweep.yaml.load(text, Loader=sweep._LOADER) for name, text in files.items()}
    mutant = next(sweep.mutants(SERVICE, files["rules"]))
    base, chosen = sweep.write_mutant(tmp_path, 0, mutant, parsed, files)
    groups = [(source_file, g) for source_file, gs in sorted(chosen.items()) for g in gs]
    assert len({s for s, _ in groups}) > 1 and len(groups) > 3, groups

    def loaded(path: Path) -> dict[str, str]:
        data = sweep.yaml.safe_load(path.read_text())
        files = data.pop("rule_files")  # named per focusing call: their texts are compared
        assert data["tests"], path
        return {"test": repr(data), **{f: (path.parent / f).read_text() for f in files}}

    every = sweep.focused_runs(base, SERVICE, chosen)
    among = {sg: loaded(every[n]) for n, sg in enumerate(every.order)}  # type: ignore[attr-defined]
    for n, first in enumerate(groups):
        run = sweep.focused_runs(base, SERVICE, chosen, lambda s, g, first=first: (s, g) != first)
        alone = loaded(run[0])
        assert [run.order[0]] == [first]  # type: ignore[attr-defined]
        assert alone.pop("test") == among[first]["test"] and sorted(alone.values()) == sorted(
            v for k, v in among[first].items() if k != "test"
        ), (n, first)
