"""Selector and targets values written as PromQL matchers (round 45): each operator and quote PromQL writes is
read apart, and a negative one is told to go in a metric's own selector, pattern or not. Each reading below was
dropped or loosened by a hand mutant of round 45 that passed every test (review of round 45). Asked of the reader
itself: the error golden tests/errors/selector_value_as_matcher.yaml compiles three of them."""

from __future__ import annotations

import pytest

from compiler.model.targets_text import value_problem

NEGATIVE = "a value to leave out goes in each metric's own selector"


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("==payapi", "starts with PromQL's == operator, and selector values are exact"),  # read as = and '=payapi'
        ("`prod`", "holds its own quotes"),  # PromQL's raw string: nothing said
        ("!~internal", NEGATIVE),  # advised as 'write job: internal'
        ("!~internal-.*", NEGATIVE),  # a negative pattern is no value to write, nor one to escape
    ],
    ids=["double-equals", "backticks", "negative-regex", "negative-pattern"],
)
def test_a_value_written_as_a_matcher_is_said_as_written(value: str, said: str) -> None:
    message = value_problem("job", value, "selector")
    assert message is not None and said in message, message
    if said != NEGATIVE:
        assert message.endswith("write job: payapi") or message.endswith("write job: prod"), message
