"""The line-by-line writers of rule and test files give exactly what the generic `dump` gives for the
same data as dicts (the shape they used to build): on the examples in every layout, and on odd values."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.api import compile_specs
from compiler.model.types import Service
from compiler.targets.prometheus import layouts
from compiler.targets.prometheus.promtool import render
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, ExprCheck, Firing, InputSeries
from compiler.targets.prometheus.rule_model import Group, Rule, ServiceRules
from compiler.targets.prometheus.rule_text import groups_lines
from compiler.targets.prometheus.rules import service_rules
from compiler.targets.prometheus.yaml_emit import dump
from tests.conftest import ROOT


def _duration(seconds: int) -> str:
    return render._duration(seconds)


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


def _rule_dict(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"alert": rule.alert} if rule.alert else {"record": rule.record}
    out["expr"] = rule.expr
    if rule.for_seconds:
        out["for"] = _duration(rule.for_seconds)
    if rule.keep_firing_seconds:
        out["keep_firing_for"] = _duration(rule.keep_firing_seconds)
    if rule.labels:
        out["labels"] = dict(rule.labels)
    if rule.annotations:
        out["annotations"] = dict(rule.annotations)
    return out


def _groups(groups: tuple[Group, ...]) -> list[dict[str, Any]]:
    out = []
    for group in groups:
        entry: dict[str, Any] = {"name": group.name}
        if group.interval_seconds:
            entry["interval"] = _duration(group.interval_seconds)
        entry["rules"] = [_rule_dict(r) for r in group.rules]
        out.append(entry)
    return out


def _test_file_by_dicts(service: str, rules: ServiceRules, cases: list[Case], step: int) -> str:
    document = {
        "rule_files": [f"../rules/{service}.yaml"],
        "evaluation_interval": _duration(step),
        "group_eval_order": [g.name for g in rules.groups],
        "tests": [_case_dict(c) for c in cases],
    }
    return dump(document)


def _direct_test_file(service: str, rules: ServiceRules, cases: list[Case], step: int) -> str:
    text = render._file_text(cast(Service, SimpleNamespace(name=service)), rules, cases, step)
    return text.split("\n", 2)[2]  # after the two comment lines


_TEXT = st.sampled_from(["yes", "a: b", "x #y", "", " lead", "5m", 'say "hi"', "back\\slash", "ünï", "\x07bell"])
_TEXT = _TEXT | st.text(max_size=12) | st.sampled_from(["a\nb", "a\n\nb\n", "a\tb\nc", "\nx", "line\n"])
_PAIRS = st.lists(st.tuples(st.sampled_from(["service", "slo", "y", "a b", "team"]), _TEXT), max_size=3)


@st.composite
def _cases(draw: st.DrawFn) -> Case:
    series = tuple(
        InputSeries(draw(st.sampled_from(["up", "x:rate5m"])), tuple(draw(_PAIRS)), draw(_TEXT))
        for _ in range(draw(st.integers(0, 2)))
    )
    firing = st.builds(Firing, st.builds(tuple, _PAIRS), st.builds(tuple, _PAIRS))
    alerts = draw(
        st.lists(
            st.builds(AlertCheck, st.integers(0, 90000), _TEXT, st.builds(tuple, st.lists(firing, max_size=2))),
            max_size=2,
        )
    )
    samples = st.lists(st.tuples(_TEXT, st.floats(allow_nan=True) | st.integers()), max_size=2)
    exprs = draw(st.lists(st.builds(ExprCheck, st.integers(0, 90000), _TEXT, st.builds(tuple, samples)), max_size=2))
    return Case(draw(_TEXT), draw(st.integers(0, 7200)), series, tuple(alerts), tuple(exprs))


_RULES = st.builds(
    Rule,
    expr=_TEXT,
    record=_TEXT,
    alert=_TEXT,
    for_seconds=st.integers(0, 7200),
    keep_firing_seconds=st.integers(0, 600),
    labels=st.builds(tuple, _PAIRS),
    annotations=st.builds(tuple, _PAIRS),
)
_GROUPS = st.lists(
    st.builds(Group, _TEXT, st.builds(tuple, st.lists(_RULES, max_size=3)), st.integers(0, 600)), max_size=3
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_cases(), max_size=3), _GROUPS, st.sampled_from([60, 1800, 21600]))
def test_test_file_writer_matches_the_generic_writer(cases: list[Case], groups: list[Group], step: int) -> None:
    rules = ServiceRules("svc", tuple(groups))
    assert _direct_test_file("svc", rules, cases, step) == _test_file_by_dicts("svc", rules, cases, step)


@settings(max_examples=150, deadline=None)
@given(_GROUPS, st.sampled_from(["", "  "]))
def test_rule_writer_matches_the_generic_writer(groups: list[Group], base: str) -> None:
    out: list[str] = []
    groups_lines(tuple(groups), base, out)
    expected = dump({"groups": _groups(tuple(groups))})
    if base:  # nested one level down, as the operator layout's spec.groups
        expected = dump({"spec": {"groups": _groups(tuple(groups))}}).split("\n", 1)[1]
    assert "\n".join(out) + "\n" == expected


def test_examples_match_the_generic_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule file of the examples in each layout, and every test file, as the dicts would give."""
    fleet = compile_specs([str(ROOT / "examples")]).fleet
    compared: list[str] = []
    write_test_file = render._file_text

    def compare(service: Service, rules: ServiceRules, cases: list[Case], step: int) -> str:
        text = write_test_file(service, rules, cases, step)
        assert text.split("\n", 2)[2] == _test_file_by_dicts(service.name, rules, cases, step)
        compared.append(service.name)
        return text

    monkeypatch.setattr(render, "_file_text", compare)
    for service in fleet.services:
        rules = service_rules(service, fleet.platform)
        render.test_files(service, rules)
        document: dict[str, Any] = {"groups": _groups(rules.groups)}
        assert layouts.render(rules, service.team, "prometheus") == dump(document)
        assert layouts.render(rules, service.team, "mimir") == dump({"namespace": service.name, **document})
        operator = layouts.render(rules, service.team, "prometheus-operator")
        assert operator.split("\nspec:\n", 1)[1] == dump({"spec": document}).split("\n", 1)[1]
    assert len(set(compared)) == len(fleet.services) >= 3


def test_scalar_spellings_kept_by_the_fast_paths() -> None:
    """Empty lines of a literal block carry no indent; quotes and backslashes of printable text are
    escaped, other text keeps the per-character escapes."""
    assert dump({"expr": "a\n\nb\nc"}) == "expr: |-\n  a\n\n  b\n  c\n"
    assert dump({"m": {"expr": "a\nb\n"}}) == "m:\n  expr: |\n    a\n    b\n"
    assert dump({"x": 'a: "b\\c"'}) == 'x: "a: \\"b\\\\c\\""\n'
    assert dump({"x": 'say "hi"\x07'}) == 'x: "say \\"hi\\"\\x07"\n'
