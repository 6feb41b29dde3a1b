"""A bare line off the scale a gauge expression's arithmetic says (round 42, a fleet nobody here wrote).

A MySQL spec's `threads_connected / max_connections * 100` with `above: 0.9` (meant: 90%) fired on a healthy
database at 10 of 150 connections from its 10th minute for good (promtool, 2 hours), and `used / limit` with
`above: 90` can never fire. Both compiled without a word (round 41's known limit 4): a number is itself where no
unit is declared. Now a located warning at the line; ratios of rates (error ratios, where 0.5 for 0.5% is usual),
drain times and declared units are left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: db
team: data
selector: {job: db}
metrics:
  m: {METRIC}
threshold_alerts:
  - {name: Line, metric: m, LINE, for: 10m}
"""
CONNECTIONS = "max(threads_connected{$selector} / max_connections{$selector}"
MEMORY = "sum(used_bytes{$selector}) / sum(limit_bytes{$selector})"
DISK = "min(avail_bytes{$selector} / size_bytes{$selector}"
MEBIBYTES = "sum(used_bytes{$selector}) / (sum(limit_mebibytes{$selector}) * 1048576)"  # a 1048576 is no 100


def _warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, line: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "db.yaml").write_text(SPEC.replace("METRIC", metric).replace("LINE", line))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("metric", "line", "says"),
    [
        (f"expr: '{CONNECTIONS} * 100)', type: gauge", "above: 0.9", "is a share of gauges times 100 (0 to 100)"),
        (f"expr: '100 * {CONNECTIONS})', type: gauge", "above: 0.9", "write 90 for the share 0.9"),
        (f"expr: '({MEMORY}) * 100', type: gauge", "above: 0.8", "declare unit: percent and write 80%"),
        (f"expr: '{MEMORY}', type: gauge", "above: 90", 'divides by a capacity (sum(limit_bytes{job="db"}))'),
        (f"expr: '{DISK})', type: gauge", "below: 10", "is 1000%: this below: alert fires on every value"),
        # round 43's review: the bound's top (100 on a share is 10000%) and a capacity converted inside the divisor
        (f"expr: '{MEMORY}', type: gauge", "above: 100", "where the bare line 100 is 10000%"),
        (f"expr: '{MEBIBYTES}', type: gauge", "above: 90", "where the bare line 90 is 9000%"),
    ],
    ids=["mysql-times-100", "hundred-times", "memory-times-100", "memory-over-limit", "disk-below", "at-100", "mib"],
)
def test_a_bare_line_off_the_expression_scale_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, line: str, says: str
) -> None:
    err = _warnings(tmp_path, capsys, metric, line)
    assert "db.yaml:8:" in err and "$.threshold_alerts[0]." in err and says in err, err


@pytest.mark.parametrize(
    ("metric", "line"),
    [
        (f"expr: '{CONNECTIONS} * 100)', type: gauge", "above: 90"),
        (f"expr: '{MEMORY}', type: gauge", "above: 0.9"),
        (f"expr: '100 - ({DISK}) * 100)', type: gauge", "above: 90"),
        (f"expr: '{MEMORY}', type: gauge, unit: percentunit", "above: 90%"),
        (f"expr: '({MEMORY}) * 100', type: gauge, unit: percent", "above: 0.9%"),
        (
            "expr: 'sum(rate(e_total{$selector}[$window])) / sum(rate(r_total{$selector}[$window])) * 100', "
            "type: gauge",
            "above: 0.5",
        ),
        ("expr: 'sum(queue_depth{$selector}) / sum(rate(done_total{$selector}[$window]))', type: gauge", "above: 600"),
        ("expr: 'sum(queue_depth{$selector}) / count(up{$selector})', type: gauge", "above: 50"),
        # round 43's review: a share's own top (1 is 100%), the bounds of "under 1", and below: (not judged)
        (f"expr: '{MEMORY}', type: gauge", "above: 1"),
        (f"expr: '{CONNECTIONS} * 100)', type: gauge", "above: 1"),
        (f"expr: '{CONNECTIONS} * 100)', type: gauge", "above: 0"),
        (f"expr: '{CONNECTIONS} * 100)', type: gauge", "below: 0.5"),
    ],
    ids=[
        "percent-line",
        "share-line",
        "hundred-minus",
        "declared-share",
        "declared-percent",
        "error-ratio",
        "drain-time",
        "per-pod",
        "share-at-1",
        "percent-at-1",
        "percent-at-0",
        "percent-below",
    ],
)
def test_a_line_on_the_scale_or_an_undecided_expression_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, line: str
) -> None:
    err = _warnings(tmp_path, capsys, metric, line)
    assert "share of gauges" not in err and "divides by a capacity" not in err, err
