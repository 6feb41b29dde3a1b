"""How far back a spec's free PromQL reads is bounded by the longest SLO period obsc accepts (366d).

Round 40's known limit, found again by round 41's hunt: `max(max_over_time(queue_depth{$selector}[9999d]))`,
`x offset 100y` and `max_over_time(deriv(x[$window])[9999d:1d])` compiled and validated (~3 CPU-s), and each
evaluation asked the shared Prometheus for every sample it keeps (bounded only by its retention and
`--query.max-samples`, past which the rule fails and its alert is dead) or, 100 years back, for none. A range,
its offset and the subqueries around it add up; an SLO's period is held to the same bound. Also in
tests/errors/promql_lookback.yaml (the messages, located).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler.model.promql_lookback import lookback_problems
from tests.cli_helpers import run_obsc
from tests.hostile.test_input_promql_cost import _spec

# (expression, where the finding points, or None: allowed)
CASES = [
    ("max_over_time(x[9999d])", "[9999d]"),
    ("x offset 100y", "offset 100y"),
    ("max_over_time(deriv(x[$window])[9999d:1d])", "[9999d:1d]"),  # the outer subquery, not the selector in it
    ("max_over_time(x[300d] offset 67d)", "[300d]"),  # 367d together
    ("max_over_time(rate(x[$window])[300d:1d] offset 66d)", "[$window]"),  # $window counts as 1d: 367d
    ("max_over_time(x[5m:1m] offset 367d)", "[5m:1m]"),
    ("x OFFSET 367d", "OFFSET 367d"),  # PromQL's keywords have no case (a case-sensitive reading survived)
    ("max_over_time(x[366d])", None),
    ("increase(x[30d] offset 30d)", None),
    ("count_over_time((x > 0)[2h:15m] offset 23h) >= 8", None),  # obsc's own baselines
    ("max_over_time(x[1d:5m] offset 1w)", None),
    ('x{path="[9999d]"} offset 1d', None),  # inside a string: no range
]


@pytest.mark.parametrize(("expression", "at"), CASES)
def test_a_look_back_past_the_longest_period_is_refused_at_its_bracket(expression: str, at: str | None) -> None:
    found = lookback_problems(expression)
    if at is None:
        assert found == []
    else:
        assert [offset for offset, _ in found] == [expression.index(at)]
        assert "obsc allows 366d, the longest SLO period" in found[0][1]


def test_the_cli_refuses_it_located_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = _spec(tmp_path, "metric", "max(max_over_time(queue{$selector}[9999d]))")
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2, result.err
    assert "$.metrics.queue.expr: [9999d] reads 9999d back" in result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("period", "code"), [("366d", 0), ("367d", 2)])
def test_an_slo_period_may_be_366d_and_no_longer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], period: str, code: int
) -> None:
    """The bound is the one the queries get: a leap year's report compiles, a day more is located (a bound a day
    or more too far survived every test but 3650d's golden)."""
    specs = _spec(tmp_path, "metric", "max(queue{$selector})")
    spec = specs / "promo-web.yaml"
    body = yaml.safe_load(spec.read_text())
    body["slos"][0]["period"] = period
    spec.write_text(yaml.safe_dump(body, sort_keys=False, width=1000))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate", "-q")
    assert result.code == code, result.err
    if code:
        assert f"$.slos[0].period: period {period} is longer than 366d, the longest SLO period" in result.err
