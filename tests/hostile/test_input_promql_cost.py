"""What one evaluation of a spec's free PromQL makes Prometheus do is bounded before it reaches a rule, and an
expression whose value can never change is refused.

Round 26's known limit: a subquery's step was not bounded. `max_over_time(rate(x[$window])[$window:1ms])` in a
raw SLI compiled, and every evaluation of its 6h rule was 21.6 million inner evaluations (as many points per
series in memory) on the fleet's shared Prometheus; nested subqueries multiply. Found by the round's hunt: an `@`
timestamp pinned a selector to one instant, so the alert over it fired for good or never.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler.model import burnrate, promql_cost, promql_regex, thresholds
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

_PLATFORM = (
    "apiVersion: obsc/v1\nkind: Platform\nteams: {growth: {}}\n"
    "receivers: {r: {webhook: {url: 'http://127.0.0.1:9/h'}}}\n"
    "defaults: {routing: {critical: r}}\nalertmanager: {default_receiver: r}\n"
)
_RATE = "sum(rate(rq_total{$selector}[$window]))"


def _spec(tmp_path: Path, where: str, expression: str) -> Path:
    slos: list[dict[str, object]] = [{"name": "ok", "objective": 99, "sli": {"errors": "bad", "total": "reqs"}}]
    metrics: dict[str, object] = {"reqs": "rq_total", "bad": 'rq_total{code=~"5.."}'}
    if where == "metric":
        metrics["queue"] = {"expr": expression, "type": "gauge"}
    elif where == "error_ratio":
        slos.append({"name": "raw", "objective": 99, "sli": {"raw": {"error_ratio": expression}}})
    else:
        slos.append({"name": "raw", "objective": 99, "sli": {"raw": {"errors": expression, "total": _RATE}}})
    body = {"apiVersion": "obsc/v1", "service": "promo-web", "team": "growth", "description": "x"}
    body |= {"selector": {"job": "promo-web"}, "metrics": metrics, "slos": slos}
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(_PLATFORM)
    (specs / "promo-web.yaml").write_text(yaml.safe_dump(body, sort_keys=False, width=1000))
    return specs


# (subquery, steps counted, refused); `$window` counts as a day, no step as 15s
SUBQUERIES = [
    ("[$window:1ms]", 86_400_000, True),  # round 26's known limit
    ("[$window:7s]", 12_343, True),
    ("[$window:8s]", 10_800, False),
    ("[$window:1m]", 1_440, False),
    ("[$window:]", 5_760, False),
    ("[2d:]", 11_520, True),
    ("[1d:]", 5_760, False),
    ("[30d:5m]", 8_640, False),
    ("[30d:1m]", 43_200, True),
    ("[100y:1m]", 52_560_000, True),
]


# a raw SLI's ranges are all `$window` (a fixed one is refused): only a metric's may be fixed
CASES = [
    (where, *case)
    for where in ("metric", "errors", "error_ratio")
    for case in SUBQUERIES
    if where == "metric" or case[0].startswith("[$window")
    # 10,800 steps of a 1d rate read more samples than the work bound allows (test_input_promql_work.py)
    if where == "metric" or case[0] != "[$window:8s]"
]


@pytest.mark.parametrize(("where", "subquery", "steps", "refused"), CASES)
def test_a_subquerys_steps_are_bounded_wherever_a_spec_writes_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, subquery: str, steps: int, refused: bool
) -> None:
    inner = "queue_depth{$selector}" if where == "metric" else "rate(rq_total{$selector}[$window])"
    expression = f"sum(max_over_time({inner}{subquery}))"
    if where == "error_ratio":
        expression += f" / {_RATE}"
    result = run_obsc(
        capsys, "compile", str(_spec(tmp_path, where, expression)), "--out", str(tmp_path / "out"), "--no-validate"
    )
    if not refused:
        assert result.code == 0, result.err
        return
    assert result.code == 2, result.err
    path = {"metric": "$.metrics.queue.expr", "errors": "$.slos[1].sli.raw.errors"}.get(
        where, "$.slos[1].sli.raw.error_ratio"
    )
    assert f"{path}: subquery {subquery}" in result.err
    assert f"evaluates its expression {steps:,} times" in result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("expression", "refused"),
    [
        ("max_over_time(max_over_time(x[1d:1m])[1d:1m])", "[1d:1m]"),  # 1,440 x 1,440
        ("max_over_time(max_over_time(x[1h:1m])[1d:10m])", None),  # 60 x 144
        ("max_over_time(max_over_time(x[1h:1ms])[1d:10m])", "[1h:1ms]"),  # the inner one alone: named, not both
        ("max_over_time(max_over_time(x[1h:1m])[5m:1m]) + max_over_time(x[1d:1m])", None),  # siblings do not multiply
        ('max_over_time(x{a="[1d:1ms]"}[5m:1m])', None),  # a label value is not a subquery
    ],
)
def test_nested_subqueries_multiply(expression: str, refused: str | None) -> None:
    found = promql_cost.subquery_problems(expression)
    assert [message.split(" evaluates")[0] for _, message in found] == ([f"subquery {refused}"] if refused else [])
    if refused:
        assert found[0][0] == expression.rindex(refused)


def test_window_counts_as_the_longest_range_obsc_fills_it_with() -> None:
    """A raw SLI's `$window` is each recorded window below the coarse tier, a threshold alert's at most its
    longest rate window: neither passes the day the bound counts it as."""
    assert thresholds.RATE_WINDOWS[-1] <= promql_cost.LONGEST_WINDOW_SECONDS
    assert burnrate.recording_tiers().coarse_from_seconds <= promql_cost.LONGEST_WINDOW_SECONDS


@pytest.mark.parametrize("where", ["metric", "errors", "error_ratio"])
@pytest.mark.parametrize(
    ("modifier", "refused"),
    [
        *[(" @ 1700000000", True), (" @ 1.7e9", True), (" @ -5", True), (" @ 0x10", True)],
        *[(" @ start()", False), (" @ end()", False), (" @ end() offset 1h", False)],
    ],
)
def test_a_series_pinned_to_one_instant_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, modifier: str, refused: bool
) -> None:
    """`x @ 1700000000` reads the same value at every evaluation: the alert over it fires for good or never."""
    inner = (
        f"queue_depth{{$selector}}{modifier}"
        if where == "metric"
        else f"rate(rq_total{{$selector}}[$window]{modifier})"
    )
    expression = f"sum({inner})" + (f" / {_RATE}" if where == "error_ratio" else "")
    result = run_obsc(capsys, "validate", str(_spec(tmp_path, where, expression)))
    assert result.code == (2 if refused else 0), result.err
    if refused:
        assert f"@ {modifier.split('@ ')[1]} pins the series to one instant" in result.err


_ERRORS = 'sum(rate(rq_total{$selector,code=~"5.."}[$window]))'


@pytest.mark.parametrize(
    ("error_ratio", "refused"),
    [
        (f"{_ERRORS} / {_RATE} or vector(0)", True),
        ("absent_over_time(rq_total{$selector}[$window])", True),
        (f"({_ERRORS} or vector(0)) / {_RATE}", False),  # absent errors are 0 while there is traffic
        ("1 - avg_over_time(up{$selector}[$window])", False),
    ],
)
def test_an_error_ratio_that_reads_a_value_without_the_service_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], error_ratio: str, refused: bool
) -> None:
    """`... or vector(0)` read 0 (healthy) with no data at all: `validate` passed it and a validated compile failed
    with ~40 unlocated lines of promtool's "duplicate sample for timestamp"; under --no-validate the rules shipped."""
    result = run_obsc(capsys, "validate", str(_spec(tmp_path, "error_ratio", error_ratio)))
    assert result.code == (2 if refused else 0), result.err
    if refused:
        assert "$.slos[1].sli.raw.error_ratio: the error ratio gives a value when the service exports nothing" in (
            result.err
        )


