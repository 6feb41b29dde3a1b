"""obsc's own raw SLI whose 1d and 3d windows are no mean of its 5m values is warned of at the query (round 40).

obsc evaluates a raw query as written over the pages' windows; its coarse tier (1d, 3d, the period: tickets and
budget) averages the query's 5m values. For summed counts that is the same number; for `count(... > 0)`,
`max_over_time`, a comparison or a quotient of two windowed queries it is another. Before, such a spec compiled
without a word (the importers already said it of imported queries). Replayed with promtool below: ten instances,
one failing one run an hour, for 25 hours: read over the whole day the ratio is 0.1, past the 1d/2h ticket's line
of 0.03 (its 2h window, read as written, is 0.1 too); obsc's 1d reading, the mean of its 5m values, stays under the
line and nothing tickets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT, UPDATE_GOLDENS
from tests.platform_text import sink_platform
from tests.promtool_helpers import promtool_report, rules_checked_by

SPEC = ROOT / "tests" / "cli" / "raw_window_mean.yaml"
GOLDEN = SPEC.with_suffix(".txt")


def test_a_raw_query_whose_long_windows_are_no_mean_is_warned_at_its_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = run_obsc(capsys, "validate", str(SPEC.relative_to(ROOT)), "--platform", "tests/errors/platform.yaml")
    assert result.code == 0, result.err
    said = "".join(line + "\n" for line in result.err.splitlines() if line.startswith("tests/cli/"))
    if UPDATE_GOLDENS:
        GOLDEN.write_text(said)
    assert said == GOLDEN.read_text(), f"warnings changed; if intended run `make goldens`\n{said}"
    # the summed SLO (slos[1]) reads the same ratio on every window: nothing said of it
    assert [line.split(" ")[1] for line in said.splitlines()] == [
        "$.slos[0].sli.raw.errors:",
        "$.slos[0].sli.raw.total:",
        "$.slos[2].sli.raw.errors:",
        "$.slos[2].sli.raw.total:",
        "$.slos[3].sli.raw.errors:",
    ]
    assert "count events: sum(rate(jobs_failed_total{$selector}[$window])) over" in said.splitlines()[0]
    assert "count events: sum(sum_over_time(jobs_failed_sum{$selector}[$window])) over" in said.splitlines()[-1]


BATCH = """\
apiVersion: obsc/v1
service: nightly-batch
team: payments
selector: {job: nightly-batch}
targets: false
slos:
  - name: runs
    objective: 99
    sli:
      raw:
        errors: count(increase(job_failures_total{$selector}[$window]) > 0)
        total: count(increase(job_runs_total{$selector}[$window]) > 0)
"""
HOURS = 25
WHOLE_DAY = (
    'count(increase(job_failures_total{job="nightly-batch"}[1d]) > 0)'
    ' / count(increase(job_runs_total{job="nightly-batch"}[1d]) > 0)'
)
TICKET_LINE = 0.03  # the 30d catalog's 1d/2h ticket: 3x the 1% budget


def _series() -> dict[str, str]:
    """Ten instances running a job a minute; i0 fails one run an hour (its failures counter steps each hour)."""
    runs = {f'job_runs_total{{job="nightly-batch",instance="i{i}"}}': f"0+1x{HOURS * 60}" for i in range(10)}
    failures = " ".join(f"{hour}x59" for hour in range(HOURS + 1))
    return {**runs, 'job_failures_total{job="nightly-batch",instance="i0"}': failures}


def test_the_two_readings_of_a_day_differ_in_what_tickets(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    (specs / "nightly-batch.yaml").write_text(BATCH)
    artifact = compile_specs([str(specs)], CompileOptions(jobs=1)).bundle.get("prometheus/rules/nightly-batch.yaml")
    assert artifact is not None
    at = f"{HOURS}h"
    ours = 'max(slo:sli_error:ratio_rate{w}{{service="nightly-batch",slo="runs"}})'
    checks = [
        (f"({WHOLE_DAY}) > bool {TICKET_LINE}", 1),  # the query over the whole day: past the ticket's line
        (f"{ours.format(w='2h')} > bool {TICKET_LINE}", 1),  # the ticket's short window, as written: past it too
        (f"{ours.format(w='1d')} < bool {TICKET_LINE}", 1),  # obsc's 1d, the mean of 5m values: under it
        ('count(ALERTS{alertname="SLOErrorBudgetBurnSlow",slo="runs"}) or vector(0)', 0),  # so nothing tickets
    ]
    rules = rules_checked_by(artifact.content, [expr for expr, _ in checks])
    (tmp_path / "rules.yaml").write_text(rules)
    exprs = [{"expr": e, "eval_time": at, "exp_samples": [{"labels": "{}", "value": v}]} for e, v in checks]
    report = promtool_report(tmp_path, "rules.yaml", _series(), exprs, evaluation_interval="5m")
    assert report == "", report[-3000:]
