"""A deeply nested query is a located error wherever a spec writes it, never an internal error (round 32, hunt).

The text bound (promql_text.size_problems: 32 levels of parentheses, 100 operators) was checked where each query
is checked, but the model reads a raw SLI's and a metric expression's groups (promql_groups) before that, with a
walk that recurses once per level: 1,900 nested parentheses, within the 4,096-character limit on one value,
stopped `obsc validate` with a RecursionError (exit 70, "a bug in obsc") for the whole fleet.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  bravo: {routing: {critical: {webhook: {url: "https://hooks.example/b"}}, warning: {webhook: {url: "https://hooks.example/b"}}}}
"""

HEAD = "apiVersion: obsc/v1\nservice: evil\nteam: bravo\ndescription: x\nselector: {job: evil}\n"
RATE = "sum(rate(x_total{$selector}[$window]))"
RATIO_SLO = "slos: [{name: a, objective: 99.9, sli: {errors: errors, total: requests}}]\n"


def _raw(errors: str, total: str) -> str:
    sli = f"{{raw: {{errors: {json.dumps(errors)}, total: {json.dumps(total)}}}}}"
    return f"metrics: {{requests: evil_total}}\nslos: [{{name: a, objective: 99.9, sli: {sli}}}]\n"


def _cpu(expr: str) -> str:
    errors = json.dumps('evil_total{code="5"}')
    return f"metrics: {{requests: evil_total, errors: {errors}, cpu: {{expr: {json.dumps(expr)}}}}}\n"


DEEP = "(" * 1900 + RATE + ")" * 1900
DEEP_GAUGE = "(" * 1900 + "max(cpu_ratio{$selector})" + ")" * 1900
NEGATED = "-" * 3000 + RATE  # no parenthesis: one level per unary minus


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (_raw(DEEP, RATE.replace("x_", "y_")), "$.slos[0].sli.raw.errors", "parentheses nest 1902 deep"),
        (_raw(RATE.replace("x_", "y_"), DEEP), "$.slos[0].sli.raw.total", "parentheses nest 1902 deep"),
        (_cpu(DEEP_GAUGE) + RATIO_SLO, "$.metrics.cpu.expr", "parentheses nest 1901 deep"),
        (_raw(NEGATED, RATE.replace("x_", "y_")), "$.slos[0].sli.raw.errors", "3000 operators"),
    ],
    ids=["raw-errors", "raw-total", "metric-expr", "unary-minus"],
)
def test_a_deep_query_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, where: str, message: str
) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "evil.yaml").write_text(HEAD + body)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2, result.err
    assert re.search(rf"evil\.yaml:[67]:\d+ {re.escape(where)}: {message}", result.err), result.err
    assert "internal error" not in result.err


GAUGE_ALERTED = (
    f"metrics: {{cpu: {{expr: {json.dumps(DEEP_GAUGE)}, type: gauge}}}}\n"
    "threshold_alerts: [{name: CpuHigh, metric: cpu, above: 5, for: 5m, tier: warning}]\n"
)


@pytest.mark.parametrize("platform_default", [False, True], ids=["spec", "platform-default"])
def test_a_deep_typed_metric_expression_is_a_located_error_before_the_build_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], platform_default: bool
) -> None:
    """Round 42's re-read: a typed metric `expr` 1,900 levels deep (a threshold alert over it) reached the build's
    recursive readers (the prober's selector, fading rates) before check_promql refused it: exit 70, in round 41's
    code too. The size is now checked before the build reads any query."""
    if platform_default:
        metric = f"    cpu: {{expr: {json.dumps(DEEP_GAUGE)}, type: gauge}}\n"
        (tmp_path / "platform.yaml").write_text(PLATFORM + "defaults:\n  metrics:\n" + metric)
        body = "threshold_alerts: [{name: CpuHigh, metric: cpu, above: 5, for: 5m, tier: warning}]\n"
    else:
        (tmp_path / "platform.yaml").write_text(PLATFORM)
        body = GAUGE_ALERTED
    (tmp_path / "evil.yaml").write_text(HEAD + body)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2, result.err
    where = (
        r"platform\.yaml:\d+:\d+ \$\.defaults\.metrics\.cpu"
        if platform_default
        else r"evil\.yaml:6:\d+ \$\.metrics\.cpu"
    )
    assert re.search(rf"{where}\.expr: parentheses nest 1901 deep", result.err), result.err
    assert "internal error" not in result.err


