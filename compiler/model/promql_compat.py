"""What the parser accepts and Prometheus 2.42 (the oldest server obsc generates for) refuses.

`promql-parser` follows newer Prometheus: it knows functions and aggregations 2.42 lacks, `or` between
label matchers and quoted (UTF-8) names, and its regexes are Rust's (`a**`, `a{1001}`, `(?<name>a)` pass;
Go's regexp refuses them: model/promql_regex.py). Rules using them pass `obsc validate` and fail `promtool`
or the server, so they are refused here. The lists are checked against the installed promtool by
tests/test_promql_check.py (the regexes by tests/hostile/test_input_regex.py).
"""

from __future__ import annotations

from typing import Any

import promql_parser as pp

from compiler.model import promql_text as text_checks
from compiler.model.promql_regex import regex_problem

# promql/parser/functions.go at v2.42.0 (holt_winters is refused apart: gone in 3.0).
# fmt: off
FUNCTIONS = frozenset({
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time", "ceil",
    "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "day_of_month", "day_of_week",
    "day_of_year", "days_in_month", "deg", "delta", "deriv", "exp", "floor", "histogram_count", "histogram_fraction",
    "histogram_quantile", "histogram_sum", "hour", "idelta", "increase", "irate", "label_join", "label_replace",
    "last_over_time", "ln", "log10", "log2", "max_over_time", "min_over_time", "minute", "month", "pi",
    "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn",
    "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan",
    "tanh", "time", "timestamp", "vector", "year",
})
# fmt: on
AGGREGATIONS = frozenset(
    ("sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile")
)


def compat_problems(text: str, tree: Any) -> list[text_checks.Finding]:
    found: list[text_checks.Finding] = []
    for node in _walk(tree):
        if isinstance(node, pp.Call) and node.func.name not in FUNCTIONS:
            name = node.func.name
            found.append((text_checks.call_offset(text, name), f"{name}() is not in Prometheus 2.42"))
        elif isinstance(node, pp.AggregateExpr) and str(node.op) not in AGGREGATIONS:
            found.append((text_checks.call_offset(text, str(node.op)), f"{node.op}() is not in Prometheus 2.42"))
        elif isinstance(node, pp.VectorSelector):
            found += _selector_problems(text, node)
        if isinstance(node, pp.Call) and node.func.name == "label_replace":
            found += _replace_problems(text, node)
    return found


def _replace_problems(text: str, node: Any) -> list[text_checks.Finding]:
    """label_replace's regex is Go regexp too, compiled and run over every series at every evaluation (each step
    of a subquery): the bound on matchers' regexes holds for it. Prometheus checks it only when the rule runs, so
    one Go refuses passed promtool's check and failed every evaluation (its alert dead)."""
    argument = node.args[4] if len(node.args) == 5 else None
    if not isinstance(argument, pp.StringLiteral) or (problem := regex_problem(argument.val)) is None:
        return []
    return [(text_checks.call_offset(text, "label_replace"), f"label_replace(): {problem}")]


def _selector_problems(text: str, node: Any) -> list[text_checks.Finding]:
    regexes = [m.value for m in node.matchers.matchers if str(m.op).rsplit(".", 1)[-1] in ("Re", "NotRe")]
    found: list[text_checks.Finding] = [(None, p) for p in map(regex_problem, regexes) if p is not None]
    if node.matchers.or_matchers:  # quoted (UTF-8) names are found in the text: promql_text.quoted_names
        found.append((None, "`or` between label matchers is not in Prometheus 2.42: write two selectors joined by or"))
    return found


def _walk(node: Any) -> list[Any]:
    out: list[Any] = []
    pp.walk(node, pre_visit=lambda n: out.append(n))
    return out
