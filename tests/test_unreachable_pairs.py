"""A low objective puts a burn pair out of reach: the pair is left out with a located warning, its tier keeps
the pairs that can fire (round 26; model/reachable_pairs.py).

At 90% over 30d the page's 1h/5m pair needs an error ratio of 1.44 (14.4x the 10% budget). Until round 26 the
whole SLO was refused ("set alerts: {critical: false}"), though the page's 6h/30m pair (6x: 0.6) can fire and
other SLO tools page on it: a Sloth SLO at 90% failed `obsc import`. Only a tier whose every pair is out of
reach is still an error (tests/errors/unreachable_tier).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs, validate_specs
from compiler.errors import InputError
from compiler.model.types import Slo
from tests.cli_helpers import run_obsc
from tests.import_helpers import import_and_compile
from tests.platform_text import sink_platform
from tests.promtool_helpers import pairs_firing, rules_read_by

PLATFORM = sink_platform()


def _spec(slos: str) -> str:
    return (
        "apiVersion: obsc/v1\nservice: wiki\nteam: docs\nselector: {job: wiki}\n"
        "metrics: {requests: r_total, errors: 'r_total{code=~\"5..\"}'}\n"
        "alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false, service_down: false}\n"
        f"slos:\n{slos}"
    )


def _specs(tmp_path: Path, slos: str, platform: str = PLATFORM) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(platform)
    (specs / "wiki.yaml").write_text(_spec(slos))
    return specs


def _slo(tmp_path: Path, objective: str, period: str = "30d", platform: str = PLATFORM) -> Slo:
    line = f"  - {{name: s, objective: {objective}, period: {period}, sli: {{errors: errors, total: requests}}}}\n"
    fleet, _ = validate_specs([str(_specs(tmp_path, line, platform))], CompileOptions(jobs=1))
    return fleet.services[0].slos[0]


def _error(tmp_path: Path, objective: str, period: str = "30d", platform: str = PLATFORM) -> str:
    with pytest.raises(InputError) as raised:
        _slo(tmp_path, objective, period, platform)
    return "\n".join(str(d) for d in raised.value.diagnostics)


def test_a_90_percent_slo_compiles_with_a_located_warning_and_pages_on_its_6h_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _specs(tmp_path, "  - {name: avail, objective: 90, sli: {errors: errors, total: requests}}\n")
    out = tmp_path / "out"
    done = run_obsc(capsys, "compile", str(specs), "--out", str(out))  # validated: its own promtool tests pass
    assert done.code == 0, done.err
    assert (
        f"{specs}/wiki.yaml:8:30 $.slos[0].objective: warning: the critical burn pair over 1h/5m is left out: it "
        "needs an error ratio of 1.44 (14.4x the 10% budget), more than a total outage; the critical tier alerts on "
        "6h/30m (error ratio 0.6)\n"
    ) in done.err
    rules = (out / names.prometheus_rules_path("wiki")).read_text()
    assert "burn_window: fast" not in rules and "rate1h" not in rules and "14.4" not in rules
    page = rules[rules.index("alert: SLOErrorBudgetBurnFast") :].split("- alert:")[0]
    # the 6h pair alone: no hand-over to a pair that never fires, so no keep_firing_for (it had 2m for the 1h one)
    assert "burn_window: medium" in page and "keep_firing_for" not in page and '"15m"' in page
    tests = (out / "prometheus" / "tests" / "wiki.test.yaml").read_text()
    assert "burn_window: fast" not in tests and "burn_window: medium" in tests
    runbook = (out / "runbooks" / "wiki" / "SLOErrorBudgetBurnFast-avail.md").read_text()
    assert "(medium): error ratio above 60% over both 6h and 30m" in runbook and "1h" not in runbook
    dashboard = (out / "grafana" / "dashboards" / "teams" / "docs" / "wiki.json").read_text()
    assert "rate1h" not in dashboard and "rate6h" in dashboard
    # validate (what `obsc import` says to run next) warns the same
    assert run_obsc(capsys, "validate", str(specs)).err.count("is left out") == 1


def test_a_90_percent_slo_pages_on_a_sustained_70_percent_error_ratio_not_on_50(tmp_path: Path) -> None:
    """From first principles: 100 requests a minute for 7h, with 70 (then 50) failing. 0.7 is above the 6h
    pair's 0.6 line from the first minute (the windows fill with the same ratio), so the page fires once its
    `for` (15m) has passed; 0.5 never reaches it. No 1h pair exists to fire."""
    specs = _specs(tmp_path, "  - {name: avail, objective: 90, sli: {errors: errors, total: requests}}\n")
    bundle = compile_specs([str(specs)], CompileOptions(jobs=1)).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("wiki"))
    rules = rules_read_by(text, alert=lambda rule: rule.get("alert") == "SLOErrorBudgetBurnFast")
    minutes = 7 * 60
    fired = {}
    for failing in (70, 50):
        series = {
            'up{job="wiki"}': f"1x{minutes}",
            'r_total{job="wiki",code="200"}': f"0+{100 - failing}x{minutes}",
            'r_total{job="wiki",code="500"}': f"0+{failing}x{minutes}",
        }
        watched = range(0, minutes, 10)
        fired[failing] = pairs_firing(tmp_path, rules, series, "avail", ("fast", "medium"), watched)
    assert fired[70]["fast"] == [] and fired[50] == {"fast": [], "medium": []}
    assert fired[70]["medium"] and fired[70]["medium"][0] <= 30, fired[70]
    assert fired[70]["medium"] == list(range(fired[70]["medium"][0], minutes, 10)), "pages without a gap"


@pytest.mark.parametrize(
    ("period", "objective", "left_out"),
    [
        # 30d pages at 14.4x over 1h and 6x over 6h: the 1h pair goes below 1 - 1/14.4 (93.06%)
        ("30d", "93.07", []),
        ("30d", "93", ["fast"]),
        ("30d", "83.34", ["fast"]),
        # 7d: 3.36x and 1.4x
        ("7d", "70.25", []),
        ("7d", "70.2", ["fast"]),
        ("7d", "28.58", ["fast"]),
        # 1d: 12x and 3x
        ("1d", "91.67", []),
        ("1d", "90", ["fast"]),
        ("1d", "66.67", ["fast"]),
        # 90d: 43.2x and 18x: 95% is below 97.69%
        ("90d", "97.69", []),
        ("90d", "95", ["fast"]),
        ("90d", "94.45", ["fast"]),
    ],
)
def test_each_period_leaves_out_the_pairs_its_objective_puts_out_of_reach(
    tmp_path: Path, period: str, objective: str, left_out: list[str]
) -> None:
    slo = _slo(tmp_path, objective, period)
    kept = [w.name for w in slo.windows]
    assert kept == [
        n for n in ("fast", "medium", "slow", "slowest") if n not in left_out and (n, period) != ("slowest", "1d")
    ]
    assert len(slo.left_out) == len(left_out)
    for window in slo.windows:
        assert window.factor(slo.period_seconds) * slo.error_budget < 1


@pytest.mark.parametrize(
    ("period", "objective", "needs"),
    [
        ("30d", "83.33", "its 1h/5m pair needs an error ratio of 2.40048 and its 6h/30m pair 1.0002 (14.4x and 6x"),
        ("7d", "28.57", "its 1h/5m pair needs an error ratio of 2.400048 and its 6h/30m pair 1.00002 (3.36x and 1.4x"),
        ("1d", "66.66", "its 1h/5m pair needs an error ratio of 4.0008 and its 6h/30m pair 1.0002 (12x and 3x"),
        ("90d", "90", "its 1h/5m pair needs an error ratio of 4.32 and its 6h/30m pair 1.8 (43.2x and 18x"),
    ],
)
def test_a_tier_with_every_pair_out_of_reach_is_still_an_error(
    tmp_path: Path, period: str, objective: str, needs: str
) -> None:
    text = _error(tmp_path, objective, period)
    assert f"$.slos[0].objective: the critical burn alert can never fire: {needs}" in text
    assert "more than a total outage; raise the objective, shorten the period or set alerts: {critical: false}" in text
    # the tier switched off: the SLO compiles, tickets only, and nothing is said of the page's pairs
    line = f"  - {{name: s, objective: {objective}, period: {period}, alerts: {{critical: false}}, "
    fleet, _ = validate_specs(
        [str(_specs(tmp_path, line + "sli: {errors: errors, total: requests}}\n"))], CompileOptions(jobs=1)
    )
    assert not fleet.services[0].slos[0].left_out


def _catalog(rows: str) -> str:
    return PLATFORM + f"defaults:\n  slo_alerts:\n    windows:\n      30d:\n{rows}"


def test_a_platform_catalog_pair_exactly_on_a_total_outage_is_left_out(tmp_path: Path) -> None:
    """A platform's `slo_alerts.windows`: a 10x page at 90% needs an error ratio of exactly 1 (a total outage
    and nothing less), which `>` never passes: out, as the rows above 1 are."""
    platform = _catalog(
        "        - {tier: critical, name: fast, long: 1h, short: 5m, factor: 10, for: 2m}\n"
        "        - {tier: critical, name: medium, long: 6h, short: 30m, factor: 5, for: 15m}\n"
        "        - {tier: warning, name: slow, long: 1d, short: 2h, factor: 12, for: 5m}\n"
        "        - {tier: warning, name: slowest, long: 3d, short: 6h, factor: 2, for: 5m}\n"
    )
    slo = _slo(tmp_path, "90", platform=platform)
    assert [w.name for w in slo.windows] == ["medium", "slowest"]
    said = [d.message for d in slo.left_out]
    assert said == [
        "the critical burn pair over 1h/5m is left out: it needs an error ratio of 1 (10x the 10% budget), more "
        "than a total outage; the critical tier alerts on 6h/30m (error ratio 0.5)",
        "the warning burn pair over 1d/2h is left out: it needs an error ratio of 1.2 (12x the 10% budget), more "
        "than a total outage; the warning tier alerts on 3d/6h (error ratio 0.2)",
    ]


def test_a_platform_tier_of_one_pair_out_of_reach_is_an_error_naming_it(tmp_path: Path) -> None:
    platform = _catalog(
        "        - {tier: critical, name: fast, long: 1h, short: 5m, factor: 20, for: 2m}\n"
        "        - {tier: warning, name: slow, long: 1d, short: 2h, factor: 2, for: 5m}\n"
    )
    assert (
        "the critical burn alert over 1h can never fire: it needs an error ratio of 2 (20x the 10% budget), more "
        "than a total outage" in _error(tmp_path, "90", platform=platform)
    )


def test_grouped_and_time_slice_slos_leave_the_pair_out_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Their generated promtool tests pass (a time slice's ratio check read the 5m window, recorded only for the
    1h/5m pair: promtool found no series)."""
    slos = (
        "  - {name: routes, objective: 90, by: [route], sli: {errors: errors, total: requests}}\n"
        "  - {name: up, objective: 90, sli: {good_when: up_ok == 1}}\n"
    )
    specs = _specs(tmp_path, slos)
    text = (
        (specs / "wiki.yaml")
        .read_text()
        .replace("metrics: {", "metrics: {up_ok: {selector: probe_success, type: gauge, aggregation: min}, ")
    )
    (specs / "wiki.yaml").write_text(text)
    fleet, _ = validate_specs([str(specs)], CompileOptions(jobs=1))
    for slo in fleet.services[0].slos:
        assert [w.name for w in slo.windows] == ["medium", "slow", "slowest"], slo.name
        assert len(slo.left_out) == 1
    done = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"))  # validated
    assert done.code == 0, done.err


