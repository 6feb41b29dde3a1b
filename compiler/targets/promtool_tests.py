"""Generated promtool unit tests: every alert a service emits, proven to fire and proven to stay quiet.

Each alert rule gets a positive case (inputs that make it fire; the test asserts its exact labels and
annotations, and every other alert of the same name firing at that moment) and negative cases: inputs
at 0.8x its line; for burn-rate alerts a burst that ended (short window back under the line) and a
fresh spike the long window has not caught up with; traffic under min_traffic or the low-traffic
floor. Inputs are the recorded series the alerts read, so every SLI kind and free-PromQL metric is
testable; SLO recording rules get their own cases from raw counters where obsc can synthesise series
the selectors match. Every mutant of the examples' alert expressions fails a case
(tests/test_prometheus_mutations.py).

Expected values are computed here from the model (an oracle independent of the PromQL), with inputs
chosen so that values are exact or far from any rounding edge of the annotation text.

Two files per service at most: `<service>.test.yaml` and, for alerts that compare with a day or a week
ago, `<service>.long.test.yaml`, each with the longest evaluation step its cases allow: promtool
evaluates every rule at every step from 0 (a week at 1-minute steps took 21 s in one file). Cases
of different SLOs run side by side in one test group (see `merge`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from compiler import conventions as names
from compiler.model.types import Service
from compiler.model.units import format_duration
from compiler.output.bundle import Artifact
from compiler.targets import prometheus_templates as tmpl
from compiler.targets.prometheus_model import Rule, ServiceRules, series
from compiler.targets.prometheus_yaml import dump

# evaluation_interval of the main and the long-horizon test files, seconds: promtool evaluates every rule
# at every step, so steps are as long as the alerts' `for` and windows allow (`for` of 2m and 15m then
# both fire at the first step; the cases still tell firing from quiet).
MAIN_STEP = 1800
LONG_STEP = 7200
EXPR_TOLERANCE = "1e-9"


@dataclass(frozen=True)
class InputSeries:
    name: str
    labels: tuple[tuple[str, str], ...]
    values: str

    def selector(self) -> str:
        return series(self.name, dict(self.labels))


@dataclass(frozen=True)
class Firing:
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AlertCheck:
    at: int  # seconds
    alertname: str
    firing: tuple[Firing, ...]


@dataclass(frozen=True)
class ExprCheck:
    at: int
    expr: str
    samples: tuple[tuple[str, float], ...]  # (labels as `{a="b"}`, value)


Predict = Callable[[str, int], tuple[Firing, ...]]


@dataclass(frozen=True)
class Case:
    name: str
    interval: int  # seconds between input samples
    series: tuple[InputSeries, ...]
    alerts: tuple[AlertCheck, ...] = ()
    exprs: tuple[ExprCheck, ...] = ()
    # What fires for (alert name, time) under this case's inputs: lets cases whose alerts share names
    # (the SLOs of one service) run side by side in one test group.
    predict: Predict | None = None


def merge(lanes: list[list[Case]]) -> list[Case]:
    """Run the i-th case of every lane in one test group: promtool evaluates every rule at every step, so
    independent inputs evaluated together cost one timeline instead of several. Lanes must not feed each
    other's rules; lanes sharing alert names must all `predict`."""
    out = []
    for row in zip_longest(*lanes):
        parts = [c for c in row if c is not None]
        if len(parts) == 1:
            out.append(parts[0])
            continue
        predicting = [c for c in parts if c.predict is not None]
        asked = sorted({(check.at, check.alertname) for c in predicting for check in c.alerts})
        checks = [check for c in parts if c.predict is None for check in c.alerts]
        for at, name in asked:
            fired = tuple(f for c in predicting if c.predict is not None for f in c.predict(name, at))
            checks.append(AlertCheck(at, name, fired))
        out.append(
            Case(
                "; ".join(c.name for c in parts),
                parts[0].interval,
                tuple(s for c in parts for s in c.series),
                tuple(checks),
                tuple(e for c in parts for e in c.exprs),
            )
        )
    return out


def firing(rule: Rule, value: float, query_labels: dict[str, str] | None = None) -> Firing:
    """What promtool must see for `rule` firing with `value`: its labels, its annotations rendered."""
    rendered = tuple((k, tmpl.render(v, value, query_labels)) for k, v in rule.annotations)
    return Firing(rule.labels, rendered)


def steps_after(seconds: int, step: int) -> int:
    """The first evaluation time (a multiple of `step`) at or after `seconds`."""
    return -(-seconds // step) * step


def hold_times(hold: int, step: int) -> list[int]:
    """The first step at which an alert held for `hold` fires, and the step before it (still pending)."""
    at = steps_after(hold, step)
    return [at - step, at] if at - step >= 0 else [at]


def near(expr: str, value: float) -> str:
    """A PromQL check that `expr` is present and within tolerance of `value` (1 when true)."""
    return f"abs({expr} - {value!r}) < bool {EXPR_TOLERANCE}"


def test_files(service: Service, rules: ServiceRules) -> list[Artifact]:
    from compiler.targets.promtool_key_cases import key_cases
    from compiler.targets.promtool_slo_cases import slo_cases

    alert_lanes, raw_lanes = slo_cases(service, rules, MAIN_STEP)
    keys: list[Case] = []
    long: list[Case] = []
    for case, is_long in key_cases(service, rules, MAIN_STEP, LONG_STEP):
        (long if is_long else keys).append(case)
    main = merge([*alert_lanes, keys]) + merge(raw_lanes)
    out = []
    for part, cases, step in (("", main, MAIN_STEP), ("long", long, LONG_STEP)):
        if cases:
            path = names.promtool_test_path(service.name, part)
            out.append(Artifact(path, _file_text(service, rules, cases, step)))
    return out


def _duration(seconds: int) -> str:
    return format_duration(seconds) if seconds else "0m"


def _case_dict(case: Case) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": case.name,
        "interval": _duration(case.interval),
        "input_series": [{"series": s.selector(), "values": s.values} for s in case.series],
    }
    if case.alerts:
        out["alert_rule_test"] = [
            {
                "eval_time": _duration(c.at),
                "alertname": c.alertname,
                "exp_alerts": [
                    {"exp_labels": dict(f.labels), "exp_annotations": dict(f.annotations)}
                    for f in sorted(c.firing, key=lambda f: f.labels)
                ],
            }
            for c in case.alerts
        ]
    if case.exprs:
        out["promql_expr_test"] = [
            {
                "expr": c.expr,
                "eval_time": _duration(c.at),
                "exp_samples": [{"labels": labels, "value": value} for labels, value in c.samples],
            }
            for c in case.exprs
        ]
    return out


def _file_text(service: Service, rules: ServiceRules, cases: list[Case], step: int) -> str:
    rule_file = names.prometheus_rules_path(service.name)
    relative = "../" + rule_file.split("/", 1)[1]
    document = {
        "rule_files": [relative],
        "evaluation_interval": format_duration(step),
        "group_eval_order": [g.name for g in rules.groups],
        "tests": [_case_dict(c) for c in cases],
    }
    note = (
        f"# promtool test rules for {service.name}; rule_files is the plain layout's path (with\n"
        "# --format prometheus-operator or mimir, `obsc compile` extracts the groups there before testing).\n"
    )
    return note + dump(document)
