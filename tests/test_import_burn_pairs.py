"""An imported SLO pages and tickets at the burns and over the windows of obsc's catalog for its period; where
those are not its source's, the import says so, naming both, at the source's period field.

The source's pairs are facts about the peers, written out here (not computed by the code under test): Pyrra
scales its 28d pairs (14x over 1h/5m, 7x over 6h/30m, tickets 2x over 1d/2h, 1x over 4d/6h) with the
objective's window; Sloth's built-in catalogs are its golden files' (30d and 28d). obsc's pairs are read
from the rules it generates for the imported spec, so the note cannot describe rules obsc does not write.
Reads ../shared/corpus (Pyrra's examples, Sloth's in-base.yaml and its expected rules) at test time.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from compiler.api import Compilation
from compiler.errors import Diagnostic
from compiler.model.units import format_duration, parse_duration
from tests.conftest import require_shared
from tests.import_helpers import import_and_compile
from tests.test_sloth_conformance import floored, sloth_conditions

_TERM = re.compile(r"slo:sli_error:ratio_rate(\w+)\{[^}]*\}\)? > \(([0-9.]+) \* [0-9.]+\)")
_VERB = {"critical": "pages", "warning": "tickets"}

# Pyrra's pairs per objective window (tier, long, short, factor), from its window formula, and each alert's
# `for:` (2m, 15m, 1h, 3h at 28d, scaled likewise and rounded to the minute, a half up)
PYRRA = {
    "14d": [
        ("critical", "30m", "3m", "14"),
        ("critical", "3h", "15m", "7"),
        ("warning", "12h", "1h", "2"),
        ("warning", "2d", "3h", "1"),
    ],
    "7d": [
        ("critical", "15m", "1m", "14"),
        ("critical", "1h30m", "8m", "7"),
        ("warning", "6h", "30m", "2"),
        ("warning", "1d", "1h30m", "1"),
    ],
}
PYRRA_HOLDS = {"14d": ["1m", "8m", "30m", "1h30m"], "7d": ["1m", "4m", "15m", "45m"]}


def compiled_pairs(compilation: Compilation, service: str) -> list[tuple[str, str, str, str]]:
    """(tier, long, short, factor) of every burn alert in the service's generated rules."""
    return [pair for pair, _ in compiled_holds(compilation, service)]


def compiled_holds(compilation: Compilation, service: str) -> list[tuple[tuple[str, str, str, str], str]]:
    """Each burn alert's (tier, long, short, factor) and its `for:`, from the service's generated rules."""
    artifact = compilation.bundle.get(f"prometheus/rules/{service}.yaml")
    assert artifact is not None
    out = []
    for group in yaml.safe_load(artifact.content)["groups"]:
        for rule in group["rules"]:
            if "burn_window" in rule.get("labels", {}):
                (long, factor), (short, _) = [(w, f) for w, f in _TERM.findall(rule["expr"])][:2]
                out.append(((rule["labels"]["severity"], long, short, factor), rule.get("for", "0s")))
    return sorted(out)


def listed(pairs: list[tuple[str, str, str, str]], holds: list[str] | None = None) -> str:
    """How the note lists pairs: per tier, each `<factor>x over <long>/<short>` (and ` for <hold>`)."""
    parts = []
    said = [f" for {format_duration(parse_duration(h))}" for h in holds] if holds else [""] * len(pairs)
    for tier in ("critical", "warning"):
        mine = [
            f"{f}x over {format_duration(parse_duration(lw))}/{format_duration(parse_duration(sw))}{hold}"
            for (t, lw, sw, f), hold in zip(pairs, said, strict=True)
            if t == tier
        ]
        if mine:
            parts.append(f"{_VERB[tier]} at {' and '.join(mine)}")
    return " and ".join(parts)


def burn_notes(notes: list[Diagnostic]) -> list[Diagnostic]:
    return [n for n in notes if "burn alerts at" in n.message]


@pytest.mark.parametrize("name", ["slo-kubelet-request-errors.yaml", "prometheus-http.yaml"])
def test_a_pyrra_objective_says_it_pages_at_obscs_burns_not_pyrras(tmp_path: Path, name: str) -> None:
    """Pyrra pages a 2w 99% objective at 14x over 30m (14% errors); obsc's 14d catalog at 6.72x over 1h and
    2.8x over 6h: a 5% error rate for 6h pages here and only tickets in Pyrra. Before, nothing said so.
    Pyrra's tickets hold 30m and 1h30m at 2w, obsc's 5m: the note names each pair's hold (round 26's did not,
    so a 2x burn ticketed within minutes where Pyrra waited half an hour, unexplained)."""
    source = require_shared(f"corpus/pyrra/{name}")
    imported, compilation = import_and_compile("pyrra", [source], tmp_path / "out")
    service = compilation.fleet.services[0]
    period = format_duration(service.slos[0].period_seconds)
    found = compiled_holds(compilation, service.name)
    ours, our_holds = [pair for pair, _ in found], [hold for _, hold in found]
    assert ours and not set(ours) & set(PYRRA[period])
    [note] = burn_notes(imported.notes)
    assert note.path == ("spec", "window")
    theirs = listed(PYRRA[period], PYRRA_HOLDS[period])
    assert f"Pyrra {theirs}; obsc's built-in {period} catalog {listed(ours, our_holds)}:" in note.message
    assert f"defaults.slo_alerts.windows for {period}" in note.message
    assert "each with its `for:`" in note.message


