"""The mutation sweeps' stages (`test_prometheus_mutations.kills`) give the verdict a run of every group gives.

The stages only decide how many of a mutant's focused groups run before the next look: a stage schedule that
skipped a group, or stopped before the last, would let a mutant that only its last group kills pass as killed
or, worse, one that no group kills pass unseen. No promtool here: the verdicts are drawn.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

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
