"""Drawn settings (tests/drawn_settings.py): the seeds that found round 48's self-test failures compile with
validation (exit 0, or a located exit 2). Each exited 1 before: promtool rejected a crash-loop case obsc wrote.
Seed 1: a `for: 0s` info tier beside held ones (the churn case expected it quiet); seed 7: a 30s page (the churn
case's 1m window read the loop's last life as up); seed 151: a 15s ticket beside a 0s page (two instances in
turn never fire it at 1m evaluations); seed 40 (round 49): a 10m ticket beside a 1h one (the steady cases' `up`
at 30m steps read as a loop: test_service_down_sparse_grid.py); seed 198: a catalog without 5m (the dense-burst
cases assumed the peak operand: test_burst_peak_catalogs.py); seed 302: a pair holding 1h beside another SLO's
case fed until 30m (test_merged_lane_spans.py).
`python -m tests.drawn_settings 1-300` runs the sweep."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.drawn_settings import verdict, write


@pytest.mark.parametrize("seed", [1, 7, 40, 151, 198, 302])
def test_drawn_settings_pass_their_own_tests(tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int) -> None:
    require_tool("promtool", "PROMTOOL")
    require_tool("amtool", "AMTOOL")
    write(seed, tmp_path / "specs", widened=False)  # the fleet the seed drew when it failed
    done = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(tmp_path / "out"), "-q")
    assert verdict(done.code, done.err) == "", done.err[-3000:]
