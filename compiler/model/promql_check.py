"""PromQL of a spec checked at validate time, in-process, located at the spec's line and column.

Every free expression a spec holds (raw SLI errors/total, metric `expr`s, its own or the platform's) is parsed with
`promql-parser` (Rust, a port of the Prometheus parser; MIT) after obsc's placeholders are filled with representative
values, and checked for what would otherwise fail later, pointed at generated files: syntax, `$window`/`$selector`
placement, fixed ranges where obsc applies its own, functions and syntax Prometheus 2.42 lacks, functions that do not
fit the metric's type, expressions of the wrong type, and SLIs that read no series (a constant total has "traffic"
when nothing runs; its generated tests fail).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import promql_parser as pp

from compiler.errors import Diagnostic, Location
from compiler.model import promql_text as text_checks
from compiler.model import promql_tree
from compiler.model.build_context import Ctx, Layer
from compiler.model.mesh_reporter import reported_twice, reporter_problems
from compiler.model.promql import Matcher, Selector, render_matchers
from compiler.model.promql_compat import compat_problems
from compiler.model.promql_cost import subquery_problems, work_problems
from compiler.model.promql_everything import everything_problems
from compiler.model.promql_lookback import lookback_problems
from compiler.model.promql_regex import regex_problem
from compiler.model.series_kinds import kind_by_name
from compiler.model.types import Metric, MetricType
from compiler.spec.document import Path

SAMPLE_WINDOW = "5m"  # what `$window` stands for while parsing; any valid range gives the same verdicts
Finding = text_checks.Finding


@dataclass(frozen=True)
class Expression:
    text: str
    role: str  # "errors" / "total" / "error_ratio" of a raw SLI, or "metric"
    metric_type: MetricType | None = None


def check_promql(data: Mapping[str, Any], defaults: Layer, metrics: Mapping[str, Metric], ctx: Ctx) -> None:
    """Append a located diagnostic to the service's for every problem of every expression it uses."""
    known = tuple(sorted(series_types(metrics).items()))
    pinned = isinstance(data.get("selector"), dict) and "reporter" in data["selector"]  # Istio's: mesh_reporter
    for expression, where, path in _expressions(data, defaults, metrics, ctx):
        for offset, message in _problems_of(expression, known, pinned):
            ctx.diagnostics.append(Diagnostic(locate(where, path, expression.text, offset), path, message))
    for name, metric in sorted(metrics.items()):
        if metric.selector is not None:  # obsc's own parser read it; its regexes are checked here
            if twice := reported_twice(
                metric.selector.metric, ((m.label, m.op, m.value) for m in metric.selector.matchers)
            ):
                _, where, base = _source(name, data, defaults, ctx)
                ctx.diagnostics.append(Diagnostic(where.loc(base), base, twice))
            refused = [p for m in metric.selector.matchers if "~" in m.op and (p := regex_problem(m.value))]
            if refused:  # as Prometheus's Go regexp refuses them (the parser's Rust regexes take a few more)
                _, where, base = _source(name, data, defaults, ctx)
                ctx.diagnostics.extend(Diagnostic(where.loc(base), base, message) for message in refused)
                continue
            if _parses_in_parts(metric.selector):
                continue
            try:
                promql_tree.parse(metric.selector.render())
            except ValueError as exc:
                _, where, base = _source(name, data, defaults, ctx)
                ctx.diagnostics.append(Diagnostic(where.loc(base), base, f"PromQL does not parse: {exc}"))


def _parses_in_parts(selector: Selector) -> bool:
    """True when the selector certainly parses, shown in parts: its `=` matchers with the name, and each other
    matcher alone (`x{code=~"5.."}`), whose verdict is kept: compiling the regex is most of the parse, and a
    fleet's specs repeat the same few. False (also when a part fails): parse the whole text, for its message.
    Parts cannot hide an error of the whole: the parser checks each matcher on its own, and a `__name__`
    matcher beside a metric name fails in any part it is in."""
    others = tuple(m for m in selector.matchers if m.op != "=")
    if not others:
        return False  # one parse either way
    if not all(_matcher_parses(m.render()) for m in others):
        return False
    try:
        promql_tree.parse(Selector(selector.metric, tuple(m for m in selector.matchers if m.op == "=")).render())
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def _matcher_parses(matcher: str) -> bool:
    try:
        promql_tree.parse(f"x{{{matcher}}}")
    except ValueError:
        return False
    return True


