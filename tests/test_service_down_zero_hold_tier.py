"""ServiceDown with a tier that holds nothing (`for: 0s`) beside a held one, whole or split by a group.

The generated churn case (a new instance at each restart, down_loop_cases._churning) expected nothing firing at
the end of its first stretch, where only the held tiers' churn branch is quiet: a tier without a hold has no
churn branch, and its plain condition (no instance now) fires at each gap between two lives, then keeps firing
its 5m. promtool rejected obsc's own case and the compile exited 1 (gap48, round 48; also on 23953e46). The case
now predicts each tier's plain condition from the lives it feeds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import compile_one
from tests.conftest import require_tool
from tests.test_group_down import API, PLATFORM  # one team, service api: an SLO split `by: [BY]`

TIERS = "{critical: {threshold: true, for: 0s}, warning: {threshold: true, for: 2m}}"
ZERO_HOLD = PLATFORM + f"defaults:\n  alerts:\n    service_down: {TIERS}\n"


@pytest.mark.parametrize("by", ["route", "cluster"], ids=["whole", "per-cluster"])  # route: a metric label
def test_a_page_without_a_hold_beside_a_held_ticket_compiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], by: str
) -> None:
    require_tool("promtool", "PROMTOOL")
    code, err, _ = compile_one(capsys, tmp_path, ZERO_HOLD, "api", API.replace("BY", by))
    assert code == 0, err
    assert "new instance at each restart" in (tmp_path / "out/prometheus/tests/api.scrapes.test.yaml").read_text()
