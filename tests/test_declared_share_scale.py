"""A declared share unit that contradicts the scale the metric reads (round 41, a fleet nobody here wrote).

`expr: 'used / size'` declared `unit: percent` compared a 0-1 ratio with 90: a disk at 95% never fired (promtool,
60 minutes); `expr: '100 * used / size'` declared `unit: percentunit` compared 0-100 with 0.9 and fired at 1% used
from its 10th minute. Both compiled without a word: the checks read lines in the declared unit and trusted it. Now
a located warning at the `unit:` says which scale the series or expression reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: disk
team: data
selector: {job: disk}
metrics:
  m: {METRIC}
threshold_alerts:
  - {name: DiskFull, metric: m, above: 90%, for: 10m}
"""
RATIO = "max(a_used_bytes{$selector}) / max(a_size_bytes{$selector})"


def _warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "disk.yaml").write_text(SPEC.replace("METRIC", metric))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("metric", "reads"),
    [
        (f"expr: '{RATIO}', type: gauge, unit: percent", "its expression reads a 0-1 share (its division)"),
        (f"expr: '1 - ({RATIO})', type: gauge, unit: percent", "its expression reads a 0-1 share (its division)"),
        (f"expr: '100 * {RATIO}', type: gauge, unit: percentunit", "its expression reads a 0-100 share (its * 100)"),
        (f"expr: '({RATIO}) * 100', type: gauge, unit: percentunit", "its expression reads a 0-100 share (its * 100)"),
        ("selector: cache_hit_ratio, type: gauge, unit: percent", "its series cache_hit_ratio reads a 0-1 share"),
        ("selector: cpu_busy_percent, type: gauge, unit: percentunit", "series cpu_busy_percent reads a 0-100 share"),
        (  # through an aggregation (read as no scale, it survived)
            "expr: 'max(a_used_bytes{$selector} / a_size_bytes{$selector})', type: gauge, unit: percent",
            "its expression reads a 0-1 share (its division)",
        ),
    ],
)
def test_a_unit_against_the_scale_read_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, reads: str
) -> None:
    err = _warnings(tmp_path, capsys, metric)
    assert "disk.yaml:6:" in err and "$.metrics.m.unit: warning: metric 'm' declares unit:" in err, err
    assert reads in err, err


@pytest.mark.parametrize(
    "metric",
    [
        f"expr: '{RATIO}', type: gauge, unit: percentunit",
        f"expr: '100 * {RATIO}', type: gauge, unit: percent",
        "expr: 'avg(cpu_busy_percent{$selector}) / count(up{$selector})', type: gauge, unit: percent",
        "selector: cache_hit_ratio, type: gauge, unit: percentunit",
    ],
)
def test_a_unit_that_fits_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str) -> None:
    assert "declares unit" not in _warnings(tmp_path, capsys, metric)


def test_a_platform_default_metric_is_warned_of_at_the_alert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The metric's `unit:` is in the platform file, which the spec's author may not edit: the warning stands at the
    alert's line in the spec (dropping that branch, no warning at all, survived as a hand mutant)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    metric = "defaults:\n  metrics:\n    m: {selector: cache_hit_ratio, type: gauge, unit: percent}\n"
    (specs / "platform.yaml").write_text(PLATFORM + metric)
    (specs / "disk.yaml").write_text(SPEC.replace("metrics:\n  m: {METRIC}\n", ""))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert "disk.yaml:6:40 " in result.err and "$.threshold_alerts[0].above: warning: metric 'm' declares" in result.err
