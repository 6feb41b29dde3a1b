"""The busy-slot count of SLOTrafficStopped and the silent-group watch means one quiet slot at every evaluation time.

A `[2h:15m]` subquery's steps are multiples of 15m since 1970, both ends kept: 9 slots when the rule group
evaluates on a quarter-hour, 8 anywhere else. Before round 39 the rules asked a fixed `>= 8`, so off the
quarter-hour one quiet slot read as idle (a crash paged ~2 hours late: tests/test_traffic_stopped.py and
tests/test_group_silent.py replay it at 5m steps). The long file evaluates on quarter-hours only and cannot tell;
the offgrid file (12h05m steps) can: the old count fails it, and passes the long file.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

_SHARE = re.compile(r" / scalar\(count_over_time\(vector\(1\)\[2h:15m\] offset \w+\)\) >= 0\.8")


def _promtool(out: Path, test: str) -> subprocess.CompletedProcess[str]:
    promtool = require_tool("promtool", "PROMTOOL")
    return subprocess.run([promtool, "test", "rules", test], cwd=out / "prometheus", capture_output=True, text=True)


@pytest.mark.parametrize(
    ("golden", "service", "alert"),
    [("batch-and-exporters", "nightly-export", "SLOTrafficStopped"), ("grouped", "blob-store", "SLODataMissing")],
)
def test_the_fixed_count_of_eight_fails_the_offgrid_case_and_passes_the_long_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], golden: str, service: str, alert: str
) -> None:
    out = tmp_path / "out"
    specs = f"tests/golden/{golden}/specs"
    assert run_obsc(capsys, "compile", specs, "--out", str(out), "--no-validate").code == 0
    offgrid, long = f"tests/{service}.offgrid.test.yaml", f"tests/{service}.long.test.yaml"
    assert _promtool(out, offgrid).returncode == 0
    rules = out / f"prometheus/rules/{service}.yaml"
    text, n = _SHARE.subn(" >= 8", rules.read_text())
    assert n >= 2, "no busy-slot share in the rules"
    rules.write_text(text)
    failed = _promtool(out, offgrid)
    report = failed.stdout + failed.stderr
    assert failed.returncode != 0 and "8d13h25m" in report and alert in report, report[-2000:]
    assert _promtool(out, long).returncode == 0  # on quarter-hours 8 of 9 and a share of 0.8 agree
