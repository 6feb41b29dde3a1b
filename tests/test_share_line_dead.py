"""A share's threshold line at the end of its range is a located error: `above: 1` (or `100%`) on a 0-1 share and
`below: 0` never fire, a dead alert every check passed (found by round 36's hostile hunt: it compiled)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.promtool_helpers import alert_fires
from tests.spec_errors import spec_errors

SPEC = """\
apiVersion: obsc/v1
service: disk-pool
team: t
selector: {{job: disk-pool}}
metrics:
  used: {{selector: pool_used_ratio, type: gauge, aggregation: max, unit: {unit}}}
threshold_alerts:
  - {{name: PoolFull, metric: used, {line}, for: 10m, tier: warning}}
"""


@pytest.mark.parametrize(
    ("unit", "line", "said"),
    [
        ("percentunit", "above: 1", "never above 1"),
        ("percentunit", "above: 100%", "never above 1"),
        ("percentunit", "below: 0", "never below 0"),
        ("percent", "above: 100", "never above 100"),
        ("percent", "below: 0%", "never below 0"),
    ],
)
def test_a_line_at_the_end_of_a_share_is_refused(tmp_path: Path, unit: str, line: str, said: str) -> None:
    errors = spec_errors(tmp_path, {"disk-pool.yaml": SPEC.format(unit=unit, line=line)})
    assert len(errors) == 1, errors
    key = line.split(":")[0]
    assert errors[0].startswith(f"threshold_alerts.0.{key}: "), errors
    assert said in errors[0] and "could never fire" in errors[0], errors
    assert "float64" not in errors[0], errors  # the line itself is at the end: no rounding to speak of


@pytest.mark.parametrize(
    ("unit", "line"),
    [
        ("percentunit", "above: 99%"),
        ("percentunit", "below: 0.01"),
        ("percent", "above: 99.5"),
        ("percentunit", "above: 0"),  # at the far end: any use at all fires, an empty pool does not
        ("percent", "below: 100"),
    ],
)
def test_a_line_inside_a_share_compiles(tmp_path: Path, unit: str, line: str) -> None:
    assert spec_errors(tmp_path, {"disk-pool.yaml": SPEC.format(unit=unit, line=line)}) == []


_TINY = "0." + "0" * 330 + "1"  # exact to obsc, 0 to a float64


@pytest.mark.parametrize(
    ("unit", "line", "said"),
    [
        ("percentunit", 'above: "99.99999999999999999%"', "never above 1"),
        ("percentunit", 'above: "0.99999999999999999999"', "never above 1"),
        ("percent", 'above: "99.999999999999999999"', "never above 100"),
        ("percentunit", f'below: "{_TINY}"', "never below 0"),
    ],
)
def test_a_line_prometheus_reads_as_the_end_is_refused(tmp_path: Path, unit: str, line: str, said: str) -> None:
    """Inside the range to an exact decimal, at its end as the float64 Prometheus parses the rule's number into:
    `> 0.9999999999999999999` is `> 1` (a dead alert; it compiled)."""
    errors = spec_errors(tmp_path, {"disk-pool.yaml": SPEC.format(unit=unit, line=line)})
    assert len(errors) == 1, errors
    assert said in errors[0] and "could never fire" in errors[0] and "float64" in errors[0], errors


def test_a_counter_line_prometheus_reads_as_0_is_refused(tmp_path: Path) -> None:
    spec = SPEC.replace("type: gauge, aggregation: max, unit: {unit}", "type: counter").format(line=f'below: "{_TINY}"')
    errors = spec_errors(tmp_path, {"disk-pool.yaml": spec})
    assert len(errors) == 1 and "never below 0" in errors[0], errors


@pytest.mark.parametrize(
    ("unit", "line"),
    [("percentunit", "above: 0.9999999"), ("percentunit", 'above: "99.99999%"'), ("percent", 'below: "0.000000001%"')],
)
def test_a_line_a_float64_tells_from_the_end_compiles(tmp_path: Path, unit: str, line: str) -> None:
    assert spec_errors(tmp_path, {"disk-pool.yaml": SPEC.format(unit=unit, line=line)}) == []


SLICED = """\
apiVersion: obsc/v1
service: disk-pool
team: t
selector: {{job: disk-pool}}
targets: false
metrics:
  used: {{selector: pool_free_ratio, type: gauge, aggregation: min, unit: {unit}}}
