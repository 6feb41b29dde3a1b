"""A duration written with thousands of digits is a located error, not an internal one (round 43's review of round 42).

Round 42's hints for durations as other tools write them (`500us`, `250µs`, `PT0.25S`) and round 39's for units out
of order (`5m10h`) do arithmetic on the digits and print the result: `1` and 4,400 zeros before `us` was 10^4,397 ms,
which Python refuses to print (more than 4,300 digits), and `obsc compile` stopped with exit 70 wherever a duration
goes (an SLO's threshold or period, an alert's `for:`). The hints now read no duration text longer than a real one.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.hostile.test_input_names import SERVICE
from tests.hostile.test_input_threshold_range import _service_problems

_DIGITS = "1" + "0" * 4400


@pytest.mark.parametrize(
    "written",
    [f"{_DIGITS}us", f"{_DIGITS}µs", f"{_DIGITS}000ns", f"PT{_DIGITS}S", f"5m{_DIGITS}h", f"1h{_DIGITS}"],
    ids=["us", "micro-sign", "ns", "iso", "unit-order", "last-unit"],
)
@pytest.mark.parametrize("where", ["threshold", "period"])
def test_a_duration_of_thousands_of_digits_is_a_located_error(written: str, where: str) -> None:
    service = copy.deepcopy(SERVICE)
    slo: dict[str, Any] = service["slos"][1]
    slo["sli" if where == "threshold" else "period"] = (
        {**slo["sli"], "threshold": written} if where == "threshold" else written
    )
    problems = _service_problems(service)  # (also said: the text is past 4,096 characters)
    at = f" $.slos[1].{'sli.threshold' if where == 'threshold' else 'period'}: "
    assert problems and all(at in problem for problem in problems), problems
    assert any("is not a duration" in problem for problem in problems), problems


def test_a_short_slip_keeps_its_hint() -> None:
    service = copy.deepcopy(SERVICE)
    service["slos"][1]["sli"]["threshold"] = "2000us"
    problems = _service_problems(service)
    assert len(problems) == 1 and "write it as 2ms" in problems[0], problems