@pytest.mark.parametrize(
    "offset",
    ["1e30", "-1e30", "9999999999999999999", "86400", "0x10", "NaN", "+Inf"],
    ids=["panic", "ahead", "overflow", "day", "hex", "nan", "inf"],
)
def test_an_offset_in_seconds_is_a_located_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], offset: str
) -> None:
    """Round 43's review (found fuzzing round 42's free-query readers): `offset 1e30` made the PromQL parser panic
    (a Rust traceback, exit 1) and `offset 9999999999999999999` overflow it (exit 70), in the build's readers before
    any check. Prometheus 2.42 takes no number after offset at all (promtool: "unexpected number ... in offset,
    expected duration"), so every one is refused, located, before the build reads the query."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    expr = f"max(cpu_ratio{{$selector}} offset {offset})"
    errors = json.dumps(f"sum(rate(x_total{{$selector}}[$window] offset {offset}))")
    slos = f"slos: [{{name: a, objective: 99.9, sli: {{raw: {{errors: {errors}, total: {json.dumps(RATE)}}}}}}}]\n"
    (tmp_path / "evil.yaml").write_text(HEAD + GAUGE_ALERTED.replace(json.dumps(DEEP_GAUGE), json.dumps(expr)) + slos)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2, result.err
    said = f"offset {offset.lstrip('-+')}: Prometheus 2.42 takes a duration after offset, e.g. offset 1d"
    assert re.search(rf"evil\.yaml:6:\d+ \$\.metrics\.cpu\.expr: {re.escape(said)}", result.err), result.err
    assert re.search(rf"evil\.yaml:8:\d+ \$\.slos\[0\]\.sli\.raw\.errors: {re.escape(said)}", result.err), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


@pytest.mark.parametrize(
    ("query", "said"),
    [("max_over_time(x{$selector}[1d:1e30])", "[1d:1e30]"), ("max_over_time(x{$selector}[5m:60])", "[5m:60]")],
)
def test_a_number_in_a_range_is_a_located_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], query: str, said: str
) -> None:
    """As after offset: `[1d:1e30]` made the parser panic (found by the next fuzzing run), and `[5m:60]` compiled
    though Prometheus 2.42 refuses it ("unexpected number ... in subquery selector, expected duration")."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    expr = f"max({query})"
    (tmp_path / "evil.yaml").write_text(HEAD + GAUGE_ALERTED.replace(json.dumps(DEEP_GAUGE), json.dumps(expr)))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2, result.err
    message = f"{said}: Prometheus 2.42 takes durations in a range, e.g. [5m] or [1h:1m]"
    assert re.search(rf"evil\.yaml:6:\d+ \$\.metrics\.cpu\.expr: {re.escape(message)}", result.err), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


# Numbers where Prometheus takes a duration, which the PromQL parser panicked on (a Rust traceback, exit 1) or
# overflowed on (exit 70): round 44's review of round 43 (fuzzing model/promql_tree.parse, "the one door").
PANICKED = [
    "rate(x[1e20])",
    "le[1e30] bool",
    "max_over_time(x[5m:1e30])",
    "x offset 1e30",
    "rate(x[0x7fffffffffffffff])",
]


@pytest.mark.parametrize("text", PANICKED)
def test_the_one_door_refuses_a_number_where_a_duration_goes(text: str) -> None:
    """promql_tree.parse is where every tree is made: what the parser cannot read must be a ValueError there (which
    every reader takes for "reported where the query is checked"), never a panic in whichever reader met it first."""
    from compiler.model import promql_tree

    with pytest.raises(ValueError, match=r"Prometheus 2\.42 takes"):
        promql_tree.parse(text)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("max(rate(disk_ratio{$selector}[1e20]))", "[1e20]: Prometheus 2.42 takes durations in a range"),
        ("max(disk_ratio{$selector} offset 1e20)", "offset 1e20: Prometheus 2.42 takes a duration after offset"),
        ("max(rate(disk_ratio{$selector}[0x7fffffffffffffff]))", "[0x7fffffffffffffff]: Prometheus 2.42 takes"),
    ],
    ids=["range", "offset", "hex"],
)
def test_a_metric_written_as_its_query_alone_is_read_before_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], query: str, said: str
) -> None:
    """`disk: max(...)` (a metric written as its query, as examples/checkout.yaml writes its disk) was not read by
    the early check of free queries, which read `{expr: ...}` only: with `[1e20]` or `offset 1e20` the build's
    label reader parsed it first and the parser panicked (exit 1, a Rust traceback); with a hex range past 2^63,
    exit 70. Found by sweeping every PromQL field of examples/ and specs/ (round 44)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    body = f"metrics: {{requests: evil_total, errors: 'evil_total{{code=\"5\"}}', disk: {json.dumps(query)}}}\n"
    (tmp_path / "evil.yaml").write_text(HEAD + body + RATIO_SLO)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2, result.err
    assert re.search(rf"evil\.yaml:6:\d+ \$\.metrics\.disk: {re.escape(said)}", result.err), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


def test_the_one_door_bounds_a_tree_at_twice_the_specs_nesting_and_thrice_its_operators() -> None:
    """promql_tree.parse's own bound (what obsc wraps around a spec's query at the spec's bound still parses; a
    walk stays far from Python's 1,000 frames): at it, a tree; one past it, a ValueError. Nothing else held it
    (round 44's review: the bound a hundred times looser, or either half dropped, passed every test)."""
    from compiler.model import promql_tree
    from compiler.model.promql_text import MAX_NESTING, MAX_OPERATORS

    nesting, operators = 2 * MAX_NESTING, 3 * MAX_OPERATORS
    assert promql_tree.parse("(" * nesting + "x" + ")" * nesting) is not None
    assert promql_tree.parse("x" + " + x" * operators) is not None
    with pytest.raises(ValueError, match="too deep to read"):
        promql_tree.parse("(" * (nesting + 1) + "x" + ")" * (nesting + 1))
    with pytest.raises(ValueError, match="too deep to read"):
        promql_tree.parse("x" + " + x" * (operators + 1))