slos:
  - {{name: roomy, objective: 99, period: 7d, sli: {{good_when: "used {condition}"}}}}
"""


@pytest.mark.parametrize(
    ("unit", "condition", "said"),
    [
        ("percentunit", "> 100%", "no value of it passes"),  # every slice bad: a page for good
        ("percentunit", "< 0", "no value of it passes"),
        ("percentunit", "== 2", "no value of it passes"),
        ("percent", "> 100", "no value of it passes"),
        ("percentunit", "> 99.99999999999999999%", "no value of it passes"),  # `> 1` to Prometheus
        ("percentunit", "<= 1", "every value of it passes"),  # no slice ever bad: an SLO that never burns
        ("percentunit", ">= 0", "every value of it passes"),
        ("percent", "!= 101", "every value of it passes"),
    ],
)
def test_a_time_slice_condition_its_share_decides_alone_is_refused(
    tmp_path: Path, unit: str, condition: str, said: str
) -> None:
    """good_when on a share at or past the end of its range: round 36 refused such a threshold line, not the same
    line as a time slice's condition (every slice bad, a page for good; or none, an SLO that never burns)."""
    errors = spec_errors(tmp_path, {"disk-pool.yaml": SLICED.format(unit=unit, condition=condition)})
    assert len(errors) == 1 and errors[0].startswith("slos.0.sli.good_when: "), errors
    assert said in errors[0], errors


@pytest.mark.parametrize(
    ("unit", "condition"),
    [
        ("percentunit", ">= 0.2"),
        ("percentunit", "< 100%"),
        ("percent", "!= 0"),
        ("percent", "> 0"),
        ("percentunit", ">= 100%"),  # good only when all of it is free: its end, yet a value passes
        ("percent", "<= 0"),  # an error share: good only with no errors
        ("percent", "> 50"),  # a percent runs to 100, not to 1
        ("percentunit", "== 0"),  # good only with none used: the range's end, passed by one value
    ],
)
def test_a_time_slice_condition_inside_a_share_compiles(tmp_path: Path, unit: str, condition: str) -> None:
    assert spec_errors(tmp_path, {"disk-pool.yaml": SLICED.format(unit=unit, condition=condition)}) == []


@pytest.mark.parametrize(
    ("unit", "line", "said"),
    [
        ("percentunit", "above: -1", "never below 0"),
        ("percentunit", "below: 150%", "never above 1"),
        ("percent", "below: 101", "never above 100"),
        ("none", "above: -0.5", "named pool_used_ratio), never below 0"),  # a share by its name
    ],
)
def test_a_line_past_the_other_end_of_a_share_is_refused(tmp_path: Path, unit: str, line: str, said: str) -> None:
    """Round 40: every value of the share crosses such a line, so the alert fired on every healthy service, and it
    compiled without a word."""
    spec = SPEC.format(unit=unit, line=line).replace(", unit: none", "")
    errors = spec_errors(tmp_path, {"disk-pool.yaml": spec})
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"threshold_alerts.0.{line.split(':')[0]}: "), errors
    assert said in errors[0] and "would always fire" in errors[0], errors


def test_a_line_past_the_other_end_always_fires(tmp_path: Path) -> None:
    """The proof, with promtool: `above: -1` on a 0-1 share fires over a healthy 5% (compiled by hand, as obsc now
    refuses it)."""
    rules = "groups:\n- name: g\n  rules:\n  - alert: PoolFull\n    expr: max(pool_used_ratio) > -1\n    for: 10m\n"
    series = {'pool_used_ratio{job="disk-pool"}': "0.05x30"}
    assert alert_fires(tmp_path, rules, "PoolFull", series, eval_time="20m")
