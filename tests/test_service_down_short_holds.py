"""ServiceDown with tiers that hold nothing (`for: 0s`) or under a minute, beside held ones, whole or per group.

The generated crash-loop cases (down_loop_cases.py, 1m steps) predicted each tier from the case's arithmetic,
true for windows (twice the hold) of 3 minutes and more, and for tiers that have a churn branch:
- a tier without a hold has none: its plain condition (no instance now) fires at each gap between two lives and
  keeps firing its 5m, where the churn case expected it quiet (gap48, round 48; also on 23953e46);
- a 15s tier reads one sample: two instances up in turn never fire it at 1m evaluations, where the case expected
  it firing; a 30s tier's churn branch read the loop's last life as up at the case's end (round 48's drawn
  settings, seeds 151 and 7).
promtool rejected obsc's own cases and the compile exited 1. Each tier is now replayed on the fed samples
(loop_replay.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import compile_one
from tests.conftest import require_tool
from tests.test_group_down import API, PLATFORM  # one team, service api: an SLO split `by: [BY]`

ZERO_PAGE = "{critical: {threshold: true, for: 0s}, warning: {threshold: true, for: 2m}}"
SECONDS_TICKET = "{critical: {threshold: true, for: 0s}, warning: {threshold: true, for: 15s}, info: true}"
HALF_MINUTE = "{critical: {threshold: true, for: 30s}}"


@pytest.mark.parametrize(
    ("tiers", "by"),
    [(ZERO_PAGE, "route"), (ZERO_PAGE, "cluster"), (SECONDS_TICKET, "route"), (HALF_MINUTE, "cluster")],
    ids=["0s-page", "0s-page-per-cluster", "15s-ticket", "30s-page-per-cluster"],  # route: a metric label
)
def test_short_holds_compile_through_their_own_crash_loop_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tiers: str, by: str
) -> None:
    require_tool("promtool", "PROMTOOL")
    platform = PLATFORM + f"defaults:\n  alerts:\n    service_down: {tiers}\n"
    code, err, _ = compile_one(capsys, tmp_path, platform, "api", API.replace("BY", by))
    assert code == 0, err
    assert "new instance at each restart" in (tmp_path / "out/prometheus/tests/api.scrapes.test.yaml").read_text()
