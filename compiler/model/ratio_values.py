"""What a threshold alert's gauge expression reads where it divides: NaN at 0/0, +Inf at x/0 (round 41).

NaN: a cache hit ratio with no requests, a drain time with nothing queued and nothing processed, a
`histogram_quantile` over no observations are 0/0, a value undefined while idle. The signal left NaN out
(`x >= -Inf`, round 25, for an exporter's "could not compute"), so an idle expression had no series, and the
missing-data twin read idleness as a gone exporter: `below: 80%` on a hit ratio ticketed every idle night from
its 10th minute (a critical one paged). An expression that divides or takes a quantile now keeps a group whose
every value is NaN as one NaN series: under no line and over none, and there, so the twin stays quiet. A group
with numbers still reads only them (a NaN partition does not poison a sum). No series at all is still missing data.

+Inf: x/0 is over every `above:` line. Right for a backlog that is not draining (lag / rate of processing);
wrong for a capacity where 0 means "no limit" (Redis `maxmemory 0`, a container without a memory limit): a
Redis memory alert fired on a healthy Redis at its 10th minute and never stopped. obsc cannot tell the two, so an
`above:` alert whose expression divides by a limit setting (a series named `max`, `limit`, `quota`, `capacity`)
read as it is (no range: not a rate), without a guard (`> 0`, `!= 0`, `clamp_min`), is warned at its line, with
the guard that reads 0 as no value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import promql_parser as pp

from compiler.errors import Diagnostic
from compiler.model import promql_tree
from compiler.model.build_context import Ctx
from compiler.model.promql_check import nodes_of
from compiler.model.threshold_paths import written_indexes
from compiler.model.types import Comparison, Metric, MetricType, ThresholdAlert

_UNDEFINED_CALLS = frozenset({"histogram_quantile", "histogram_fraction"})
_FILTERS = frozenset({">", "!="})  # a filter that drops a 0 divisor (`>= 0` keeps it)
_CLAMPS = frozenset({"clamp_min", "clamp"})
# Settings exporters report as 0 for "no limit": Redis `redis_memory_max_bytes` (maxmemory), cAdvisor's
# `container_spec_memory_limit_bytes`, kube-state-metrics' `..._resource_limits`, quotas. A size or a total
# (`node_filesystem_size_bytes`) is 0 only with its part 0 too: 0/0, NaN, no value. Warning on every gauge ratio
# would bury this one under sizes.
_LIMIT = re.compile(r"(?:^|_)(?:max|maxmemory|limit|limits|quota|quotas|capacity)(?:_|$)")
# Limit settings their servers refuse to set to 0, so no guard is owed (round 42: the warning fired on the usual
# MySQL `threads_connected / max_connections`): MySQL's and PostgreSQL's `max_connections` (minimum 1 in both
# servers' references) and a process's open-file limit (a process at 0 could not open the socket it is scraped
# on). MySQL's `max_user_connections` stays warned: there 0 is "no limit".
_NEVER_ZERO = frozenset({"mysql_global_variables_max_connections", "pg_settings_max_connections", "process_max_fds"})


def _tree(expr: str) -> Any | None:
    try:
        return promql_tree.parse_filled(expr, window="5m", selector="")
    except ValueError:
        return None


def _walk(node: Any) -> list[Any]:
    return list(nodes_of(node, object))


def undefined_when_idle(metric: Metric) -> bool:
    """Whether the metric is a gauge expression that divides or takes a quantile: NaN there is 0/0 or no
    observations (idle), not data missing."""
    if metric.selector is not None or metric.type is MetricType.COUNTER or not metric.expr:
        return False
    tree = _tree(metric.expr)
    return tree is not None and any(_divides(n) or _quantile(n) for n in _walk(tree))


def _divides(node: Any) -> bool:
    return isinstance(node, pp.BinaryExpr) and str(node.op) == "/"


def _quantile(node: Any) -> bool:
    return isinstance(node, pp.Call) and node.func.name in _UNDEFINED_CALLS


def unguarded_gauge_divisors(expr: str) -> list[str]:
    """The divisors of `expr` that read a limit setting as it is (no range: a rate at 0 is idleness, and x/0 over
    it a backlog that is not draining) and that nothing keeps from 0."""
    tree = _tree(expr)
    if tree is None:
        return []
    found = []
    for node in _walk(tree):
        if not _divides(node):
            continue
        under = _walk(node.rhs)
        reads = any(isinstance(n, pp.VectorSelector) and _may_be_no_limit(n.name or "") for n in under)
        ranged = any(isinstance(n, pp.MatrixSelector | pp.SubqueryExpr) for n in under)
        if reads and not ranged and not any(_guard(n) for n in under):
            found.append(str(node.rhs))
    return found


def _may_be_no_limit(name: str) -> bool:
    return bool(_LIMIT.search(name)) and name not in _NEVER_ZERO


def _guard(node: Any) -> bool:
    """Whether `node` keeps 0 out: `> 0` (any line from 0 up), `!= 0`, `clamp_min(D, m)` with m above 0; a
    written number that lets 0 through (`> -1`, `!= 5`, `clamp_min(D, 0)`) is no guard (round 42: each passed as
    one, and the +Inf alert went unwarned). A line obsc cannot read (a series) is taken as meant."""
    if isinstance(node, pp.Call):
        low = node.args[1] if node.func.name in _CLAMPS and len(node.args) > 1 else None
        return node.func.name in _CLAMPS and (not isinstance(low, pp.NumberLiteral) or low.val > 0)
    if not isinstance(node, pp.BinaryExpr) or str(node.op) not in _FILTERS:
        return False
    if node.modifier is not None and node.modifier.return_bool:
        return False
    line = node.rhs.val if isinstance(node.rhs, pp.NumberLiteral) else None
    return line is None or (line >= 0 if str(node.op) == ">" else line == 0)


def infinite_ratio_lines(data: Mapping[str, Any], alerts: Sequence[ThresholdAlert], ctx: Ctx) -> tuple[Diagnostic, ...]:
    """A located warning, at `above:`, for each alert over a gauge expression that divides by an unguarded
    gauge (see the module's docstring)."""
    index = written_indexes(data)
    found = []
    for alert in alerts:
        metric = alert.metric
        if alert.comparison is not Comparison.ABOVE or alert.name not in index or metric.selector is not None:
            continue
        if metric.type is MetricType.COUNTER or not metric.expr:
            continue
        divisors = unguarded_gauge_divisors(metric.expr)
        if divisors:
            path = ("threshold_alerts", index[alert.name], "above")
            found.append(Diagnostic(ctx.loc(path), path, _message(metric.name, divisors[0])))
    return tuple(found)


def _message(metric: str, divisor: str) -> str:
    return (
        f"metric {metric!r} divides by {divisor}, a gauge that may be 0 ('no limit': Redis maxmemory 0, a "
        "container without a memory limit, a setting left unset); x / 0 is +Inf, over any line, and this alert "
        "then fires for good. If 0 means no limit, write the divisor as `(D > 0 or D * NaN)`: 0 reads as no "
        "value (quiet) and a gone exporter still fires the missing-data alert; if 0 is a real capacity, keep it"
    )
