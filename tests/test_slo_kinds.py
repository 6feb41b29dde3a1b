"""SLI kinds without event counts (issue 14): time slices, freshness, one error-ratio expression, and the
refusal of native histograms. Goldens: tests/golden/slo-kinds, examples/nightly-backup.yaml and
examples/homepage-probe.yaml; error goldens: tests/errors/slice_kinds.yaml, native_histogram.yaml."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.model.alerts import service_alerts
from compiler.model.types import Fleet, SliKind, Tier
from compiler.targets.prometheus import service_rules
from compiler.targets.prometheus.rule_model import Rule
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT, require_tool
from tests.platform_text import sink_platform
from tests.promtool_helpers import groups_copy, run_by_hold_feed

PLATFORM = sink_platform(
    before="""\
defaults: {slo_alerts: {min_bad_events: 7}}
"""
)
SPEC = """\
apiVersion: obsc/v1
service: jobs
team: t
selector: {{job: jobs}}
{targets}
metrics:
  requests: jobs_total
  errors: jobs_total{{result="failed"}}
  latency: job_duration_seconds
  probe: {{selector: probe_success, type: gauge, aggregation: min}}
  last_ok: {{selector: jobs_last_success_timestamp_seconds, type: gauge}}
slos:
  - {{name: events, objective: 99, sli: {{errors: errors, total: requests}}}}
  - {{name: probe, objective: 99, sli: {{good_when: "probe >= 1"}}}}
  - {{name: fresh, objective: 99, sli: {{last_success: last_ok, max_age: 26h, stale_alert: info}}}}
  - name: ratio
    objective: 99
    sli:
      raw:
        error_ratio: >-
          sum(rate(jobs_total{{$selector,result='failed'}}[$window])) / sum(rate(jobs_total{{$selector}}[$window]))
  - {{name: slow, objective: 99, sli: {{latency: latency, threshold: 1s, native: false}}}}
  - {{name: slow-classic, objective: 99, sli: {{latency: latency, threshold: 1s}}}}
