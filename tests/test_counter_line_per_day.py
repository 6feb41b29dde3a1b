"""A counter's line per day or week (`below: 1/d` on a batch job's runs counter) is refused with what obsc reads
and what fits a daily job. The message said "its per-second rate (5m) is compared; write e.g. 2.5, 10/m or
100/h": the window was wrong for lines under 1/m (they read up to a day), and `1/h`-style advice led a daily
job to a line its healthy reading sits on (a once-a-day counter's rate over a day is exactly 1/d)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec_errors import spec_errors

SPEC = """\
apiVersion: obsc/v1
service: payroll-export
team: t
selector: {{job: payroll-export}}
targets: false
metrics:
  runs_ok: {{selector: 'payroll_export_runs_total{{result="success"}}', title: Successful runs}}
threshold_alerts:
  - {{name: PayrollExportNotRun, metric: runs_ok, below: {line}, for: 1h, tier: warning}}
"""


def _errors(tmp_path: Path, line: str) -> list[str]:
    return spec_errors(tmp_path, {"payroll-export.yaml": SPEC.format(line=line)})


@pytest.mark.parametrize("line", ["1/d", "2/w", "1 per day", "0.5/day"])
def test_a_line_per_day_or_week_points_to_the_last_success(tmp_path: Path, line: str) -> None:
    found = _errors(tmp_path, line)
    assert len(found) == 1, found
    assert found[0].startswith("threshold_alerts.0.below: "), found
    assert "a rate per day or week is not read: the longest window is a day" in found[0], found
    assert "sli: {last_success: <gauge>, max_age: 26h}" in found[0], found


def test_the_window_said_is_the_one_read(tmp_path: Path) -> None:
    """Not "(5m)": a line under 1/m reads a longer window (thresholds.rate_window)."""
    found = _errors(tmp_path, "5%")
    assert len(found) == 1, found
    assert "(5m)" not in found[0] and "up to a day that holds 5 events at the line" in found[0], found
    assert "is not read" not in found[0], found


@pytest.mark.parametrize("line", ["0.5/h", "0.00001"])
def test_lines_obsc_reads_still_compile(tmp_path: Path, line: str) -> None:
    assert _errors(tmp_path, line) == []
