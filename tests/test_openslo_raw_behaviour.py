"""An OpenSLO `ratioMetric.raw` query imported and compiled, against the source's own meaning: the query itself
evaluated over each of obsc's windows (a ratio of two summed rates weighs each request alike over any window),
with the same multiwindow lines, in one `promtool test rules` run over the same series. obsc tickets and pages
when the query says so, late by no more than its hold plus one evaluation, and stays up at least as long.

Round 31: imported as an error_ratio SLI, obsc's 1d and 3d windows averaged 5m ratios, so a busy day failing
20% at 95% after quiet nights never ticketed; split into {errors, total} it tickets with the query."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import yaml

from compiler.importers import ImportOptions, import_specs
from compiler.model.units import parse_duration
from tests.import_helpers import import_and_compile
from tests.promtool_helpers import counter_values, minutes_of, promtool_report, rules_checked_by

OK = 'http_requests_total{job="shop",code="200"}'
FAILED = 'http_requests_total{job="shop",code="500"}'
HOUR, DAY_RATE, NIGHT_RATE = 60, 6000, 60  # requests a minute: 100/s by day, 1/s by night
STEP = 15  # minutes between checks

GOOD = 'sum(rate(http_requests_total{job="shop",code!~"5.."}[{{.window}}]))'
BAD = 'sum(rate(http_requests_total{job="shop",code=~"5.."}[{{.window}}]))'
ALL = 'sum(rate(http_requests_total{job="shop"}[{{.window}}]))'
# rawType → the query as written, and the error ratio it means over a window
FORMS = {
    "success": (f"{GOOD} / {ALL}", f"1 - ({GOOD} / {ALL})"),
    "failure": (f"{BAD} / {ALL}", f"{BAD} / {ALL}"),
    "failure, written 1 - good/total": (f"1 - {GOOD} / {ALL}", f"1 - {GOOD} / {ALL}"),
    "failure, with a zero fallback": (f"({BAD} or vector(0)) / {ALL}", f"({BAD} or vector(0)) / {ALL}"),
}
SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders}
spec:
  service: shop
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: orders-ratio}
    spec:
      ratioMetric:
        rawType: RAW_TYPE
        raw: {metricSource: {type: Prometheus, spec: {query: 'QUERY'}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  objectives: [{target: 0.95}]
  alertPolicies:
    - {kind: AlertPolicy, metadata: {name: burn}, spec: {alertWhenBreaching: true, conditions: []}}
"""
# obsc's 30d catalog: (tier, long window, short window, burn factor), as Sloth's and the SRE workbook's
PAIRS = [("page", "1h", "5m", 14.4), ("page", "6h", "30m", 6), ("ticket", "1d", "2h", 3), ("ticket", "3d", "6h", 1)]
LATE = {"page": 15 + 5, "ticket": 5 + 5}  # the tier's longest hold plus one 5m evaluation
SIDES, TIERS = ("source", "obsc"), ("page", "ticket")
Firing = dict[tuple[str, str], list[int]]  # (side, tier) → the minutes its alert fires at


# the summed rates the forms' queries are made of, each recorded once a window in the source's group: the forms
# replayed together read the same rates, and a 3d rate over 1m samples was most of a replay's CPU
PARTS = {"good": GOOD, "bad": BAD, "all": ALL}
WINDOWS = sorted({w for _, long, short, _ in PAIRS for w in (long, short)}, key=parse_duration)


def _recorded(error_ratio: str) -> str:
    """The form's error ratio with each summed rate read from its record (the same value at the same evaluation:
    a group's later rules read its earlier ones' samples of that evaluation)."""
    for part, rate in PARTS.items():
        error_ratio = error_ratio.replace(rate, f"source:{part}:rate{{{{.window}}}}")
    assert "rate(" not in error_ratio, error_ratio
    return error_ratio


def _source_records(error_ratios: Sequence[str]) -> list[dict[str, str]]:
    used = [part for part, rate in PARTS.items() if any(rate in ratio for ratio in error_ratios)]
    return [
        {"record": f"source:{part}:rate{w}", "expr": PARTS[part].replace("{{.window}}", w)}
        for part in used
        for w in WINDOWS
    ]


def _source_rules(error_ratio: str, suffix: str) -> list[dict[str, str]]:
    """The source's meaning as alerts: its error ratio over each window of a pair above the pair's line."""
    rules = []
    error_ratio = _recorded(error_ratio)
    for tier in TIERS:
        pairs = [
            " and ".join(f"({error_ratio.replace('{{.window}}', w)}) > {factor} * 0.05" for w in (long, short))
            for t, long, short, factor in PAIRS
            if t == tier
        ]
        rules.append({"alert": f"Source_{tier}_{suffix}", "expr": " or ".join(f"({p})" for p in pairs)})
    return rules


def _obsc_rules(tmp_path: Path, form: str) -> str:
    """obsc's rule file for the SLO written in `form`, imported and compiled."""
    source = tmp_path / "orders.yaml"
    source.write_text(SLO.replace("RAW_TYPE", form.split(",")[0]).replace("QUERY", FORMS[form][0]))
    _, compiled = import_and_compile("openslo", [source], tmp_path / "specs", team="shop")
    rules = compiled.bundle.get("prometheus/rules/shop.yaml")
    assert rules is not None
    return rules.content


