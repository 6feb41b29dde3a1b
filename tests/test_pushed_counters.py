"""An SLO rating counters a batch job pushes to a Pushgateway (round 50, a tenth fleet nobody here wrote).

The Pushgateway keeps each job's last push, and a batch job's counters start at 0 in each run, so a rate over them
reads the difference between two runs' totals. Replayed below with promtool: after a run of 1000 ok rows and 5
failed, a healthy run of 1000 ok and 9 failed (0.9%, under the 1% line) read as 4 failures of 4 rows and paged.
Now `compile` and `validate` warn at each SLO of a `targets_via: pushgateway` service that rates counters."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from compiler.cli import cli
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _promtool, _rules

HEAD = """apiVersion: obsc/v1
service: ledger
team: core
selector: {job: ledger-reconcile}
targets: {job: pushgateway}
targets_via: pushgateway
alerts: {traffic_anomaly: false, error_rate: false}
metrics:
  rows: ledger_rows_total
  failed: 'ledger_rows_total{result="failed"}'
  last_success: {selector: ledger_last_success_timestamp_seconds, type: gauge, aggregation: max}
  run_failed: {selector: ledger_run_failed_rows, type: gauge, aggregation: max}
slos:
"""
RATED = "  - {name: rows, objective: 99, sli: {errors: failed, total: rows}}\n"
FRESH = "  - {name: fresh, objective: 99, sli: {last_success: last_success, max_age: 26h}}\n"
SHARE = "  - {name: share, objective: 99, sli: {good_when: run_failed < 10}}\n"


def _validate(tmp_path: Path, spec: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "svc.yaml").write_text(spec)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert done.exit_code == 0, done.output
    return [line for line in done.output.splitlines() if "pushed through a Pushgateway" in line]


def test_a_rate_over_pushed_counters_is_warned_of_at_its_sli(tmp_path: Path) -> None:
    found = _validate(tmp_path, HEAD + FRESH + RATED)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:15:") and " $.slos[1].sli: warning: " in found[0]
    assert "SLO 'rows'" in found[0] and "last_success" in found[0]


def test_gauges_of_the_run_or_a_scraped_job_are_not_warned_of(tmp_path: Path) -> None:
    assert _validate(tmp_path, HEAD + FRESH + SHARE) == []
    scraped = HEAD.replace("targets: {job: pushgateway}\ntargets_via: pushgateway\n", "")
    assert _validate(tmp_path, scraped + RATED) == []
    # another relay (a collector) keeps no last push: its counters are the service's own, read right
    collected = HEAD.replace("targets_via: pushgateway", "targets_via: collector")
    assert _validate(tmp_path, collected + RATED) == []


def test_a_healthy_run_after_another_pages_a_rate_over_pushed_counters(tmp_path: Path) -> None:
    require_tool("promtool")

    # 5 hours at 1m steps; a run pushes at minute 30 (1000 ok, 5 failed) and at minute 150 (1000 ok, 9 failed).
    def pushed(first: int, second: int) -> str:
        return " ".join("_" if m < 30 else str(first if m < 150 else second) for m in range(301))

    series = {
        'up{job="pushgateway"}': "1x300",
        'ledger_rows_total{job="ledger-reconcile",result="ok"}': pushed(1000, 1000),
        'ledger_rows_total{job="ledger-reconcile",result="failed"}': pushed(5, 9),
    }
    (tmp_path / "platform.yaml").write_text(sink_platform())
    rules = _rules(tmp_path, "ledger", HEAD + RATED)
    checks = []
    for at, pages in (("140m", 0), ("170m", 1), ("290m", 1)):
        expr = 'count(ALERTS{alertname="SLOErrorBudgetBurnFast",alertstate="firing",slo="rows"}) > bool 0 or vector(0)'
        checks.append({"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": pages}]})
    assert _promtool(tmp_path, rules, "ledger", series, checks) == ""


UNSCRAPED = HEAD.replace("targets: {job: pushgateway}\ntargets_via: pushgateway\n", "targets: false\n")


def test_a_pushing_job_declared_unscraped_is_warned_of_by_the_gateways_marks(tmp_path: Path) -> None:
    """Round 51: `targets: false` (golden batch-and-exporters' nightly-export) hid the Pushgateway. Its marks tell
    it: the job's labels renamed `exported_job` (scraped without honor_labels), or a read of push_time_seconds."""
    renamed = UNSCRAPED.replace("selector: {job: ledger-reconcile}", "selector: {exported_job: ledger-reconcile}")
    found = _validate(tmp_path, renamed + FRESH + RATED)
    assert len(found) == 1 and " $.slos[1].sli: warning: SLO 'rows'" in found[0], found
    pushed = UNSCRAPED.replace(
        "  last_success: {selector: ledger_last_success_timestamp_seconds,",
        "  last_success: {selector: push_time_seconds,",
    )
    found = _validate(tmp_path, pushed + FRESH + RATED)
    assert len(found) == 1 and " $.slos[1].sli: warning: SLO 'rows'" in found[0], found
    in_expr = UNSCRAPED + RATED + "threshold_alerts:\n"
    in_expr = in_expr.replace(
        "  run_failed:", "  pushed_ago: {expr: 'time() - max(push_time_seconds{$selector})', unit: s}\n  run_failed:"
    )
    in_expr += "  - {name: LedgerPushOld, metric: pushed_ago, above: 26h, tier: warning}\n"
    assert len(_validate(tmp_path, in_expr)) == 1


def test_unscraped_counters_without_a_gateways_marks_are_not_warned_of(tmp_path: Path) -> None:
    """A serverless function's or a remote-writing job's counters carry the same `job` and read right: no mark of
    a gateway, no warning (a job pushing with honor_labels and no push_time_seconds read looks like them)."""
    assert _validate(tmp_path, UNSCRAPED + FRESH + RATED) == []


def test_a_selector_on_the_pushed_instance_alone_is_a_gateways_mark(tmp_path: Path) -> None:
    """`exported_instance` is the other label a gateway renames (review52: dropped from the marks, it passed)."""
    renamed = UNSCRAPED.replace(
        "selector: {job: ledger-reconcile}", "selector: {job: pushgateway, exported_instance: ledger-1}"
    )
    found = _validate(tmp_path, renamed + FRESH + RATED)
    assert len(found) == 1 and " $.slos[1].sli: warning: SLO 'rows'" in found[0], found
