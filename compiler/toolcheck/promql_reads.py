"""The metric names a PromQL expression reads, or None when it may read any series.

A focused promtool run (see `promtool_focus`) gives a test only the rules its assertions can read, so this
must never answer too few names: a selector without a fixed name (`{job="x"}`, a `__name__` regex), an
expression the parser refuses, or a node kind not known here all answer None ("anything").
"""

from __future__ import annotations

import functools
import re
from typing import Any

import promql_parser as pp

from compiler.model import promql_tree
from compiler.model.promql_check import children, value_type
from compiler.model.promql_regex import regex_problem

_LEAVES = (pp.NumberLiteral, pp.StringLiteral)
# The kinds whose sub-expressions `children` (the spec checks' walker) lists; any other kind reads "anything".
_BRANCHES = (pp.Call, pp.BinaryExpr, pp.AggregateExpr, pp.MatrixSelector, pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)


@functools.lru_cache(maxsize=1 << 14)  # a fleet's rules repeat the same expressions per service
def metric_names(expr: str) -> frozenset[str] | None:
    try:
        tree = promql_tree.parse(expr)
    except (ValueError, TypeError):
        return None
    names: set[str] = set()
    try:
        return frozenset(names) if _collect(tree, names) else None
    except RecursionError:  # nested deeper than Python's stack: unknown, so "anything"
        return None


def _collect(node: Any, names: set[str]) -> bool:
    """Add the names `node` reads to `names`; False when it may read any series."""
    if isinstance(node, pp.VectorSelector):
        name = _selector_name(node)
        if name is None:
            return False
        names.add(alert_series_of(name, _alertname(node)))
        return True
    if isinstance(node, _LEAVES):
        return True
    if not isinstance(node, _BRANCHES):
        return False  # a kind the spec checks' walker does not know: it would read as a leaf there
    return all(_collect(child, names) for child in children(node))


ALERT_SERIES = ("ALERTS", "ALERTS_FOR_STATE")  # what every alerting rule writes, labelled with its alertname


def alert_series_of(name: str, alertname: str | None) -> str:
    """The name read for `name`: for an alert series selected by one exact `alertname` (a burn pair reading its
    own ALERTS) `ALERTS{alertname="X"}`, which only rules named X produce (Prometheus sets the label from the
    rule's name, over any label the rule writes); any other selector reads the plain name."""
    if name not in ALERT_SERIES or alertname is None:
        return name
    return f'{name}{{alertname="{alertname}"}}'


def _alertname(selector: Any) -> str | None:
    """The one exact alertname a selector asks for, or None."""
    found = [m for m in selector.matchers.matchers if m.name == "alertname"]
    if len(found) != 1 or found[0].op != pp.MatchOp.Equal:
        return None
    return str(found[0].value)


def _selector_name(selector: Any) -> str | None:
    if selector.matchers.or_matchers:
        return None  # `{a="1" or b="2"}`: not in Prometheus 2.42 anyway
    fixed = [m.value for m in selector.matchers.matchers if m.name == "__name__"]
    if selector.name:
        return str(selector.name) if not fixed else None
    if len(fixed) == 1 and all(m.op == pp.MatchOp.Equal for m in selector.matchers.matchers if m.name == "__name__"):
        return str(fixed[0])
    return None


# ---------------------------------------------------------------- whether an expression can produce anything

# Functions whose result is empty whenever each argument that is not a literal is empty. Anything else
# (`vector`, `absent`, `absent_over_time`, `time`, `scalar`, the date functions, which read `time()` when
# called without an argument, and any name not listed) may produce a sample from no data at all.
_EMPTY_IN_EMPTY_OUT = frozenset(
    {
        "abs", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "delta", "deriv", "exp", "floor",
        "histogram_quantile", "holt_winters", "idelta", "increase", "irate", "label_join", "label_replace", "ln",
        "log10", "log2", "predict_linear", "rate", "resets", "round", "sgn", "sort", "sort_desc", "sqrt",
        "timestamp", "avg_over_time", "count_over_time", "last_over_time", "max_over_time", "min_over_time",
        "present_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time", "sum_over_time",
    }
)  # fmt: skip

# When an expression may produce a sample: True (always, as far as this module can tell) or a formula over
# metric names: ("name", n) holds when series named n exist; ("all", parts) and ("any", parts).
Producing = bool | tuple[str, Any]


