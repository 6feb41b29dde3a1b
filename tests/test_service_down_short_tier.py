"""ServiceDown with a second tier holding 1m (`info: {for: 1m}` beside the 5m page), whole or split by a group.

The generated crash-loop case expected a flaky service (up three minutes in five) to stay quiet whenever the
longest tier held over 2m; the 1m tier reads its two minutes down in a 2m window as a loop and fires there, as
the rule says. The compile exited 1 ("promtool rejected the generated rules"), so such a spec could not be
compiled at all (round 40's drawn fleets). The flaky stretch is now fed only where every tier holds over 2m.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import compile_one
from tests.conftest import require_tool
from tests.test_group_down import API, PLATFORM  # one team, service api: an SLO split `by: [BY]`

SHORT_TIER = PLATFORM + "defaults:\n  alerts:\n    service_down: {critical: true, info: {threshold: true, for: 1m}}\n"


@pytest.mark.parametrize("by", ["route", "cluster"], ids=["whole", "per-cluster"])  # route: a metric label
def test_a_short_second_tier_compiles_through_its_own_crash_loop_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], by: str
) -> None:
    require_tool("promtool", "PROMTOOL")
    code, err, rules = compile_one(capsys, tmp_path, SHORT_TIER, "api", API.replace("BY", by))
    assert code == 0, err
    assert ('"down_group", "' in rules) == (by == "cluster")  # a group's mark (label_replace), not `down_group=""`
