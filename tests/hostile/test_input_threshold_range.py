"""A threshold alert's line written as a string of digits is read exactly, so it could pass the largest number
Prometheus parses (a float64, 1.8e308): `above: "1000…0"` (400 digits) compiled, then promtool refused the rules
("strconv.ParseFloat: value out of range", exit 1, not a located error). YAML's `1.0e+309` was refused already
(`inf is not a usable number`)."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from tests.hostile.test_input_names import PLATFORM, SERVICE

_HUGE = "9" * 400


def _compile(alert: dict[str, Any]) -> list[str]:
    service = copy.deepcopy(SERVICE)
    service["metrics"] |= {"lag": {"selector": "lag", "type": "gauge", "aggregation": "max"}, "jobs": "jobs_total"}
    service["threshold_alerts"] = [{"name": "Crossed", **alert}]
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "svc.yaml").write_text(yaml.safe_dump(service))
        Path(tmp, "platform.yaml").write_text(yaml.safe_dump(PLATFORM))
        try:
            compile_specs([tmp], CompileOptions(jobs=1))
        except InputError as exc:
            return [str(d) for d in exc.diagnostics]
    return []


@pytest.mark.parametrize(
    ("alert", "where"),
    [
        ({"metric": "lag", "above": _HUGE}, "above"),
        ({"metric": "lag", "below": f"-{_HUGE}"}, "below"),
        ({"metric": "jobs", "above": _HUGE}, "above"),  # a counter's rate per second
        ({"metric": "jobs", "above": f"{_HUGE}/h"}, "above"),
    ],
)
def test_a_line_past_the_largest_float_is_a_located_error(alert: dict[str, Any], where: str) -> None:
    problems = _compile(alert)
    assert len(problems) == 1, problems
    assert f" $.threshold_alerts[0].{where}: " in problems[0]
    assert "is past the largest number Prometheus reads (1.798e+308)" in problems[0]


def test_a_line_within_the_range_compiles() -> None:
    assert _compile({"metric": "lag", "above": "1" + "0" * 300}) == []
