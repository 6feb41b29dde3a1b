"""tests/bench/promtool_step_cost.py: its rule files read exactly the selectors it says, its timelines are as long
as it says, promtool accepts what it builds, and a rule's cost a step is the step difference over steps and rules."""

from __future__ import annotations

import pytest
import yaml

from tests.bench.promtool_step_cost import SHAPES, STEPS, group_file, measure, per_rule_step_ms, rule_file
from tests.conftest import require_tool


@pytest.mark.parametrize(("kind", "selectors", "operators"), SHAPES)
def test_every_rule_holds_the_selectors_and_operators_of_its_shape(kind: str, selectors: int, operators: int) -> None:
    (group,) = yaml.safe_load(rule_file(kind, selectors, 5, operators))["groups"]
    assert len(group["rules"]) == 5
    assert [r["expr"].count("{") for r in group["rules"]] == [selectors] * 5
    assert [r["expr"].count(" * 1") for r in group["rules"]] == [operators] * 5
    assert all(kind in r for r in group["rules"])


def test_the_timeline_has_the_steps_asked_and_fed_series_cover_it() -> None:
    fed = yaml.safe_load(group_file("r.yaml", 11, fed=True))
    (group,) = fed["tests"]
    assert fed["evaluation_interval"] == "30m"
    assert [c["eval_time"] for c in group["alert_rule_test"]] == ["300m"]  # step 11 of 30m steps from 0
    assert len(group["input_series"]) == 24 and all(s["values"].endswith("x330") for s in group["input_series"])
    (empty,) = yaml.safe_load(group_file("r.yaml", 1, fed=False))["tests"]
    assert empty["input_series"] == [] and "alert_rule_test" not in empty


def test_one_rule_a_step_is_the_difference_over_steps_and_rules() -> None:
    assert per_rule_step_ms(0.5, 2.5, 200) == pytest.approx((2.5 - 0.5) / (STEPS[1] - STEPS[0]) / 200 * 1000)


def test_promtool_passes_every_file_it_builds() -> None:
    rows = measure(require_tool("promtool"), count=2, runs=1, copies=1)  # raises when promtool fails one
    shapes = [(r["kind"], r["selectors"], r["operators"], r["fed"]) for r in rows]
    assert shapes == [(*shape, fed) for shape in SHAPES for fed in (False, True)]