"""


def fleet(tmp: Path, targets: str = "") -> Fleet:
    (tmp / "platform.yaml").write_text(PLATFORM)
    (tmp / "jobs.yaml").write_text(SPEC.format(targets=targets))
    return load_fleet([str(tmp)], CompileOptions(), {})[0]


def rules(f: Fleet) -> list[Rule]:
    svc = f.services[0]
    return [r for g in service_rules(svc, f.platform).groups for r in g.rules]


def test_time_slices_take_the_platforms_min_bad_events_as_bad_slices_an_error_ratio_none(tmp_path: Path) -> None:
    slos = {s.name: s for s in fleet(tmp_path).services[0].slos}
    assert {n: s.sli.kind for n, s in slos.items()} == {
        "events": SliKind.RATIO,
        "probe": SliKind.TIME_SLICE,
        "fresh": SliKind.FRESHNESS,
        "ratio": SliKind.ERROR_RATIO,
        "slow": SliKind.LATENCY,
        "slow-classic": SliKind.LATENCY,
    }
    assert {n: s.min_bad_events for n, s in slos.items()} == {
        "events": 7,
        "probe": 7,
        "fresh": 7,
        "ratio": 0,
        "slow": 7,
        "slow-classic": 7,
    }
    assert slos["slow"].sli == slos["slow-classic"].sli, "native: false is the classic histogram"


def test_slice_bits_are_absent_without_data_and_never_read_as_good(tmp_path: Path) -> None:
    exprs = {(r.record, dict(r.labels).get("slo")): r.expr for r in rules(fleet(tmp_path)) if r.record}
    assert exprs[(names.SLI_BAD_SLICE, "probe")] == '1 - (min(probe_success{job="jobs"} >= -Inf) >= bool 1)'
    assert exprs[(names.SLI_BAD_SLICE, "fresh")] == (
        '1 - (time() - max(jobs_last_success_timestamp_seconds{job="jobs"} >= -Inf) <= bool 93600)'
    )
    # no `or vector(0)` / `or 0 *` anywhere in these kinds' ratios: an absent input stays absent
    for slo in ("probe", "fresh", "ratio"):
        ratio = exprs[(names.sli_error_ratio("1h"), slo)]
        assert " or " not in ratio and "(slo:sli_total:rate1h" in ratio
    assert exprs[(names.sli_errors_rate("1h"), "ratio")].startswith("max(sum(rate(jobs_total{")
    assert exprs[(names.sli_errors_rate("1h"), "ratio")].endswith(")) >= 0")


def test_freshness_has_a_stale_alert_at_its_tier_and_no_alert_reads_up_without_targets(tmp_path: Path) -> None:
    f = fleet(tmp_path, "targets: false")
    stale = [a for a in service_alerts(f.services[0]) if a.name == names.SLO_FRESHNESS_STALE]
    assert [(a.slo_name, a.tier) for a in stale] == [("fresh", Tier.INFO)]
    alerts = [r for r in rules(f) if r.alert]
    assert not [r.alert for r in alerts if "up{" in r.expr], "targets: false: nothing may read `up`"
    missing = {dict(r.labels)["slo"]: r.expr for r in alerts if r.alert == names.SLO_DATA_MISSING}
    assert "absent(min(probe_success{" in missing["probe"]
    assert "absent(max(jobs_last_success_timestamp_seconds{" in missing["fresh"]


def test_with_targets_data_missing_still_waits_for_up(tmp_path: Path) -> None:
    alerts = [r for r in rules(fleet(tmp_path)) if r.alert == names.SLO_DATA_MISSING]
    assert alerts and all('sum(up{job="jobs"}) > 0' in r.expr for r in alerts)


def test_generated_tests_of_the_new_kinds_pass_promtool() -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    for case in ("slo-kinds", "examples"):
        tests = sorted((ROOT / "tests/golden" / case / "expected/prometheus/tests").glob("*.yaml"))
        # the scrapes and holds files (~1.9 promtool CPU-s) run whole in test_hold_feed.py, as every golden's do
        mine = [
            t
            for t in tests
            if t.name.split(".")[0] in {"cdn-edge", "invoice-run", "nightly-backup", "homepage"}
            and not run_by_hold_feed(t.name)
        ]
        assert mine
        result = subprocess.run([promtool, "test", "rules", *map(str, mine)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize("expr", ["probe == 1", "probe != 0", "probe > 0.5", "probe < 2", "probe <= 1"])
def test_every_comparison_builds(tmp_path: Path, expr: str) -> None:
    spec = SPEC.format(targets="").replace('"probe >= 1"', f'"{expr}"')
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "jobs.yaml").write_text(spec)
    f = load_fleet([str(tmp_path)], CompileOptions(), {})[0]
    sli = next(s for s in f.services[0].slos if s.name == "probe").sli
    assert f"{sli.op} " in expr + " "


def test_verbose_notes_say_which_slos_have_no_guard(tmp_path: Path) -> None:
    from compiler.model.sli_kinds import kind_notes

    notes = kind_notes(fleet(tmp_path).services[0])
    guards = [n.split(":")[0] for n in notes if "min_bad_events" in n]
    assert guards == ["slo probe", "slo fresh", "slo ratio"]


def test_two_freshness_slos_on_one_timestamp_get_tests_that_expect_both_stale_alerts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each case feeds the shared gauge: the other SLO's stale alert (shorter max_age) fires too, and the
    generated tests must say so (they used to expect only their own, and promtool failed)."""
    promtool = require_tool("promtool", "PROMTOOL")
    spec = SPEC.format(targets="targets: false").replace(
        "  - name: ratio\n",
        "  - {name: fresh-2h, objective: 99, sli: {last_success: last_ok, max_age: 2h}}\n  - name: ratio\n",
    )
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "specs" / "jobs.yaml").write_text(spec)
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(out), "--no-validate", "-q")
    assert result.code == 0, result.err
    test_file = out / "prometheus/tests/jobs.test.yaml"
    assert test_file.read_text().count("slo: fresh-2h") > 2  # expected in the 26h SLO's cases as well
    # only the test groups that check a stale alert (5 of 27): the others cannot see what this is about, and
    # were most of the run
    stale_cases = groups_copy(
        test_file, lambda group: names.SLO_FRESHNESS_STALE in yaml.safe_dump(group), "jobs.stale.test.yaml"
    )
    checked = subprocess.run([promtool, "test", "rules", str(stale_cases)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout[-3000:]


def test_the_gauge_a_freshness_or_time_slice_sli_reads_needs_no_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the round 25 newcomer hunt: the docs' `{last_success: <gauge>, ...}` over an untyped
    `*_timestamp_seconds` was refused twice, "not named like a counter" and then "must be a gauge (it is a
    counter)". The SLI says it is a gauge; a `_total` named there is still a counter, and refused."""
    spec = SPEC.format(targets="").replace(
        "{selector: jobs_last_success_timestamp_seconds, type: gauge}", "jobs_last_success_timestamp_seconds"
    )
    spec = spec.replace(
        "{selector: probe_success, type: gauge, aggregation: min}", "{selector: probe_success, aggregation: min}"
    )
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "jobs.yaml").write_text(spec)
    assert "type: gauge" not in spec
    service = load_fleet([str(tmp_path)], CompileOptions(), {})[0].services[0]
    reads = {s.name: s.sli.gauge for s in service.slos if s.sli.gauge is not None}
    assert {n: (m.type.value, m.aggregation.value) for n, m in reads.items()} == {
        "fresh": ("gauge", "max"),
        "probe": ("gauge", "min"),
    }
    counter = spec.replace("metrics:\n", "metrics:\n  runs: jobs_runs_total\n")
    (tmp_path / "jobs.yaml").write_text(counter.replace('good_when: "probe >= 1"', 'good_when: "runs >= 1"'))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2 and "metric 'runs' must be a gauge series selector (it is a counter)" in result.err


