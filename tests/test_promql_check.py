"""PromQL checked at validate time: the text checks, the tree checks, and agreement with promtool 2.42."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import promql_parser as pp
import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from compiler.model import promql_text as t
from compiler.model.promql import Matcher
from compiler.model.promql_check import Expression, problems, yields_without_series
from compiler.model.promql_compat import AGGREGATIONS, FUNCTIONS
from compiler.model.types import MetricType
from tests.conftest import require_tool

SELECTOR = (Matcher("job", "=", "api"),)


def found(text: str, role: str = "metric", known: dict[str, str] | None = None) -> list[str]:
    return [m for _, m in problems(Expression(text, role, MetricType.GAUGE), known or {}, SELECTOR)]


def offsets(text: str, role: str = "metric") -> list[int | None]:
    return [o for o, _ in problems(Expression(text, role, MetricType.GAUGE), {}, SELECTOR)]


# ---------------------------------------------------------------- the text


def test_mask_blanks_strings_and_comments_keeping_offsets() -> None:
    text = 'x{a="(]$w\\"", b=~`[`} # (\ny'
    masked = t.mask(text)
    assert len(masked) == len(text)
    assert "(" not in masked and "]" not in masked and "$" not in masked and masked.endswith("\ny")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sum(rate(x[$window]))", []),
        ("sum(rate(x[$window:1m]))", []),
        ("sum(rate(x[ $window ]))", []),
        ("rate(x[5m]) offset $window", [19]),
        ("rate(x[$window]) > $window", [19]),
        ('x{a="$window"}', [5]),
        ("x{$selector}", []),
        ('x{$selector,a="1"}', []),
        ('x{a="1", $selector}', []),
        ("x + $selector", [4]),
        ("x{a=$selector}", [4]),
        ("rate(x[$__rate_interval])", [7]),
        ('x{a="${foo}"}', []),  # a `$` inside a label value is a character
        ("x * $job", [4]),
        ("x * ${job}", [4]),
        ("x * [[job]]", [4]),
    ],
)  # fmt: skip
def test_placeholders_stand_only_where_they_belong(text: str, expected: list[int]) -> None:
    assert [at for at, _ in t.placeholder_problems(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sum(rate(x[5m]))", None),
        ("sum(rate(x[5m])", (3, "'(' is never closed")),
        ("sum(rate(x[5m])))", (16, "')' closes nothing")),
        ("sum(x[5m)]", (8, "')' closes nothing, expected ']'")),
        ('x{a=")"}', None),
        ("x{a='('}", None),
    ],
)  # fmt: skip
def test_brackets_are_balanced_outside_strings(text: str, expected: tuple[int, str] | None) -> None:
    result = t.bracket_problems(text)
    if expected is None:
        assert result == []
    else:
        [(at, message)] = result
        assert at == expected[0] and message.endswith(expected[1])


def test_fixed_ranges_inside_rate_calls_or_anywhere() -> None:
    text = "rate(x[5m]) + max_over_time(y[1h]) + increase(z[$window]) + rate(w[2m:30s])"
    assert [at for at, _ in t.fixed_ranges(text, everywhere=False)] == [6, 66]
    assert [at for at, _ in t.fixed_ranges(text, everywhere=True)] == [6, 29, 66]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x > 5m", [4]),
        ("x > 1h30m", [4]),
        ("rate(x[5m]) offset 1h", []),
        ("x offset -1d", []),
        ("x[5m:1m]", []),
        ('x{a="5m"}', []),
        ("x > 5", []),
        ("x > 0x1d", []),
        ("x > 1e5", []),
        ("x_5m > 1", []),
    ],
)  # fmt: skip
def test_durations_as_numbers_are_found(text: str, expected: list[int]) -> None:
    assert [at for at, _ in t.duration_numbers(text)] == expected


@pytest.mark.parametrize(
    ("value", "offset", "style", "column"),
    [
        ("a[5m]", 1, "", 1),  # plain: the value starts at the node
        ("a[5m]", 1, "'", 2),  # after the opening quote
        ('x{a="b"}[5m]', 8, '"', 11),  # two \" before the offset, each two columns
        ("x{a='b'}[5m]", 8, "'", 11),  # two '' before the offset
        ("a\\b[5m]", 3, '"', 5),  # \\ is two columns
    ],
)  # fmt: skip
def test_source_column_counts_quotes_and_escapes(value: str, offset: int, style: str, column: int) -> None:
    assert t.source_column(value, offset, style) == column


# ---------------------------------------------------------------- the tree


@pytest.mark.parametrize(
    ("text", "constant"),
    [
        ("vector(1)", True),
        ("count_over_time(vector(1)[5m:1m])", True),
        ("sum(rate(x_total[5m])) or vector(0)", True),
        ("absent(x_total)", True),
        ("sum(up)", True),
        ("sum(rate(x_total[5m]))", False),
        ("sum(rate(x_total[5m])) * 2", False),
        ("2 * sum(rate(x_total[5m]))", False),
        ("sum(rate(x_total[5m])) and vector(1)", False),
        ("vector(1) unless sum(x)", True),
        ("sum(x) unless vector(1)", False),
        ("label_replace(x, 'a', 'b', 'c', 'd')", False),
        ("histogram_quantile(0.9, rate(x_bucket[5m]))", False),
        ("time()", True),
        ("sum(count_over_time(up[5m:1m]))", True),
    ],
)  # fmt: skip
def test_constant_totals_are_told_from_series(text: str, constant: bool) -> None:
    assert yields_without_series(pp.parse(text)) is constant


def test_a_total_that_is_a_constant_is_refused_and_one_that_reads_series_is_not() -> None:
    assert found("count_over_time(vector(1)[$window:1m])", "total")[0].startswith("the total reads no series")
    assert found("sum(rate(jobs_total{$selector}[$window]))", "total") == []
    assert found("sum(rate(jobs_failed_total{$selector}[$window])) or vector(0)", "errors")[0].startswith(
        "the errors query gives a value when the service exports nothing"
    )
    assert found("vector(0)", "errors")[0].startswith("the errors query gives a value when the service exports")
    assert found("sum(rate(up{$selector}[$window])) * 0", "errors")[0].startswith("the errors query reads no series")
    assert found("sum(rate(jobs_failed_total{$selector}[$window]))", "errors") == []


def test_a_metric_that_has_a_value_without_series_is_refused() -> None:
    """Missing data must not read as a value; and the generated tests feed the recorded signal, which a
    constant recording rule would write too ("duplicate sample for timestamp")."""
    assert found("sum(rate(cpu_seconds_total{$selector}[$window])) or vector(0)")[0].startswith(
        "the expression gives a value when the service exports nothing"
    )
    assert found("sum(rate(cpu_seconds_total{$selector}[$window])) / count(up{$selector})") == []
    assert found("sum(up{$selector})") == []  # instances up: a real series


def test_a_counter_expression_must_be_a_rate_over_window() -> None:
    def counter(text: str) -> list[str]:
        return [m for _, m in problems(Expression(text, "metric", MetricType.COUNTER), {}, SELECTOR)]

    assert counter("sum(http_requests_total{$selector})")[0].startswith("a counter metric written as an expression")
    assert counter("sum(rate(http_requests_total{$selector}[$window]))") == []
    assert found("sum(queue_depth{$selector})") == []  # a gauge: its level is the value


def test_the_value_type_must_be_an_instant_vector() -> None:
    assert found("scalar(x)")[0] == (
        "the expression gives a scalar, but it is graphed and compared with thresholds: it must give an instant vector"
    )
    assert "gives a range vector" in found("rate(x_total[$window])[$window:]", "total")[0]
    assert "gives a string" in found('"x"')[0]
    assert found("1 - sum(a) / sum(b)") == []


def test_functions_must_fit_the_declared_type() -> None:
    gauge = {"queue_depth": "gauge"}
    assert found("rate(queue_depth[$window])", known=gauge)[0].startswith("rate() is for counters")
    assert found("increase(queue_depth[$window])", known=gauge)[0].startswith("increase() is for counters")
    assert found("rate(queue_jobs[$window])") == []  # unknown type: no opinion
    assert found("deriv(jobs_total[$window])")[0].startswith("deriv() is for gauges")
    # `_count` is a histogram's counter or an exporter's gauge (connections open now): deriv() of it was refused
    assert found("deriv(pg_stat_activity_count[$window])") == []
    assert found("deriv(lat_count[$window])", known={"lat_count": "counter"})[0].startswith("deriv() is for gauges")
    assert found("histogram_quantile(0.9, rate(lat_count[$window]))")[0].startswith("histogram_quantile() reads")
    assert found("histogram_quantile(0.9, sum by (le) (rate(lat_bucket[$window])))") == []
    assert found("histogram_quantile(0.9, rate(lat[$window]))") == []  # a native histogram


def test_parse_errors_name_the_place_when_they_can() -> None:
    assert found("sum(x) +* 2") == ["PromQL does not parse: '+' needs an expression after it"]
    assert offsets("sum(x) +* 2") == [7]
    assert found("no_such_function(x)") == ["unknown PromQL function no_such_function()"]
    assert offsets("a + holt_winters(x[$window], 0.5, 0.5)") == [4]
    assert found('x{a=~"("}')[0].startswith("PromQL does not parse: illegal regex")


def test_newer_prometheus_syntax_is_refused() -> None:
    assert found("limitk(2, x)") == ["limitk() is not in Prometheus 2.42"]
    assert found("info(x)") == ["info() is not in Prometheus 2.42"]
    assert found('x{a="1" or b="2"}')[0].startswith("`or` between label matchers")
    assert found('{"my.metric"}')[0].startswith("a quoted metric or label name needs Prometheus 3")
    assert found('x{"a.b"="1"}')[0].startswith("a quoted metric or label name needs Prometheus 3")
    assert found('label_replace(x{a="1"}, "b", "$1", "a", "(.*)")') == []
    assert found("x > 5m")[0].startswith("5m is a duration")


# ---------------------------------------------------------------- against promtool 2.42


def _promtool_errors(promtool: str, exprs: list[str], tmp: Path) -> list[str]:
    """promtool's complaint about each expression ("" when it accepts it): a rule file per expression, all
    checked by one `promtool check rules`, which checks each file apart and reports it under its own
    `Checking <file>` line (one process, not one per expression: ~2.5 CPU-s less for the ~90 here)."""
    files = []
    for i, expr in enumerate(exprs):
        rules = tmp / f"e{i}.yaml"
        rules.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [{"record": "r", "expr": expr}]}]}))
        files.append(str(rules))
    # stderr into stdout: promtool writes both unbuffered, so a file's errors come after its own header
    done = subprocess.run([promtool, "check", "rules", *files], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    blocks = re.split(r"^Checking ", done.stdout.decode(), flags=re.MULTILINE)[1:]
    assert [b.split("\n", 1)[0] for b in blocks] == files, done.stdout.decode()[-3000:]
    return ["" if "\n  SUCCESS" in b else "Checking " + b for b in blocks]


def test_every_function_obsc_allows_is_known_to_promtool_and_the_newer_ones_are_not(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    newer = ["sort_by_label", "sort_by_label_desc", "info", "mad_over_time", "double_exponential_smoothing"]
    newer += ["histogram_stddev", "histogram_stdvar", "histogram_avg"]
    known_to_parser = [n for n in newer if "unknown function" not in _parser_error(f"{n}()")]
    errors = _promtool_errors(promtool, [f"{n}()" for n in [*sorted(FUNCTIONS), *known_to_parser]], tmp_path)
    verdicts = dict(zip([*sorted(FUNCTIONS), *known_to_parser], errors, strict=True))
    assert [n for n in FUNCTIONS if "unknown function" in verdicts[n]] == []
    assert [n for n in known_to_parser if "unknown function" not in verdicts[n]] == []
    assert known_to_parser, "the parser knows none of the newer functions any more: revisit promql_compat"
    aggregations = _promtool_errors(promtool, [f"{a}(x)" for a in sorted(AGGREGATIONS)], tmp_path)
    assert all("unexpected" not in e or "parameter" in e for e in aggregations), aggregations


def _parser_error(text: str) -> str:
    try:
        pp.parse(text)
    except ValueError as exc:
        return str(exc)
    return ""


AGREEMENT = [
    # valid on 2.42
    "sum(rate(http_requests_total{$selector}[$window]))",
    'sum by (code) (rate(http_requests_total{$selector,code=~"5.."}[$window]))',
    "histogram_quantile(0.99, sum by (le) (rate(lat_seconds_bucket{$selector}[$window])))",
    "max_over_time(rate(x_total{$selector}[$window])[$window:1m])",
    "sum(x{$selector} offset 1h) / sum(x{$selector} @ end())",
    "topk(3, sum by (path) (rate(x_total{$selector}[$window])))",
    'label_replace(sum(x{$selector}), "a", "$1", "b", "(.*)")',
    "sum(x{$selector}) > bool 0.5",
    "-sum(x{$selector}) + 1",
    "sum(x{$selector}) and on () vector(1)",
    "clamp_min(sum(x{$selector}), 0) / ignoring (a) group_left sum(y{$selector})",
    'count_values("v", x{$selector})',
    "sum(rate(x{$selector}[$window] offset -5m))",
    'x{$selector,a=~"(?i)foo|bar"}',
    # invalid on 2.42
    "sum(rate(x{$selector}[$window])",
    "sum(x{$selector})) ",
    "sum(x{$selector}) +* 2",
    "rate(x{$selector})",
    "abs(x{$selector}[$window])",
    'x{$selector,a=~"("}',
    "sort_by_label(x{$selector})",
    "limitk(2, x{$selector})",
    'x{$selector} or x{a="1" or b="2"}',
    "sum(x{$selector}) > 5m",
    "scalar(x{$selector}) > 1",
    "x{$selector} and on(a) group_left y{$selector}",
    "sum(x{$selector}) by (le) by (a)",
    '{__name__=~".*"}',
    "rate(x{$selector}[0s])",
    "x{$selector}[$window:0s]",
]


def test_the_checks_agree_with_promtool_on_syntax(tmp_path: Path) -> None:
    """Whatever the parser and compat checks accept, promtool 2.42 accepts; whatever promtool refuses, they
    refuse (obsc's policies, such as fixed ranges and value types, only ever refuse more)."""
    promtool = require_tool("promtool")
    filled = [e.replace("$selector", 'job="api"').replace("$window", "5m") for e in AGREEMENT]
    verdicts = _promtool_errors(promtool, filled, tmp_path)
    disagree = []
    for expr, error in zip(AGREEMENT, verdicts, strict=True):
        # value types, offsets into the future, pinned instants: policies (promtool checks syntax only)
        ours = [m for m in found(expr) if not any(p in m for p in ("gives a", "ahead of each", "pins the series"))]
        if bool(ours) != bool(error):
            disagree.append(f"{expr!r}: obsc {ours or 'accepts'}; promtool {error.strip()[-160:] or 'accepts'}")
    assert disagree == []


# ---------------------------------------------------------------- in the pipeline


def test_a_platform_expression_is_reported_once_at_the_platform_line(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(
        "apiVersion: obsc/v1\nkind: Platform\nteams: {t1: {}}\nreceivers: {r: {webhook: {url: 'http://127.0.0.1:9/h'}}}\n"
        "alertmanager: {default_receiver: r}\n"
        "defaults:\n  routing: {critical: r}\n"
        "  metrics:\n    cpu: 'sum(rate(process_cpu_seconds_total{$selector}[1m]))'\n"
    )
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_text(
            f"apiVersion: obsc/v1\nservice: {name}\nteam: t1\nselector: {{job: {name}}}\n"
        )
    with pytest.raises(InputError) as info:
        compile_specs([str(tmp_path)], CompileOptions())
    [only] = info.value.diagnostics
    column = len("    cpu: '") + 1 + len("sum(rate(process_cpu_seconds_total{$selector}")
    assert (only.location.line, only.location.col) == (9, column)  # below defaults.routing
    assert only.path == ("defaults", "metrics", "cpu")