@pytest.mark.parametrize("where", ["metric", "errors", "error_ratio"])
@pytest.mark.parametrize(
    ("modifier", "refused"),
    [
        (" offset -1h", True),
        (" OFFSET - 5m", True),
        (" offset -1h30m", True),
        (" offset 1h", False),
    ],
)
def test_an_offset_into_the_future_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, modifier: str, refused: bool
) -> None:
    """A rule evaluates at the present: `offset -1h` reads where nothing was scraped yet, so a raw SLI's errors
    read 0 failures for good (the SLO never burns) and an alert over such a metric never fires. Validated compiles
    passed: promtool takes the syntax, and its tests' input series already hold the "future"."""
    inner = (
        f"queue_depth{{$selector}}{modifier}"
        if where == "metric"
        else f"rate(rq_total{{$selector}}[$window]{modifier})"
    )
    expression = f"sum({inner})" + (f" / {_RATE}" if where == "error_ratio" else "")
    result = run_obsc(capsys, "validate", str(_spec(tmp_path, where, expression)))
    assert result.code == (2 if refused else 0), result.err
    if refused:
        assert "ahead of each evaluation, where nothing has been scraped yet" in result.err


def test_prometheus_reads_nothing_ahead_of_the_last_sample(tmp_path: Path) -> None:
    """What a negative offset reads in a rule, shown with promtool: at the newest sample there is nothing ahead."""
    promtool = require_tool("promtool")
    (tmp_path / "rules.yaml").write_text("groups: []\n")
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": "errors_total", "values": "0+1x120"}],
                "promql_expr_test": [
                    {"expr": "rate(errors_total[5m] offset -1h)", "eval_time": "2h", "exp_samples": []},
                    {
                        "expr": "rate(errors_total[5m] offset -1h)",
                        "eval_time": "30m",
                        "exp_samples": [{"value": 1 / 60}],
                    },
                ],
            }
        ],
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test))
    result = subprocess.run([promtool, "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("where", ["selector", "errors"])
@pytest.mark.parametrize(
    ("regex", "refused"), [("[a-z]{0,1000}" * 30, True), ("(.{0,100}){0,100}", True), ("[a-z]{0,1000}" * 3, False)]
)
def test_a_regex_that_expands_past_the_longest_literal_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, regex: str, refused: bool
) -> None:
    """Repetition counts multiply: 30 x `[a-z]{0,1000}` (390 characters) passed, cost promtool 23 ms per
    evaluation of one selector and obsc's own RE2 check 8 s; 300 of them kept `obsc validate` busy 11 minutes."""
    matcher = f'code=~"{regex}"'
    if where == "selector":
        specs = _spec(tmp_path, "metric", "max(queue_depth{$selector})")
        body = yaml.safe_load((specs / "promo-web.yaml").read_text())
        body["metrics"]["bad"] = f"rq_total{{{matcher}}}"
        (specs / "promo-web.yaml").write_text(yaml.safe_dump(body, sort_keys=False, width=10000))
    else:
        specs = _spec(tmp_path, "errors", f"sum(rate(rq_total{{$selector,{matcher}}}[$window]))")
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == (2 if refused else 0), result.err
    if refused:
        path = "$.metrics.bad" if where == "selector" else "$.slos[1].sli.raw.errors"
        assert f"{path}: regex " in result.err and "instructions (each repetition count multiplies" in result.err


def test_honest_regexes_stay_far_below_the_bound() -> None:
    honest = [
        "5..",
        "GET|POST|PUT|DELETE",
        "/api/v[0-9]+/(users|orders)/.*",
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        ".{0,255}",
        "|".join(f"tenant-{i:03d}" for i in range(300)),  # a long alternation: its size is its length
        "a" * 4096,
    ]
    assert max(promql_regex.expanded_size(p) for p in honest) <= promql_regex.MAX_EXPANDED_SIZE
    assert promql_regex.expanded_size("[a-z]{0,1000}" * 5) > promql_regex.MAX_EXPANDED_SIZE
