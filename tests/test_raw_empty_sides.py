"""A raw SLI that adds or subtracts two queries, either of which may have no series (round 42, a Celery fleet).

`total: succeeded + failed` over Celery's exporter, whose `celery_task_failed_total` appears at the first failure:
a healthy fleet that had not failed yet had no total (SLODataMissing ticketed for good), and every task failing on
a fresh exporter (no `succeeded` series) had none either: replayed with promtool, it ticketed "no data" from its
10th minute and never paged. Compiled without a word before; now a located warning at the query. The remedy the
warning names, `A + B or A or B`, pages that outage (replayed below)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: worker
team: data
selector: {job: worker}
slos:
  - name: tasks
    objective: 99.5
    sli:
      raw:
        errors: 'ERRORS'
        total: 'TOTAL'
"""
OK = "sum(rate(tasks_succeeded_total{$selector}[$window]))"
FAILED = "sum(rate(tasks_failed_total{$selector}[$window]))"
ALL = "sum(rate(tasks_total{$selector}[$window]))"
JOINED = f"{OK} + {FAILED}"


def _warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str], errors: str, total: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "worker.yaml").write_text(SPEC.replace("ERRORS", errors).replace("TOTAL", total))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("errors", "total", "at", "remedy"),
    [
        (FAILED, JOINED, "11:16 $.slos[0].sli.raw.total", "`A + B or A or B`"),
        (f"{ALL} - {OK}", ALL, "10:17 $.slos[0].sli.raw.errors", "`A - B or A`"),
        (f"{FAILED} + sum(rate(tasks_rejected_total{{$selector}}[$window]))", ALL, "10:17", "`A + B or A or B`"),
        (FAILED, f"{OK} + ({FAILED} or vector(0))", "11:16 $.slos[0].sli.raw.total", "`A + B or A or B`"),
        # round 43's review: the join on the right of an `or` is what the query reads when the left has no series
        (FAILED, f"{ALL} or {JOINED}", "11:16 $.slos[0].sli.raw.total", "`A + B or A or B`"),
    ],
    ids=["succeeded-plus-failed", "total-minus-good", "two-failure-counters", "one-side-kept", "join-after-or"],
)
def test_a_join_with_a_side_that_may_be_empty_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], errors: str, total: str, at: str, remedy: str
) -> None:
    err = _warnings(tmp_path, capsys, errors, total)
    assert f"worker.yaml:{at}" in err and "has no series wherever either side has none" in err, err
    assert f"Write {remedy}" in err, err


@pytest.mark.parametrize(
    ("errors", "total"),
    [
        (FAILED, f"{JOINED} or {OK} or {FAILED}"),
        (f"{ALL} - ({OK} or 0 * {ALL})", ALL),
        (f"{ALL} - {OK} or {ALL}", ALL),
        (FAILED, f"{ALL} * 2"),
        # round 43's review: a sum under its `or` is kept, and a side reading no series is no join
        (
            f"{ALL} - sum(rate(tasks_succeeded_total{{$selector}}[$window]) or 0 * {ALL[4:-1]})",
            ALL,
        ),
        (FAILED, f"vector(0) + {ALL}"),
    ],
    ids=["or-both", "good-kept", "or-total", "number", "sums-kept", "no-series-side"],
)
def test_a_join_that_cannot_empty_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], errors: str, total: str
) -> None:
    assert "has no series wherever" not in _warnings(tmp_path, capsys, errors, total)


ROUTED = (
    SPEC
    + """routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
)


def test_every_task_failing_on_a_fresh_exporter_pages_only_with_the_guarded_total(tmp_path: Path) -> None:
    # the exporter's failures counter exists, its successes counter was never created: 10 tasks a second fail;
    # guarded, both page pairs fire by the 20th minute
    series = {'up{job="worker",instance="a"}': "1x30", 'tasks_failed_total{job="worker",instance="a"}': "0+600x30"}
    for name, total, pages in (("joined", JOINED, 0), ("guarded", f"{JOINED} or {OK} or {FAILED}", 1)):
        folder = tmp_path / name
        folder.mkdir()
        spec = SPEC.replace("ERRORS", FAILED).replace("TOTAL", total).replace("team: data", "team: core")
        rules = _rules(folder, "worker", spec)
        checks = [_firing("SLOErrorBudgetBurnFast", "20m", 2 * pages), _firing("SLODataMissing", "20m", 1 - pages)]
        assert _promtool(folder, rules, "worker", series, checks) == "", name
