"""Round 51, a fleet nobody here wrote: yabeda-sidekiq writes the Sidekiq installation's own numbers (queues, the
retry, scheduled and dead sets, the processes) alike in every Sidekiq server process. A newcomer declared the retry
set `aggregation: sum` with a line of 100: replayed below with promtool, 4 processes each writing 30 retries read
120 and ticketed a healthy queue; `max` read 30. Compiled without a word before; now a located warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_healthy_lines import PLATFORM  # one team, data
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: billing-jobs
team: data
selector: {{job: billing-sidekiq}}
metrics:
  retries: {{selector: {series}, type: gauge, aggregation: {aggregation}}}
threshold_alerts:
  - {{name: BillingJobsRetrying, metric: retries, above: 100, for: 10m, tier: warning}}
alerts: {{traffic_anomaly: false}}
"""


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str, aggregation: str) -> str:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "billing-jobs.yaml").write_text(SPEC.format(series=series, aggregation=aggregation))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    "series",
    [
        *("sidekiq_jobs_waiting_count", "sidekiq_jobs_scheduled_count", "sidekiq_jobs_retry_count"),
        *("sidekiq_jobs_dead_count", "sidekiq_jobs_latency", "sidekiq_queue_latency", "sidekiq_active_processes"),
        "sidekiq_active_workers_count",  # each of the cluster metrics (review52: a name dropped passed)
    ],
)
def test_an_installations_gauge_summed_over_its_processes_is_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str
) -> None:
    err = _err(tmp_path, capsys, series, "sum")
    assert f"billing-jobs.yaml:6:12 $.metrics.retries: warning: {series} is the whole Sidekiq installation's" in err
    assert err.endswith("aggregation: max reads it once\n"), err


@pytest.mark.parametrize(
    ("series", "aggregation"),
    [
        ("sidekiq_jobs_retry_count", "max"),
        ("sidekiq_jobs_retry_count", "avg"),  # avg reads the set once too (review52: only max was tried)
        ("sidekiq_jobs_retry_count", "min"),
        ("sidekiq_busy", "sum"),
        ("sidekiq_jobs_retry_count_total", "sum"),  # the name whole, not its start
    ],
)
def test_read_once_or_another_gauge_is_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str, aggregation: str
) -> None:
    assert "whole Sidekiq installation" not in _err(tmp_path, capsys, series, aggregation)


def test_four_processes_writing_30_retries_ticket_a_line_of_100_summed_and_not_at_max(tmp_path: Path) -> None:
    require_tool("promtool")
    series = {f'up{{job="billing-sidekiq",instance="w{n}"}}': "1x30" for n in range(4)}
    series |= {f'sidekiq_jobs_retry_count{{job="billing-sidekiq",instance="w{n}"}}': "30x30" for n in range(4)}
    for aggregation, fired in (("sum", 1), ("max", 0)):
        folder = tmp_path / aggregation
        folder.mkdir()
        (folder / "platform.yaml").write_text(PLATFORM)
        spec = SPEC.format(series="sidekiq_jobs_retry_count", aggregation=aggregation)
        rules = _rules(folder, "billing-jobs", spec)
        checks = [_firing("BillingJobsRetrying", "25m", fired)]
        assert _promtool(folder, rules, "billing-jobs", series, checks, ({},)) == "", aggregation


ETCD = """apiVersion: obsc/v1
service: etcd-main
team: data
selector: {{job: etcd}}
metrics:
  elections: {{selector: etcd_server_leader_changes_seen_total{aggregation}}}
threshold_alerts:
  - {{name: EtcdLeaderFlapping, metric: elections, above: 3/h, for: 0s, tier: warning}}
alerts: {{traffic_anomaly: false}}
"""


@pytest.mark.parametrize(
    ("series", "said"),
    [
        ("etcd_server_leader_changes_seen_total", "counts the etcd cluster's leader elections, and every member"),
        ("etcd_mvcc_db_total_size_in_bytes", "is one etcd member's copy of the whole keyspace"),
        ("etcd_mvcc_db_total_size_in_use_in_bytes", "is one etcd member's copy of the whole keyspace"),  # review53
        ("etcd_server_quota_backend_bytes", "is one etcd member's copy of the whole keyspace"),
    ],
)
def test_an_etcd_members_copy_of_the_clusters_facts_summed_is_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str, said: str
) -> None:
    """Round 52's newcomer fleet: etcd's leader changes summed over its members (the default for a counter)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    typed = ", type: gauge, unit: bytes, aggregation: sum" if "bytes" in series else ""
    spec = ETCD.format(aggregation=typed).replace("etcd_server_leader_changes_seen_total", series)
    spec = spec.replace("3/h", "6GiB") if typed else spec
    (tmp_path / "etcd-main.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert f"etcd-main.yaml:6:14 $.metrics.elections: warning: {series} {said}" in result.err, result.err
    at_max = spec.replace("sum}", "max}") if typed else spec.replace("_total}", "_total, aggregation: max}")
    (tmp_path / "etcd-main.yaml").write_text(at_max)
    assert "every member" not in run_obsc(capsys, "validate", str(tmp_path)).err


def test_three_elections_seen_by_three_members_ticket_a_line_of_3_an_hour_summed_and_not_at_max(
    tmp_path: Path,
) -> None:
    require_tool("promtool")
    # 3 members, each counting the elections at minutes 20, 50 and 80: 1.5 an hour over the 2h the line reads
    steps = " ".join(str(sum(minute >= at for at in (20, 50, 80))) for minute in range(111))
    series = {f'up{{job="etcd",instance="m{n}"}}': "1x110" for n in range(3)}
    series |= {f'etcd_server_leader_changes_seen_total{{job="etcd",instance="m{n}"}}': steps for n in range(3)}
    for aggregation, fired in (("", 1), (", aggregation: max", 0)):
        folder = tmp_path / (aggregation.split()[-1] if aggregation else "sum")
        folder.mkdir()
        (folder / "platform.yaml").write_text(PLATFORM)
        rules = _rules(folder, "etcd-main", ETCD.format(aggregation=aggregation))
        checks = [_firing("EtcdLeaderFlapping", "110m", fired)]
        assert _promtool(folder, rules, "etcd-main", series, checks, ({},)) == "", aggregation