def _source(name: str, data: Mapping[str, Any], defaults: Layer, ctx: Ctx) -> tuple[Any, Ctx, Path]:
    """A metric's raw value, where it was written and its path: the spec's own, else the platform's."""
    own = data.get("metrics") or {}
    if name in own:
        return own[name], ctx, ("metrics", name)
    return (defaults.data.get("metrics") or {})[name], defaults.ctx, (*defaults.base, "metrics", name)


def _expressions(
    data: Mapping[str, Any], defaults: Layer, metrics: Mapping[str, Metric], ctx: Ctx
) -> Iterator[tuple[Expression, Ctx, Path]]:
    for i, slo in enumerate(data.get("slos") or []):
        raw = (slo.get("sli") or {}).get("raw") if isinstance(slo, dict) else None
        if isinstance(raw, dict):
            for role in ("errors", "total", "error_ratio"):
                if isinstance(raw.get(role), str):
                    yield Expression(raw[role], role), ctx, ("slos", i, "sli", "raw", role)
    for name, metric in sorted(metrics.items()):
        if metric.expr is None:
            continue
        value, where, base = _source(name, data, defaults, ctx)
        path = (*base, "expr") if isinstance(value, dict) else base
        body = value["expr"] if isinstance(value, dict) else value
        if isinstance(body, str):
            yield Expression(body, "metric", metric.type), where, path


def locate(where: Ctx, path: Path, value: str, offset: int | None) -> Location:
    base = where.loc(path)
    doc = where.doc
    if offset is None or doc is None or path not in doc.scalar_styles or path not in doc.value_marks:
        return base
    return Location(base.file, base.line, base.col + text_checks.source_column(value, offset, doc.scalar_styles[path]))


# ---------------------------------------------------------------- the checks
_SAMPLE_SELECTOR = (Matcher("job", "=", "obsc"),)  # label names are valid and values escaped: any selector parses alike


@functools.lru_cache(maxsize=1024)
def _problems_of(expression: Expression, known: tuple[tuple[str, str], ...], pinned: bool) -> list[Finding]:
    """problems(), once per expression and metric types: a platform expression is the same in every service."""
    return problems(expression, dict(known), _SAMPLE_SELECTOR, pinned)


def problems(
    expression: Expression, known: Mapping[str, str], selector: tuple[Matcher, ...], pinned: bool = False
) -> list[Finding]:
    """Every problem of one expression, as (offset or None, message); `pinned`: the selector names Istio's reporter."""
    text = expression.text
    found = text_checks.placeholder_problems(text) + text_checks.bracket_problems(text) + text_checks.comments(text)
    found = found or text_checks.size_problems(text) or text_checks.out_of_range(text)
    found = found or subquery_problems(text) or lookback_problems(text) or work_problems(text)
    if found:
        return found  # the parser would only repeat these, without a position
    filled = text_checks.fill(text, selector=render_matchers(selector) or 'job=~".+"', window=SAMPLE_WINDOW)
    try:
        tree = promql_tree.parse(filled)
    except ValueError as exc:
        return [_parse_error(text, str(exc))]
    found += compat_problems(text, tree)
    found += text_checks.duration_numbers(text) + text_checks.pinned_instants(text) + text_checks.future_offsets(text)
    found += (quoted := text_checks.quoted_names(text))
    if quoted:
        return found  # the tree of a UTF-8 name reads no classic series: the checks below would only repeat it
    found += text_checks.fixed_ranges(text, everywhere=expression.role != "metric")
    typed = _type_problems(text, tree, expression)
    found += typed + _fit_problems(text, tree, known) + everything_problems(selectors(tree))
    found += reporter_problems(text, selectors(tree), pinned)
    if typed:
        return found  # a scalar or range is always "a value": the checks below would only repeat it
    if expression.metric_type is MetricType.COUNTER and not text_checks.holds(text, text_checks.WINDOW):
        found.append(
            (
                None,
                "a counter metric written as an expression is read as a per-second rate (graphs, error-rate "
                "alerts): write it over $window, e.g. sum(rate(http_requests_total{$selector}[$window]))",
            )
        )
    if expression.role == "total" and yields_without_series(tree):
        found.append(
            (
                None,
                "the total reads no series of the service (only constants, vector(), absent() or `up`): it would "
                "count events when nothing happens; count the service's requests or jobs, e.g. "
                "sum(rate(jobs_total{$selector}[$window]))",
            )
        )
    elif expression.role == "metric" and yields_where(tree, lambda selector: False):
        found.append(
            (
                None,
                "the expression gives a value when the service exports nothing (a constant, vector(), absent() "
                "or `or vector(0)`): a metric gone missing would read as a real value instead of no data",
            )
        )
    elif expression.role == "error_ratio" and yields_where(tree, lambda selector: False):
        found.append(
            (
                None,
                "the error ratio gives a value when the service exports nothing (a constant, vector(), absent() or "
                "`or vector(0)`): missing data would read as a ratio, not as no data, and SLODataMissing could never "
                "say it; drop the constant",
            )
        )
    elif expression.role == "errors" and yields_where(tree, lambda selector: False):
        found.append(
            (
                None,
                "the errors query gives a value when the service exports nothing (a constant or `or vector(0)`): "
                "obsc already counts absent errors as 0 while there is traffic; drop the constant (the generated "
                "tests feed the recorded rates, and a rule that writes them without input collides)",
            )
        )
    elif expression.role == "errors" and not any(s.name != "up" for s in selectors(tree)):
        found.append(
            (
                None,
                "the errors query reads no series of the service (only constants or `up`): count its failures, e.g. "
                "sum(rate(jobs_failed_total{$selector}[$window]))",
            )
        )
    return found