def test_diff_shows_the_page_pair_going_when_the_objective_drops_to_90(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _specs(tmp_path, "  - {name: avail, objective: 99, sli: {errors: errors, total: requests}}\n")
    out = tmp_path / "out"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    (specs / "wiki.yaml").write_text(
        _spec("  - {name: avail, objective: 90, sli: {errors: errors, total: requests}}\n")
    )
    done = run_obsc(capsys, "diff", str(specs), "--out", str(out), "--as", "json")
    assert done.code == 0, done.err
    changes = {c["name"]: c for c in json.loads(done.out)["changes"]}
    page = 'SLOErrorBudgetBurnFast{burn_window="%s", service="wiki", slo="avail", team="docs"} [critical]'
    assert changes[page % "fast"]["action"] == "removed"
    assert "keep_firing_for: 2m → " in changes[page % "medium"]["details"]


def test_sloth_pyrra_and_openslo_slos_at_90_and_95_percent_import_and_compile(tmp_path: Path) -> None:
    """The three importers' SLOs whose page pairs a low objective puts out of reach: imported, compiled (the
    1h pair left out, said at the source by `obsc import`: tests/test_import_cli.py)."""
    bad, every = 'r_total{job="wiki",code=~"5.."}', 'r_total{job="wiki"}'
    sources = {
        "sloth": (
            "version: prometheus/v1\nservice: wiki\nslos:\n  - name: avail\n    objective: 90\n"
            "    sli: {events: {error_query: 'sum(rate(e[{{.window}}]))', total_query: 'sum(rate(t[{{.window}}]))'}}\n"
            "    alerting: {name: WikiBurn}\n"
        ),
        "pyrra": (
            "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: wiki, namespace: docs}\n"
            "spec:\n  target: '95'\n  window: 12w\n  indicator:\n    ratio:\n"
            f"      errors: {{metric: '{bad}'}}\n      total: {{metric: '{every}'}}\n"
        ),
        "openslo": (
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: wiki-avail}\nspec:\n  service: wiki\n"
            "  indicatorRef: wiki-errors\n  timeWindow: [{duration: 30d, isRolling: true}]\n"
            "  budgetingMethod: Occurrences\n  objectives: [{target: 0.9}]\n  alertPolicies: [{alertPolicyRef: p}]\n"
            "---\napiVersion: openslo/v1\nkind: SLI\nmetadata: {name: wiki-errors}\nspec:\n  ratioMetric:\n"
            f"    counter: true\n    bad: {{metricSource: {{type: Prometheus, spec: {{query: '{bad}'}}}}}}\n"
            f"    total: {{metricSource: {{type: Prometheus, spec: {{query: '{every}'}}}}}}\n"
            "---\napiVersion: openslo/v1\nkind: AlertPolicy\nmetadata: {name: p}\n"
            "spec: {conditions: [{conditionRef: c}]}\n"
            "---\napiVersion: openslo/v1\nkind: AlertCondition\nmetadata: {name: c}\n"
            "spec: {severity: page, condition: {kind: burnrate, op: gte, threshold: 6, lookbackWindow: 6h}}\n"
        ),
    }
    for fmt, text in sources.items():
        source = tmp_path / f"{fmt}.yaml"
        source.write_text(text)
        _, compilation = import_and_compile(fmt, [source], tmp_path / f"out-{fmt}")
        (slo,) = compilation.fleet.services[0].slos
        assert slo.objective in (Decimal(90), Decimal(95)), fmt
        assert slo.alerting.critical and [w.name for w in slo.windows][:1] == ["medium"], fmt
        assert [d.message.split(":")[0] for d in slo.left_out] == ["the critical burn pair over 1h/5m is left out"]
