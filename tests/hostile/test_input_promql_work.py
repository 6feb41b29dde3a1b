"""The work inside a subquery is bounded: each step reads the ranges inside it, at every evaluation of the rule.

Round 41's known limit: `max_over_time(rate(x[1d])[365d:1h])` kept to the steps bound (8,760 of 11,000) and to
the look back (366d) and compiled; every evaluation read 8,760 days of samples of each series on the fleet's
shared Prometheus, which holds one step's range at a time, so its `--query.max-samples` never sees the work.
Now refused past 50 million samples of one series per evaluation (a 15s scrape, `$window` counted as 1d).
"""

from __future__ import annotations

import pytest

from compiler.model import promql_cost

# (expression, the refused subquery or None, samples counted)
CASES = [
    ("max_over_time(rate(x[1d])[365d:1h])", "[365d:1h]", 50_457_600),  # round 41's known limit, within 366d
    ("max_over_time(rate(x[$window])[$window:8s])", "[$window:8s]", 62_208_000),  # passed the steps bound
    ("max_over_time(rate(x[$window])[$window:1m])", None, 8_294_400),  # a raw SLI's peak rate: compiles
    ("max_over_time(rate(x[5m])[30d:5m])", None, 172_800),
    ("max_over_time(rate(x[1d])[300d:1h])", None, 41_472_000),
    # nested: the inner steps multiply, the outermost subquery is named once
    ("max_over_time(max_over_time(max_over_time(x[1d])[1d:1h])[364d:1d])", "[364d:1d]", 50_319_360),
    ("max_over_time(max_over_time(rate(x[1d])[1d:1h])[30d:1d]) + max_over_time(rate(y[1h])[366d:1h])", None, 0),
    # two ranges in one step are read apart (different series); the larger decides
    ("max_over_time((rate(x[1d]) / rate(y[1d]))[365d:1h])", "[365d:1h]", 50_457_600),
    ("max_over_time((rate(x[2d]) / rate(y[1d]))[365d:1h])", "[365d:1h]", 100_915_200),  # not the last one read
    ('max_over_time(rate(x{a="[9999d]"}[5m])[30d:5m])', None, 0),  # a label value is no range
    ("max_over_time(x[366d])", None, 0),  # a range alone: the look back bounds it
]


@pytest.mark.parametrize(("expression", "refused", "samples"), CASES)
def test_the_samples_a_subquery_reads_per_evaluation_are_bounded(
    expression: str, refused: str | None, samples: int
) -> None:
    found = promql_cost.work_problems(expression)
    assert [message.split(" reads")[0] for _, message in found] == ([f"subquery {refused}"] if refused else [])
    if refused:
        assert found[0][0] == expression.rindex(refused)
        assert f"reads {samples:,} samples of each series" in found[0][1]
