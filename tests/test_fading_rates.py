"""The guard that ends a rate-based saturation signal with its counters (compiler/model/fading_rates.py): it
must read the same series as the expression (values quoted as PromQL wants them), never empty a signal whose
expression reads alternatives (cgroup v1 or v2 names, one of which never exists), and stand aside where it
cannot say what "now" is (an `offset`)."""

from __future__ import annotations

from pathlib import Path

import promql_parser as pp

from compiler.model.fading_rates import live_inputs, recorded_while_live
from tests.test_sli_semantics import _promtool, _rules


def test_the_guard_quotes_what_the_expression_matches() -> None:
    expr = r'sum(rate(x{path=~"/api/.*\\.json",a!="q\"z"}[5m])) / sum(y)'
    guard = live_inputs(expr)
    assert guard == r'group(x{path=~"/api/.*\\.json",a!="q\"z"})'  # the parser's own text dropped both escapes
    pp.parse(recorded_while_live(expr))
    assert live_inputs('sum(rate({__name__=~"a|b",job="j"}[5m]))') == 'group({__name__=~"a|b",job="j"})'
    assert live_inputs("sum(rate(a[5m]))") == "group(a)"


def test_no_guard_for_gauges_or_offsets() -> None:
    assert live_inputs("sum(x) / sum(y)") is None  # a gauge's signal ends with its series already
    assert live_inputs("sum(rate(a[5m])) / sum(rate(b[5m] offset 1h))") is None
    assert recorded_while_live("sum(x)") == "sum(x)"


V1 = "sum(rate(cgroup_v1_usage_seconds_total{$selector}[$window]))"
V2 = "sum(rate(cgroup_v2_usage_seconds_total{$selector}[$window]))"
SPEC = f"""apiVersion: obsc/v1
service: api
team: core
selector: {{job: api}}
metrics:
  cpu: ({V1} or {V2}) / sum(limits{{$selector}})
"""


def test_a_signal_reading_alternatives_keeps_the_one_that_exists(tmp_path: Path) -> None:
    # only the v2 counter exists: the signal is read (and the alert fires) as without the guard; it ends at once
    # when that counter goes
    rules = _rules(tmp_path, "api", SPEC)
    sel = 'job="api",instance="i1"'
    series = {f"cgroup_v2_usage_seconds_total{{{sel}}}": "0+60x30 stale", f"limits{{{sel}}}": "1x60"}
    signal = 'service:cpu_utilisation:ratio{service="api"}'
    checks: list[dict[str, object]] = [
        {"expr": signal, "eval_time": "20m", "exp_samples": [{"labels": signal, "value": 1}]},
        {"expr": f"count({signal}) or vector(0)", "eval_time": "31m", "exp_samples": [{"labels": "{}", "value": 0}]},
    ]
    assert _promtool(tmp_path, rules, "api", series, checks) == ""