_UNKNOWN = re.compile(r"unknown function with name '(\w+)'")


def _parse_error(text: str, message: str) -> Finding:
    unknown = _UNKNOWN.search(message)
    if unknown:
        name = unknown.group(1)
        if name == "holt_winters":
            message = (
                "holt_winters() is gone in Prometheus 3 (renamed double_exponential_smoothing, which 2.x lacks): "
                "no name works on both, so obsc refuses it"
            )
        else:
            message = f"unknown PromQL function {name}()"
        return text_checks.call_offset(text, name), message
    if dotted := text_checks.dotted_name(text):
        return dotted
    dangling = text_checks.dangling_operator(text) if message == "invalid promql query" else None
    if dangling is not None:
        return dangling[0], f"PromQL does not parse: {dangling[1]!r} needs an expression after it"
    return None, f"PromQL does not parse: {message}"


def _type_problems(text: str, tree: Any, expression: Expression) -> list[Finding]:
    kind = value_type(tree)
    if kind == "vector":
        return []
    use = {
        "metric": "graphed and compared with thresholds",
        "error_ratio": "read as the SLI's error ratio",
    }.get(expression.role, "summed into the SLI's rate")
    return [(None, f"the expression gives a {kind}, but it is {use}: it must give an instant vector")]


_RATE_LIKE = ("rate", "irate", "increase", "resets")
_GAUGE_ONLY = ("delta", "idelta", "deriv", "predict_linear")


def _fit_problems(text: str, tree: Any, known: Mapping[str, str]) -> list[Finding]:
    found: list[Finding] = []
    for call in nodes_of(tree, pp.Call):
        name = call.func.name
        if name in _RATE_LIKE or name in _GAUGE_ONLY:
            arg = call.args[0] if call.args else None
            series = arg.vector_selector.name if isinstance(arg, pp.MatrixSelector) else None
            kind = known.get(series or "") or kind_by_name(series or "")
            if name in _RATE_LIKE and kind in ("gauge", "recorded rate"):
                said = "declared a gauge" if kind == "gauge" else "named as a recording rule's rate, ratio or mean"
                found.append(
                    (
                        text_checks.call_offset(text, name),
                        f"{name}() is for counters, and {series} is {said}: use deriv() or delta() for "
                        "its change, avg_over_time() for its level",
                    )
                )
            if name in _GAUGE_ONLY and kind == "counter":
                message = f"{name}() is for gauges, and {series} is a counter: use rate() or increase()"
                found.append((text_checks.call_offset(text, name), message))
        if name == "histogram_quantile" and len(call.args) == 2:
            names = {s.name for s in selectors(call.args[1]) if s.name}
            kinds = {known.get(n) or kind_by_name(n) for n in names}
            if names and kinds <= {"counter", "gauge", "_count or _sum series"}:
                first = sorted(names)[0]
                found.append(
                    (
                        text_checks.name_offset(text, first),
                        f"histogram_quantile() reads a histogram's buckets (a _bucket series, by le); {first} is "
                        f"not one (a {known.get(first) or kind_by_name(first)})",
                    )
                )
    return found


