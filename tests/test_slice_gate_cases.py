"""The generated cases of a time-slice SLO's held pairs (counted_short.sliced): each pair's page held by clean
windows too thin to show 2 bad slices at the windows above them, and stopped by a clean short window with slices
enough; and what they cost in test groups (examples/homepage-probe.yaml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from compiler.api import compile_specs
from compiler.targets.prometheus.promtool.lanes import joins_lanes
from compiler.targets.prometheus.rule_model import Rule
from tests.conftest import ROOT


def _homepage(tmp_path: Path) -> tuple[list[dict[str, object]], list[Rule]]:
    for name in ("homepage-probe.yaml", "platform.yaml"):
        shutil.copy(ROOT / "examples" / name, tmp_path / name)
    bundle = compile_specs([str(tmp_path)]).bundle
    files = {a.path: a.content for a in bundle.artifacts}
    tests = yaml.safe_load(files["prometheus/tests/homepage.test.yaml"])["tests"]
    rules = yaml.safe_load(files["prometheus/rules/homepage.yaml"])["groups"]
    burns = [
        Rule(expr=r["expr"], alert=r["alert"])
        for g in rules
        for r in g["rules"]
        if "burn_window" in r.get("labels", {})
    ]
    return tests, burns


def test_each_time_slice_pair_is_held_by_thin_windows_and_stopped_by_a_recovered_short_one(tmp_path: Path) -> None:
    tests, burns = _homepage(tmp_path)
    names = " ".join(str(g["name"]) for g in tests)
    for pair in ("1h/5m", "6h/30m", "1d/2h", "3d/6h"):
        assert f"{pair} (line" in names
    assert names.count("time-slice page up when its short window recovers") == 4
    assert names.count("slices for 1.6 bad ones") == 4
    # the lanes read the gate's shape (lanes.py): else each case would take a test group of its own
    assert burns and joins_lanes(burns)


def test_a_time_slice_service_keeps_its_cases_in_few_groups(tmp_path: Path) -> None:
    """23 groups before round 35; the gate's two cases per pair (held by thin windows: fires; a recovered
    short window: stops) cost six more: their windows' slice counts keep the gate's faults apart."""
    tests, _ = _homepage(tmp_path)
    assert len(tests) <= 29