def _replay(tmp_path: Path, rules: str, forms: Sequence[str], shape: str) -> dict[str, Firing]:
    """One promtool replay of `shape` over obsc's `rules` beside the source alerts of every form in `forms`
    (forms that compile to these very bytes), each form's alerts named apart: form → (side, tier) → minutes."""
    names = {("obsc", "page"): "SLOErrorBudgetBurnFast", ("obsc", "ticket"): "SLOErrorBudgetBurnSlow"}
    sources = _source_records([FORMS[form][1] for form in forms])
    for k, form in enumerate(forms):
        sources += _source_rules(FORMS[form][1], str(k))
        names |= {(str(k), tier): f"Source_{tier}_{k}" for tier in TIERS}
    (tmp_path / "source.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "source", "interval": "5m", "rules": sources}]})
    )
    bits = " + ".join(
        f'{1 << i} * (clamp_max(count(ALERTS{{alertname="{name}",alertstate="firing"}}), 1) or vector(0))'
        for i, name in enumerate(names.values())
    )
    # obsc's rules cut to the alerts checked and what they read: the rest (records of other uses) only costs CPU
    (tmp_path / "obsc.yaml").write_text(rules_checked_by(rules, [bits]))
    stretches = SHAPES[shape]
    total = sum(minutes for minutes, _, _ in stretches)
    checks = [
        {"expr": bits, "eval_time": f"{m}m", "exp_samples": [{"labels": "{}", "value": -1}]}
        for m in range(0, total, STEP)
    ]
    # the counters scraped as often as the rules are evaluated (every 5m: the same counts at those minutes): a 3d
    # rate reads every sample in its window at every evaluation, so 1m samples cost five times the CPU for the
    # same answers (each window a multiple of 5m, its two ends on the 5m grid)
    series = {name: " ".join(v.split()[::5]) for name, v in counter_values(stretches, OK, FAILED).items()}
    files, history = ["obsc.yaml", "source.yaml"], ({},)  # as the source's query reads it: a service with history
    report = promtool_report(tmp_path, files, series, checks, "5m", input_interval="5m", recorded_for_a_month=history)
    got = re.findall(r"time: (\S+?),.*?got: \{\} (\S+)", report, re.DOTALL)
    assert len(got) == len(checks), report[-3000:]
    fired: dict[tuple[str, str], list[int]] = {key: [] for key in names}
    for at, value in got:
        for i, key in enumerate(names):
            if int(float(value)) >> i & 1:
                fired[key].append(minutes_of(at))
    return {
        form: {(side, tier): fired["obsc" if side == "obsc" else str(k), tier] for side in SIDES for tier in TIERS}
        for k, form in enumerate(forms)
    }


def _spans(minutes: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for minute in minutes:
        if runs and minute - runs[-1][1] <= STEP:
            runs[-1] = (runs[-1][0], minute)
        else:
            runs.append((minute, minute))
    return runs


def _assert_obsc_follows_the_source(firing: Firing) -> None:
    for tier in TIERS:
        theirs, ours = _spans(firing["source", tier]), _spans(firing["obsc", tier])
        assert len(ours) == len(theirs), f"{tier}: the source's query fires {theirs}, obsc {ours} (minutes)"
        for (their_start, their_end), (our_start, our_end) in zip(theirs, ours, strict=True):
            assert 0 <= our_start - their_start <= LATE[tier] + STEP, f"{tier}: obsc {our_start}, source {their_start}"
            assert our_end >= their_end, f"{tier}: obsc resolves at minute {our_end}, the source at {their_end}"


NIGHT, DAY = (12 * HOUR, 0.0, NIGHT_RATE), (12 * HOUR, 0.0, DAY_RATE)
SHAPES = {
    # two healthy days with quiet nights, then a busy day failing 20% (4x at 95%), then a quiet evening
    "a busy day failing after quiet nights": [
        NIGHT,
        DAY,
        NIGHT,
        DAY,
        NIGHT,
        (12 * HOUR, 0.2, DAY_RATE),
        (6 * HOUR, 0.0, 60),
    ],
    # 6% failing at a steady rate (1.2x): both weighings agree; the control
    "a steady burn": [(HOUR, 0.0, DAY_RATE), (16 * HOUR, 0.06, DAY_RATE)],
}


@pytest.fixture(scope="module")
def firing(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Firing]:
    """(form, shape) → the firing minutes of the source's alerts and obsc's. The four forms compile to two rule
    files, the same bytes in pairs: one replay of a shape per distinct file, with the source alerts of every
    form that compiled to it (~10 CPU-s less than a replay per form; each form still judged on its own)."""
    by_rules: dict[str, list[str]] = {}
    for form in FORMS:
        by_rules.setdefault(_obsc_rules(tmp_path_factory.mktemp("form"), form), []).append(form)
    done: dict[str, dict[str, Firing]] = {}

    def of(form: str, shape: str) -> Firing:
        if shape not in done:
            done[shape] = {}
            for rules, forms in by_rules.items():
                done[shape] |= _replay(tmp_path_factory.mktemp("replay"), rules, forms, shape)
        return done[shape][form]

    return of


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("shape", SHAPES)
def test_an_imported_raw_ratio_alerts_when_its_query_does(
    firing: Callable[[str, str], Firing], form: str, shape: str
) -> None:
    fired = firing(form, shape)
    _assert_obsc_follows_the_source(fired)
    assert fired["source", "ticket"], fired  # both shapes ticket by the query's own meaning


def test_a_raw_ratio_of_other_shapes_stays_an_error_ratio(tmp_path: Path) -> None:
    """Not two summed rates (here a rate of a recorded ratio): kept whole, with the error_ratio note."""
    source = tmp_path / "orders.yaml"
    query = "avg_over_time(shop:error_ratio:rate5m[{{.window}}])"
    source.write_text(SLO.replace("RAW_TYPE", "failure").replace("QUERY", query))
    imported = import_specs("openslo", [str(source)], ImportOptions(team="shop"))
    sli = yaml.safe_load(imported.specs["shop.yaml"])["slos"][0]["sli"]
    assert sli == {"raw": {"error_ratio": "avg_over_time(shop:error_ratio:rate5m[$window])"}}