def series_types(metrics: Mapping[str, Metric]) -> dict[str, str]:
    """Series name → counter / gauge / bucket, as the spec declares its selector metrics."""
    out: dict[str, str] = {}
    for metric in metrics.values():
        if metric.selector is None:
            continue
        name = metric.selector.metric
        if metric.type is MetricType.HISTOGRAM:
            out.update({f"{name}_bucket": "bucket", f"{name}_count": "counter", f"{name}_sum": "counter"})
        else:
            out[name] = metric.type.value
    return out


# ---------------------------------------------------------------- the tree


def children(node: Any) -> list[Any]:
    """The sub-expressions of `node` ([] for a selector, a literal, and any kind not listed here)."""
    if isinstance(node, pp.Call):
        return list(node.args)
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, pp.AggregateExpr):
        return [node.expr] + ([node.param] if isinstance(node.param, pp.Expr) else [])
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    if isinstance(node, pp.ParenExpr | pp.UnaryExpr | pp.SubqueryExpr):
        return [node.expr]
    return []


def nodes_of(node: Any, kind: type) -> Iterator[Any]:
    if isinstance(node, kind):
        yield node
    for child in children(node):
        yield from nodes_of(child, kind)


def selectors(node: Any) -> list[Any]:
    return list(nodes_of(node, pp.VectorSelector))


_RETURNS = {"Vector": "vector", "Scalar": "scalar", "Matrix": "range vector", "String": "string"}


def value_type(node: Any) -> str:
    """What an expression evaluates to: vector, scalar, range vector or string."""
    if isinstance(node, pp.NumberLiteral):
        return "scalar"
    if isinstance(node, pp.StringLiteral):
        return "string"
    if isinstance(node, pp.MatrixSelector | pp.SubqueryExpr):
        return "range vector"
    if isinstance(node, pp.Call):
        return _RETURNS.get(str(node.func.return_type).rsplit(".", 1)[-1], "vector")
    if isinstance(node, pp.ParenExpr | pp.UnaryExpr):
        return value_type(node.expr)
    if isinstance(node, pp.BinaryExpr):
        scalar = value_type(node.lhs) == "scalar" and value_type(node.rhs) == "scalar"
        return "scalar" if scalar else "vector"
    return "vector"


def yields_without_series(node: Any) -> bool:
    """Whether the expression can give a sample when the service exports nothing but `up` (as in the
    generated "data missing" tests): constants, vector(), absent(), `or` with one of those."""
    return yields_where(node, lambda selector: selector.name in (None, "up"))


def yields_where(node: Any, present: Callable[[Any], bool]) -> bool:
    """Whether the expression can give a sample when `present` says which of its selectors select something."""
    if isinstance(node, pp.NumberLiteral | pp.StringLiteral):
        return True
    if isinstance(node, pp.VectorSelector):
        return present(node)
    if isinstance(node, pp.MatrixSelector):
        return yields_where(node.vector_selector, present)
    if isinstance(node, pp.ParenExpr | pp.UnaryExpr | pp.SubqueryExpr | pp.AggregateExpr):
        return yields_where(node.expr, present)
    if isinstance(node, pp.Call):
        if node.func.name in ("absent", "absent_over_time", "scalar", "vector", "time", "pi"):
            return True
        data = [a for a in node.args if value_type(a) in ("vector", "range vector")]
        return yields_where(data[0], present) if data else True
    assert isinstance(node, pp.BinaryExpr)
    left, right = yields_where(node.lhs, present), yields_where(node.rhs, present)
    op = str(node.op)
    if op == "or":
        return left or right
    if op == "unless":
        return left
    return left and right


def reads_service_series(text: str) -> bool:
    """Whether a spec query reads a series other than `up` (a parse failure is reported elsewhere: False)."""
    filled = text_checks.fill(text, selector=render_matchers(_SAMPLE_SELECTOR), window="5m")
    try:
        return any(s.name != "up" for s in selectors(promql_tree.parse(filled)))
    except ValueError:
        return False
