"""A threshold alert's line written as a string of digits is read exactly, so it could pass the largest number
Prometheus parses (a float64, 1.8e308): `above: "1000…0"` (400 digits) compiled, then promtool refused the rules
("strconv.ParseFloat: value out of range", exit 1, not a located error). YAML's `1.0e+309` was refused already
(`inf is not a usable number`)."""

from __future__ import annotations

import copy
import sys
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
    return _service_problems(service)


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
    largest = str(int(sys.float_info.max))  # exactly the largest float64, as Go's ParseFloat still reads it
    assert _compile({"metric": "lag", "above": largest}) == []
    assert _compile({"metric": "lag", "below": f"-{largest}"}) == []


def _service_problems(service: dict[str, Any]) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "svc.yaml").write_text(yaml.safe_dump(service, width=1 << 16))
        Path(tmp, "platform.yaml").write_text(yaml.safe_dump(PLATFORM))
        try:
            compile_specs([tmp], CompileOptions(jobs=1))
        except InputError as exc:
            return [str(d) for d in exc.diagnostics]
    return []


def test_a_built_in_alerts_line_past_the_largest_float_is_a_located_error() -> None:
    """`alerts: {cpu: {critical: "99…9%"}}` (a saturation share may pass 100%) compiled to `> 1e398`, which
    promtool refused ("value out of range"), as round 35 found for threshold alerts."""
    service = copy.deepcopy(SERVICE) | {"alerts": {"cpu": {"critical": f"{_HUGE}%"}}}
    problems = _service_problems(service)
    assert len(problems) == 1 and " $.alerts.cpu.critical: " in problems[0], problems
    assert "past the largest number Prometheus reads (1.798e+308)" in problems[0]


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (_HUGE, _HUGE[:20]),
        ("1e400", "1e400"),
        ("0x" + "f" * 300, "0xffffffffffffffffff"),
        # past Decimal's exponents (round 43's review): abs() overflowed, and 1e3089…9 was no Decimal at all (exit 70)
        ("1e99999999", "1e99999999"),
        ("1e" + "9" * 30, "1e999999999999999999..."),
    ],
)
def test_a_number_past_the_largest_float_in_an_expression_or_good_when_is_a_located_error(
    number: str, shown: str
) -> None:
    """The Rust parser reads `1e400` as +Inf where promtool refuses it: the rules compiled, then failed."""
    service = copy.deepcopy(SERVICE)
    service["metrics"]["backlog"]["expr"] = f"sum(queue_ready{{$selector}}) > {number}"
    problems = _service_problems(service)
    assert len(problems) == 1 and " $.metrics.backlog.expr: " in problems[0], problems
    assert shown in problems[0] and "past the largest number Prometheus reads" in problems[0], problems
    if number.startswith(("0x", "1e999")):
        return  # good_when takes decimal numbers only, and reads no exponent past Decimal's as one (said so)
    service = copy.deepcopy(SERVICE)
    service["metrics"]["lag"] = {"selector": "lag", "type": "gauge", "aggregation": "max"}
    service["slos"].append({"name": "fresh", "objective": 99, "sli": {"good_when": f"lag < {number}"}})
    problems = _service_problems(service)
    at = len(service["slos"]) - 1
    assert len(problems) == 1 and f" $.slos[{at}].sli.good_when: " in problems[0], problems
    assert shown in problems[0] and "past the largest number Prometheus reads" in problems[0], problems


@pytest.mark.parametrize("at", ["0x" + "f" * 300, "0x" + "f" * 16, "1e400", "1e" + "9" * 30])
def test_a_timestamp_past_its_range_is_a_located_error_in_hex_too(at: str) -> None:
    """`@ 0xfff…` (300 digits) was an internal error (exit 70): the hex number was made a float to compare."""
    service = copy.deepcopy(SERVICE)
    service["metrics"]["backlog"]["expr"] = f"sum(queue_ready{{$selector}} @ {at})"
    problems = _service_problems(service)
    assert len(problems) == 1 and " $.metrics.backlog" in problems[0] and "a timestamp past" in problems[0], problems


def test_numbers_in_range_names_and_durations_in_an_expression_compile() -> None:
    service = copy.deepcopy(SERVICE)
    service["metrics"]["lag"] = {"selector": "lag", "type": "gauge", "aggregation": "max"}
    service["slos"].append({"name": "fresh", "objective": 99, "sli": {"good_when": "lag < 1.7e308"}})
    expr = 'sum(queue_ready1e400{$selector, le="1e400"} offset 5m) * 1.7e308 > -0x1f + 1.' + "0" * 300
    service["metrics"]["backlog"]["expr"] = expr
    assert _service_problems(service) == []


@pytest.mark.parametrize("line", [f"lag > -{_HUGE}", f"lag < {int(sys.float_info.max)}"])
def test_good_when_reads_a_number_by_its_size(line: str) -> None:
    """Past the largest float64 whichever its sign; the largest itself is still read (Go's ParseFloat takes it)."""
    service = copy.deepcopy(SERVICE)
    service["metrics"]["lag"] = {"selector": "lag", "type": "gauge", "aggregation": "max"}
    service["slos"].append({"name": "fresh", "objective": 99, "sli": {"good_when": line}})
    problems = _service_problems(service)
    past = int(line.startswith("lag >"))
    assert len(problems) == past and all("past the largest number Prometheus reads" in p for p in problems), problems
