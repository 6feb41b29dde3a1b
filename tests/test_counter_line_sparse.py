"""A counter line under a few events a day, written per second, is a located warning with the last-success SLO.

`below: 1/d` is refused (tests/test_counter_line_per_day.py), but the same line per second (`below: 0.0000116`,
a daily counter's exact reading) compiled with no word: read over a day, a counter that moves once a day is
exactly 1/86400 = 0.00001157, under the line, and the alert fired on a healthy job (promtool, round 36).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  payroll:
    routing:
      critical: {webhook: {url: "https://pager.example.com/payroll"}}
      warning: {webhook: {url: "https://tickets.example.com/payroll"}}
"""
SPEC = """\
apiVersion: obsc/v1
service: payroll-export
team: payroll
selector: {{job: payroll-export}}
targets: false
metrics:
  runs_ok: {{selector: 'payroll_export_runs_total{{result="success"}}', title: Successful runs}}
threshold_alerts:
  - {{name: PayrollExportNotRun, metric: runs_ok, {line}, for: 1h, tier: warning}}
"""


def _validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str) -> tuple[int, str]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "payroll-export.yaml").write_text(SPEC.format(line=line))
    result = run_obsc(capsys, "validate", str(specs))
    return result.code, result.err


@pytest.mark.parametrize(
    ("line", "events"),
    [
        ("below: 0.0000116", "1.00"),
        ("below: 0.00001", "0.864"),
        ("above: 0.00004", "3.46"),
        ("below: 1.0e-9", "0.0000864"),
    ],
)
def test_a_line_under_five_events_a_day_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, events: str
) -> None:
    code, err = _validate(tmp_path, capsys, line)
    assert code == 0, err
    key = line.split(":")[0]
    assert f"payroll-export.yaml:9:{52 + len(key)} $.threshold_alerts[0].{key}: warning: a line of " in err, err
    assert f"per second is {events} events a day" in err, err
    assert "sli: {last_success: <gauge>, max_age: 26h}" in err, err


@pytest.mark.parametrize("line", ["below: 1/h", "below: 0.0000579", "above: 0", "below: 5/m"])
def test_lines_with_events_enough_in_a_day_say_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    code, err = _validate(tmp_path, capsys, line)
    assert code == 0, err
    assert "events a day" not in err, err


def test_a_gauges_small_line_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A gauge's value is compared, not a rate: a line of 0.00001 (a lag in seconds, a share) holds no events."""
    line = "below: 0.00001"
    gauge = SPEC.replace("title: Successful runs}}", "title: Successful runs, type: gauge, aggregation: max}}")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "payroll-export.yaml").write_text(gauge.format(line=line))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0 and "events a day" not in result.err, result.err


def test_each_alert_is_warned_at_its_own_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    second = "  - {name: PayrollExportRare, metric: runs_ok, above: 0.00004, for: 1h, tier: warning}\n"
    assert _validate(tmp_path, capsys, "below: 1/h")[0] == 0  # the first line says nothing
    specs = tmp_path / "specs"
    (specs / "payroll-export.yaml").write_text((specs / "payroll-export.yaml").read_text() + second)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0 and "payroll-export.yaml:10:" in result.err, result.err
    assert "$.threshold_alerts[1].above: warning: a line of 0.00004 per second" in result.err, result.err
