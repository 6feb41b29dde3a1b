"""Cases run in turn on one timeline (chain.py) and the environment promtool runs with (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compiler.api import compile_specs
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing, InputSeries
from compiler.targets.prometheus.promtool.chain import chain, reach, samples
from compiler.targets.prometheus.promtool.missing_timeline import timeline
from compiler.toolcheck import _run
from compiler.toolcheck.promtool import GO_DEFAULTS
from tests.bench.fleet import write_fleet
from tests.conftest import ROOT, require_tool

FIRED = (Firing((("slo", "a"),), ()),)


def test_samples_counts_the_slots_of_the_expanding_notation() -> None:
    assert samples("1+0x31") == 32
    assert samples("_x3 1 2 stale 0+1x2 -1-2x3") == 13
    assert samples("1e-05+0x1 0.5") == 3
    with pytest.raises(ValueError):
        samples("1+0x3x")


def test_reach_adds_up_ranges_and_offsets_per_expression() -> None:
    assert reach(["absent(rate(x[5m])) or rate(y[1h] offset 1d)", "max_over_time(z[30m:1m])"]) == 86400 + 3900
    assert reach(["up == 0"]) == 0


def test_chain_shifts_each_case_past_the_previous_ones_inputs_and_keep_firing() -> None:
    def case(name: str, values: str, at: int) -> Case:
        series = (InputSeries("up", (("job", "x"),), values), InputSeries(name, (), "1+0x2"))
        return Case(name, 60, series, (AlertCheck(0, "A", ()), AlertCheck(at, "A", FIRED)))

    first, second = case("first", "1+0x30", 1800), case("second", "0+0x30", 1800)
    assert chain([first], 1800, 300) == [first]
    (joined,) = chain([first, second], 1800, 300)
    # the first's last sample (30m) is unseen from 30m + 5m on: the step at 1h is quiet, the second starts at 1h30m
    assert [(c.at, c.firing) for c in joined.alerts] == [(0, ()), (1800, FIRED), (5400, ()), (7200, FIRED)]
    fed = {s.name: s.values for s in joined.series}
    assert fed["up"] == "1+0x30 _x59 0+0x30" and samples(fed["up"]) == 5400 // 60 + 31
    assert fed["first"] == "1+0x2" and fed["second"] == "_x90 1+0x2"
    assert joined.name == "first; then second"
    # a window reaching 1h back, and a keep_firing_for of 40m: one more step each
    (longer,) = chain([first, second], 1800, 3600, keep_firing=2400)
    assert [c.at for c in longer.alerts][2:] == [7200 + 1800 + 3600, 7200 + 1800 + 3600 + 1800]


def test_a_scenario_after_one_ending_with_alerts_firing_starts_after_a_quiet_step() -> None:
    """At the next scenario's first step its counters have one sample, no rate: every SLO's `absent` holds, so an
    alert firing at the last scenario's end stays up into the next one's first check, even when that scenario does
    not fire it at its end (found with an unlabelled-total scenario after the missing-bucket one). Only a
    scenario with its targets down (nothing holds) may follow at once."""
    latency, payments = (Firing((("slo", "latency"),), ()),), (Firing((("slo", "payments"),), ()),)

    def case(name: str, up: str, fired: tuple[Firing, ...]) -> Case:
        series = (InputSeries("up", (("job", "x"),), up), InputSeries(name, (), "0+1x30"))
        return Case(name, 60, series, (AlertCheck(0, "A", ()), AlertCheck(1800, "A", fired)))

    first = case("no bucket", "1+0x30", latency)
    (joined,) = timeline([first, case("unlabelled", "1+0x30", payments)], 1800, 300, 0, 0, frozenset())
    assert [c.at for c in joined.alerts] == [0, 1800, 5400, 7200]  # 1h quiet: nothing fed, every alert resolved
    (down,) = timeline([first, case("targets down", "0+0x30", ())], 1800, 300, 0, 0, frozenset())
    assert [c.at for c in down.alerts] == [0, 1800, 3600, 5400]


def test_an_alert_firing_in_every_scenario_is_carried_only_when_no_step_between_sees_no_up() -> None:
    """An alert missing in every scenario with targets up keeps firing into the next one, which starts at the first
    step that reads none of the last one's inputs. With a 5m window that step is also the first without its `up`;
    with a 35m one (a raw SLI adding seven `rate(x[5m])`) a step in between sees no `up` at all, the alert resolves
    there and is pending at the next check: no carry, a reset step (round 43: promtool failed the compile)."""
    raw = Firing((("slo", "raw"),), ())

    def case(name: str) -> Case:
        series = (InputSeries("up", (("job", "x"),), "1+0x31"), InputSeries(name, (), "0+1x31"))
        return Case(name, 60, series, (AlertCheck(0, "A", ()), AlertCheck(1800, "A", (raw,))))

    steady = frozenset({("A", raw.labels)})
    (near,) = timeline([case("counted"), case("idle")], 1800, 300, 0, 0, steady)
    assert [(c.at, len(c.firing)) for c in near.alerts] == [(0, 0), (1800, 1), (3600, 1), (5400, 1)]
    (far,) = timeline([case("counted"), case("idle")], 1800, 2100, 0, 0, steady)
    assert [(c.at, len(c.firing)) for c in far.alerts] == [(0, 0), (1800, 1), (7200, 0), (9000, 1)]


def _missing_groups(specs: Path) -> list[dict[str, object]]:
    bundle = compile_specs([str(specs)]).bundle
    groups = []
    for artifact in bundle.artifacts:
        # the scrapes file's groups (1m steps: the holds' pins, a latency SLO's bucket check) are no scenarios
        if artifact.path.startswith("prometheus/tests/") and artifact.path.endswith(".test.yaml"):
            if artifact.path.endswith(".scrapes.test.yaml"):
                continue
            doc = yaml.safe_load(artifact.content)
            groups += [g for g in doc["tests"] if "SLODataMissing" in g["name"] and not g["name"].startswith("holds: ")]
    return groups


def test_data_missing_scenarios_share_a_group_only_when_up_gates_them(tmp_path: Path) -> None:
    """With scrape targets every scenario is gated on `up`: an instant with no inputs resets them all, so they
    run in turn. Without targets no input at all means "data missing": each keeps its own group."""
    with_targets = _missing_groups(ROOT / "examples" / "checkout.yaml")
    # (the raw-counter case hosting the scenarios with traffic and idle counters, then the rest in turn)
    assert len(with_targets) == 2 and str(with_targets[1]["name"]).count("; then ") >= 2
    without = _missing_groups(ROOT / "tests" / "golden" / "slo-kinds" / "specs" / "cdn-edge.yaml")
    assert len(without) > 1 and not any("; then " in str(g["name"]) for g in without)


def test_chained_data_missing_scenarios_pass_promtool(tmp_path: Path) -> None:
    """The scenarios run in turn pass. In the rich fleet's service the `jobs` SLO (whose counters no scenario
    feeds) fires in three scenarios in a row: without the quiet step between them it would still be firing
    when the next scenario expects it pending (this test then fails)."""
    promtool = require_tool("promtool", "PROMTOOL")
    bundle = compile_specs([str(write_fleet(tmp_path / "fleet", 1, rich=True))]).bundle
    for artifact in bundle.artifacts:
        if artifact.path.startswith("prometheus/"):
            (tmp_path / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / artifact.path).write_text(artifact.content)
    test_file = tmp_path / "prometheus/tests/svc-0000.test.yaml"
    doc = yaml.safe_load(test_file.read_text())
    doc["tests"] = [g for g in doc["tests"] if "SLODataMissing" in g["name"]]
    assert len(doc["tests"]) == 2  # the raw-counter case hosting two scenarios; the others in turn
    test_file.write_text(yaml.safe_dump(doc))
    run = [promtool, "test", "rules", "tests/svc-0000.test.yaml"]
    ok = subprocess.run(run, cwd=tmp_path / "prometheus", capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]


def test_promtool_runs_with_go_defaults_the_user_can_override(monkeypatch: pytest.MonkeyPatch) -> None:
    show = [sys.executable, "-c", "import os; print(os.environ.get('GOGC'))"]
    monkeypatch.delenv("GOGC", raising=False)
    assert _run.run(show, defaults=GO_DEFAULTS).stdout.strip() == GO_DEFAULTS["GOGC"]
    assert _run.run(show).stdout.strip() == "None"
    monkeypatch.setenv("GOGC", "50")
    assert _run.run(show, defaults=GO_DEFAULTS).stdout.strip() == "50"
    assert os.environ["GOGC"] == "50"