@pytest.mark.parametrize(("period", "expected"), [("30d", "out-base.yaml.tpl"), ("28d", "out-base-28d.yaml.tpl")])
def test_imported_sloth_slo_pages_as_sloths_golden_rules_and_says_where_not(
    tmp_path: Path, period: str, expected: str
) -> None:
    """Through the importer (the conformance test writes the spec by hand): Sloth's in-base.yaml pages and
    tickets at the burns of Sloth's expected rules, but for 28d's 3d pair (1, not 0.933), which is noted."""
    source = require_shared("corpus/sloth/testdata/in-base.yaml")
    imported, compilation = import_and_compile("sloth", [source], tmp_path / "out", period=period)
    theirs, _ = sloth_conditions(require_shared(f"corpus/sloth/testdata/{expected}"))
    ours = compiled_pairs(compilation, "svc01")
    days = 86400
    expected_pairs = sorted(
        (tier, format_duration(lw), format_duration(sw), f"{factor:g}") for tier, lw, sw, factor, _ in floored(theirs)
    )
    assert [(t, format_duration(parse_duration(lw)), format_duration(parse_duration(sw)), f"{float(f):g}")
            for t, lw, sw, f in ours] == expected_pairs  # fmt: skip
    notes = burn_notes(imported.notes)
    if period == "30d":
        assert notes == []
        return
    [note] = notes
    assert note.path == ("slos",)
    assert [(t, lw, sw) for t, lw, sw, f, _ in theirs if f < 1] == [("warning", 3 * days, 6 * 3600)]
    assert "Sloth tickets at 0.9333x over 3d/6h; obsc's built-in 28d catalog tickets at 1x over 3d/6h" in note.message
    assert "13.44x" not in note.message, "pairs obsc shares with Sloth are not listed"


def test_a_sloth_period_without_a_sloth_catalog_says_the_windows_are_obscs(tmp_path: Path) -> None:
    """Sloth has windows of its own only for 30d and 28d; at 7d (its windows file is not in the spec) the
    imported SLO pages at obsc's 7d pairs, and says which."""
    source = require_shared("corpus/sloth/testdata/in-base.yaml")
    imported, compilation = import_and_compile("sloth", [source], tmp_path / "out", period="7d")
    [note] = burn_notes(imported.notes)
    ours = compiled_pairs(compilation, "svc01")
    assert "Sloth has built-in burn windows only for 30d and 28d" in note.message
    assert f"obsc's built-in 7d catalog {listed(ours)}:" in note.message


def test_a_source_without_alerts_says_nothing_of_windows(tmp_path: Path) -> None:
    source = require_shared("corpus/sloth/examples/no-alerts.yml")
    imported, _ = import_and_compile("sloth", [source], tmp_path / "out", period="28d")
    assert burn_notes(imported.notes) == []


OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-errors
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{.window}}]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
  timeWindow:
    - duration: 1w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.9995
  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: fast
      spec:
        conditions:
          - kind: AlertCondition
            metadata:
              name: fast-burn
            spec:
              severity: page
              condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
"""


def test_an_openslo_alert_policy_is_reported_with_the_burns_obsc_pages_at_instead(tmp_path: Path) -> None:
    """The policy pages at 14.4x over 1h; obsc's 7d catalog at 3.36x over 1h and 1.4x over 6h. The report named
    obsc's windows only (and the same ones at every period), so the page burn changed unseen."""
    source = tmp_path / "slo.yaml"
    source.write_text(OPENSLO)
    imported, compilation = import_and_compile("openslo", [source], tmp_path / "out")
    [policy] = [d for d in imported.dropped if d.path == ("spec", "alertPolicies", 0)]
    ours = compiled_pairs(compilation, "checkout")
    assert f"its built-in 7d catalog {listed(ours)}" in policy.message
    assert "3.36x over 1h/5m" in policy.message


PYRRA_AT_90 = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: batch-api
  namespace: batch
spec:
  target: "90"
  window: 4w
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="batch-api",code=~"5.."}
      total:
        metric: http_requests_total{job="batch-api"}
"""


def test_the_note_on_burn_pairs_lists_only_pairs_that_can_fire_at_the_objective(tmp_path: Path) -> None:
    """At 90% over 4w obsc leaves out its 1h/5m page pair (13.44x the 10% budget: an error ratio of 1.344), and
    Pyrra's 14x pair over 1h/5m never fires either. The note listed both (round 26's known limit: "obsc pages at
    13.44x over 1h/5m", a rule obsc does not write); it now lists the pairs the rules have. Since round 41 obsc
    keeps the 1h/5m page at 7.5x (a 75% line, model/reachable_pairs.reachable_pages), and the note says so."""
    source = tmp_path / "slo.yaml"
    source.write_text(PYRRA_AT_90)
    imported, compilation = import_and_compile("pyrra", [source], tmp_path / "out")
    found = compiled_holds(compilation, "batch-api")
    ours, our_holds = [pair for pair, _ in found], [hold for _, hold in found]
    assert ("critical", "1h", "5m", "13.44") not in ours and ("critical", "1h", "5m", "7.5") in ours
    [note] = burn_notes(imported.notes)
    theirs = [("critical", "6h", "30m", "7"), ("warning", "1d", "2h", "2"), ("warning", "4d", "6h", "1")]
    assert f"Pyrra {listed(theirs, ['15m', '1h', '3h'])}; " in note.message
    assert f"obsc's built-in 28d catalog at 90% {listed(ours, our_holds)}:" in note.message
    assert "13.44x" not in note.message and "14x" not in note.message