@functools.lru_cache(maxsize=1 << 14)
def producing(expr: str) -> Producing:
    """The condition under which `expr` can produce a sample: with no series of any name it reads, an
    aggregation, a rate or `a * b` is empty at every step; `absent(a)`, `vector(1)` or `a or vector(0)` are
    not, and neither is an expression that fails to evaluate without data (`_may_fail`). Must never answer
    "empty" for an expression that is not: anything unsure answers True."""
    try:
        tree = promql_tree.parse(expr)
        if value_type(tree) != "vector" or _may_fail(tree):
            return True  # a range vector or a string fails as a rule at every step, with or without data
        return _producing(tree)
    except (ValueError, TypeError, RecursionError):
        return True


def may_produce(condition: Producing, present: frozenset[str] | set[str]) -> bool:
    """Whether `condition` (from `producing`) holds when series exist under exactly the names `present`."""
    if isinstance(condition, bool):
        return condition
    kind, operand = condition
    if kind == "name":
        return operand in present
    if kind == "all":
        return all(may_produce(part, present) for part in operand)
    return any(may_produce(part, present) for part in operand)


def _producing(node: Any) -> Producing:
    if isinstance(node, pp.VectorSelector):
        name = _selector_name(node)
        return True if name is None else ("name", name)
    if isinstance(node, pp.MatrixSelector | pp.ParenExpr | pp.UnaryExpr | pp.SubqueryExpr):
        return _producing(children(node)[0])
    if isinstance(node, pp.AggregateExpr):  # `topk(k, v)`, `count_values("l", v)`: empty when v is
        return _producing(node.expr)
    if isinstance(node, pp.Call):
        args = [a for a in node.args if not isinstance(a, _LEAVES)]
        if node.func.name not in _EMPTY_IN_EMPTY_OUT or not args:
            return True
        return _either([_producing(a) for a in args])
    if isinstance(node, pp.BinaryExpr):
        op = str(node.op)
        left, right = _producing(node.lhs), _producing(node.rhs)
        if op == "or":
            return _either([left, right])
        if op == "unless":
            return left
        # `and`, arithmetic and comparisons: a vector side that is empty leaves nothing to match. A scalar
        # side always answers True here (literals, `time()`, `scalar(...)`), so `v * 2` depends on v alone.
        return _both([left, right])
    return True  # literals (a scalar is a sample) and any kind not known here


def _either(parts: list[Producing]) -> Producing:
    if any(p is True for p in parts):
        return True
    kept = tuple(p for p in parts if p is not False)
    return kept[0] if len(kept) == 1 else ("any", kept) if kept else False


def _both(parts: list[Producing]) -> Producing:
    if any(p is False for p in parts):
        return False
    kept = tuple(p for p in parts if p is not True)
    return kept[0] if len(kept) == 1 else ("all", kept) if kept else True


# ---------------------------------------------------------------- what fails to evaluate with no data at all

# Prometheus 2.42 checks these arguments at every step, series or not, and fails the rule's evaluation (a
# failed `promtool test rules`): label names (`model.LabelNameRE`), label_replace's regex, topk's k.
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_INT64 = (-9223372036854775808, 9223372036854774784)  # Go's convertibleToInt64 bounds


def _may_fail(node: Any) -> bool:
    """Whether `node` or any part of it may fail to evaluate when no series exists: `count_values("a-b", x)`,
    `topk(scalar(k), x)` (NaN), `label_replace(x, "a-b", ...)`, a regex Go refuses. Unsure answers True."""
    return _fails_here(node) or any(_may_fail(child) for child in children(node))


def _fails_here(node: Any) -> bool:
    if isinstance(node, pp.AggregateExpr):
        op = str(node.op)
        if op in ("topk", "bottomk"):
            k = node.param
            return not (isinstance(k, pp.NumberLiteral) and _INT64[0] <= k.val <= _INT64[1])
        if op == "count_values":
            return not _is_label_name(node.param)
        return False
    if isinstance(node, pp.Call) and node.func.name in ("label_replace", "label_join"):
        args = list(node.args)
        if node.func.name == "label_join":
            return not all(_is_label_name(a) for a in args[1:2] + args[3:])
        if len(args) != 5 or not _is_label_name(args[1]) or not isinstance(args[4], pp.StringLiteral):
            return True
        regex = str(args[4].val)  # the parser keeps escapes as written: Go's unquoted text is not known then
        return "\\" in regex or regex_problem(f"^(?:{regex})$") is not None
    return False


def _is_label_name(node: Any) -> bool:
    return isinstance(node, pp.StringLiteral) and _LABEL_NAME.fullmatch(str(node.val)) is not None
