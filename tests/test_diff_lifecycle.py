"""`obsc diff` over a fleet's life (round 44 lifecycle hunt: a fleet compiled into a deploy checkout, then the
edits SRE teams make over months, one at a time): what it names, and what it must not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler import changes
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

BASE = ROOT / "tests" / "golden" / "minimal" / "specs"
DASHBOARD = "grafana/dashboards/teams/x/y.json"


def _panel(panel_id: int, title: str, y: int, expr: str = "up") -> dict[str, Any]:
    return {"id": panel_id, "title": title, "gridPos": {"h": 8, "w": 12, "x": 0, "y": y}, "targets": [{"expr": expr}]}


def _details(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> tuple[str, ...]:
    old, new = ({"title": "t", "panels": panels} for panels in (before, after))
    (row,) = changes.summarise([(DASHBOARD, json.dumps(old), json.dumps(new))]).changes
    return row.details[1:]


def test_panels_that_only_moved_are_counted_not_named_as_changed() -> None:
    """Found deleting one of a service's two SLOs: its rows went, every panel below moved up, and the row said
    `panels changed:` for 10 panels, 8 of which showed the same queries at another place on the grid."""
    slo, rate, ratio = _panel(1, "SLO latency", 0), _panel(2, "Request rate", 8), _panel(3, "Error ratio", 16)
    moved = [{**p, "gridPos": {**p["gridPos"], "y": p["gridPos"]["y"] - 8}} for p in (rate, ratio)]
    assert _details([slo, rate, ratio], moved) == ("panels removed: SLO latency", "2 panel(s) only moved")
    # a panel that moved and shows something else is a change, named
    redrawn = [moved[0], {**moved[1], "targets": [{"expr": "errors"}]}]
    assert _details([slo, rate, ratio], redrawn) == (
        "panels removed: SLO latency",
        "panels changed: Error ratio",
        "1 panel(s) only moved",
    )


def test_a_diff_against_a_folder_obsc_never_compiled_into_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the round 44 lifecycle hunt: `obsc diff` with --out a checkout of another repository listed every
    alert of a 6-service fleet as added (160 changes, exit 0) with no word, where `check` names the folder."""
    other = tmp_path / "other-repo"
    (other / "src").mkdir(parents=True)
    (other / "README.md").write_text("not obsc's\n")
    result = run_obsc(capsys, "diff", str(BASE), "--out", str(other))
    assert result.code == 0, result.err
    assert result.out.startswith("**obsc**: ") and "not an obsc output folder" not in result.out
    assert f"obsc diff: {other} is not an obsc output folder (it holds other files and no .obsc-manifest)" in (
        result.err
    )
    assert "--adopt-out" in result.err
    assert sorted(p.name for p in other.iterdir()) == ["README.md", "src"]
