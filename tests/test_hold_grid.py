"""The holds file (round 31): the holds a coarser grid pins as well as 1m are tested at that grid, in
`<service>.holds.test.yaml`, and the rest stay in the 1m scrapes file.

A grid step s pins a hold when s <= every `for` and s < every `keep_firing_for` (hold_grid.py). The step is
chosen per service; the examples' and the bench fleet's holds (15m/5m key alerts, 5m budget and slow-burn holds,
a 5m ServiceDown) give 4m, while the fast burn pages (2m `for`, 2m `keep_firing_for`) stay at 1m. Each hold
mutant of an alert the holds file takes fails that file alone under promtool."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import pytest
import yaml

from compiler.api import compile_specs
from compiler.targets.prometheus.promtool.hold_grid import allowed_step, holds_step
from compiler.targets.prometheus.rule_model import Rule
from tests.conftest import ROOT, require_tool


def _held(for_minutes: int, keep_minutes: int = 0) -> Rule:
    return Rule("x > 1", alert="A", for_seconds=for_minutes * 60, keep_firing_seconds=keep_minutes * 60)


@pytest.mark.parametrize(
    ("holds", "step"),
    [
        ([(15, 5)], 4),  # under the keep_firing_for, strictly
        ([(5, 15)], 5),  # at the `for`
        ([(15, 0), (5, 0)], 5),  # the shortest `for` of the unit
        ([(2, 15), (15, 2)], 1),  # the fast pages: 1m only
        ([(0, 0)], 1),  # nothing to pin
        ([(0, 10)], 9),
    ],
)
def test_a_unit_allows_the_longest_step_under_each_hold(holds: list[tuple[int, int]], step: int) -> None:
    assert allowed_step([_held(f, k) for f, k in holds]) == step * 60


def test_the_service_grid_leaves_the_fast_pages_at_1m_and_takes_the_rest_at_4m() -> None:
    kinds = [[_held(15, 5), _held(5, 5)] for _ in range(5)]
    fast, slow = [_held(2, 15), _held(15, 2)] * 3, [_held(5, 5)] * 6
    assert holds_step([*kinds, [_held(5)], fast, slow]) == 240
    assert holds_step([fast]) == 60  # nothing can move
    assert holds_step([]) == 60
    # one small unit allowing 4m beside a long one stuck at 1m: a second group would cost more than it saves
    assert holds_step([[_held(5)], fast]) == 60


@functools.cache
def _compiled_checkout() -> dict[str, str]:
    bundle = compile_specs([str(ROOT / "examples")]).bundle
    return {a.path: a.content for a in bundle.artifacts if a.path.startswith("prometheus/") and "/checkout." in a.path}


def _checkout() -> dict[str, str]:
    """checkout's generated Prometheus files (path → text). The examples are compiled once a process: 20 tests
    read the same bytes (21 compiles were ~3 CPU-s); each gets its own dict, and str values cannot change."""
    return dict(_compiled_checkout())


def test_checkout_holds_file_steps_every_4m_and_the_scrapes_file_keeps_the_fast_pages() -> None:
    files = _checkout()
    holds = yaml.safe_load(files["prometheus/tests/checkout.holds.test.yaml"])
    scrapes = yaml.safe_load(files["prometheus/tests/checkout.scrapes.test.yaml"])
    assert holds["evaluation_interval"] == "4m"

    def asserted(doc: dict[str, object]) -> set[str]:
        groups = [g for g in doc["tests"] if g["name"].startswith("holds:")]  # type: ignore[attr-defined]
        return {c["alertname"] for g in groups for c in g.get("alert_rule_test", [])}

    coarse, fine = asserted(holds), asserted(scrapes)
    assert {"ServiceHighErrorRate", "ServiceDown", "SLOErrorBudgetLow", "SLOErrorBudgetBurnSlow"} <= coarse
    assert "SLOErrorBudgetBurnFast" in fine and "SLOErrorBudgetBurnFast" not in coarse
    assert not coarse & fine - {"SLODataMissing"}


def _mutated(rules_text: str, alert: str, field: str, change: str, nth: int = 0) -> str:
    doc = yaml.safe_load(rules_text)
    rule = [r for g in doc["groups"] for r in g["rules"] if r.get("alert") == alert and r.get(field)][nth]
    seconds = int(rule[field][:-1]) * {"m": 60, "h": 3600}[rule[field][-1]]
    if change == "removed":
        del rule[field]
    else:
        rule[field] = f"{seconds * 2 if change == 'doubled' else seconds // 2}s"
    return yaml.safe_dump(doc, sort_keys=False)


@pytest.mark.parametrize(
    ("alert", "field", "change"),
    [
        ("ServiceHighErrorRate", "for", "doubled"),
        ("ServiceHighErrorRate", "for", "removed"),
        ("ServiceHighErrorRate", "keep_firing_for", "halved"),
        ("ServiceHighErrorRate", "keep_firing_for", "removed"),
        ("ServiceDown", "for", "doubled"),
        ("SLOErrorBudgetBurnSlow", "keep_firing_for", "halved"),
        ("SLOErrorBudgetLow", "for", "removed"),
        ("SLOErrorBudgetLow", "for", "doubled"),  # survived a first build: the budget dropped before 16m
        (None, "", ""),  # the rules as generated: the file passes
    ],
)
def test_a_hold_mutant_fails_the_holds_file_alone(tmp_path: Path, alert: str | None, field: str, change: str) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    files = _checkout()
    rules = files["prometheus/rules/checkout.yaml"]
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "rules" / "checkout.yaml").write_text(_mutated(rules, alert, field, change) if alert else rules)
    test = tmp_path / "tests" / "checkout.holds.test.yaml"
    test.write_text(files["prometheus/tests/checkout.holds.test.yaml"])
    result = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True)
    assert (result.returncode == 0) is (alert is None), result.stdout[-3000:] + result.stderr[-1000:]


def _fast_pages(files: dict[str, str]) -> dict[str, object]:
    scrapes = yaml.safe_load(files["prometheus/tests/checkout.scrapes.test.yaml"])
    return next(g for g in scrapes["tests"] if g["name"].startswith("holds: SLOErrorBudgetBurnFast"))


def test_each_fast_page_pair_burns_on_its_own_timeline() -> None:
    """Round 32: the 1h/5m page (`for` 2m, `keep_firing_for` 15m) and the 6h/30m page (15m, 2m) read no window in
    common, so each pair's windows drop two minutes past its own `for` (4m and 17m), not the SLO's longest: the 1m
    group ends at 19m instead of 32m (13 fewer steps of every rule it loads)."""
    group = _fast_pages(_checkout())
    series = [s for s in group["input_series"] if 'slo="availability"' in s["series"]]  # type: ignore[index]
    fed = {s["series"].split("{")[0]: s["values"] for s in series}
    # the short windows' errors over their events, which the ratio rule reads (round 43: the start reads both)
    assert fed["slo:sli_error:ratio_rate1h"] == "0.018x3 0x15" and fed["slo:sli_errors:rate5m"].endswith("x3 0x15")
    assert fed["slo:sli_error:ratio_rate6h"] == "0.018x16 0x2" and fed["slo:sli_errors:rate30m"].endswith("x16 0x2")
    times = sorted({int(c["eval_time"][:-1]) for c in group["alert_rule_test"]})  # type: ignore[index]
    assert times == [1, 2, 14, 15, 18, 19]


@pytest.mark.parametrize(
    ("nth", "field", "change"),
    [
        (0, "for", "doubled"),  # the 1h/5m page: 2m, 15m
        (0, "for", "removed"),
        (0, "keep_firing_for", "halved"),
        (0, "keep_firing_for", "removed"),
        (1, "for", "doubled"),  # the 6h/30m page: 15m, 2m
        (1, "for", "removed"),
        (1, "keep_firing_for", "halved"),
        (1, "keep_firing_for", "removed"),
        (None, "", ""),
    ],
)
def test_a_fast_page_hold_mutant_fails_its_group_alone(
    tmp_path: Path, nth: int | None, field: str, change: str
) -> None:
    """Each pair on its own, shorter timeline still pins both its holds (one step before each end and at it)."""
    promtool = require_tool("promtool", "PROMTOOL")
    files = _checkout()
    rules = files["prometheus/rules/checkout.yaml"]
    mutated = rules if nth is None else _mutated(rules, "SLOErrorBudgetBurnFast", field, change, nth)
    scrapes = yaml.safe_load(files["prometheus/tests/checkout.scrapes.test.yaml"])
    scrapes["tests"] = [_fast_pages(files)]
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "rules" / "checkout.yaml").write_text(mutated)
    test = tmp_path / "tests" / "checkout.scrapes.test.yaml"
    test.write_text(yaml.safe_dump(scrapes, sort_keys=False))
    result = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True)
    assert (result.returncode == 0) is (nth is None), result.stdout[-3000:] + result.stderr[-1000:]
