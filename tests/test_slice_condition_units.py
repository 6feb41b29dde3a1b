"""A time-slice condition written with a unit (`good_when: rtt < 0.25s`) compares the gauge in its own unit, as a
threshold alert's line does; a unit that does not fit the gauge is a located error (round 35's dashboards hunt:
`rtt < 0.25s` on a `unit: ms` gauge was refused as "not a number")."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: edge
team: t
selector: {{job: edge}}
targets: false
metrics:
  gauge: {{selector: {series}, type: gauge, aggregation: max{unit}}}
slos:
  - {{name: sliced, objective: 99, period: 7d, sli: {{good_when: "{condition}"}}}}
"""


def _write(root: Path, series: str, unit: str, condition: str) -> Path:
    specs = root / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    shown = f", unit: {unit}" if unit else ""
    (specs / "edge.yaml").write_text(SPEC.format(series=series, unit=shown, condition=condition))
    return specs


@pytest.mark.parametrize(
    ("series", "unit", "condition", "value"),
    [
        ("probe_rtt", "ms", "gauge < 0.25s", "250"),
        ("probe_rtt", "ms", "gauge <= 1.5s", "1500"),
        ("probe_rtt", "ms", "gauge < 250ms", "250"),
        ("probe_rtt_seconds", "s", "gauge < 250ms", "0.25"),
        ("probe_rtt_seconds", "", "gauge < 250ms", "0.25"),  # no unit, named in seconds: as a threshold reads it
        ("lag_seconds", "s", "gauge < 5m", "300"),
        ("ready_share", "percentunit", "gauge >= 95%", "0.95"),
        ("ready_percent", "percent", "gauge >= 99.5%", "99.5"),
        ("free_bytes", "bytes", "gauge > 2GiB", "2147483648"),
        ("probe_ok", "", "gauge == 1", "1"),  # a plain number stays as written
    ],
)
def test_a_condition_with_a_unit_compares_the_gauge_in_its_own_unit(
    tmp_path: Path, series: str, unit: str, condition: str, value: str
) -> None:
    specs = _write(tmp_path, series, unit, condition)
    fleet = load_fleet([str(specs)], CompileOptions(), {})[0]
    sli = fleet.services[0].slos[0].sli
    assert sli.value == Decimal(value)


@pytest.mark.parametrize(
    ("series", "unit", "condition", "said"),
    [
        ("probe_rtt", "ms", "gauge < 80%", "a percentage needs metric 'gauge' to declare unit: percentunit"),
        ("temp_celsius", "celsius", "gauge < 5s", "a duration needs metric 'gauge' to declare unit: s (or ms)"),
        ("probe_rtt", "ms", "gauge < 2GiB", "a size needs metric 'gauge' to declare unit: bytes; it has ms"),
        ("probe_rtt", "ms", "gauge < fast", "not a threshold: write a number, or one with the metric's unit"),
        ("probe_rtt", "ms", "gauge < 0,25s", "write 0.25s (a decimal point)"),
    ],
)
def test_a_unit_that_does_not_fit_the_gauge_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str, unit: str, condition: str, said: str
) -> None:
    specs = _write(tmp_path, series, unit, condition)
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-q")
    assert result.code == 2, result.err
    assert f"{specs / 'edge.yaml'}:9:" in result.err and "$.slos[0].sli.good_when" in result.err, result.err
    assert f"good_when gauge < {condition.split('< ')[1]}" in result.err and said in result.err, result.err
    assert "Traceback" not in result.err and not out.exists()


def test_the_converted_line_is_what_the_rules_and_their_tests_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    specs = _write(tmp_path, "probe_rtt", "ms", "gauge < 0.25s")
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-q")
    assert result.code == 0, result.err
    rules = (out / names.PROMETHEUS_RULES_DIR / "edge.yaml").read_text()
    assert 'max(probe_rtt{job=\\"edge\\"} >= -Inf) < bool 250)' in rules
    checked = subprocess.run(
        [promtool, "test", "rules", *map(str, sorted((out / names.PROMETHEUS_TESTS_DIR).glob("*.yaml")))],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout[-3000:]
