"""A line written without a unit on a share read off its scale is a located error, on the unit a gauge declares
or, with none declared, the one its series name says (round 39).

Replayed with promtool on round 38's rules (1m steps, 4h): `pool_used_percent` steady at 40 with a critical
`above: 0.8` (meant 80%) paged from 5m to the end, 236 evaluations; `cpu: {selector: container_cpu_usage_percent}`
steady at 35 under the inherited 80% line (read as 0.8) ticketed ServiceCPUSaturation from 15m to the end, 226.
A `*_ratio` gauge with no unit under `below: 70` (meant 70%) fired for ever.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM

SPEC = """\
apiVersion: obsc/v1
service: pool
team: data
selector: {job: pool}
metrics:
  pool: METRIC
threshold_alerts:
  - {name: PoolLine, metric: pool, LINE}
"""


def _validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str) -> tuple[int, str]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "pool.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(specs))
    return result.code, result.err


@pytest.mark.parametrize(
    ("metric", "line", "message"),
    [
        (
            "{selector: pool_used_percent, type: gauge, aggregation: max}",
            "above: 0.8",
            "pool.yaml:8:43 $.threshold_alerts[0].above: 0.8: metric 'pool' is a 0-100 share (named pool_used_percent)"
            ", where 0.8 is 0.8%: declare unit: percent and write it with its sign, 80% if you meant the share 0.8, "
            "or 0.8% if you meant that",
        ),
        (
            "{selector: pool_used, type: gauge, aggregation: max, unit: percent}",
            "below: 0.25",
            "is a 0-100 share (unit: percent), where 0.25 is 0.25%: write it with its sign, 25% if you meant",
        ),
        (
            "{selector: disk_used_pct, type: gauge, aggregation: max}",
            "above: 0.9",
            "(named disk_used_pct), where 0.9 is 0.9%",
        ),
        (
            "{selector: cache_hit_ratio, type: gauge}",
            "below: 70",
            "is a 0-1 share (named cache_hit_ratio), where 70 is 7000%: declare unit: percentunit and write it with "
            "its sign, 70% (the share 0.7); a ratio that exceeds 1 declares its unit (e.g. unit: none)",
        ),
    ],
    ids=["percent-name", "percent-unit", "pct-name", "ratio-name"],
)
def test_a_bare_line_off_the_shares_scale_is_refused_at_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, line: str, message: str
) -> None:
    code, err = _validate(tmp_path, capsys, SPEC.replace("METRIC", metric).replace("LINE", line))
    assert code == 2, err
    assert message in err


@pytest.mark.parametrize(
    ("metric", "line"),
    [
        ("{selector: pool_used_percent, type: gauge, aggregation: max}", "above: 80"),
        ("{selector: pool_used_percent, type: gauge, aggregation: max, unit: percent}", "above: 0.8%"),
        ("{selector: pool_used_percent, type: gauge, aggregation: max}", "below: 1"),
        ("{selector: pool_used_percent, type: gauge, aggregation: max}", "above: 0"),
        ("{selector: cache_hit_ratio, type: gauge}", "below: 0.7"),
        ("{selector: cache_hit_ratio, type: gauge, unit: percentunit}", "below: 70%"),
        ("{selector: overcommit_ratio, type: gauge, unit: none}", "above: 1.5"),  # a ratio that exceeds 1
        ("{selector: queue_depth, type: gauge, aggregation: sum}", "above: 0.5"),  # no scale said
    ],
)
def test_lines_on_the_shares_scale_and_undeclared_gauges_stay_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, line: str
) -> None:
    code, err = _validate(tmp_path, capsys, SPEC.replace("METRIC", metric).replace("LINE", line))
    assert code == 0, err


SATURATION = """\
apiVersion: obsc/v1
service: pool
team: data
selector: {job: pool}
metrics:
  cpu: METRIC
"""


@pytest.mark.parametrize("metric", ["{selector: container_cpu_usage_percent, type: gauge}", "host_cpu_pct"])
def test_a_saturation_percent_series_without_unit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str
) -> None:
    code, err = _validate(tmp_path, capsys, SATURATION.replace("METRIC", metric))
    assert code == 2, err
    assert "is named as a 0-100 percentage, and with no unit cpu is read as a 0-1 share: a line of 80% is " in err
    assert "declare unit: percent (or percentunit if it counts 0-1)" in err


def test_a_saturation_percent_series_that_declares_its_unit_compiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = SATURATION.replace("METRIC", "{selector: container_cpu_usage_percent, type: gauge, unit: percent}")
    code, err = _validate(tmp_path, capsys, spec)
    assert code == 0, err