def test_verbose_notes_name_the_bucket_a_latency_slo_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-v shows the `le` a threshold became, so a histogram read in the wrong unit is seen before it ships
    (round 25's newcomer hunt: nothing said which bucket 300ms was)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.format(targets="").replace(
        "latency: job_duration_seconds", "latency: {selector: job_duration_ms, unit: ms}"
    )
    (tmp_path / "jobs.yaml").write_text(spec)
    result = run_obsc(capsys, "-v", "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert 'slo slow: good requests are those in bucket le="1000" of job_duration_ms (its buckets counted in ms)' in (
        result.err
    )


def test_a_time_slice_on_a_millisecond_gauge_gets_tests_in_the_gauges_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`probe_ms < 250` on a gauge declared `unit: ms` compares the raw gauge with 250 (the number is written in
    the gauge's unit). The generated cases scaled the value as a freshness timestamp's: 249 was fed as 249000,
    a bad slice where the case expected a good one, and promtool rejected the rules (nothing written, a dashboard
    hunt's probe fleet)."""
    promtool = require_tool("promtool", "PROMTOOL")
    spec = (
        SPEC.format(targets="targets: false")
        .replace(
            "  probe: {selector: probe_success, type: gauge, aggregation: min}\n",
            "  probe: {selector: probe_success, type: gauge, aggregation: min}\n"
            "  probe_ms: {selector: probe_http_duration_ms, type: gauge, aggregation: max, unit: ms}\n",
        )
        .replace(
            "  - name: ratio\n", "  - {name: fast, objective: 99, sli: {good_when: probe_ms < 250}}\n  - name: ratio\n"
        )
    )
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "specs" / "jobs.yaml").write_text(spec)
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(out), "--no-validate", "-q")
    assert result.code == 0, result.err
    test_file = out / "prometheus/tests/jobs.test.yaml"
    fast = groups_copy(
        test_file, lambda group: "probe_http_duration_ms" in yaml.safe_dump(group), "jobs.fast.test.yaml"
    )
    assert "probe_http_duration_ms = 249: good slices" in fast.read_text()
    checked = subprocess.run([promtool, "test", "rules", str(fast)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout[-3000:]
