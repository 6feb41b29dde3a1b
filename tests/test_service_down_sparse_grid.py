"""ServiceDown with a 10-30m tier beside a 1h one, whole or split by a group (down_steady_cases.py).

The steady cases (one instance up while another reports 0; one group down while another reports) were written
at the main file's 30m step and checked at 1h: their `up`, a sample every 30m, left 25 minutes past the lookback
between two samples, which the churn branch reads as no target, and the short tier fired at 1h on a service up
all along. promtool rejected obsc's own test (exit 1: round 48's drawn settings, seeds 40, 104, 133, 183, 188).
The rule is right; the cases now run at 1m, where `up` is every scrape, whenever the 30m grid would read as a
loop by their last check.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from compiler.targets.prometheus.promtool.cases import MAIN_STEP
from compiler.targets.prometheus.promtool.down_steady_cases import gaps_read_as_loop
from compiler.targets.prometheus.service_down import loop_moments
from tests.cli_helpers import compile_one
from tests.conftest import require_tool
from tests.test_group_down import API, PLATFORM

SHORT_BESIDE_HOUR = {
    "info-10m": "{info: {threshold: true, for: 10m}, warning: {threshold: true, for: 1h}}",
    "warning-30m": "{warning: {threshold: true, for: 30m}, critical: {threshold: true, for: 1h}}",
}


def _names(path: Path) -> list[str]:
    return [str(t["name"]) for t in yaml.safe_load(path.read_text())["tests"]] if path.exists() else []


@pytest.mark.parametrize(("tiers", "by"), [("info-10m", "route"), ("warning-30m", "cluster")])
def test_steady_cases_beside_an_hour_tier_pass_their_own_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tiers: str, by: str
) -> None:
    require_tool("promtool", "PROMTOOL")
    platform = PLATFORM + f"defaults:\n  alerts:\n    service_down: {SHORT_BESIDE_HOUR[tiers]}\n"
    code, err, _ = compile_one(capsys, tmp_path, platform, "api", API.replace("BY", by), "-q")
    assert code == 0, err[-3000:]
    tests = tmp_path / "out" / "prometheus" / "tests"
    steady = "ServiceDown: one instance up is enough"
    assert any(steady in name for name in _names(tests / "api.scrapes.test.yaml"))
    assert not any(steady in name for name in _names(tests / "api.test.yaml"))


class _Rule:
    """What gaps_read_as_loop reads of a rule: its hold and whether its text has the churn branch."""

    def __init__(self, hold: int) -> None:
        self.for_seconds = hold
        self.expr = loop_moments("up", (), hold) if hold else "up == 0"


@pytest.mark.parametrize(
    ("holds", "lies"),
    [
        ((600, 3600), True),  # the 10m tier fires at 1h from the gaps
        ((1800, 3600), True),
        ((3600,), False),  # alone, the 1h tier holds from 1h: pending at its last check
        ((600, 1800), False),  # checked at 0 and 30m only: pending there
        ((0, 3600), False),  # a tier without a hold has no churn branch
    ],
)
def test_the_main_grid_is_left_only_where_its_gaps_would_fire(holds: tuple[int, ...], lies: bool) -> None:
    unrelayed = SimpleNamespace(relay=None, relayed=False)
    assert gaps_read_as_loop(unrelayed, [_Rule(h) for h in holds], MAIN_STEP) is lies  # type: ignore[arg-type]
